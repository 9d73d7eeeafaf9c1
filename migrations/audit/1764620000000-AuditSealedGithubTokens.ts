import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GitHub tokens are stored sealed (AES-256-GCM, `v1:<keyId>:<iv>:<tag>:<ciphertext>`, see
 * shared/src/crypto/secret-box.ts), never in plaintext (issue 16, item 7). Sealing needs the key,
 * which migrations do not have: the audit subgraph re-seals plaintext rows at start. This
 * constraint refuses any new plaintext write from now on; NOT VALID leaves rows from before
 * it to that re-seal (then `ALTER TABLE ... VALIDATE CONSTRAINT` may be run). Down drops the
 * constraint only: sealed tokens stay sealed.
 */
export class AuditSealedGithubTokens1764620000000 implements MigrationInterface {
  name = 'AuditSealedGithubTokens1764620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE audit.github_audit_config ADD CONSTRAINT github_token_sealed CHECK (github_token LIKE 'v1:%') NOT VALID`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit.github_audit_config DROP CONSTRAINT github_token_sealed`);
  }
}
