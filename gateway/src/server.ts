import { existsSync } from 'node:fs';
import type http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import {
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  createGraphQLHttpServer,
  createServiceClient,
  createShippingLogger,
  enforceScalarInputs,
  ErrorCode,
  IDEMPOTENT_REPLAY_HEADER,
  isCodedError,
  isOperator,
  listen,
  maskError,
  operatorAccessOf,
  operatorOnly,
  requestScope,
  sendJson,
  servicePrincipal,
  signInternalToken,
  subgraphUrlVariable,
  type BatchReporter,
  type Logger,
  type LogShipper,
} from '@socgraph/shared';
import type { GraphQLFormattedError } from 'graphql';
import type { Redis } from 'ioredis';
import { authEventRecorder } from './audit/auth-events';
import { auditReporting, auditSinkOf } from './audit/reporting';
import type { ApiAccessEntry, AuditSink, AuthEventEntry, RateLimitViolationEntry } from './audit/sink';
import type { GatewayConfig } from './config';
import { httpPolicy } from './http-policy';
import { apiKeyIntrospectionPlugin } from './introspection-policy';
import { explorerRoutes, explorerServed, landingPagePlugin } from './landing-page';
import {
  costLimitPlugin,
  DEFAULT_FIELD_COSTS,
  DEFAULT_LIST_SIZES,
  DEFAULT_MAX_FIELD_USES,
  limitErrorOf,
  limitParseOptions,
  limitValidationRules,
  type LimitOptions,
} from './limits';
import { accessInfoPlugin, accessRecorder, createGatewayMetrics, type GatewayMetrics } from './observability';
import { anonymousAccessPlugin, operationResolutionPlugin, principalEvictionPlugin } from './operation-access';
import {
  EMPTY_SAFELIST,
  memoryApqStore,
  persistedQueryCache,
  readManifest,
  safelistOf,
  type PersistedQueryManifest,
  type Safelist,
} from './persisted';
import type { PrincipalCache } from './principal-cache';
import {
  createPrincipalResolver,
  identityPrincipalLookup,
  type PrincipalLookup,
  type PrincipalResolver,
  type TagAccessSettingsSource,
} from './principal-resolver';
import { createRateLimiter, MemoryBucketStore, RedisBucketStore } from './rate-limit';
import { connectRedis, evictionChannel, RedisKeyValueCache, shareEvictions } from './redis';
import {
  clientIpOf,
  contextBuilder,
  loginAddressLimitPlugin,
  userAgentOf,
  type GatewayContext,
} from './request-context';
import { createSubgraphAgent, SubgraphDataSource } from './subgraph-client';
import { joinedSubgraphsOf, readSupergraph } from './supergraph';
import { warmQueryPlans } from './plan-warmup';
import { UsageCounter } from './usage-counter';
import { incidentsSettingsSource } from './tag-access-settings';

export type { GatewayContext } from './request-context';

export interface StartGatewayOptions {
  /** The supergraph SDL; defaults to the file at config.SUPERGRAPH_PATH. */
  supergraphSdl?: string;
  /** Default: the gateway's own, which also ships its warnings to audit (LOG_SHIP_LEVEL). */
  logger?: Logger;
  /** Replaces the in-memory principal cache (e.g. Redis, once REDIS_URL exists). */
  principalCache?: PrincipalCache;
  /** Replaces the identity lookup (tests of the gateway alone). */
  principalLookup?: PrincipalLookup;
  tagAccessSettings?: TagAccessSettingsSource;
  /** URLs of subgraphs config does not name (tests that compose their own supergraph). */
  subgraphUrls?: Record<string, string>;
  /** Where the access log, rate-limit violations, auth events and shipped log lines go; default per AUDIT_REPORTING. */
  auditSink?: AuditSink;
  /** The persisted-operation manifest; default read from PERSISTED_QUERIES_PATH. */
  manifest?: PersistedQueryManifest;
  /** Process metrics (CPU, memory, GC) on /metrics. Default true. */
  defaultMetrics?: boolean;
}

export interface RunningGateway {
  /** Base URL; GraphQL is served at `/` (Sandbox) and `/graphql`. */
  url: string;
  graphqlUrl: string;
  port: number;
  server: http.Server;
  gateway: ApolloGateway;
  apollo: ApolloServer<GatewayContext>;
  principals: PrincipalResolver;
  /** Subgraphs joined by the supergraph the gateway serves. */
  subgraphNames: string[];
  safelist: Safelist;
  metrics: GatewayMetrics;
  /** API access log on its way to audit. */
  accessLog: BatchReporter<ApiAccessEntry>;
  /** Rate-limit violations on their way to audit. */
  violations: BatchReporter<RateLimitViolationEntry>;
  /** Refused tokens, expired sessions and API key lookups on their way to audit. */
  authEvents: BatchReporter<AuthEventEntry>;
  /** Each user's request counts on their way to identity (billing usage); null when off or without identity. */
  usage: UsageCounter | null;
  /** The gateway's logger: its own unless one was given. */
  logger: Logger;
  /** The gateway's own log lines on their way to audit; null with a given logger or nowhere to ship. */
  logShipper: LogShipper | null;
  readiness: () => Promise<Readiness>;
  /** Stops taking requests, finishes the in-flight ones (up to SHUTDOWN_GRACE_MS), flushes reports. */
  stop: () => Promise<void>;
}

/**
 * The gateway is ready when it can serve: its supergraph is loaded and it is not draining. A
 * subgraph that is down costs only its own fields, so it makes the gateway `degraded`, not
 * unready: taking every gateway out of the load balancer because audit (say) is down would turn
 * one subgraph's outage into everyone's. `/ready/subgraphs` is the strict view, for monitors.
 */
export interface Readiness {
  ready: boolean;
  supergraphLoaded: boolean;
  subgraphs: Record<string, 'ok' | string>;
  /** What keeps the gateway itself from serving (`supergraph`, `draining`). */
  failed: string[];
  /** Subgraphs not answering their health check. */
  degraded: string[];
}

// Extension keys the gateway adds to downstream errors that name internal URLs or services.
const INTERNAL_EXTENSION_KEYS = ['response', 'serviceName', 'query', 'variables'];

function stripInternalExtensions(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!formatted.extensions) return formatted;
  const extensions = { ...formatted.extensions };
  for (const key of INTERNAL_EXTENSION_KEYS) delete extensions[key];
  return { ...formatted, extensions };
}

/** Apollo's logger interface over pino. */
function apolloLogger(logger: Logger) {
  return {
    debug: (message?: unknown) => logger.debug(String(message)),
    info: (message?: unknown) => logger.info(String(message)),
    warn: (message?: unknown) => logger.warn(String(message)),
    error: (message?: unknown) => logger.error(String(message)),
  };
}

async function checkHealth(graphqlUrl: string): Promise<'ok' | string> {
  try {
    const response = await fetch(new URL('/health', graphqlUrl), { signal: AbortSignal.timeout(2_000) });
    return response.ok ? 'ok' : `HTTP ${response.status}`;
  } catch (error) {
    return `unreachable: ${(error as Error).message}`;
  }
}

/** A retryable SERVICE_UNAVAILABLE anywhere in the answer sets `retry-after` (its longest). */
function retryAfterPlugin<T extends GatewayContext>(): ApolloServerPlugin<T> {
  const listener: GraphQLRequestListener<T> = {
    async willSendResponse({ response }) {
      if (response.body.kind !== 'single') return;
      let seconds = 0;
      for (const error of response.body.singleResult.errors ?? []) {
        if (error.extensions?.code !== ErrorCode.SERVICE_UNAVAILABLE) continue;
        seconds = Math.max(seconds, Number(error.extensions.retryAfter) || 1);
      }
      if (seconds > 0) response.http.headers.set('retry-after', String(seconds));
    },
  };
  return { requestDidStart: async () => listener };
}

/** `idempotent-replay: true` on an answer a subgraph gave from its idempotency store (docs/operations.md). */
function idempotentReplayPlugin<T extends GatewayContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (contextValue.idempotentReplay) response.http.headers.set(IDEMPOTENT_REPLAY_HEADER, 'true');
        },
      };
    },
  };
}

function loadSafelist(config: GatewayConfig, options: StartGatewayOptions, logger: Logger): Safelist {
  if (options.manifest) return safelistOf(options.manifest);
  if (!existsSync(config.PERSISTED_QUERIES_PATH)) {
    logger.warn({ path: config.PERSISTED_QUERIES_PATH }, 'no persisted-operation manifest: the safelist is empty');
    return EMPTY_SAFELIST;
  }
  return safelistOf(readManifest(config.PERSISTED_QUERIES_PATH));
}

const limitOptionsOf = (config: GatewayConfig): LimitOptions => ({
  maxDepth: config.MAX_DEPTH,
  maxAliases: config.MAX_ALIASES,
  maxRootFields: config.MAX_ROOT_FIELDS,
  maxDirectives: config.MAX_DIRECTIVES,
  maxTokens: config.MAX_TOKENS,
  maxCost: config.MAX_COST,
  defaultListSize: config.DEFAULT_LIST_SIZE,
  listSizes: { ...DEFAULT_LIST_SIZES, ...config.LIST_SIZES },
  fieldCosts: { ...DEFAULT_FIELD_COSTS },
  maxFieldUses: { ...DEFAULT_MAX_FIELD_USES },
  maxListLength: config.MAX_LIST_ARGUMENT_LENGTH,
  maxInputValues: config.MAX_INPUT_VALUES,
});

export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const supergraphSdl = options.supergraphSdl ?? readSupergraph(config.SUPERGRAPH_PATH);
  const joined = joinedSubgraphsOf(supergraphSdl);
  const subgraphNames = joined.map((s) => s.name);
  // A subgraph's URL: given by the caller, else `<NAME>_URL`, else the one the supergraph was composed with.
  const urlOf = (name: string): string | undefined =>
    options.subgraphUrls?.[name] ?? config.SUBGRAPH_URLS[name] ?? joined.find((s) => s.name === name)?.url ?? undefined;
  const unknown = subgraphNames.filter((name) => !urlOf(name));
  if (unknown.length)
    throw new Error(`No URL for subgraph(s) ${unknown.join(', ')}: set ${unknown.map(subgraphUrlVariable).join(', ')}`);
  // The services the gateway itself calls: identity (principals), incidents (tag-access settings), audit (reports).
  const serviceUrl = (name: string): string => {
    const url = urlOf(name);
    if (!url) throw new Error(`The gateway needs ${subgraphUrlVariable(name)} (the supergraph does not join ${name})`);
    return url;
  };

  const sink = auditSinkOf(config, urlOf('audit'), options.auditSink);
  // A logger of its own also ships its warnings where the reports go; a caller's logger is the caller's business.
  const { logger, shipper: logShipper } = options.logger
    ? { logger: options.logger, shipper: null }
    : createShippingLogger('gateway', config, sink.recordLogs?.bind(sink) ?? null);

  // @apollo/gateway otherwise starts an OpenTelemetry exporter that reports to Apollo: we run
  // offline and send nothing to third parties. Must be set before the gateway is constructed.
  process.env.APOLLO_TELEMETRY_DISABLED ??= '1';

  // Read once at start: the hot path only looks ids up in a Map.
  const safelist = loadSafelist(config, options, logger);
  const metrics = createGatewayMetrics({ knownOperations: safelist.names, defaultMetrics: options.defaultMetrics });
  const { accessLog, violations, authEvents } = auditReporting(sink, config, metrics, logger);
  logShipper?.observe({ dropped: metrics.reporterDropped, watch: metrics.watchReporter });
  const authEventLog = authEventRecorder({ reporter: authEvents, logger });

  const settingsSource =
    options.tagAccessSettings ??
    incidentsSettingsSource({
      incidentsUrl: serviceUrl('incidents'),
      internalTokenSecret: config.INTERNAL_TOKEN_SECRET,
      tokenTtlSeconds: config.INTERNAL_TOKEN_TTL_SECONDS,
      cacheSeconds: config.TAG_SETTINGS_REFRESH_SECONDS,
      timeoutMs: config.SERVICE_TIMEOUT_MS,
      reminderMs: config.OUTAGE_LOG_REMINDER_SECONDS * 1000,
      logger,
    });
  const principals = createPrincipalResolver({
    jwtSecret: config.JWT_SECRET,
    onAuthEvent: authEventLog.record,
    cacheSeconds: config.PRINCIPAL_CACHE_SECONDS,
    lookup:
      options.principalLookup ??
      identityPrincipalLookup({
        identityUrl: serviceUrl('identity'),
        internalTokenSecret: config.INTERNAL_TOKEN_SECRET,
        tokenTtlSeconds: config.INTERNAL_TOKEN_TTL_SECONDS,
        timeoutMs: config.SERVICE_TIMEOUT_MS,
      }),
    ...(options.principalCache ? { cache: options.principalCache } : {}),
    settings: settingsSource,
  });

  const identityUrl = urlOf('identity');
  const usage =
    config.USAGE_FLUSH_MS > 0 && identityUrl
      ? new UsageCounter({
          client: createServiceClient({
            caller: 'gateway',
            internalTokenSecret: config.INTERNAL_TOKEN_SECRET,
            tokenTtlSeconds: config.INTERNAL_TOKEN_TTL_SECONDS,
            timeoutMs: config.SERVICE_TIMEOUT_MS,
          }),
          identityUrl,
          flushIntervalMs: config.USAGE_FLUSH_MS,
          logger,
          onDrop: (count) => metrics.reporterDropped.inc({ reporter: 'usage', reason: 'buffer_full' }, count),
        })
      : null;

  const gatewayToken = (): Promise<string> =>
    signInternalToken(servicePrincipal('gateway'), config.INTERNAL_TOKEN_SECRET, config.INTERNAL_TOKEN_TTL_SECONDS);

  const redis: Redis | null = config.REDIS_URL ? connectRedis(config.REDIS_URL) : null;
  redis?.on('error', (error: Error) => logger.warn({ err: error }, 'redis error'));
  // Logout, key revocation and tag-settings changes reach every replica's cache, not just this one's.
  const shared = redis
    ? shareEvictions({ redis, channel: evictionChannel(config.REDIS_KEY_PREFIX), local: principals, logger })
    : null;

  const agent = createSubgraphAgent({ maxSockets: config.SUBGRAPH_MAX_SOCKETS });
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: apolloLogger(logger),
    // URLs come from config by subgraph name; the ones in the supergraph file are placeholders.
    buildService: ({ name }) => {
      const url = urlOf(name);
      if (!url) throw new Error(`No URL configured for subgraph ${name}`);
      return new SubgraphDataSource({
        name,
        url,
        timeoutMs: config.SUBGRAPH_TIMEOUTS[name] ?? config.SUBGRAPH_TIMEOUT_MS,
        agent,
        fetchDuration: metrics.subgraphFetchDuration,
        gatewayToken,
        maxResponseBytes: config.MAX_RESPONSE_BYTES,
        ...(config.SUBGRAPH_DEDUP ? { dedup: { deduplicated: metrics.subgraphFetchDeduplicated } } : {}),
      });
    },
  });

  // The supergraph declares custom scalars without their rules: give the gateway's schema
  // graphql-scalars' input checks, so a bad value is refused here, before any subgraph sees it.
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => enforceScalarInputs(apiSchema));
  const limiter = config.RATE_LIMIT_ENABLED
    ? createRateLimiter({
        store: redis ? new RedisBucketStore(redis, `${config.REDIS_KEY_PREFIX}rl:`) : new MemoryBucketStore(),
        roleLimits: config.RATE_LIMITS,
        apiKeyLimits: config.API_KEY_RATE_LIMITS,
        logger,
      })
    : null;

  const limits = limitOptionsOf(config);
  const plugins: ApolloServerPlugin<GatewayContext>[] = [
    ApolloServerPluginUsageReportingDisabled(),
    ApolloServerPluginSchemaReportingDisabled(),
    landingPagePlugin<GatewayContext>(config.LANDING_PAGE, config.INTROSPECTION),
    accessInfoPlugin<GatewayContext>(),
    operationResolutionPlugin<GatewayContext>(),
    anonymousAccessPlugin<GatewayContext>({ allowIntrospection: config.ALLOW_ANONYMOUS_INTROSPECTION }),
    apiKeyIntrospectionPlugin<GatewayContext>({ allowed: config.API_KEY_INTROSPECTION }),
    costLimitPlugin<GatewayContext>(limits),
    loginAddressLimitPlugin({ limiter, violations, metrics }),
    principalEvictionPlugin<GatewayContext>(shared?.evictions ?? principals),
    retryAfterPlugin<GatewayContext>(),
    idempotentReplayPlugin<GatewayContext>(),
  ];

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.INTROSPECTION,
    includeStacktraceInErrorResponses: false,
    // Whoever runs the gateway (main.ts, pnpm start) stops it on signals, in order; Apollo's own
    // handlers would race that and re-raise the signal.
    stopOnTerminationSignals: false,
    logger: apolloLogger(logger),
    plugins,
    // APQ: manifest ids first, then memory or Redis; registrations never replace a manifest id.
    persistedQueries: {
      cache: persistedQueryCache(
        safelist,
        redis ? new RedisKeyValueCache(redis, `${config.REDIS_KEY_PREFIX}apq:`) : memoryApqStore(),
      ),
      ttl: config.APQ_TTL_SECONDS,
    },
    validationRules: limitValidationRules(limits),
    parseOptions: limitParseOptions(limits),
    // One operation per request: a batch would multiply every limit and rate limit by its length.
    allowBatchedHttpRequests: false,
    formatError: (formatted, error) => {
      const requestId = requestScope.requestId();
      const limit = limitErrorOf(error);
      if (limit) {
        const { http: _http, ...extensions } = limit.extensions;
        return { message: limit.message, extensions };
      }
      const original = (error as { originalError?: unknown } | undefined)?.originalError ?? error;
      // A subgraph's own outage error (its database down) names that subgraph, like the gateway's do.
      const serviceName = formatted.extensions?.serviceName;
      if (
        typeof serviceName === 'string' &&
        formatted.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE &&
        formatted.extensions.subgraph === undefined
      ) {
        formatted = { ...formatted, extensions: { ...formatted.extensions, subgraph: serviceName } };
      }
      const masked = maskError(stripInternalExtensions(formatted), requestId);
      // An outage is worth quoting to support: the request id finds it in the logs.
      if (masked.extensions?.code === ErrorCode.SUBGRAPH_UNAVAILABLE && requestId) {
        return { ...masked, extensions: { ...masked.extensions, requestId } };
      }
      if (masked.extensions?.code === 'INTERNAL_SERVER_ERROR' && !isCodedError(original)) {
        logger.error({ err: original, requestId, message: formatted.message }, 'unexpected gateway error');
      }
      return masked;
    },
  });

  let supergraphLoaded = false;
  let draining = false;
  // One round of health checks at a time, however often /ready is hit (it is public).
  let checking: Promise<Readiness> | null = null;
  const readiness = (): Promise<Readiness> =>
    (checking ??= checkReadiness().finally(() => {
      checking = null;
    }));
  const checkReadiness = async (): Promise<Readiness> => {
    const checks = await Promise.all(
      subgraphNames.map(async (name) => [name, await checkHealth(urlOf(name) ?? '')] as const),
    );
    const subgraphs = Object.fromEntries(checks);
    const degraded = checks.filter(([, status]) => status !== 'ok').map(([name]) => name);
    const failed: string[] = [];
    if (!supergraphLoaded) failed.push('supergraph');
    if (draining) failed.unshift('draining');
    return { ready: failed.length === 0, supergraphLoaded, subgraphs, failed, degraded };
  };

  const early = new WeakMap<IncomingMessage, GatewayContext>();
  // /metrics and readiness detail: METRICS_TOKEN, or open outside production unless METRICS_OPEN says otherwise.
  const operators = operatorAccessOf(config);

  const buildContext = contextBuilder({
    principals,
    trustedProxies: config.TRUSTED_PROXIES,
    internalTokenSecret: config.INTERNAL_TOKEN_SECRET,
    internalTokenTtlSeconds: config.INTERNAL_TOKEN_TTL_SECONDS,
    limiter,
    violations,
    metrics,
    logger,
    early,
    policy: {
      safelist,
      mode: config.SAFELIST_MODE,
      maxDocumentSize: config.MAX_DOCUMENT_SIZE,
      onWouldRefuse: (principal, request, code) => {
        metrics.safelistWouldRefuse.inc({ code });
        logger.warn(
          { username: principal.username, operationName: request.operationName, code },
          'safelist would refuse this operation (SAFELIST_MODE=log)',
        );
      },
    },
  });

  const httpServer = createGraphQLHttpServer<GatewayContext>({
    apollo,
    graphqlPaths: ['/', '/graphql'],
    // Every request id is the gateway's: audit stores access rows, violations and mutation
    // entries by it, so a client must not choose it (the client's id is only logged beside it).
    adoptRequestId: false,
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxResponseBytes: config.MAX_RESPONSE_BYTES,
    // The principal resolver reports auth events without knowing HTTP: it finds the
    // request's address, user agent and id here.
    context: (req, requestId, body) =>
      authEventLog.within(
        { requestId, clientIp: clientIpOf(req, config.TRUSTED_PROXIES), userAgent: userAgentOf(req) },
        () => buildContext(req, requestId, body),
      ),
    // One deadline for the whole request: principal lookup and every fetch of its plan.
    around: (requestId, fn) => requestScope.run(requestId, fn, { deadline: Date.now() + config.REQUEST_TIMEOUT_MS }),
    routes: {
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
      // Load balancers read the status code; which subgraphs exist and how they are is for operators.
      '/ready': async (req, res) => {
        const state = await readiness();
        sendJson(res, state.ready ? 200 : 503, isOperator(req, operators) ? state : { ready: state.ready });
      },
      '/ready/subgraphs': async (req, res) => {
        const state = await readiness();
        const ok = state.ready && state.degraded.length === 0;
        sendJson(res, ok ? 200 : 503, isOperator(req, operators) ? state : { ready: ok });
      },
      '/metrics': operatorOnly(operators, metrics.handler),
      ...(explorerServed(config.LANDING_PAGE, config.INTROSPECTION) ? explorerRoutes() : {}),
    },
    onResponse: httpPolicy({
      corsOrigins: config.CORS_ORIGINS,
      corsMaxAgeSeconds: config.CORS_MAX_AGE_SECONDS,
      landingPage: config.LANDING_PAGE,
    }),
    onFinish: accessRecorder<GatewayContext>({ logger, metrics, accessLog, early, ...(usage ? { usage } : {}) }),
    onError: (error, requestId) => logger.error({ err: error, requestId }, 'request failed'),
  });
  apollo.addPlugin(ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.SHUTDOWN_GRACE_MS }));

  const closeClients = async (): Promise<void> => {
    await agent.close();
    shared?.close();
    if (redis) await redis.quit().catch(() => redis.disconnect());
  };
  let running;
  try {
    await apollo.start();
    supergraphLoaded = true;
    // Before the port opens: the first requests for dashboard operations find their plans.
    await warmQueryPlans(gateway, safelist.operations, logger);
    running = await listen(httpServer, config.PORT, config.HOST);
  } catch (error) {
    await apollo.stop().catch(() => undefined);
    await logShipper?.stop(1_000);
    await closeClients();
    throw error;
  }
  logger.info({ url: running.url, subgraphs: subgraphNames }, 'gateway listening');
  usage?.start();
  // Read the tag-access settings before the first request needs them (off the request path).
  void settingsSource.current().catch(() => undefined);

  let stopping: Promise<void> | null = null;
  return {
    url: running.url,
    graphqlUrl: `${running.url}/graphql`,
    port: running.port,
    server: httpServer,
    gateway,
    apollo,
    principals,
    subgraphNames,
    safelist,
    metrics,
    accessLog,
    violations,
    authEvents,
    usage,
    logger,
    logShipper,
    readiness,
    stop: () =>
      (stopping ??= (async () => {
        // Readiness turns false first, so a load balancer stops sending before the port closes.
        draining = true;
        if (config.SHUTDOWN_DELAY_MS > 0) await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DELAY_MS));
        await apollo.stop();
        await running.stop();
        supergraphLoaded = false;
        await Promise.all([accessLog.stop(), violations.stop(), authEvents.stop(), usage?.stop()]);
        // Last, so what the others logged while stopping still ships.
        await logShipper?.stop();
        await closeClients();
      })()),
  };
}
