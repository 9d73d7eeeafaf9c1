import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The caller's own `x-request-id` beside the gateway's: a partner or dashboard quotes the id
 * it sent, and an auditor finds the row by it. Untrusted text (the gateway passes on only a
 * well-formed id), so it is never unique and never the row's identity.
 */
export class AuditAccessClientRequestId1766200000000 implements MigrationInterface {
  name = 'AuditAccessClientRequestId1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit.api_access_log ADD COLUMN client_request_id varchar(128)`);
    await q.query(
      `CREATE INDEX api_access_client_request_idx ON audit.api_access_log (client_request_id) WHERE client_request_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit.api_access_log DROP COLUMN client_request_id`);
  }
}
