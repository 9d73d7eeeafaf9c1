import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where each chain was last verified intact (issue 16, item 4): the seq and hash of the last
 * row a successful walk reached. The next `verifyAuditChain` starts there, so a call costs the
 * rows appended since; `full: true` walks from the retention checkpoint again. Written only by
 * verification (a read), so not captured.
 */
export class AuditChainVerifications1764610000000 implements MigrationInterface {
  name = 'AuditChainVerifications1764610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit.audit_chain_verifications (
        chain varchar(20) PRIMARY KEY CHECK (chain IN ('AUDIT_LOG', 'AUTH_EVENTS')),
        verified_through_seq bigint NOT NULL,
        verified_hash varchar(64) NOT NULL,
        verified_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit.audit_chain_verifications`);
  }
}
