import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['incidents.incident_management_comment', 'incidents.incident_management_case_comment'];

/**
 * The author's role when the comment was written, so a customer user can be shown its own
 * organisation's names but only a neutral label for SOC staff (docs/rbac.md). Older comments
 * keep NULL, which reads as staff: the safe side.
 */
export class IncidentsCommentAuthorRole1766100000000 implements MigrationInterface {
  name = 'IncidentsCommentAuthorRole1766100000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of TABLES) await q.query(`ALTER TABLE ${table} ADD COLUMN author_role varchar(32)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of TABLES) await q.query(`ALTER TABLE ${table} DROP COLUMN author_role`);
  }
}
