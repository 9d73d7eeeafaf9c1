import { EntitySchema } from 'typeorm';

/** A marketplace agent: a priced HTTP endpoint with JSON schemas for what it takes and returns. */
export interface AgentRow {
  id: string;
  name: string;
  description: string | null;
  runUrl: string;
  quoteUrl: string | null;
  type: string;
  isActive: boolean;
  metadata: Record<string, unknown>;
  config: Record<string, unknown>;
  pricing: Record<string, unknown>;
  stats: Record<string, unknown>;
  inputSchema: Record<string, unknown> | null;
  outputSchema: Record<string, unknown> | null;
  pricePerExecutionCents: number;
  ownerId: string;
  lastExecutedAt: Date | null;
  totalExecutions: number;
  avgRating: string | null;
  totalUsers: number;
  createdAt: Date;
  updatedAt: Date;
  deactivatedAt: Date | null;
}

export const AgentEntity = new EntitySchema<AgentRow>({
  name: 'Agent',
  tableName: 'agent',
  columns: {
    id: { type: 'varchar', length: 64, primary: true },
    name: { type: 'varchar', length: 200 },
    description: { type: 'text', nullable: true },
    runUrl: { name: 'run_url', type: 'varchar', length: 2048 },
    quoteUrl: { name: 'quote_url', type: 'varchar', length: 2048, nullable: true },
    type: { type: 'varchar', length: 50 },
    isActive: { name: 'is_active', type: 'boolean' },
    metadata: { type: 'jsonb' },
    config: { type: 'jsonb' },
    pricing: { type: 'jsonb' },
    stats: { type: 'jsonb' },
    inputSchema: { name: 'input_schema', type: 'jsonb', nullable: true },
    outputSchema: { name: 'output_schema', type: 'jsonb', nullable: true },
    pricePerExecutionCents: { name: 'price_per_execution_cents', type: 'int' },
    ownerId: { name: 'owner_id', type: 'varchar', length: 64 },
    lastExecutedAt: { name: 'last_executed_at', type: 'timestamptz', nullable: true },
    totalExecutions: { name: 'total_executions', type: 'int' },
    avgRating: { name: 'avg_rating', type: 'numeric', precision: 3, scale: 2, nullable: true },
    totalUsers: { name: 'total_users', type: 'int' },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
    updatedAt: { name: 'updated_at', type: 'timestamptz', precision: 3 },
    deactivatedAt: { name: 'deactivated_at', type: 'timestamptz', nullable: true },
  },
});

/** One changed field of an agent: old and new value, who and when (seed 002's AgentAuditLog). */
export interface AgentChangeRow {
  id: string;
  agentId: string;
  field: string;
  oldValue: unknown;
  newValue: unknown;
  changedBy: string;
  changedAt: Date;
}

export const AgentChangeEntity = new EntitySchema<AgentChangeRow>({
  name: 'AgentChange',
  tableName: 'agent_audit_log',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    agentId: { name: 'agent_id', type: 'varchar', length: 64 },
    field: { type: 'varchar', length: 64 },
    oldValue: { name: 'old_value', type: 'jsonb', nullable: true },
    newValue: { name: 'new_value', type: 'jsonb', nullable: true },
    changedBy: { name: 'changed_by', type: 'varchar', length: 100 },
    changedAt: { name: 'changed_at', type: 'timestamptz', precision: 3 },
  },
});
