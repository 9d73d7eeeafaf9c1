import { EntitySchema } from 'typeorm';

/** Credit ledger entries (seed 002's Transaction). */
export interface TransactionRow {
  id: string;
  userId: number;
  agentId: string | null;
  type: 'charge' | 'topup' | 'refund';
  amountCents: number;
  currency: string;
  status: 'pending' | 'completed' | 'failed' | 'refunded';
  provider: string | null;
  providerReference: string | null;
  createdAt: Date;
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
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});

/** Spending limits for agent executions (seed 002's Mandate). */
export interface MandateRow {
  id: string;
  userId: number;
  agentId: string | null;
  status: 'active' | 'revoked' | 'expired';
  maxPerExecutionCents: number | null;
  maxPerDayCents: number | null;
  maxPerMonthCents: number | null;
  expiresAt: Date | null;
  createdAt: Date;
}

export const MandateEntity = new EntitySchema<MandateRow>({
  name: 'Mandate',
  tableName: 'mandates',
  columns: {
    id: { type: 'varchar', primary: true, generated: 'uuid' },
    userId: { name: 'user_id', type: 'int' },
    agentId: { name: 'agent_id', type: 'varchar', length: 64, nullable: true },
    status: { type: 'varchar', length: 20, default: 'active' },
    maxPerExecutionCents: { name: 'max_per_execution_cents', type: 'int', nullable: true },
    maxPerDayCents: { name: 'max_per_day_cents', type: 'int', nullable: true },
    maxPerMonthCents: { name: 'max_per_month_cents', type: 'int', nullable: true },
    expiresAt: { name: 'expires_at', type: 'timestamptz', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});
