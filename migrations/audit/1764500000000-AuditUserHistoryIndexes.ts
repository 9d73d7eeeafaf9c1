import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `User.authEvents` (by user id) and `User.auditEntries` (by actor) page one user's rows newest
 * first by `seq`: each page is an index range scan, also under the LATERAL join that pages many
 * users at once. The actor index leads with `actor`, so it replaces the single-column one.
 */
export class AuditUserHistoryIndexes1764500000000 implements MigrationInterface {
  name = 'AuditUserHistoryIndexes1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX auth_audit_user_id_seq_idx ON audit.auth_audit_log (user_id, seq DESC) WHERE user_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX idx_audit_logs_actor_seq ON audit.audit_logs (actor, seq DESC)`);
    await q.query(`DROP INDEX audit.idx_audit_logs_actor`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX idx_audit_logs_actor ON audit.audit_logs (actor)`);
    await q.query(`DROP INDEX audit.idx_audit_logs_actor_seq`);
    await q.query(`DROP INDEX audit.auth_audit_user_id_seq_idx`);
  }
}
