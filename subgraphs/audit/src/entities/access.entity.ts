import { EntitySchema } from 'typeorm';

/** One GraphQL operation through the gateway (api_access_log). */
export interface ApiAccessRow {
  id: string;
  requestId: string;
  createdAt: Date;
  userId: string | null;
  username: string | null;
  role: string | null;
  apiKeyId: string | null;
  clientName: string | null;
  clientVersion: string | null;
  operationName: string | null;
  operationType: string | null;
  persistedQueryId: string | null;
  responseStatus: number;
  errorCodes: string[];
  responseTimeMs: number;
  bytesSent: number | null;
  bytesReceived: number | null;
  ipAddress: string | null;
  userAgent: string | null;
  clientRequestId: string | null;
}

export const ApiAccessEntity = new EntitySchema<ApiAccessRow>({
  name: 'ApiAccess',
  tableName: 'api_access_log',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    requestId: { name: 'request_id', type: 'varchar', length: 64 },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
    userId: { name: 'user_id', type: 'varchar', length: 64, nullable: true },
    username: { type: 'varchar', length: 150, nullable: true },
    role: { type: 'varchar', length: 50, nullable: true },
    apiKeyId: { name: 'api_key_id', type: 'varchar', length: 64, nullable: true },
    clientName: { name: 'client_name', type: 'varchar', length: 100, nullable: true },
    clientVersion: { name: 'client_version', type: 'varchar', length: 50, nullable: true },
    operationName: { name: 'operation_name', type: 'varchar', length: 255, nullable: true },
    operationType: { name: 'operation_type', type: 'varchar', length: 20, nullable: true },
    persistedQueryId: { name: 'persisted_query_id', type: 'varchar', length: 128, nullable: true },
    responseStatus: { name: 'response_status', type: 'int' },
    errorCodes: { name: 'error_codes', type: 'text', array: true },
    responseTimeMs: { name: 'response_time_ms', type: 'int' },
    bytesSent: { name: 'bytes_sent', type: 'int', nullable: true },
    bytesReceived: { name: 'bytes_received', type: 'int', nullable: true },
    ipAddress: { name: 'ip_address', type: 'inet', nullable: true },
    userAgent: { name: 'user_agent', type: 'text', nullable: true },
    clientRequestId: { name: 'client_request_id', type: 'varchar', length: 128, nullable: true },
  },
});

/** A request the gateway throttled (rate_limit_violations). */
export interface RateLimitViolationRow {
  id: string;
  requestId: string;
  bucket: string;
  userId: string | null;
  username: string | null;
  role: string | null;
  apiKeyId: string | null;
  clientName: string | null;
  ipAddress: string | null;
  operationName: string | null;
  limitPerSecond: number | null;
  burst: number | null;
  retryAfterSeconds: number | null;
  violationType: string;
  createdAt: Date;
}

export const RateLimitViolationEntity = new EntitySchema<RateLimitViolationRow>({
  name: 'RateLimitViolation',
  tableName: 'rate_limit_violations',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    requestId: { name: 'request_id', type: 'varchar', length: 64 },
    bucket: { type: 'varchar', length: 200 },
    userId: { name: 'user_id', type: 'varchar', length: 64, nullable: true },
    username: { type: 'varchar', length: 150, nullable: true },
    role: { type: 'varchar', length: 50, nullable: true },
    apiKeyId: { name: 'api_key_id', type: 'varchar', length: 64, nullable: true },
    clientName: { name: 'client_name', type: 'varchar', length: 100, nullable: true },
    ipAddress: { name: 'ip_address', type: 'inet', nullable: true },
    operationName: { name: 'operation_name', type: 'varchar', length: 255, nullable: true },
    limitPerSecond: { name: 'limit_per_second', type: 'double precision', nullable: true },
    burst: { type: 'int', nullable: true },
    retryAfterSeconds: { name: 'retry_after_seconds', type: 'int', nullable: true },
    violationType: { name: 'violation_type', type: 'varchar', length: 50 },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
  },
});

/** A detected threat (security_events); an analyst resolves it with notes. */
export interface SecurityEventRow {
  id: string;
  userId: string | null;
  username: string | null;
  eventCategory: string;
  severityLevel: string;
  threatType: string | null;
  sourceIp: string | null;
  targetResource: string | null;
  attackVector: string | null;
  detectionMethod: string | null;
  mitigationAction: string | null;
  details: Record<string, unknown> | null;
  isResolved: boolean;
  falsePositive: boolean;
  analystNotes: string | null;
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export const SecurityEventEntity = new EntitySchema<SecurityEventRow>({
  name: 'SecurityEvent',
  tableName: 'security_events',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    userId: { name: 'user_id', type: 'varchar', length: 64, nullable: true },
    username: { type: 'varchar', length: 150, nullable: true },
    eventCategory: { name: 'event_category', type: 'varchar', length: 50 },
    severityLevel: { name: 'severity_level', type: 'varchar', length: 20 },
    threatType: { name: 'threat_type', type: 'varchar', length: 50, nullable: true },
    sourceIp: { name: 'source_ip', type: 'inet', nullable: true },
    targetResource: { name: 'target_resource', type: 'varchar', length: 255, nullable: true },
    attackVector: { name: 'attack_vector', type: 'varchar', length: 100, nullable: true },
    detectionMethod: { name: 'detection_method', type: 'varchar', length: 100, nullable: true },
    mitigationAction: { name: 'mitigation_action', type: 'varchar', length: 255, nullable: true },
    details: { type: 'jsonb', nullable: true },
    isResolved: { name: 'is_resolved', type: 'boolean' },
    falsePositive: { name: 'false_positive', type: 'boolean' },
    analystNotes: { name: 'analyst_notes', type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
    resolvedAt: { name: 'resolved_at', type: 'timestamptz', precision: 3, nullable: true },
    resolvedBy: { name: 'resolved_by', type: 'varchar', length: 150, nullable: true },
  },
});
