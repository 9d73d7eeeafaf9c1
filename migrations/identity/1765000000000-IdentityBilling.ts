import { auditCaptureTriggerSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing (issue #11): the credit ledger becomes the source of truth for a user's credit, holds
 * for agent executions, mandates with limits and a change log, checkout sessions and payments
 * from a payment provider (with the webhook events already applied), and per-day usage.
 *
 * The database keeps `users.credit_balance_cents` equal to the sum of the user's ledger: an
 * AFTER INSERT trigger on `transactions` adds each entry's amount (the CHECK on the balance
 * refuses any entry that would take it below zero), entries cannot change their amount, and
 * a new user's starting balance is written down as its `opening` entry. So any writer —
 * service, seed or a hand-run statement — keeps balance and ledger in step.
 */
export class IdentityBilling1765000000000 implements MigrationInterface {
  name = 'IdentityBilling1765000000000';

  async up(q: QueryRunner): Promise<void> {
    // --- ledger -------------------------------------------------------------------------
    await q.query(`ALTER TABLE identity.transactions DROP CONSTRAINT IF EXISTS transactions_type_check`);
    await q.query(`ALTER TABLE identity.transactions DROP CONSTRAINT IF EXISTS transactions_status_check`);
    await q.query(`
      ALTER TABLE identity.transactions
        ADD CONSTRAINT transactions_type_check
          CHECK (type IN ('opening', 'grant', 'topup', 'charge', 'release', 'refund', 'adjustment')),
        ADD CONSTRAINT transactions_status_check
          CHECK (status IN ('pending', 'completed', 'failed', 'refunded', 'released')),
        ADD CONSTRAINT transactions_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
        ADD CONSTRAINT transactions_fees_check CHECK (platform_fee_cents >= 0 AND seller_earnings_cents >= 0),
        ADD COLUMN hold_id uuid,
        ADD COLUMN payment_id uuid,
        ADD COLUMN description varchar(255),
        ADD COLUMN created_by varchar(64)`);
    await q.query(
      `CREATE UNIQUE INDEX transactions_one_opening_idx ON identity.transactions (user_id) WHERE type = 'opening'`,
    );
    await q.query(`CREATE INDEX transactions_hold_idx ON identity.transactions (hold_id) WHERE hold_id IS NOT NULL`);
    await q.query(`
      CREATE FUNCTION identity.ledger_apply() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        -- The opening entry records the balance a user was created with: already counted.
        IF NEW.type <> 'opening' THEN
          UPDATE identity.users SET credit_balance_cents = credit_balance_cents + NEW.amount_cents
           WHERE id = NEW.user_id;
        END IF;
        RETURN NULL;
      END
      $fn$`);
    await q.query(`
      CREATE TRIGGER ledger_apply AFTER INSERT ON identity.transactions
        FOR EACH ROW EXECUTE FUNCTION identity.ledger_apply()`);
    await q.query(`
      CREATE FUNCTION identity.ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NEW.amount_cents <> OLD.amount_cents OR NEW.user_id <> OLD.user_id
           OR NEW.type <> OLD.type OR NEW.currency <> OLD.currency THEN
          RAISE EXCEPTION 'ledger entries are append-only: amount, user, type and currency never change';
        END IF;
        NEW.updated_at := now();
        RETURN NEW;
      END
      $fn$`);
    await q.query(`
      CREATE TRIGGER ledger_immutable BEFORE UPDATE ON identity.transactions
        FOR EACH ROW EXECUTE FUNCTION identity.ledger_immutable()`);
    await q.query(`
      CREATE FUNCTION identity.ledger_opening() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NEW.credit_balance_cents <> 0 THEN
          INSERT INTO identity.transactions (user_id, type, amount_cents, currency, status, description, created_by)
          VALUES (NEW.id, 'opening', NEW.credit_balance_cents, 'USD', 'completed', 'Opening balance', 'system');
        END IF;
        RETURN NULL;
      END
      $fn$`);
    await q.query(`
      CREATE TRIGGER ledger_opening AFTER INSERT ON identity.users
        FOR EACH ROW EXECUTE FUNCTION identity.ledger_opening()`);
    // Users created before the ledger: their balance so far becomes their opening entry.
    await q.query(`
      INSERT INTO identity.transactions (user_id, type, amount_cents, currency, status, description, created_by)
      SELECT u.id, 'opening', u.credit_balance_cents - coalesce(sum(t.amount_cents), 0), 'USD', 'completed',
             'Opening balance', 'system'
        FROM identity.users u LEFT JOIN identity.transactions t ON t.user_id = u.id
       GROUP BY u.id
      HAVING u.credit_balance_cents - coalesce(sum(t.amount_cents), 0) <> 0`);

    await q.query(`
      CREATE TABLE identity.transaction_audit_log (
        id bigserial PRIMARY KEY,
        transaction_id varchar(36) NOT NULL REFERENCES identity.transactions (id) ON DELETE CASCADE,
        action varchar(32) NOT NULL
          CHECK (action IN ('created', 'captured', 'released', 'completed', 'refunded', 'failed')),
        actor varchar(64) NOT NULL,
        details jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX transaction_audit_log_tx_idx ON identity.transaction_audit_log (transaction_id, id)`);

    // --- holds --------------------------------------------------------------------------
    await q.query(`
      CREATE TABLE identity.credit_holds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id integer NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        agent_id varchar(64),
        amount_cents integer NOT NULL CHECK (amount_cents > 0),
        idempotency_key varchar(128) NOT NULL,
        status varchar(20) NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'captured', 'released')),
        -- the pending charge; inserted right after the hold in the same transaction
        transaction_id varchar(36) NOT NULL
          REFERENCES identity.transactions (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        mandate_id varchar(36),
        requested_by varchar(64) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        settled_at timestamptz,
        CONSTRAINT credit_holds_idempotency_key UNIQUE (user_id, idempotency_key)
      )`);
    await q.query(`CREATE INDEX credit_holds_user_created_idx ON identity.credit_holds (user_id, created_at)`);

    // --- mandates -----------------------------------------------------------------------
    await q.query(`
      ALTER TABLE identity.mandates
        ADD COLUMN agent_ids varchar(64)[] NOT NULL DEFAULT '{}',
        ADD COLUMN created_by varchar(64),
        ADD COLUMN updated_by varchar(64),
        ADD COLUMN revoked_at timestamptz,
        ADD COLUMN revoked_by varchar(64),
        ADD CONSTRAINT mandates_day_within_month
          CHECK (max_per_day_cents IS NULL OR max_per_month_cents IS NULL OR max_per_day_cents <= max_per_month_cents)`);
    await q.query(`UPDATE identity.mandates SET agent_ids = ARRAY[agent_id] WHERE agent_id IS NOT NULL`);
    await q.query(`ALTER TABLE identity.mandates DROP COLUMN agent_id, DROP COLUMN rules`);
    await q.query(`
      CREATE TABLE identity.mandate_audit_log (
        id bigserial PRIMARY KEY,
        mandate_id varchar(36) NOT NULL REFERENCES identity.mandates (id) ON DELETE CASCADE,
        action varchar(20) NOT NULL CHECK (action IN ('created', 'updated', 'revoked')),
        field varchar(64) NOT NULL,
        old_value jsonb,
        new_value jsonb,
        changed_by varchar(64) NOT NULL,
        changed_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX mandate_audit_log_mandate_idx ON identity.mandate_audit_log (mandate_id, id)`);

    // --- checkout and payments (seed 000) -----------------------------------------------
    await q.query(`
      CREATE TABLE identity.checkout_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id integer NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        provider varchar(32) NOT NULL,
        provider_session_id varchar(255) UNIQUE,
        amount_cents integer NOT NULL CHECK (amount_cents > 0),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        credits_cents integer NOT NULL CHECK (credits_cents > 0),
        status varchar(20) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'expired')),
        checkout_url text,
        idempotency_key varchar(128) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        completed_at timestamptz,
        CONSTRAINT checkout_sessions_idempotency_key UNIQUE (user_id, idempotency_key)
      )`);
    await q.query(`CREATE INDEX checkout_sessions_user_idx ON identity.checkout_sessions (user_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE identity.payments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id integer NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        checkout_session_id uuid NOT NULL UNIQUE REFERENCES identity.checkout_sessions (id),
        provider varchar(32) NOT NULL,
        provider_payment_id varchar(255),
        amount_cents integer NOT NULL CHECK (amount_cents > 0),
        currency char(3) NOT NULL,
        credits_cents integer NOT NULL CHECK (credits_cents > 0),
        status varchar(20) NOT NULL DEFAULT 'succeeded' CHECK (status IN ('succeeded', 'refunded')),
        transaction_id varchar(36) REFERENCES identity.transactions (id),
        refund_transaction_id varchar(36) REFERENCES identity.transactions (id),
        refund_reason varchar(255),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        refunded_at timestamptz
      )`);
    await q.query(`CREATE INDEX payments_user_created_idx ON identity.payments (user_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE identity.payment_webhook_events (
        event_id varchar(255) PRIMARY KEY,
        provider varchar(32) NOT NULL,
        type varchar(64) NOT NULL,
        signed_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        payload jsonb NOT NULL
      )`);

    // --- usage (seed 000) ---------------------------------------------------------------
    await q.query(`
      CREATE TABLE identity.usage_metrics (
        user_id integer NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        day date NOT NULL,
        logins integer NOT NULL DEFAULT 0 CHECK (logins >= 0),
        api_requests integer NOT NULL DEFAULT 0 CHECK (api_requests >= 0),
        agent_executions integer NOT NULL DEFAULT 0 CHECK (agent_executions >= 0),
        credits_spent_cents bigint NOT NULL DEFAULT 0 CHECK (credits_spent_cents >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, day)
      )`);

    for (const table of [
      'transaction_audit_log',
      'credit_holds',
      'mandate_audit_log',
      'checkout_sessions',
      'payments',
      'payment_webhook_events',
      'usage_metrics',
    ]) {
      await q.query(auditCaptureTriggerSql('identity', table));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'usage_metrics',
      'payment_webhook_events',
      'payments',
      'checkout_sessions',
      'mandate_audit_log',
      'credit_holds',
      'transaction_audit_log',
    ]) {
      await q.query(`DROP TABLE IF EXISTS identity.${table}`);
    }
    await q.query(`ALTER TABLE identity.mandates DROP CONSTRAINT mandates_day_within_month`);
    await q.query(
      `ALTER TABLE identity.mandates ADD COLUMN agent_id varchar(64), ADD COLUMN rules jsonb NOT NULL DEFAULT '{}'`,
    );
    await q.query(`UPDATE identity.mandates SET agent_id = agent_ids[1]`);
    await q.query(
      `ALTER TABLE identity.mandates DROP COLUMN agent_ids, DROP COLUMN created_by, DROP COLUMN updated_by,
         DROP COLUMN revoked_at, DROP COLUMN revoked_by`,
    );
    await q.query(`DROP TRIGGER ledger_opening ON identity.users`);
    await q.query(`DROP FUNCTION identity.ledger_opening()`);
    await q.query(`DROP TRIGGER ledger_immutable ON identity.transactions`);
    await q.query(`DROP FUNCTION identity.ledger_immutable()`);
    await q.query(`DROP TRIGGER ledger_apply ON identity.transactions`);
    await q.query(`DROP FUNCTION identity.ledger_apply()`);
    await q.query(`DROP INDEX identity.transactions_hold_idx`);
    await q.query(`DROP INDEX identity.transactions_one_opening_idx`);
    await q.query(`DELETE FROM identity.transactions WHERE type NOT IN ('charge', 'topup', 'refund')`);
    await q.query(`
      ALTER TABLE identity.transactions
        DROP CONSTRAINT transactions_type_check, DROP CONSTRAINT transactions_status_check,
        DROP CONSTRAINT transactions_currency_check, DROP CONSTRAINT transactions_fees_check,
        DROP COLUMN hold_id, DROP COLUMN payment_id, DROP COLUMN description, DROP COLUMN created_by`);
    await q.query(`
      ALTER TABLE identity.transactions
        ADD CONSTRAINT transactions_type_check CHECK (type IN ('charge', 'topup', 'refund')),
        ADD CONSTRAINT transactions_status_check CHECK (status IN ('pending', 'completed', 'failed', 'refunded'))`);
  }
}
