import {
  graphqlLogDelivery,
  RECORD_AUTH_EVENTS,
  storableValue,
  type AuthEventPayload,
  type AuthEventType,
  type LogEntryPayload,
  type ServiceClient,
} from '@socgraph/shared';

/**
 * Where the gateway's API access log, rate-limit violations and auth events go. The audit
 * subgraph stores them (architecture.md, requests §6); with AUDIT_REPORTING=off the gateway
 * runs with `noopAuditSink` (the per-request JSON log line still records every operation),
 * and tests use `MemoryAuditSink`.
 *
 * The audit subgraph exposes three internal mutations, open to the service principal only
 * and hidden from the public graph:
 *
 *   _recordApiAccess(entries: [ApiAccessInput!]!): Int! @inaccessible
 *   _recordRateLimitViolations(entries: [RateLimitViolationInput!]!): Int! @inaccessible
 *   _recordAuthEvents(entries: [AuthEventInput!]!): Int! @inaccessible
 *
 * with input fields named as in the entry types below, each returning how many entries it
 * stored. Batches may be delivered more than once (retries): `requestId` identifies an access
 * entry, `requestId` + `bucket` a violation, `id` an auth event. Every one of these keys is
 * minted by the gateway, never taken from a client (a client's `x-request-id` is only logged).
 */

export interface ApiAccessEntry {
  requestId: string;
  /** ISO-8601. */
  occurredAt: string;
  durationMs: number;
  userId: string | null;
  username: string | null;
  role: string | null;
  apiKeyId: string | null;
  clientName: string | null;
  operationName: string | null;
  /** query, mutation or subscription; null when the request was refused before parsing. */
  operationType: string | null;
  /** The sha256 of a persisted or APQ operation, when the request named one. */
  persistedQueryId: string | null;
  httpStatus: number;
  /** `extensions.code` of every error in the response, in order. */
  errorCodes: string[];
  clientIp: string | null;
  userAgent: string | null;
  /** The caller's own well-formed `x-request-id` (untrusted; the gateway's is `requestId`). */
  clientRequestId: string | null;
}

export interface RateLimitViolationEntry {
  requestId: string;
  occurredAt: string;
  /** `user:<id>`, `key:<api key id>` or `ip:<address>`. */
  bucket: string;
  userId: string | null;
  username: string | null;
  role: string | null;
  apiKeyId: string | null;
  clientName: string | null;
  clientIp: string | null;
  operationName: string | null;
  /** Tokens per second. */
  limitPerSecond: number;
  burst: number;
  retryAfterSeconds: number;
}

/**
 * An authentication event only the gateway sees: the same `AuthEventInput` every producer
 * sends (shared `AuthEventPayload`), narrowed to the gateway's kinds. Never holds a token or key
 * secret; `ipAddress` is the end client's (TRUSTED_PROXIES applied, as in the access log).
 */
export type AuthEventEntry = Omit<AuthEventPayload, 'eventType' | 'details' | 'source'> & {
  eventType: Extract<AuthEventType, 'TOKEN_REFUSED' | 'SESSION_EXPIRED' | 'API_KEY_USED'>;
  /** `reason`, `requestId`, `apiKeyId`, `clientName`, `keyPrefix` as they apply. */
  details: Record<string, string>;
  source: 'gateway';
};

export interface AuditSink {
  recordApiAccess(entries: readonly ApiAccessEntry[]): Promise<void>;
  recordRateLimitViolations(entries: readonly RateLimitViolationEntry[]): Promise<void>;
  recordAuthEvents(entries: readonly AuthEventEntry[]): Promise<void>;
  /** The gateway's own shipped log lines (`_recordLogs`); a sink without it ships none. */
  recordLogs?(entries: readonly LogEntryPayload[]): Promise<void>;
}

/** Used while there is no audit subgraph (AUDIT_REPORTING=off). */
export const noopAuditSink: AuditSink = {
  recordApiAccess: async () => undefined,
  recordRateLimitViolations: async () => undefined,
  recordAuthEvents: async () => undefined,
};

/** Keeps what it receives (tests); `failNext` makes the next deliveries fail, to exercise retries. */
export class MemoryAuditSink implements AuditSink {
  readonly apiAccess: ApiAccessEntry[] = [];
  readonly violations: RateLimitViolationEntry[] = [];
  readonly authEvents: AuthEventEntry[] = [];
  /** Shipped log lines: kept apart from `deliveries` and `failNext`, which count the reports. */
  readonly logs: LogEntryPayload[] = [];
  failNext = 0;
  deliveries = 0;

  private deliver(): void {
    this.deliveries += 1;
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('audit sink unavailable (simulated)');
    }
  }

  async recordApiAccess(entries: readonly ApiAccessEntry[]): Promise<void> {
    this.deliver();
    this.apiAccess.push(...entries);
  }

  async recordRateLimitViolations(entries: readonly RateLimitViolationEntry[]): Promise<void> {
    this.deliver();
    this.violations.push(...entries);
  }

  async recordAuthEvents(entries: readonly AuthEventEntry[]): Promise<void> {
    this.deliver();
    this.authEvents.push(...entries);
  }

  async recordLogs(entries: readonly LogEntryPayload[]): Promise<void> {
    this.logs.push(...entries);
  }
}

export const RECORD_API_ACCESS = `mutation GatewayRecordApiAccess($entries: [ApiAccessInput!]!) {
  _recordApiAccess(entries: $entries)
}`;

export const RECORD_RATE_LIMIT_VIOLATIONS = `mutation GatewayRecordRateLimitViolations($entries: [RateLimitViolationInput!]!) {
  _recordRateLimitViolations(entries: $entries)
}`;

/**
 * Posts batches straight to the audit subgraph (not through the supergraph) as the gateway's
 * service principal. Text Postgres cannot store (a client's operationName with a NUL) is
 * replaced first: audit refuses it, and the whole batch, other callers' rows included, would go.
 */
export function graphqlAuditSink(options: { auditUrl: string; client: ServiceClient }): AuditSink {
  return {
    async recordApiAccess(entries) {
      await options.client.request(options.auditUrl, RECORD_API_ACCESS, { entries: storableValue(entries) });
    },
    async recordRateLimitViolations(entries) {
      await options.client.request(options.auditUrl, RECORD_RATE_LIMIT_VIOLATIONS, {
        entries: storableValue(entries),
      });
    },
    async recordAuthEvents(entries) {
      await options.client.request(options.auditUrl, RECORD_AUTH_EVENTS, { entries: storableValue(entries) });
    },
    recordLogs: graphqlLogDelivery(options),
  };
}
