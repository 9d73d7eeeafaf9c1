import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '../graphql/resolvers';
import { GraphQLError, type DocumentNode } from 'graphql';
import type { Principal } from '../auth/principal';
import { deadlineFromHeader, Headers, verifyInternalToken } from '../auth/tokens';
import {
  DeadlineExceededError,
  ErrorCode,
  foreignKeyError,
  isCodedError,
  isDatabaseUnavailable,
  isStatementTimeout,
  maskError,
  serviceUnavailable,
} from '../errors';
import { scalarResolversFor } from '../graphql/scalars';
import { createLogger, type Logger } from '../logger';
import { requestScope } from '../request-scope';
import {
  createGraphQLHttpServer,
  HttpError,
  listen,
  sendJson,
  type GraphQLHttpOptions,
  type RouteHandler,
  type RunningHttpServer,
} from './http';
import {
  createServiceMetrics,
  graphqlMetricsPlugin,
  operatorOnly,
  registerPoolMetrics,
  type OperatorAccess,
  type ServiceMetrics,
} from './metrics';

/** What every subgraph resolver receives; subgraphs extend it with loaders and services. */
export interface SubgraphContext {
  principal: Principal;
  requestId: string;
  /** The end client's address and agent, forwarded by the gateway. */
  clientIp: string | null;
  userAgent: string | null;
}

/** Everything a subgraph contributes; `startSubgraphServer` does the rest the same way for all. */
export interface SubgraphModule<TContext extends SubgraphContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  createContext: (base: SubgraphContext) => TContext;
  /** Readiness: the database answers. */
  isReady?: () => Promise<boolean>;
  /** Extra HTTP routes by path (a payment provider's webhook); health, ready and metrics win. */
  routes?: Record<string, RouteHandler>;
  /** Wraps each GraphQL request's execution (keyed mutations, see idempotent-execution.ts). */
  execute?: GraphQLHttpOptions<TContext>['execute'];
}

export interface SubgraphServerOptions {
  port: number;
  host?: string;
  internalTokenSecret: string;
  logger?: Logger;
  /** Process metrics (CPU, memory, GC) on /metrics besides the GraphQL and pool ones. Default true. */
  defaultMetrics?: boolean;
  /** Who may read /metrics (`operatorAccessOf(config)`); default: no one. */
  operatorAccess?: OperatorAccess;
}

export interface RunningSubgraph extends RunningHttpServer {
  name: string;
  graphqlUrl: string;
  /** What `/metrics` serves (request durations, errors by code, DB pool usage). */
  metrics?: ServiceMetrics;
}

/** Extra headers the gateway sets on subgraph calls (trusted only with a valid token). */
export const ForwardedHeaders = {
  CLIENT_IP: 'x-client-ip',
  USER_AGENT: 'x-client-user-agent',
} as const;

function header(req: IncomingMessage, name: string, maxLength = 512): string | null {
  const value = req.headers[name];
  return typeof value === 'string' && value.length > 0 ? value.slice(0, maxLength) : null;
}

function clientIpOf(req: IncomingMessage): string | null {
  const given = header(req, ForwardedHeaders.CLIENT_IP, 64);
  return given && isIP(given) !== 0 ? given : null;
}

/** SERVICE_UNAVAILABLE for a database that cannot be reached or a request past its deadline. */
function unavailableErrorOf(error: unknown): GraphQLError | null {
  if (error instanceof GraphQLError && error.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE) return null;
  if (error instanceof DeadlineExceededError || isStatementTimeout(error)) return serviceUnavailable('deadline');
  if (isDatabaseUnavailable(error)) return serviceUnavailable('database', DATABASE_RETRY_AFTER_SECONDS);
  return null;
}

/** Seconds a client is told to wait while the database is down (a Postgres restart takes about one). */
const DATABASE_RETRY_AFTER_SECONDS = 2;

// Requests whose outage was logged already, most recent last (bounded).
const loggedOutages = new Set<string>();
function onceFor(requestId: string | undefined, reason: unknown): boolean {
  if (!requestId) return true;
  const key = `${requestId}:${String(reason)}`;
  if (loggedOutages.has(key)) return false;
  loggedOutages.add(key);
  if (loggedOutages.size > 1_000) {
    const oldest = loggedOutages.values().next().value;
    if (oldest !== undefined) loggedOutages.delete(oldest);
  }
  return true;
}

export async function startSubgraphServer<TContext extends SubgraphContext>(
  module: SubgraphModule<TContext>,
  options: SubgraphServerOptions,
): Promise<RunningSubgraph> {
  const logger = options.logger ?? createLogger(`subgraph-${module.name}`);
  const schema = buildSubgraphSchema({
    typeDefs: module.typeDefs,
    resolvers: { ...scalarResolversFor(module.typeDefs), ...module.resolvers } as GraphQLResolverMap<unknown>,
  });

  // Operation names here are the gateway's (query-plan fetches), a small and stable set.
  const metrics = createServiceMetrics(`subgraph-${module.name}`, { defaultMetrics: options.defaultMetrics ?? true });
  registerPoolMetrics(metrics, module.name);

  const apollo = new ApolloServer<TContext>({
    schema,
    includeStacktraceInErrorResponses: false,
    // Whoever runs the subgraph (runSubgraphMain, pnpm start) stops it on signals, in order.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => {
      const requestId = requestScope.requestId();
      const original = (error as { originalError?: unknown } | undefined)?.originalError ?? error;
      // The database down or the deadline passed: one coded, retryable error, logged once per
      // request however many resolvers hit it.
      const unavailable = unavailableErrorOf(original);
      if (unavailable) {
        if (onceFor(requestId, unavailable.extensions.reason)) {
          logger.warn(
            { err: original, requestId, reason: unavailable.extensions.reason },
            unavailable.extensions.reason === 'deadline'
              ? 'request deadline passed; work stopped'
              : 'database unavailable; answering SERVICE_UNAVAILABLE',
          );
        }
        return {
          message: unavailable.message,
          ...(formatted.path ? { path: formatted.path } : {}),
          ...(formatted.locations ? { locations: formatted.locations } : {}),
          extensions: { ...unavailable.extensions, ...(requestId ? { requestId } : {}) },
        };
      }
      // Audited mutations code their foreign-key violations already (runAudited, knowing the
      // caller); one raised elsewhere (an internal field) is still the input's fault, not ours.
      const foreignKey = foreignKeyError(original, { actorUserId: null });
      if (foreignKey) {
        return maskError({
          message: foreignKey.message,
          ...(formatted.path ? { path: formatted.path } : {}),
          ...(formatted.locations ? { locations: formatted.locations } : {}),
          extensions: foreignKey.extensions,
        });
      }
      if (!isCodedError(original) && formatted.extensions?.code === 'INTERNAL_SERVER_ERROR') {
        logger.error({ err: original, requestId }, 'unexpected resolver error');
      }
      return maskError(formatted, requestId);
    },
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      // No field has a cache hint, and the default cache-control plugin hooks every field
      // resolution (a policy object per field: ~5% of a list's CPU). Without a header from the
      // subgraph the gateway still takes the answer as uncacheable and sends `no-store`.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      // Names of anonymous callers' operations (login) do not take label slots.
      graphqlMetricsPlugin<TContext>(metrics, (context) => context.principal.kind !== 'anonymous'),
    ],
  });

  const httpServer = createGraphQLHttpServer<TContext>({
    apollo,
    // Every GraphQL request, `_entities` and `_service` included, needs the gateway's token.
    context: async (req, requestId) => {
      const token = header(req, Headers.INTERNAL_TOKEN, 16_384);
      if (!token) throw new HttpError(401, 'UNAUTHENTICATED', 'Subgraphs accept calls through the gateway only');
      let principal: Principal;
      try {
        principal = await verifyInternalToken(token, options.internalTokenSecret);
      } catch {
        throw new HttpError(401, 'UNAUTHENTICATED', 'Invalid internal token');
      }
      return module.createContext({
        principal,
        requestId,
        // Only an address: it lands in audit's inet columns.
        clientIp: clientIpOf(req),
        userAgent: header(req, ForwardedHeaders.USER_AGENT),
      });
    },
    ...(module.execute ? { execute: module.execute } : {}),
    // The caller's remaining budget (x-deadline-ms) bounds this request's SQL and onward calls.
    around: (requestId, fn, req) => {
      const deadline = deadlineFromHeader(req.headers[Headers.DEADLINE]);
      return requestScope.run(requestId, fn, deadline !== undefined ? { deadline } : {});
    },
    routes: {
      ...module.routes,
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok', subgraph: module.name }),
      '/ready': async (_req, res) => {
        const ready = module.isReady ? await module.isReady().catch(() => false) : true;
        sendJson(res, ready ? 200 : 503, { ready, subgraph: module.name });
      },
      '/metrics': operatorOnly(options.operatorAccess ?? { token: undefined, open: false }, metrics.handler),
    },
    onError: (error, requestId) => logger.error({ err: error, requestId }, 'request failed'),
  });
  apollo.addPlugin(ApolloServerPluginDrainHttpServer({ httpServer }));
  await apollo.start();

  const running = await listen(httpServer, options.port, options.host);
  logger.info({ url: running.url }, `subgraph ${module.name} listening`);
  return {
    ...running,
    name: module.name,
    graphqlUrl: `${running.url}/graphql`,
    metrics,
    stop: async () => {
      await apollo.stop();
      await running.stop();
    },
  };
}
