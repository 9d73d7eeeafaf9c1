import { BatchReporter, createServiceClient, type Logger } from '@socgraph/shared';
import type { GatewayConfig } from '../config';
import type { GatewayMetrics } from '../observability';
import {
  graphqlAuditSink,
  noopAuditSink,
  type ApiAccessEntry,
  type AuditSink,
  type AuthEventEntry,
  type RateLimitViolationEntry,
} from './sink';

export interface AuditReporting {
  accessLog: BatchReporter<ApiAccessEntry>;
  violations: BatchReporter<RateLimitViolationEntry>;
  authEvents: BatchReporter<AuthEventEntry>;
}

/** The sink AUDIT_REPORTING chooses (audit's /graphql at `auditUrl`), or the one given (tests). Its log lines go there too. */
export function auditSinkOf(config: GatewayConfig, auditUrl: string | undefined, given?: AuditSink): AuditSink {
  if (given) return given;
  if (config.AUDIT_REPORTING !== 'audit' || !auditUrl) return noopAuditSink;
  return graphqlAuditSink({
    auditUrl,
    client: createServiceClient({
      caller: 'gateway',
      internalTokenSecret: config.INTERNAL_TOKEN_SECRET,
      tokenTtlSeconds: config.INTERNAL_TOKEN_TTL_SECONDS,
      timeoutMs: config.SERVICE_TIMEOUT_MS,
    }),
  });
}

/**
 * The gateway's three reports to audit on one mechanism: each behind its own bounded,
 * batching reporter whose buffer size and drops are metrics.
 */
export function auditReporting(
  sink: AuditSink,
  config: GatewayConfig,
  metrics: GatewayMetrics,
  logger: Logger,
): AuditReporting {
  const reporter = <T>(name: string, send: (batch: T[]) => Promise<void>): BatchReporter<T> => {
    const created = new BatchReporter<T>({
      name,
      send,
      maxBuffer: config.ACCESS_LOG_BUFFER,
      batchSize: config.ACCESS_LOG_BATCH,
      flushIntervalMs: config.ACCESS_LOG_FLUSH_MS,
      logger,
      onDrop: (count, reason) => metrics.reporterDropped.inc({ reporter: name, reason }, count),
    });
    metrics.watchReporter(name, created);
    return created;
  };
  return {
    accessLog: reporter<ApiAccessEntry>('access_log', (batch) => sink.recordApiAccess(batch)),
    violations: reporter<RateLimitViolationEntry>('rate_limit_violations', (batch) =>
      sink.recordRateLimitViolations(batch),
    ),
    authEvents: reporter<AuthEventEntry>('auth_events', (batch) => sink.recordAuthEvents(batch)),
  };
}
