import { EntitySchema } from 'typeorm';

export type ExecutionStatusValue = 'running' | 'success' | 'failed' | 'timeout' | 'error';

/** One paid run of an agent. */
export interface ExecutionRow {
  id: string;
  executionId: string;
  agentId: string;
  userId: string;
  idempotencyKey: string;
  requestHash: string;
  status: ExecutionStatusValue;
  durationMs: number | null;
  creditsConsumed: number;
  priceCents: number;
  httpStatus: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  inputSize: number | null;
  outputSize: number | null;
  inputType: string | null;
  outputType: string | null;
  output: unknown;
  responseTimeMs: number | null;
  processingTimeMs: number | null;
  queueTimeMs: number | null;
  sessionId: string | null;
  userAgent: string | null;
  ipAddress: string | null;
  holdId: string | null;
  balanceBefore: number | null;
  balanceAfter: number | null;
  startedAt: Date;
  completedAt: Date | null;
  createdAt: Date;
}

export const ExecutionEntity = new EntitySchema<ExecutionRow>({
  name: 'AgentExecution',
  tableName: 'agent_execution',
  columns: {
    id: { type: 'varchar', length: 64, primary: true },
    executionId: { name: 'execution_id', type: 'varchar', length: 64 },
    agentId: { name: 'agent_id', type: 'varchar', length: 64 },
    userId: { name: 'user_id', type: 'varchar', length: 64 },
    idempotencyKey: { name: 'idempotency_key', type: 'varchar', length: 128 },
    requestHash: { name: 'request_hash', type: 'varchar', length: 64 },
    status: { type: 'varchar', length: 20 },
    durationMs: { name: 'duration_ms', type: 'int', nullable: true },
    creditsConsumed: { name: 'credits_consumed', type: 'int' },
    priceCents: { name: 'price_cents', type: 'int' },
    httpStatus: { name: 'http_status', type: 'int', nullable: true },
    errorCode: { name: 'error_code', type: 'varchar', length: 64, nullable: true },
    errorMessage: { name: 'error_message', type: 'text', nullable: true },
    inputSize: { name: 'input_size', type: 'int', nullable: true },
    outputSize: { name: 'output_size', type: 'int', nullable: true },
    inputType: { name: 'input_type', type: 'varchar', length: 50, nullable: true },
    outputType: { name: 'output_type', type: 'varchar', length: 50, nullable: true },
    output: { type: 'jsonb', nullable: true },
    responseTimeMs: { name: 'response_time_ms', type: 'int', nullable: true },
    processingTimeMs: { name: 'processing_time_ms', type: 'int', nullable: true },
    queueTimeMs: { name: 'queue_time_ms', type: 'int', nullable: true },
    sessionId: { name: 'session_id', type: 'varchar', length: 128, nullable: true },
    userAgent: { name: 'user_agent', type: 'varchar', length: 1000, nullable: true },
    ipAddress: { name: 'ip_address', type: 'varchar', length: 64, nullable: true },
    holdId: { name: 'hold_id', type: 'varchar', length: 64, nullable: true },
    balanceBefore: { name: 'balance_before', type: 'int', nullable: true },
    balanceAfter: { name: 'balance_after', type: 'int', nullable: true },
    startedAt: { name: 'started_at', type: 'timestamptz', precision: 3 },
    completedAt: { name: 'completed_at', type: 'timestamptz', precision: 3, nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
  },
});

export type LogCategory = 'execution' | 'error' | 'performance' | 'user_action';
export type LogLevel = 'info' | 'warn' | 'error' | 'debug';

export interface AgentLogRow {
  id: string;
  agentId: string;
  userId: string | null;
  executionId: string | null;
  category: LogCategory;
  level: LogLevel;
  message: string;
  context: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

export const AgentLogEntity = new EntitySchema<AgentLogRow>({
  name: 'AgentLog',
  tableName: 'agent_log',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    agentId: { name: 'agent_id', type: 'varchar', length: 64 },
    userId: { name: 'user_id', type: 'varchar', length: 64, nullable: true },
    executionId: { name: 'execution_id', type: 'varchar', length: 64, nullable: true },
    category: { type: 'varchar', length: 20 },
    level: { type: 'varchar', length: 10 },
    message: { type: 'text' },
    context: { type: 'jsonb' },
    metadata: { type: 'jsonb' },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
  },
});

export interface InteractionRow {
  id: string;
  userId: string;
  agentId: string;
  totalExecutions: number;
  successfulExecutions: number;
  rating: number | null;
  feedback: string | null;
  isFavorite: boolean;
  avgExecutionsPerDay: number | null;
  preferredTimeOfDay: string | null;
  firstUsedAt: Date | null;
  lastUsedAt: Date | null;
}

export const InteractionEntity = new EntitySchema<InteractionRow>({
  name: 'UserAgentInteraction',
  tableName: 'user_agent_interaction',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    userId: { name: 'user_id', type: 'varchar', length: 64 },
    agentId: { name: 'agent_id', type: 'varchar', length: 64 },
    totalExecutions: { name: 'total_executions', type: 'int' },
    successfulExecutions: { name: 'successful_executions', type: 'int' },
    rating: { type: 'smallint', nullable: true },
    feedback: { type: 'text', nullable: true },
    isFavorite: { name: 'is_favorite', type: 'boolean' },
    avgExecutionsPerDay: { name: 'avg_executions_per_day', type: 'double precision', nullable: true },
    preferredTimeOfDay: { name: 'preferred_time_of_day', type: 'varchar', length: 10, nullable: true },
    firstUsedAt: { name: 'first_used_at', type: 'timestamptz', nullable: true },
    lastUsedAt: { name: 'last_used_at', type: 'timestamptz', nullable: true },
  },
});

export interface AgentMetricRow {
  id: string;
  agentId: string;
  period: 'hourly' | 'daily';
  bucketStart: Date;
  totalExecutions: number;
  successfulExecutions: number;
  failedExecutions: number;
  timeoutExecutions: number;
  errorExecutions: number;
  avgDurationMs: number | null;
  minDurationMs: number | null;
  maxDurationMs: number | null;
  p95DurationMs: number | null;
  p99DurationMs: number | null;
  uniqueUsers: number;
  totalCreditsConsumed: number;
  avgCreditsPerExecution: number | null;
  errorCounts: Record<string, number>;
  computedAt: Date;
}

export const AgentMetricEntity = new EntitySchema<AgentMetricRow>({
  name: 'AgentMetric',
  tableName: 'agent_metrics',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    agentId: { name: 'agent_id', type: 'varchar', length: 64 },
    period: { type: 'varchar', length: 10 },
    bucketStart: { name: 'bucket_start', type: 'timestamptz' },
    totalExecutions: { name: 'total_executions', type: 'int' },
    successfulExecutions: { name: 'successful_executions', type: 'int' },
    failedExecutions: { name: 'failed_executions', type: 'int' },
    timeoutExecutions: { name: 'timeout_executions', type: 'int' },
    errorExecutions: { name: 'error_executions', type: 'int' },
    avgDurationMs: { name: 'avg_duration_ms', type: 'double precision', nullable: true },
    minDurationMs: { name: 'min_duration_ms', type: 'int', nullable: true },
    maxDurationMs: { name: 'max_duration_ms', type: 'int', nullable: true },
    p95DurationMs: { name: 'p95_duration_ms', type: 'double precision', nullable: true },
    p99DurationMs: { name: 'p99_duration_ms', type: 'double precision', nullable: true },
    uniqueUsers: { name: 'unique_users', type: 'int' },
    totalCreditsConsumed: { name: 'total_credits_consumed', type: 'int' },
    avgCreditsPerExecution: { name: 'avg_credits_per_execution', type: 'double precision', nullable: true },
    errorCounts: { name: 'error_counts', type: 'jsonb' },
    computedAt: { name: 'computed_at', type: 'timestamptz' },
  },
});
