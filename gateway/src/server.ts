import type http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  createGraphQLHttpServer,
  createLogger,
  ForwardedHeaders,
  Headers,
  HttpError,
  isCodedError,
  listen,
  maskError,
  requestScope,
  sendJson,
  servicePrincipal,
  signInternalToken,
  type Logger,
  type Principal,
} from '@socgraph/shared';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isSubgraphName, subgraphUrlOf, type GatewayConfig } from './config';
import { anonymousAccessPlugin, principalEvictionPlugin } from './operation-access';
import type { PrincipalCache } from './principal-cache';
import {
  createPrincipalResolver,
  identityPrincipalLookup,
  PrincipalLookupError,
  type PrincipalLookup,
  type PrincipalResolver,
  type TagAccessSettingsSource,
} from './principal-resolver';
import { readSupergraph, subgraphNamesOf } from './supergraph';
import { incidentsSettingsSource } from './tag-access-settings';

/** What every gateway operation carries; a type alias so it satisfies the data source's Record constraint. */
export type GatewayContext = {
  principal: Principal;
  requestId: string;
  clientIp: string | null;
  userAgent: string | null;
  /** The internal token for this request, signed once and shared by all its subgraph fetches. */
  internalToken: () => Promise<string>;
};

export interface StartGatewayOptions {
  /** The supergraph SDL; defaults to the file at config.SUPERGRAPH_PATH. */
  supergraphSdl?: string;
  logger?: Logger;
  /** Replaces the in-memory principal cache (e.g. Redis, once REDIS_URL exists). */
  principalCache?: PrincipalCache;
  /** Replaces the identity lookup (tests of the gateway alone). */
  principalLookup?: PrincipalLookup;
  tagAccessSettings?: TagAccessSettingsSource;
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
  readiness: () => Promise<Readiness>;
  stop: () => Promise<void>;
}

export interface Readiness {
  ready: boolean;
  supergraphLoaded: boolean;
  subgraphs: Record<string, 'ok' | string>;
  failed: string[];
}

// Extension keys the gateway adds to downstream errors that name internal URLs or services.
const INTERNAL_EXTENSION_KEYS = ['response', 'serviceName', 'query', 'variables'];

function stripInternalExtensions(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!formatted.extensions) return formatted;
  const extensions = { ...formatted.extensions };
  for (const key of INTERNAL_EXTENSION_KEYS) delete extensions[key];
  return { ...formatted, extensions };
}

function clientIpOf(req: IncomingMessage): string | null {
  // The socket peer; honouring X-Forwarded-For needs a trusted-proxy setting, which we do not have yet.
  const address = req.socket.remoteAddress;
  if (!address) return null;
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

function userAgentOf(req: IncomingMessage): string | null {
  const agent = req.headers['user-agent'];
  return typeof agent === 'string' && agent.length > 0 ? agent.slice(0, 512) : null;
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

type Fetcher = RemoteGraphQLDataSource['fetcher'];

/** Node's fetch (undici) pools keep-alive connections to each subgraph; the default fetcher does not. */
const subgraphFetcher: Fetcher = (url, init) => fetch(url, init as RequestInit);

async function checkHealth(graphqlUrl: string): Promise<'ok' | string> {
  try {
    const response = await fetch(new URL('/health', graphqlUrl), { signal: AbortSignal.timeout(2_000) });
    return response.ok ? 'ok' : `HTTP ${response.status}`;
  } catch (error) {
    return `unreachable: ${(error as Error).message}`;
  }
}

export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger('gateway', config.LOG_LEVEL);
  const supergraphSdl = options.supergraphSdl ?? readSupergraph(config.SUPERGRAPH_PATH);
  const subgraphNames = subgraphNamesOf(supergraphSdl);
  const unknown = subgraphNames.filter((name) => !isSubgraphName(name));
  if (unknown.length) throw new Error(`The supergraph joins unknown subgraph(s): ${unknown.join(', ')}`);

  // @apollo/gateway otherwise starts an OpenTelemetry exporter that reports to Apollo: we run
  // offline and send nothing to third parties. Must be set before the gateway is constructed.
  process.env.APOLLO_TELEMETRY_DISABLED ??= '1';

  const principals = createPrincipalResolver({
    jwtSecret: config.JWT_SECRET,
    cacheSeconds: config.PRINCIPAL_CACHE_SECONDS,
    lookup:
      options.principalLookup ??
      identityPrincipalLookup({
        identityUrl: config.IDENTITY_URL,
        internalTokenSecret: config.INTERNAL_TOKEN_SECRET,
        tokenTtlSeconds: config.INTERNAL_TOKEN_TTL_SECONDS,
      }),
    ...(options.principalCache ? { cache: options.principalCache } : {}),
    settings:
      options.tagAccessSettings ??
      incidentsSettingsSource({
        incidentsUrl: config.INCIDENTS_URL,
        internalTokenSecret: config.INTERNAL_TOKEN_SECRET,
        tokenTtlSeconds: config.INTERNAL_TOKEN_TTL_SECONDS,
        cacheSeconds: config.PRINCIPAL_CACHE_SECONDS,
        logger,
      }),
  });

  const gatewayToken = (): Promise<string> =>
    signInternalToken(servicePrincipal('gateway'), config.INTERNAL_TOKEN_SECRET, config.INTERNAL_TOKEN_TTL_SECONDS);

  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: apolloLogger(logger),
    // URLs come from config by subgraph name; the ones in the supergraph file are placeholders.
    buildService: ({ name }) => {
      if (!isSubgraphName(name)) throw new Error(`No URL configured for subgraph ${name}`);
      return new RemoteGraphQLDataSource<GatewayContext>({
        url: subgraphUrlOf(config, name),
        fetcher: subgraphFetcher,
        async willSendRequest(processOptions) {
          const headers = processOptions.request.http?.headers;
          if (!headers) return;
          // Only client operations carry a request context; anything else (health checks) goes as the gateway.
          if (!('incomingRequestContext' in processOptions)) {
            headers.set(Headers.INTERNAL_TOKEN, await gatewayToken());
            return;
          }
          const context = processOptions.context;
          headers.set(Headers.INTERNAL_TOKEN, await context.internalToken());
          headers.set(Headers.REQUEST_ID, context.requestId);
          if (context.clientIp) headers.set(ForwardedHeaders.CLIENT_IP, context.clientIp);
          if (context.userAgent) headers.set(ForwardedHeaders.USER_AGENT, context.userAgent);
        },
        // A non-2xx answer from a subgraph is our fault (e.g. a refused internal token), not the
        // caller's: report it without a code so it is masked as INTERNAL_SERVER_ERROR and logged.
        async errorFromResponse(response) {
          return new GraphQLError(`Subgraph ${name} answered HTTP ${response.status}`);
        },
      });
    },
  });

  const plugins: ApolloServerPlugin<GatewayContext>[] = [
    ApolloServerPluginUsageReportingDisabled(),
    ApolloServerPluginSchemaReportingDisabled(),
    config.INTROSPECTION
      ? ApolloServerPluginLandingPageLocalDefault({
          embed: { runTelemetry: false, endpointIsEditable: false },
          includeCookies: false,
          footer: false,
        })
      : ApolloServerPluginLandingPageDisabled(),
    anonymousAccessPlugin<GatewayContext>({ allowIntrospection: config.ALLOW_ANONYMOUS_INTROSPECTION }),
    principalEvictionPlugin<GatewayContext>(principals),
  ];

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.INTROSPECTION,
    includeStacktraceInErrorResponses: false,
    logger: apolloLogger(logger),
    plugins,
    formatError: (formatted, error) => {
      const requestId = requestScope.requestId();
      const original = (error as { originalError?: unknown } | undefined)?.originalError ?? error;
      const masked = maskError(stripInternalExtensions(formatted), requestId);
      if (masked.extensions?.code === 'INTERNAL_SERVER_ERROR' && !isCodedError(original)) {
        logger.error({ err: original, requestId, message: formatted.message }, 'unexpected gateway error');
      }
      return masked;
    },
  });

  let supergraphLoaded = false;
  const readiness = async (): Promise<Readiness> => {
    const checks = await Promise.all(
      subgraphNames.map(
        async (name) =>
          [name, isSubgraphName(name) ? await checkHealth(subgraphUrlOf(config, name)) : 'no URL'] as const,
      ),
    );
    const subgraphs = Object.fromEntries(checks);
    const failed = checks.filter(([, status]) => status !== 'ok').map(([name]) => name);
    if (!supergraphLoaded) failed.unshift('supergraph');
    return { ready: failed.length === 0, supergraphLoaded, subgraphs, failed };
  };

  const httpServer = createGraphQLHttpServer<GatewayContext>({
    apollo,
    graphqlPaths: ['/', '/graphql'],
    context: async (req, requestId) => {
      let principal: Principal;
      try {
        principal = await principals.resolve(req.headers, requestId);
      } catch (error) {
        if (error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED') {
          throw new HttpError(401, 'UNAUTHENTICATED', error.message, { 'www-authenticate': 'Bearer' });
        }
        if (error instanceof PrincipalLookupError) {
          logger.error({ err: error, requestId }, 'principal lookup failed');
          throw new HttpError(503, 'INTERNAL_SERVER_ERROR', `Authentication is unavailable (request id ${requestId})`);
        }
        throw error;
      }
      let token: Promise<string> | null = null;
      return {
        principal,
        requestId,
        clientIp: clientIpOf(req),
        userAgent: userAgentOf(req),
        internalToken: () =>
          (token ??= signInternalToken(principal, config.INTERNAL_TOKEN_SECRET, config.INTERNAL_TOKEN_TTL_SECONDS)),
      };
    },
    around: (requestId, fn) => requestScope.run(requestId, fn),
    routes: {
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
      '/ready': async (_req, res) => {
        const state = await readiness();
        sendJson(res, state.ready ? 200 : 503, state);
      },
    },
    onError: (error, requestId) => logger.error({ err: error, requestId }, 'request failed'),
  });
  apollo.addPlugin(ApolloServerPluginDrainHttpServer({ httpServer }));

  await apollo.start();
  supergraphLoaded = true;
  let running;
  try {
    running = await listen(httpServer, config.PORT, config.HOST);
  } catch (error) {
    await apollo.stop();
    throw error;
  }
  logger.info({ url: running.url, subgraphs: subgraphNames }, 'gateway listening');

  return {
    url: running.url,
    graphqlUrl: `${running.url}/graphql`,
    port: running.port,
    server: httpServer,
    gateway,
    apollo,
    principals,
    subgraphNames,
    readiness,
    stop: async () => {
      supergraphLoaded = false;
      await apollo.stop();
      await running.stop();
    },
  };
}
