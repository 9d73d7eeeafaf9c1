import { dropIdempotencyKeysSql, idempotencyKeysMigrationSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** identity's idempotency keys (issue 17 item 5): each keyed mutation's answer, stored with its change. */
export class IdentityIdempotencyKeys1766000000000 implements MigrationInterface {
  name = 'IdentityIdempotencyKeys1766000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of idempotencyKeysMigrationSql('identity')) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of dropIdempotencyKeysSql('identity')) await q.query(statement);
  }
}
