import {
  optionalText,
  paginate,
  requireService,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { AuditScope } from '../context';
import { ApiAccessEntity, RateLimitViolationEntity, type ApiAccessRow, type RateLimitViolationRow } from '../entities';
import { ConditionBuilder } from './filters';
import { AGENT, batch, instant, ip, LONG, NAME, nonNegativeInt, requireAuditReader } from './input';
import { badUserInput } from '@socgraph/shared';

/** Field names as the gateway sends them (gateway/src/audit/sink.ts, ApiAccessEntry). */
export interface ApiAccessInput {
  requestId: string;
  occurredAt: Date;
  durationMs: number;
  userId?: string | null;
  username?: string | null;
  role?: string | null;
  apiKeyId?: string | null;
  clientName?: string | null;
  clientVersion?: string | null;
  operationName?: string | null;
  operationType?: string | null;
  persistedQueryId?: string | null;
  httpStatus: number;
  errorCodes: string[];
  clientIp?: string | null;
  userAgent?: string | null;
  clientRequestId?: string | null;
  bytesIn?: number | null;
  bytesOut?: number | null;
}

/** Field names as the gateway sends them (RateLimitViolationEntry). */
export interface RateLimitViolationInput {
  requestId: string;
  occurredAt: Date;
  bucket: string;
  userId?: string | null;
  username?: string | null;
  role?: string | null;
  apiKeyId?: string | null;
  clientName?: string | null;
  clientIp?: string | null;
  operationName?: string | null;
  limitPerSecond: number;
  burst: number;
  retryAfterSeconds: number;
}

export interface ApiAccessFilter {
  username?: string | null;
  apiKeyId?: string | null;
  operationName?: string | null;
  clientRequestId?: string | null;
  httpStatus?: number | null;
  from?: Date | null;
  to?: Date | null;
}

export interface RateLimitViolationFilter {
  bucket?: string | null;
  username?: string | null;
  from?: Date | null;
  to?: Date | null;
}

const REQUEST_ID = { max: 64 };

function validAccess(e: ApiAccessInput, i: number) {
  const f = (name: string): string => `entries[${i}].${name}`;
  if (e.errorCodes.length > 100) throw badUserInput(`${f('errorCodes')} holds at most 100 codes`, f('errorCodes'));
  return {
    request_id: text(e.requestId, f('requestId'), REQUEST_ID),
    created_at: instant(e.occurredAt, f('occurredAt')),
    user_id: optionalText(e.userId, f('userId'), { max: 64 }),
    username: optionalText(e.username, f('username'), NAME),
    role: optionalText(e.role, f('role'), { max: 50 }),
    api_key_id: optionalText(e.apiKeyId, f('apiKeyId'), { max: 64 }),
    client_name: optionalText(e.clientName, f('clientName'), { max: 100 }),
    client_version: optionalText(e.clientVersion, f('clientVersion'), { max: 50 }),
    operation_name: optionalText(e.operationName, f('operationName'), LONG),
    operation_type: optionalText(e.operationType, f('operationType'), { max: 20 }),
    persisted_query_id: optionalText(e.persistedQueryId, f('persistedQueryId'), { max: 128 }),
    response_status: nonNegativeInt(e.httpStatus, f('httpStatus')),
    error_codes: e.errorCodes.map((c, j) => text(c, `${f('errorCodes')}[${j}]`, { max: 64 })),
    response_time_ms: nonNegativeInt(Math.round(e.durationMs), f('durationMs')),
    bytes_received: nonNegativeInt(e.bytesIn, f('bytesIn')),
    bytes_sent: nonNegativeInt(e.bytesOut, f('bytesOut')),
    ip_address: ip(e.clientIp, f('clientIp')),
    user_agent: optionalText(e.userAgent, f('userAgent'), AGENT),
    client_request_id: optionalText(e.clientRequestId, f('clientRequestId'), { max: 128 }),
  };
}

function validViolation(e: RateLimitViolationInput, i: number) {
  const f = (name: string): string => `entries[${i}].${name}`;
  if (!Number.isFinite(e.limitPerSecond) || e.limitPerSecond < 0) {
    throw badUserInput(`${f('limitPerSecond')} must be ≥ 0`, f('limitPerSecond'));
  }
  return {
    request_id: text(e.requestId, f('requestId'), REQUEST_ID),
    created_at: instant(e.occurredAt, f('occurredAt')),
    bucket: text(e.bucket, f('bucket'), { max: 200 }),
    user_id: optionalText(e.userId, f('userId'), { max: 64 }),
    username: optionalText(e.username, f('username'), NAME),
    role: optionalText(e.role, f('role'), { max: 50 }),
    api_key_id: optionalText(e.apiKeyId, f('apiKeyId'), { max: 64 }),
    client_name: optionalText(e.clientName, f('clientName'), { max: 100 }),
    ip_address: ip(e.clientIp, f('clientIp')),
    operation_name: optionalText(e.operationName, f('operationName'), LONG),
    limit_per_second: e.limitPerSecond,
    burst: nonNegativeInt(e.burst, f('burst')),
    retry_after_seconds: nonNegativeInt(e.retryAfterSeconds, f('retryAfterSeconds')),
  };
}

/** The gateway's access log and rate-limit violations: batches may arrive twice, rows are stored once. */
export class AccessService extends ScopedService<AuditScope> {
  async recordAccess(entries: readonly ApiAccessInput[]): Promise<number> {
    requireService(this.principal);
    const rows = batch(entries).map(validAccess);
    // One statement per batch; the count comes back, not a row per entry.
    const stored = (await this.dataSource.query(
      `WITH inserted AS (INSERT INTO audit.api_access_log (request_id, created_at, user_id, username, role, api_key_id, client_name,
         client_version, operation_name, operation_type, persisted_query_id, response_status, error_codes,
         response_time_ms, bytes_received, bytes_sent, ip_address, user_agent, client_request_id)
       SELECT request_id, created_at, user_id, username, role, api_key_id, client_name, client_version, operation_name,
         operation_type, persisted_query_id, response_status, error_codes, response_time_ms, bytes_received,
         bytes_sent, ip_address, user_agent, client_request_id
       FROM jsonb_to_recordset($1::jsonb) AS x(request_id text, created_at timestamptz, user_id text, username text,
         role text, api_key_id text, client_name text, client_version text, operation_name text,
         operation_type text, persisted_query_id text, response_status int, error_codes text[],
         response_time_ms int, bytes_received int, bytes_sent int, ip_address inet, user_agent text,
         client_request_id text)
       ON CONFLICT (request_id) DO NOTHING
       RETURNING 1)
       SELECT count(*)::int AS stored FROM inserted`,
      [JSON.stringify(rows)],
    )) as { stored: number }[];
    return stored[0]?.stored ?? 0;
  }

  async recordViolations(entries: readonly RateLimitViolationInput[]): Promise<number> {
    requireService(this.principal);
    const rows = batch(entries).map(validViolation);
    const stored = (await this.dataSource.query(
      `WITH inserted AS (INSERT INTO audit.rate_limit_violations (request_id, created_at, bucket, user_id, username, role, api_key_id,
         client_name, ip_address, operation_name, limit_per_second, burst, retry_after_seconds)
       SELECT request_id, created_at, bucket, user_id, username, role, api_key_id, client_name, ip_address,
         operation_name, limit_per_second, burst, retry_after_seconds
       FROM jsonb_to_recordset($1::jsonb) AS x(request_id text, created_at timestamptz, bucket text, user_id text,
         username text, role text, api_key_id text, client_name text, ip_address inet, operation_name text,
         limit_per_second double precision, burst int, retry_after_seconds int)
       ON CONFLICT (request_id, bucket) DO NOTHING
       RETURNING 1)
       SELECT count(*)::int AS stored FROM inserted`,
      [JSON.stringify(rows)],
    )) as { stored: number }[];
    return stored[0]?.stored ?? 0;
  }

  async listAccess(args: ConnectionArgs, filter?: ApiAccessFilter | null): Promise<Connection<ApiAccessRow>> {
    requireAuditReader(this.principal);
    const condition = new ConditionBuilder('l')
      .equals('username', filter?.username, 'filter.username', 150)
      .equals('api_key_id', filter?.apiKeyId, 'filter.apiKeyId', 64)
      .equals('operation_name', filter?.operationName, 'filter.operationName')
      .equals('client_request_id', filter?.clientRequestId, 'filter.clientRequestId', 128)
      .equalsValue('response_status', filter?.httpStatus)
      .period('created_at', filter?.from, filter?.to)
      .build();
    const query = this.dataSource
      .getRepository(ApiAccessEntity)
      .createQueryBuilder('l')
      .where(condition.sql, condition.params);
    return paginate(query, args, [{ column: 'l.id', direction: 'DESC', value: (r) => r.id }]);
  }

  async listViolations(
    args: ConnectionArgs,
    filter?: RateLimitViolationFilter | null,
  ): Promise<Connection<RateLimitViolationRow>> {
    requireAuditReader(this.principal);
    const condition = new ConditionBuilder('v')
      .equals('bucket', filter?.bucket, 'filter.bucket', 200)
      .equals('username', filter?.username, 'filter.username', 150)
      .period('created_at', filter?.from, filter?.to)
      .build();
    const query = this.dataSource
      .getRepository(RateLimitViolationEntity)
      .createQueryBuilder('v')
      .where(condition.sql, condition.params);
    return paginate(query, args, [{ column: 'v.id', direction: 'DESC', value: (r) => r.id }]);
  }
}
