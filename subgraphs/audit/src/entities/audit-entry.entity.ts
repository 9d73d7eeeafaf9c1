import { EntitySchema } from 'typeorm';

/** One change anywhere in the graph (audit_logs); `seq` orders the hash chain. */
export interface AuditEntryRow {
  id: string;
  seq: string;
  createdAt: Date;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  status: string;
  before: unknown;
  after: unknown;
  details: Record<string, unknown> | null;
  ipAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
  source: string;
  previousHash: string | null;
  hash: string | null;
  signature: string | null;
}

export const AuditEntryEntity = new EntitySchema<AuditEntryRow>({
  name: 'AuditEntry',
  tableName: 'audit_logs',
  columns: {
    id: { type: 'uuid', primary: true },
    seq: { type: 'bigint', generated: 'increment' },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
    actor: { type: 'varchar', length: 100 },
    action: { type: 'varchar', length: 100 },
    resourceType: { name: 'resource_type', type: 'varchar', length: 50 },
    resourceId: { name: 'resource_id', type: 'varchar', length: 255, nullable: true },
    status: { type: 'varchar', length: 20 },
    before: { type: 'jsonb', nullable: true },
    after: { type: 'jsonb', nullable: true },
    details: { type: 'jsonb', nullable: true },
    ipAddress: { name: 'ip_address', type: 'inet', nullable: true },
    userAgent: { name: 'user_agent', type: 'text', nullable: true },
    requestId: { name: 'request_id', type: 'varchar', length: 64, nullable: true },
    source: { type: 'varchar', length: 50 },
    previousHash: { name: 'previous_hash', type: 'varchar', length: 64, nullable: true },
    hash: { type: 'varchar', length: 64, nullable: true },
    signature: { type: 'varchar', length: 64, nullable: true },
  },
});

/** One authentication event (auth_audit_log), chained like audit entries. */
export interface AuthEventRow {
  id: string;
  seq: string;
  userId: string | null;
  username: string | null;
  eventType: string;
  eventStatus: string;
  ipAddress: string | null;
  userAgent: string | null;
  deviceFingerprint: string | null;
  location: Record<string, unknown> | null;
  details: Record<string, unknown>;
  riskScore: number;
  sessionId: string | null;
  correlationId: string;
  source: string;
  createdAt: Date;
  processedAt: Date;
  previousHash: string | null;
  blockchainHash: string | null;
  signature: string | null;
}

export const AuthEventEntity = new EntitySchema<AuthEventRow>({
  name: 'AuthEvent',
  tableName: 'auth_audit_log',
  columns: {
    id: { type: 'uuid', primary: true },
    seq: { type: 'bigint', generated: 'increment' },
    userId: { name: 'user_id', type: 'varchar', length: 64, nullable: true },
    username: { type: 'varchar', length: 150, nullable: true },
    eventType: { name: 'event_type', type: 'varchar', length: 50 },
    eventStatus: { name: 'event_status', type: 'varchar', length: 20 },
    ipAddress: { name: 'ip_address', type: 'inet', nullable: true },
    userAgent: { name: 'user_agent', type: 'text', nullable: true },
    deviceFingerprint: { name: 'device_fingerprint', type: 'varchar', length: 255, nullable: true },
    location: { type: 'jsonb', nullable: true },
    details: { type: 'jsonb' },
    riskScore: { name: 'risk_score', type: 'int' },
    sessionId: { name: 'session_id', type: 'varchar', length: 255, nullable: true },
    correlationId: { name: 'correlation_id', type: 'uuid' },
    source: { type: 'varchar', length: 50 },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
    processedAt: { name: 'processed_at', type: 'timestamptz', precision: 3 },
    previousHash: { name: 'previous_hash', type: 'varchar', length: 64, nullable: true },
    blockchainHash: { name: 'blockchain_hash', type: 'varchar', length: 64, nullable: true },
    signature: { type: 'varchar', length: 64, nullable: true },
  },
});
