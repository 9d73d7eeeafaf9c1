import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  clientRequestIdOf,
  countErrorCode,
  createReporterMetrics,
  createServiceMetrics,
  DURATION_BUCKETS,
  type BatchReporter,
  type Logger,
  type Principal,
  type RequestFinished,
  type ServiceMetrics,
} from '@socgraph/shared';
import { Counter, Histogram } from 'prom-client';
import type { ApiAccessEntry } from './audit/sink';

/**
 * What the gateway records of every operation: one structured log line (request id,
 * principal, operation, status, duration, error codes), Prometheus metrics, and an API
 * access-log entry for the audit subgraph, batched off the request path.
 */

/** Filled in as the request goes: by the HTTP layer, then by Apollo's plugin hooks. */
export interface AccessInfo {
  /** Whether Apollo ran the GraphQL pipeline (false for landing pages and early refusals). */
  graphql: boolean;
  operationName: string | null;
  operationType: string | null;
  persistedQueryId: string | null;
  errorCodes: string[];
}

export const newAccessInfo = (): AccessInfo => ({
  graphql: false,
  operationName: null,
  operationType: null,
  persistedQueryId: null,
  errorCodes: [],
});

/** The part of the gateway context the recorder reads. */
export interface RecordedContext {
  principal: Principal;
  requestId: string;
  clientIp: string | null;
  userAgent: string | null;
  access: AccessInfo;
}

export interface GatewayMetrics extends ServiceMetrics {
  subgraphFetchDuration: Histogram<'subgraph' | 'outcome'>;
  /** Fetches not made because an identical one was in flight (SUBGRAPH_DEDUP). */
  subgraphFetchDeduplicated: Counter<'subgraph'>;
  rateLimited: Counter<'bucket'>;
  safelistWouldRefuse: Counter<'code'>;
  reporterDropped: Counter<'reporter' | 'reason'>;
  /** Exposes a reporter's buffer size as `report_buffer_size{reporter}`. */
  watchReporter(name: string, reporter: Pick<BatchReporter<unknown>, 'size'>): void;
}

export function createGatewayMetrics(options: { knownOperations: Iterable<string>; defaultMetrics?: boolean }) {
  const base = createServiceMetrics('gateway', {
    knownOperations: options.knownOperations,
    defaultMetrics: options.defaultMetrics ?? true,
  });
  const registers = [base.registry];
  const reporters = createReporterMetrics(base.registry);
  const metrics: GatewayMetrics = {
    ...base,
    subgraphFetchDuration: new Histogram({
      name: 'subgraph_fetch_duration_seconds',
      help: 'Duration of each subgraph fetch of a query plan, by subgraph and outcome (ok, http_NNN, timeout, error).',
      labelNames: ['subgraph', 'outcome'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    subgraphFetchDeduplicated: new Counter({
      name: 'subgraph_fetch_deduplicated_total',
      help: 'Subgraph fetches answered from an identical one in flight (same principal, query and variables) instead of being sent.',
      labelNames: ['subgraph'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'rate_limited_total',
      help: 'Requests refused with RATE_LIMITED, by bucket kind (user, key, ip).',
      labelNames: ['bucket'] as const,
      registers,
    }),
    safelistWouldRefuse: new Counter({
      name: 'safelist_would_refuse_total',
      help: 'Requests SAFELIST_MODE=log let through that enforce would refuse, by code.',
      labelNames: ['code'] as const,
      registers,
    }),
    reporterDropped: reporters.dropped,
    watchReporter: reporters.watch,
  };
  return metrics;
}

/** Fills AccessInfo from Apollo's view of the operation. */
export function accessInfoPlugin<TContext extends RecordedContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue, request }) {
      const access = contextValue.access;
      access.graphql = true;
      const hash = (request.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
      if (typeof hash === 'string') access.persistedQueryId = hash;
      access.operationName = request.operationName ?? null;
      return {
        async didResolveOperation({ operation, operationName }) {
          access.operationName = operationName ?? access.operationName;
          access.operationType = operation?.operation ?? null;
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          access.errorCodes = (response.body.singleResult.errors ?? []).map((e) => String(e.extensions?.code ?? ''));
        },
      };
    },
  };
}

const isAuthenticated = (principal: Principal | undefined): boolean =>
  principal !== undefined && principal.kind !== 'anonymous';

const principalFields = (principal: Principal | undefined) => ({
  userId: principal?.userId ?? null,
  username: principal?.username ?? null,
  role: principal?.role ?? null,
  apiKeyId: principal?.apiKeyId ?? null,
  clientName: principal?.clientName ?? null,
});

export interface AccessRecorderOptions<TContext extends RecordedContext> {
  logger: Logger;
  metrics: GatewayMetrics;
  accessLog: BatchReporter<ApiAccessEntry>;
  /** Counts each user's requests for billing (UsageMetric.apiRequests). */
  usage?: { record(principal: Principal | undefined): void };
  /** Contexts built before a refusal (rate limit, safelist), which the HTTP layer never got back. */
  early: WeakMap<IncomingMessage, TContext>;
}

/** The HTTP layer's onFinish: one log line, metrics and an access-log entry per operation. */
export function accessRecorder<TContext extends RecordedContext>(options: AccessRecorderOptions<TContext>) {
  const { logger, metrics, accessLog, early } = options;
  return (event: RequestFinished<TContext>): void => {
    const context = event.context ?? early.get(event.req);
    const access = context?.access;
    // Landing pages are not operations; anything refused or failed still is.
    if (!event.refusal && !access?.graphql && event.status < 400) return;
    const errorCodes = event.refusal ? [event.refusal.code] : (access?.errorCodes ?? []);
    const entry: ApiAccessEntry = {
      requestId: event.requestId,
      occurredAt: new Date(Date.now() - event.durationMs).toISOString(),
      durationMs: Math.round(event.durationMs),
      ...principalFields(context?.principal),
      operationName: access?.operationName ?? null,
      operationType: access?.operationType ?? null,
      persistedQueryId: access?.persistedQueryId ?? null,
      httpStatus: event.status,
      errorCodes,
      clientIp: context?.clientIp ?? null,
      userAgent: context?.userAgent ?? null,
      clientRequestId: clientRequestIdOf(event.req),
    };
    metrics.requestDuration.observe(
      {
        // Only authenticated callers' names take label slots; anonymous and refused callers' do not.
        operation_name: metrics.operationLabel(entry.operationName, isAuthenticated(context?.principal)),
        operation_type: entry.operationType ?? 'none',
      },
      event.durationMs / 1000,
    );
    for (const code of errorCodes) countErrorCode(metrics, code);
    logger.info(
      {
        requestId: entry.requestId,
        // The caller's own x-request-id, untrusted: for correlating with the client's logs only.
        clientRequestId: entry.clientRequestId,
        principal: { kind: context?.principal.kind ?? 'unknown', ...principalFields(context?.principal) },
        operation: { name: entry.operationName, type: entry.operationType, persistedQueryId: entry.persistedQueryId },
        status: entry.httpStatus,
        durationMs: entry.durationMs,
        errorCodes,
      },
      'graphql request',
    );
    accessLog.add(entry);
    options.usage?.record(context?.principal);
  };
}
