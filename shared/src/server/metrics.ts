import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { poolStatsOf } from '../db/data-source';

/**
 * Prometheus metrics (prom-client) shared by the gateway and every subgraph: one registry per
 * server (several run in one process in tests and `pnpm start`), request durations by
 * operation name, errors by code, and `/metrics` in the text exposition format.
 */

/** Latency buckets in seconds, from a cached principal hit to a slow cross-subgraph plan. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ServiceMetrics {
  registry: Registry;
  /** `graphql_request_duration_seconds{operation_name, operation_type}`. */
  requestDuration: Histogram<'operation_name' | 'operation_type'>;
  /** `graphql_errors_total{code}`. */
  errors: Counter<'code'>;
  /** Bounded operation-name label (see `operationLabeler`). */
  operationLabel: OperationLabeler;
  /** Serves the registry as `GET /metrics`. */
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export interface ServiceMetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC). Default true. */
  defaultMetrics?: boolean;
  /** Operation names always given their own label (e.g. the persisted-operation manifest). */
  knownOperations?: Iterable<string>;
  /** Distinct other operation names before the rest share `__other`. Default 100. */
  maxOperationLabels?: number;
}

/** `trusted`: the name comes from an authenticated caller (not an anonymous one). */
export type OperationLabeler = (name: string | null | undefined, trusted: boolean) => string;

/**
 * Operation names come from clients: unbounded label values would grow the registry without
 * limit. Known names (the persisted-operation manifest) always get a label; names first seen
 * from authenticated callers get one up to `max`; anything else, and every name an anonymous
 * caller brings that is not known or seen already, is `__other`, so anonymous callers cannot
 * fill the slots and blur the operations apart.
 */
export function operationLabeler(max = 100, known: Iterable<string> = []): OperationLabeler {
  const allowed = new Set(known);
  const seen = new Set<string>();
  return (name, trusted) => {
    if (!name) return '__anonymous';
    if (allowed.has(name) || seen.has(name)) return name;
    if (!trusted || seen.size >= max || name.length > 100 || !/^[_A-Za-z][_0-9A-Za-z]*$/.test(name)) return '__other';
    seen.add(name);
    return name;
  };
}

/**
 * Who may read operational detail (`/metrics`, the gateway's per-subgraph `/ready`): with a
 * token, callers presenting it as a bearer token; without one, everyone when `open` (the
 * default outside production), else no one.
 */
export interface OperatorAccess {
  token: string | undefined;
  open: boolean;
}

/** From a service's config: METRICS_TOKEN, and METRICS_OPEN defaulting to on outside production. */
export function operatorAccessOf(config: {
  NODE_ENV: string;
  METRICS_TOKEN?: string | undefined;
  METRICS_OPEN?: boolean | undefined;
}): OperatorAccess {
  return { token: config.METRICS_TOKEN, open: config.METRICS_OPEN ?? config.NODE_ENV !== 'production' };
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function isOperator(req: IncomingMessage, access: OperatorAccess): boolean {
  if (!access.token) return access.open;
  const given = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
  // Hashes of equal length, so the comparison takes the same time whatever was sent.
  return given !== undefined && timingSafeEqual(digest(given), digest(access.token));
}

/** Serves `handler` to operators only; others get 401. */
export function operatorOnly(
  access: OperatorAccess,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    if (isOperator(req, access)) return handler(req, res);
    res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' });
    res.end(JSON.stringify({ error: 'for operators only: send the METRICS_TOKEN bearer token' }));
  };
}

export function createServiceMetrics(service: string, options: ServiceMetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const requestDuration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL request duration by operation name and type, from request to response.',
    labelNames: ['operation_name', 'operation_type'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'graphql_errors_total',
    help: 'Errors returned to callers, by extensions.code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  return {
    registry,
    requestDuration,
    errors,
    operationLabel: operationLabeler(options.maxOperationLabels ?? 100, options.knownOperations ?? []),
    handler: async (_req, res) => {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    },
  };
}

/** Counts an error code, keeping the label set to codes rather than free text. */
export function countErrorCode(metrics: Pick<ServiceMetrics, 'errors'>, code: unknown): void {
  const label = typeof code === 'string' && /^[A-Z_]{1,64}$/.test(code) ? code : 'UNKNOWN';
  metrics.errors.inc({ code: label });
}

/**
 * Request duration and error codes of a subgraph's operations, measured inside Apollo.
 * `trusted` tells whether a request's operation name may take a label slot (see `operationLabeler`).
 */
export function graphqlMetricsPlugin<TContext extends BaseContext>(
  metrics: ServiceMetrics,
  trusted: (context: TContext) => boolean = () => false,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, response }) {
          metrics.requestDuration.observe(
            {
              operation_name: metrics.operationLabel(operationName, trusted(contextValue)),
              operation_type: operation?.operation ?? 'unknown',
            },
            (performance.now() - started) / 1000,
          );
          if (response.body.kind === 'single') {
            for (const error of response.body.singleResult.errors ?? [])
              countErrorCode(metrics, error.extensions?.code);
          }
        },
      };
    },
  };
}

/** `db_pool_connections{state}` for the pools of one subgraph's DataSources in this process. */
export function registerPoolMetrics(metrics: ServiceMetrics, subgraph: string): void {
  new Gauge({
    name: 'db_pool_connections',
    help: 'PostgreSQL pool connections: total open, idle, and requests waiting for one.',
    labelNames: ['state'] as const,
    registers: [metrics.registry],
    collect() {
      const stats = poolStatsOf(subgraph);
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });
}
