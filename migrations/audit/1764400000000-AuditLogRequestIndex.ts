import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `auditLog(filter: { requestId })`: what one request changed, next to its access-log line. */
export class AuditLogRequestIndex1764400000000 implements MigrationInterface {
  name = 'AuditLogRequestIndex1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX idx_audit_logs_request_id ON audit.audit_logs (request_id) WHERE request_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit.idx_audit_logs_request_id`);
  }
}
