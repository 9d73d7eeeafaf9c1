import { auditOutboxMigrationSql, dropAuditOutboxSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * identity's audit trail (issue #4): the outbox the relay delivers to audit, and change capture
 * on every table, so each mutation's entry carries the fields it changed. Secrets show only
 * that they changed.
 */
export class IdentityAuditOutbox1764200000000 implements MigrationInterface {
  name = 'IdentityAuditOutbox1764200000000';

  async up(q: QueryRunner): Promise<void> {
    const statements = auditOutboxMigrationSql('identity', {
      roles: {},
      customers: {},
      users: { redact: ['password_hash'] },
      user_customer_access: {},
      user_tag_access: {},
      role_tag_access: {},
      user_sessions: {},
      api_keys: { redact: ['secret_hash'] },
      transactions: {},
      mandates: {},
    });
    for (const statement of statements) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of dropAuditOutboxSql('identity')) await q.query(statement);
  }
}
