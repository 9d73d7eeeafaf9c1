import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * identity: roles, customers, users, tag and customer access, sessions (seed 001's
 * user_sessions), API keys, and the credit ledger and mandates of seed 002.
 * Tag ids point at incidents' tags: no cross-schema foreign keys (architecture.md).
 */
export class IdentityInitial1763800000000 implements MigrationInterface {
  name = 'IdentityInitial1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE identity.roles (
        id serial PRIMARY KEY,
        name varchar(64) NOT NULL UNIQUE,
        description text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      INSERT INTO identity.roles (name, description) VALUES
        ('admin', 'Administrator'),
        ('analyst', 'SOC Analyst'),
        ('scheduler', 'Scheduler for automated tasks'),
        ('customer_user', 'Customer user with limited access to their own data'),
        ('auditor', 'Auditor with read access to the audit trail')`);

    await q.query(`
      CREATE TABLE identity.customers (
        id serial PRIMARY KEY,
        customer_code varchar(50) NOT NULL UNIQUE CHECK (customer_code ~ '^[A-Za-z0-9_-]+$'),
        parent_customer_code varchar(50) REFERENCES identity.customers (customer_code) ON DELETE SET NULL,
        customer_name varchar(255) NOT NULL,
        contact_name varchar(255),
        phone varchar(50),
        address varchar(1024),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE identity.users (
        id serial PRIMARY KEY,
        username varchar(64) NOT NULL,
        email varchar(255) NOT NULL,
        password_hash text NOT NULL,
        role_id integer NOT NULL REFERENCES identity.roles (id),
        credit_balance_cents integer NOT NULL DEFAULT 1000 CHECK (credit_balance_cents >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz
      )`);
    // Usernames are unique regardless of case ("Admin" and "admin" are one user).
    await q.query(`CREATE UNIQUE INDEX users_username_lower_key ON identity.users (lower(username))`);
    await q.query(`CREATE INDEX users_username_idx ON identity.users (username)`);
    await q.query(`CREATE INDEX users_role_id_idx ON identity.users (role_id)`);

    await q.query(`
      CREATE TABLE identity.user_customer_access (
        id serial PRIMARY KEY,
        user_id integer NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        customer_code varchar(50) NOT NULL REFERENCES identity.customers (customer_code) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, customer_code)
      )`);
    await q.query(`CREATE INDEX user_customer_access_customer_idx ON identity.user_customer_access (customer_code)`);

    await q.query(`
      CREATE TABLE identity.user_tag_access (
        id serial PRIMARY KEY,
        user_id integer NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        tag_id integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, tag_id)
      )`);
    await q.query(`
      CREATE TABLE identity.role_tag_access (
        id serial PRIMARY KEY,
        role_id integer NOT NULL REFERENCES identity.roles (id) ON DELETE CASCADE,
        tag_id integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (role_id, tag_id)
      )`);

    await q.query(`
      CREATE TABLE identity.user_sessions (
        id serial PRIMARY KEY,
        session_id varchar(64) NOT NULL UNIQUE,
        user_id integer NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        device_fingerprint varchar(255),
        ip_address inet,
        user_agent text,
        location jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_activity_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        is_active boolean NOT NULL DEFAULT true,
        logout_reason varchar(50),
        logout_at timestamptz
      )`);
    await q.query(`CREATE INDEX user_sessions_user_idx ON identity.user_sessions (user_id)`);
    await q.query(
      `CREATE INDEX user_sessions_active_expiry_idx ON identity.user_sessions (expires_at) WHERE is_active`,
    );

    await q.query(`
      CREATE TABLE identity.api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id integer NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        client_name varchar(100) NOT NULL,
        key_prefix varchar(16) NOT NULL,
        secret_hash char(64) NOT NULL UNIQUE,
        persisted_only boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        revoked_by varchar(64)
      )`);
    await q.query(`CREATE INDEX api_keys_user_idx ON identity.api_keys (user_id)`);

    await q.query(`
      CREATE TABLE identity.transactions (
        id varchar(36) PRIMARY KEY DEFAULT gen_random_uuid()::text,
        user_id integer NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        agent_id varchar(64),
        type varchar(20) NOT NULL CHECK (type IN ('charge', 'topup', 'refund')),
        amount_cents integer NOT NULL,
        currency char(3) NOT NULL DEFAULT 'USD',
        status varchar(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'failed', 'refunded')),
        provider varchar(32),
        provider_reference varchar(255),
        request jsonb,
        receipt jsonb,
        platform_fee_cents integer NOT NULL DEFAULT 0,
        seller_earnings_cents integer NOT NULL DEFAULT 0,
        -- millisecond precision: the ledger pages by (created_at, id) keyset cursors
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX transactions_user_created_idx ON identity.transactions (user_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE identity.mandates (
        id varchar(36) PRIMARY KEY DEFAULT gen_random_uuid()::text,
        user_id integer NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        agent_id varchar(64),
        status varchar(20) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'expired')),
        rules jsonb NOT NULL DEFAULT '{}',
        max_per_execution_cents integer CHECK (max_per_execution_cents >= 0),
        max_per_day_cents integer CHECK (max_per_day_cents >= 0),
        max_per_month_cents integer CHECK (max_per_month_cents >= 0),
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX mandates_user_idx ON identity.mandates (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'mandates',
      'transactions',
      'api_keys',
      'user_sessions',
      'role_tag_access',
      'user_tag_access',
      'user_customer_access',
      'users',
      'customers',
      'roles',
    ]) {
      await q.query(`DROP TABLE IF EXISTS identity.${table}`);
    }
  }
}
