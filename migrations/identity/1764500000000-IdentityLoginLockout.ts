import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account lockout after repeated failed logins: a per-user failure counter, when the last
 * failure was (failures older than the window start a new count) and until when the account
 * is locked. Columns on `users`, so its capture trigger already records them; every access is
 * by primary key, so no index.
 */
export class IdentityLoginLockout1764500000000 implements MigrationInterface {
  name = 'IdentityLoginLockout1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE identity.users
        ADD COLUMN failed_login_count integer NOT NULL DEFAULT 0 CHECK (failed_login_count >= 0),
        ADD COLUMN last_failed_login_at timestamptz,
        ADD COLUMN locked_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE identity.users
        DROP COLUMN locked_until,
        DROP COLUMN last_failed_login_at,
        DROP COLUMN failed_login_count`);
  }
}
