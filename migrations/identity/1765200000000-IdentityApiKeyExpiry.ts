import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys expire. Every key gets an `expires_at`; keys made before this migration get a year
 * from now, so no partner integration stops without notice. The lookup and the per-owner cap
 * count only keys that are neither revoked nor expired.
 */
export class IdentityApiKeyExpiry1765200000000 implements MigrationInterface {
  name = 'IdentityApiKeyExpiry1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.api_keys ADD COLUMN expires_at timestamptz`);
    await q.query(`UPDATE identity.api_keys SET expires_at = now() + interval '365 days'`);
    // The service always names the expiry; the default only covers rows written by hand.
    await q.query(
      `ALTER TABLE identity.api_keys ALTER COLUMN expires_at SET DEFAULT now() + interval '90 days', ALTER COLUMN expires_at SET NOT NULL`,
    );
    await q.query(
      `ALTER TABLE identity.api_keys ADD CONSTRAINT api_keys_expiry_after_creation CHECK (expires_at > created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.api_keys DROP COLUMN expires_at`);
  }
}
