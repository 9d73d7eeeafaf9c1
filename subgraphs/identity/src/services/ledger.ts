import { randomUUID } from 'node:crypto';
import { badUserInput, notFound, principalGone } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { TransactionAuditRow, TransactionStatus, TransactionType } from '../entities';

/**
 * The credit ledger's write side, for the billing services. Callers run inside one database
 * transaction (a mutation's request transaction, or the webhook's), lock the user row first
 * (`lockUser`), then append: the database adds each entry to `users.credit_balance_cents`
 * and refuses one that would take it below zero (migration 1765000000000).
 */

/** Credits are US cents; payments may be in any ISO 4217 currency the runtime knows. */
export const CREDIT_CURRENCY = 'USD';
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function currencyCode(value: string, field: string): string {
  if (!/^[A-Za-z]{3}$/.test(value) || !KNOWN_CURRENCIES.has(value.toUpperCase())) {
    throw badUserInput(`${field} must be an ISO 4217 currency code`, field);
  }
  return value.toUpperCase();
}

/** Largest single amount: well inside int4 even after sums of a day. */
export const MAX_AMOUNT_CENTS = 100_000_000;

export function positiveCents(value: number, field: string): number {
  if (!Number.isInteger(value) || value <= 0) throw badUserInput(`${field} must be a positive number of cents`, field);
  if (value > MAX_AMOUNT_CENTS) throw badUserInput(`${field} must be at most ${MAX_AMOUNT_CENTS} cents`, field);
  return value;
}

/** `SELECT ... FOR UPDATE` on the user: every balance change of one user queues here. */
export async function lockUser(ds: DataSource, userId: number): Promise<{ balance: number } | null> {
  const rows = (await ds.query(`SELECT credit_balance_cents FROM identity.users WHERE id = $1 FOR UPDATE`, [
    userId,
  ])) as { credit_balance_cents: number }[];
  const [row] = rows;
  return row ? { balance: row.credit_balance_cents } : null;
}

/** NOT_FOUND for a missing user, UNAUTHENTICATED when it is the caller (`actorUserId`) that is gone. */
export async function lockUserOrFail(
  ds: DataSource,
  userId: number,
  actorUserId: string | null = null,
): Promise<{ balance: number }> {
  const locked = await lockUser(ds, userId);
  if (!locked) throw actorUserId === String(userId) ? principalGone() : notFound('User', userId);
  return locked;
}

export interface LedgerEntry {
  id?: string;
  userId: number;
  type: TransactionType;
  amountCents: number;
  status: TransactionStatus;
  agentId?: string | null;
  provider?: string | null;
  providerReference?: string | null;
  request?: Record<string, unknown> | null;
  receipt?: Record<string, unknown> | null;
  platformFeeCents?: number;
  sellerEarningsCents?: number;
  holdId?: string | null;
  paymentId?: string | null;
  description?: string | null;
}

/** Appends one entry and its `created` audit row; returns the entry's id. */
export async function appendEntry(ds: DataSource, entry: LedgerEntry, actor: string): Promise<string> {
  const id = entry.id ?? randomUUID();
  await ds.query(
    `INSERT INTO identity.transactions
       (id, user_id, type, amount_cents, currency, status, agent_id, provider, provider_reference, request, receipt,
        platform_fee_cents, seller_earnings_cents, hold_id, payment_id, description, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
    [
      id,
      entry.userId,
      entry.type,
      entry.amountCents,
      CREDIT_CURRENCY,
      entry.status,
      entry.agentId ?? null,
      entry.provider ?? null,
      entry.providerReference ?? null,
      entry.request ? JSON.stringify(entry.request) : null,
      entry.receipt ? JSON.stringify(entry.receipt) : null,
      entry.platformFeeCents ?? 0,
      entry.sellerEarningsCents ?? 0,
      entry.holdId ?? null,
      entry.paymentId ?? null,
      entry.description ?? null,
      actor.slice(0, 64),
    ],
  );
  await auditTransaction(ds, id, 'created', actor, { type: entry.type, amountCents: entry.amountCents });
  return id;
}

/** Moves an entry along its lifecycle (status, receipt, fee split: never its amount). */
export async function setEntryStatus(
  ds: DataSource,
  id: string,
  status: TransactionStatus,
  changes: { receipt?: Record<string, unknown>; platformFeeCents?: number; sellerEarningsCents?: number } = {},
): Promise<void> {
  await ds.query(
    `UPDATE identity.transactions
        SET status = $2,
            receipt = coalesce($3::jsonb, receipt),
            platform_fee_cents = coalesce($4, platform_fee_cents),
            seller_earnings_cents = coalesce($5, seller_earnings_cents)
      WHERE id = $1`,
    [
      id,
      status,
      changes.receipt ? JSON.stringify(changes.receipt) : null,
      changes.platformFeeCents ?? null,
      changes.sellerEarningsCents ?? null,
    ],
  );
}

export async function auditTransaction(
  ds: DataSource,
  transactionId: string,
  action: TransactionAuditRow['action'],
  actor: string,
  details: Record<string, unknown> | null = null,
): Promise<void> {
  await ds.query(
    `INSERT INTO identity.transaction_audit_log (transaction_id, action, actor, details) VALUES ($1, $2, $3, $4)`,
    [transactionId, action, actor.slice(0, 64), details ? JSON.stringify(details) : null],
  );
}

export interface UsageIncrement {
  logins?: number;
  apiRequests?: number;
  agentExecutions?: number;
  creditsSpentCents?: number;
}

/** Adds to the user's counters of today (UTC), in the caller's transaction. */
/** Anything that runs SQL: the DataSource (joining the request transaction) or an EntityManager. */
export interface Sql {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export async function bumpUsage(ds: Sql, userId: number, by: UsageIncrement): Promise<void> {
  await ds.query(
    `INSERT INTO identity.usage_metrics AS m (user_id, day, logins, api_requests, agent_executions, credits_spent_cents)
     VALUES ($1, (now() AT TIME ZONE 'UTC')::date, $2, $3, $4, $5)
     ON CONFLICT (user_id, day) DO UPDATE SET
       logins = m.logins + EXCLUDED.logins,
       api_requests = m.api_requests + EXCLUDED.api_requests,
       agent_executions = m.agent_executions + EXCLUDED.agent_executions,
       credits_spent_cents = m.credits_spent_cents + EXCLUDED.credits_spent_cents,
       updated_at = now()`,
    [userId, by.logins ?? 0, by.apiRequests ?? 0, by.agentExecutions ?? 0, by.creditsSpentCents ?? 0],
  );
}
