import { EntitySchema } from 'typeorm';

export type TransactionType = 'opening' | 'grant' | 'topup' | 'charge' | 'release' | 'refund' | 'adjustment';
export type TransactionStatus = 'pending' | 'completed' | 'failed' | 'refunded' | 'released';

/**
 * Credit ledger entries (seed 002's Transaction). Append-only: the database refuses a change
 * of amount, user, type or currency, and adds each entry to the user's balance (migration
 * 1765000000000). Only `status`, `receipt` and the fee split follow an entry's lifecycle.
 */
export interface TransactionRow {
  id: string;
  userId: number;
  agentId: string | null;
  type: TransactionType;
  amountCents: number;
  currency: string;
  status: TransactionStatus;
  provider: string | null;
  providerReference: string | null;
  request: Record<string, unknown> | null;
  receipt: Record<string, unknown> | null;
  platformFeeCents: number;
  sellerEarningsCents: number;
  holdId: string | null;
  paymentId: string | null;
  description: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const TransactionEntity = new EntitySchema<TransactionRow>({
  name: 'Transaction',
  tableName: 'transactions',
  columns: {
    id: { type: 'varchar', primary: true, generated: 'uuid' },
    userId: { name: 'user_id', type: 'int' },
    agentId: { name: 'agent_id', type: 'varchar', length: 64, nullable: true },
    type: { type: 'varchar', length: 20 },
    amountCents: { name: 'amount_cents', type: 'int' },
    currency: { type: 'char', length: 3, default: 'USD' },
    status: { type: 'varchar', length: 20, default: 'pending' },
    provider: { type: 'varchar', length: 32, nullable: true },
    providerReference: { name: 'provider_reference', type: 'varchar', length: 255, nullable: true },
    request: { type: 'jsonb', nullable: true },
    receipt: { type: 'jsonb', nullable: true },
    platformFeeCents: { name: 'platform_fee_cents', type: 'int', default: 0 },
    sellerEarningsCents: { name: 'seller_earnings_cents', type: 'int', default: 0 },
    holdId: { name: 'hold_id', type: 'uuid', nullable: true },
    paymentId: { name: 'payment_id', type: 'uuid', nullable: true },
    description: { type: 'varchar', length: 255, nullable: true },
    createdBy: { name: 'created_by', type: 'varchar', length: 64, nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    updatedAt: { name: 'updated_at', type: 'timestamptz', updateDate: true },
  },
});

/** Seed 002's AuditLog: the lifecycle of one ledger entry, with who moved it. */
export interface TransactionAuditRow {
  id: string;
  transactionId: string;
  action: 'created' | 'captured' | 'released' | 'completed' | 'refunded' | 'failed';
  actor: string;
  details: Record<string, unknown> | null;
  createdAt: Date;
}

export const TransactionAuditEntity = new EntitySchema<TransactionAuditRow>({
  name: 'TransactionAuditLog',
  tableName: 'transaction_audit_log',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    transactionId: { name: 'transaction_id', type: 'varchar', length: 36 },
    action: { type: 'varchar', length: 32 },
    actor: { type: 'varchar', length: 64 },
    details: { type: 'jsonb', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});

/** Credit reserved for one agent execution: captured when it ran, released when it did not. */
export interface CreditHoldRow {
  id: string;
  userId: number;
  agentId: string | null;
  amountCents: number;
  idempotencyKey: string;
  status: 'held' | 'captured' | 'released';
  transactionId: string;
  mandateId: string | null;
  requestedBy: string;
  createdAt: Date;
  settledAt: Date | null;
}

export const CreditHoldEntity = new EntitySchema<CreditHoldRow>({
  name: 'CreditHold',
  tableName: 'credit_holds',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    userId: { name: 'user_id', type: 'int' },
    agentId: { name: 'agent_id', type: 'varchar', length: 64, nullable: true },
    amountCents: { name: 'amount_cents', type: 'int' },
    idempotencyKey: { name: 'idempotency_key', type: 'varchar', length: 128 },
    status: { type: 'varchar', length: 20 },
    transactionId: { name: 'transaction_id', type: 'varchar', length: 36 },
    mandateId: { name: 'mandate_id', type: 'varchar', length: 36, nullable: true },
    requestedBy: { name: 'requested_by', type: 'varchar', length: 64 },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    settledAt: { name: 'settled_at', type: 'timestamptz', nullable: true },
  },
});

/** Spending limits for agent executions (seed 002's Mandate, with the limits users ask for). */
export interface MandateRow {
  id: string;
  userId: number;
  agentIds: string[];
  status: 'active' | 'revoked' | 'expired';
  maxPerExecutionCents: number | null;
  maxPerDayCents: number | null;
  maxPerMonthCents: number | null;
  expiresAt: Date | null;
  createdBy: string | null;
  updatedBy: string | null;
  revokedAt: Date | null;
  revokedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const MandateEntity = new EntitySchema<MandateRow>({
  name: 'Mandate',
  tableName: 'mandates',
  columns: {
    id: { type: 'varchar', primary: true, generated: 'uuid' },
    userId: { name: 'user_id', type: 'int' },
    agentIds: { name: 'agent_ids', type: 'varchar', length: 64, array: true, default: () => "'{}'" },
    status: { type: 'varchar', length: 20, default: 'active' },
    maxPerExecutionCents: { name: 'max_per_execution_cents', type: 'int', nullable: true },
    maxPerDayCents: { name: 'max_per_day_cents', type: 'int', nullable: true },
    maxPerMonthCents: { name: 'max_per_month_cents', type: 'int', nullable: true },
    expiresAt: { name: 'expires_at', type: 'timestamptz', nullable: true },
    createdBy: { name: 'created_by', type: 'varchar', length: 64, nullable: true },
    updatedBy: { name: 'updated_by', type: 'varchar', length: 64, nullable: true },
    revokedAt: { name: 'revoked_at', type: 'timestamptz', nullable: true },
    revokedBy: { name: 'revoked_by', type: 'varchar', length: 64, nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    updatedAt: { name: 'updated_at', type: 'timestamptz', updateDate: true },
  },
});

/** Seed 002's recommended MandateAuditLog: one row per changed field, with who and when. */
export interface MandateAuditRow {
  id: string;
  mandateId: string;
  action: 'created' | 'updated' | 'revoked';
  field: string;
  oldValue: unknown;
  newValue: unknown;
  changedBy: string;
  changedAt: Date;
}

export const MandateAuditEntity = new EntitySchema<MandateAuditRow>({
  name: 'MandateAuditLog',
  tableName: 'mandate_audit_log',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    mandateId: { name: 'mandate_id', type: 'varchar', length: 36 },
    action: { type: 'varchar', length: 20 },
    field: { type: 'varchar', length: 64 },
    oldValue: { name: 'old_value', type: 'jsonb', nullable: true },
    newValue: { name: 'new_value', type: 'jsonb', nullable: true },
    changedBy: { name: 'changed_by', type: 'varchar', length: 64 },
    changedAt: { name: 'changed_at', type: 'timestamptz', createDate: true },
  },
});

/** A purchase of credits in progress at the payment provider (seed 000's checkout_sessions). */
export interface CheckoutSessionRow {
  id: string;
  userId: number;
  provider: string;
  providerSessionId: string | null;
  amountCents: number;
  currency: string;
  creditsCents: number;
  status: 'open' | 'completed' | 'expired';
  checkoutUrl: string | null;
  idempotencyKey: string;
  createdAt: Date;
  expiresAt: Date;
  completedAt: Date | null;
}

export const CheckoutSessionEntity = new EntitySchema<CheckoutSessionRow>({
  name: 'CheckoutSession',
  tableName: 'checkout_sessions',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    userId: { name: 'user_id', type: 'int' },
    provider: { type: 'varchar', length: 32 },
    providerSessionId: { name: 'provider_session_id', type: 'varchar', length: 255, nullable: true },
    amountCents: { name: 'amount_cents', type: 'int' },
    currency: { type: 'char', length: 3 },
    creditsCents: { name: 'credits_cents', type: 'int' },
    status: { type: 'varchar', length: 20 },
    checkoutUrl: { name: 'checkout_url', type: 'text', nullable: true },
    idempotencyKey: { name: 'idempotency_key', type: 'varchar', length: 128 },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    expiresAt: { name: 'expires_at', type: 'timestamptz' },
    completedAt: { name: 'completed_at', type: 'timestamptz', nullable: true },
  },
});

/** A completed purchase (seed 000's payments); its credits are a `topup` ledger entry. */
export interface PaymentRow {
  id: string;
  userId: number;
  checkoutSessionId: string;
  provider: string;
  providerPaymentId: string | null;
  amountCents: number;
  currency: string;
  creditsCents: number;
  status: 'succeeded' | 'refunded';
  transactionId: string | null;
  refundTransactionId: string | null;
  refundReason: string | null;
  createdAt: Date;
  refundedAt: Date | null;
}

export const PaymentEntity = new EntitySchema<PaymentRow>({
  name: 'Payment',
  tableName: 'payments',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    userId: { name: 'user_id', type: 'int' },
    checkoutSessionId: { name: 'checkout_session_id', type: 'uuid' },
    provider: { type: 'varchar', length: 32 },
    providerPaymentId: { name: 'provider_payment_id', type: 'varchar', length: 255, nullable: true },
    amountCents: { name: 'amount_cents', type: 'int' },
    currency: { type: 'char', length: 3 },
    creditsCents: { name: 'credits_cents', type: 'int' },
    status: { type: 'varchar', length: 20 },
    transactionId: { name: 'transaction_id', type: 'varchar', length: 36, nullable: true },
    refundTransactionId: { name: 'refund_transaction_id', type: 'varchar', length: 36, nullable: true },
    refundReason: { name: 'refund_reason', type: 'varchar', length: 255, nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    refundedAt: { name: 'refunded_at', type: 'timestamptz', nullable: true },
  },
});

/** Per user and UTC day (seed 000's usage_metrics). */
export interface UsageMetricRow {
  userId: number;
  day: string;
  logins: number;
  apiRequests: number;
  agentExecutions: number;
  creditsSpentCents: number;
  updatedAt: Date;
}

export const UsageMetricEntity = new EntitySchema<UsageMetricRow>({
  name: 'UsageMetric',
  tableName: 'usage_metrics',
  columns: {
    userId: { name: 'user_id', type: 'int', primary: true },
    day: { type: 'date', primary: true },
    logins: { type: 'int', default: 0 },
    apiRequests: { name: 'api_requests', type: 'int', default: 0 },
    agentExecutions: { name: 'agent_executions', type: 'int', default: 0 },
    creditsSpentCents: {
      name: 'credits_spent_cents',
      type: 'bigint',
      default: 0,
      transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) },
    },
    updatedAt: { name: 'updated_at', type: 'timestamptz', updateDate: true },
  },
});
