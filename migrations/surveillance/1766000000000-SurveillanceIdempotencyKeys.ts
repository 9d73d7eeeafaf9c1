import { dropIdempotencyKeysSql, idempotencyKeysMigrationSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** surveillance's idempotency keys (issue 17 item 5): each keyed mutation's answer, stored with its change. */
export class SurveillanceIdempotencyKeys1766000000000 implements MigrationInterface {
  name = 'SurveillanceIdempotencyKeys1766000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of idempotencyKeysMigrationSql('surveillance')) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of dropIdempotencyKeysSql('surveillance')) await q.query(statement);
  }
}
