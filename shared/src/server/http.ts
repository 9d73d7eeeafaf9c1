import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import { Headers } from '../auth/tokens';
import { payloadTooLarge, queryLimitExceeded } from '../errors';

/**
 * The one HTTP adapter for Apollo Server used by the gateway and every subgraph: JSON body
 * with a size limit, request ids, extra routes (health, readiness, metrics), and a stop that
 * drains in-flight requests. Apollo Server 5 ships no framework integration, and this is
 * all we need of one.
 */

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  /**
   * Builds the GraphQL context, or answers the request itself by throwing an HttpError. `body`
   * is the parsed request body (undefined for GET), for checks that must happen before
   * Apollo sees the operation (the gateway's persisted-operation policy).
   */
  context: (req: IncomingMessage, requestId: string, body?: unknown) => Promise<TContext>;
  /** Wraps the whole GraphQL execution (the request scope for statement counting). */
  around?: <T>(requestId: string, fn: () => Promise<T>, req: IncomingMessage) => Promise<T>;
  /**
   * Wraps Apollo's execution of one request, once its context is built (a subgraph's keyed
   * mutations: one transaction around the whole request, or the stored answer instead of a run).
   */
  execute?: (
    run: () => Promise<HTTPGraphQLResponse>,
    request: { req: IncomingMessage; body: unknown; context: TContext },
  ) => Promise<HTTPGraphQLResponse>;
  routes?: Record<string, RouteHandler>;
  graphqlPath?: string;
  /** Several paths serving GraphQL (the gateway: `/` for Sandbox and `/graphql`); overrides graphqlPath. */
  graphqlPaths?: string[];
  maxBodyBytes?: number;
  /** The most bytes of a complete GraphQL response body; a larger one is replaced by a MAX_RESPONSE_BYTES error. */
  maxResponseBytes?: number;
  /** Extra response headers for every GraphQL response (security headers, CORS). */
  onResponse?: (req: IncomingMessage, res: ServerResponse) => void;
  onError?: (error: unknown, requestId: string) => void;
  /** Called once per GraphQL-path request after its response was written (access logs, metrics). */
  onFinish?: (event: RequestFinished<TContext>) => void;
  /**
   * Whether the caller's `x-request-id` becomes the request id. Default true: a subgraph's
   * callers are the gateway and services, which pass their own id on. The gateway sets false
   * and mints every id itself: audit keys access-log rows and violations by request id, so a
   * client-chosen id could overwrite (erase) a trail.
   */
  adoptRequestId?: boolean;
}

/** What `onFinish` learns about a request. */
export interface RequestFinished<TContext> {
  req: IncomingMessage;
  requestId: string;
  status: number;
  durationMs: number;
  /** Undefined when the request was answered before its context was built. */
  context: TContext | undefined;
  /** The refusal that answered the request, if one did (401, 413, 429, ...). */
  refusal: HttpError | undefined;
}

/** An error that answers the HTTP request directly with a GraphQL-shaped error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Further `extensions` of the error body (e.g. `retryAfter`). */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  /** Answers with a coded error from the shared constructors, at the given HTTP status. */
  static from(error: GraphQLError, status: number, headers: Record<string, string> = {}): HttpError {
    const { code, ...extensions } = error.extensions;
    return new HttpError(status, String(code), error.message, headers, extensions);
  }
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `x-request-id` when it is well-formed, else null: untrusted, for correlation only. */
export function clientRequestIdOf(req: IncomingMessage): string | null {
  const given = req.headers[Headers.REQUEST_ID];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : null;
}

/** The caller's well-formed `x-request-id` with `adopt`, else a fresh UUID. */
export function requestIdOf(req: IncomingMessage, adopt = true): string {
  return (adopt ? clientRequestIdOf(req) : null) ?? randomUUID();
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

function sendGraphQLError(res: ServerResponse, error: HttpError, requestId: string): void {
  sendJson(
    res,
    error.status,
    { errors: [{ message: error.message, extensions: { ...error.extensions, code: error.code, requestId } }] },
    { ...error.headers, [Headers.REQUEST_ID]: requestId },
  );
}

// `connection: close` so the rest of an oversized upload is not read just to be discarded.
const tooLarge = (maxBytes: number): HttpError =>
  HttpError.from(payloadTooLarge(maxBytes), 413, { connection: 'close' });

async function readBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(buf);
  }
  if (size === 0) return undefined;
  const type = String(req.headers['content-type'] ?? '');
  if (!type.includes('application/json')) return Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Request body is not valid JSON');
  }
}

export interface RunningHttpServer {
  server: http.Server;
  port: number;
  url: string;
  stop: () => Promise<void>;
}

export function createGraphQLHttpServer<TContext extends BaseContext>(
  options: GraphQLHttpOptions<TContext>,
): http.Server {
  const graphqlPaths = new Set(options.graphqlPaths ?? [options.graphqlPath ?? '/graphql']);
  const maxBodyBytes = options.maxBodyBytes ?? 1_000_000;
  const around = options.around ?? (<T>(_id: string, fn: () => Promise<T>) => fn());
  const adoptRequestId = options.adoptRequestId ?? true;

  return http.createServer((req, res) => {
    const requestId = requestIdOf(req, adoptRequestId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const started = performance.now();
    let context: TContext | undefined;
    let refusal: HttpError | undefined;
    let isGraphQLRequest = false;
    void (async () => {
      try {
        options.onResponse?.(req, res);
        const route = options.routes?.[url.pathname];
        if (route) return await route(req, res);
        if (!graphqlPaths.has(url.pathname)) return sendJson(res, 404, { error: 'not found' });
        if (req.method === 'OPTIONS') {
          res.writeHead(204);
          return res.end();
        }
        isGraphQLRequest = true;

        const body = await readBody(req, maxBodyBytes);
        const headers = new HeaderMap();
        for (const [key, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
        }
        headers.set(Headers.REQUEST_ID, requestId);
        // The context (the gateway's principal lookup) is part of the request's scope and deadline.
        const response = await around(
          requestId,
          async () => {
            context = await options.context(req, requestId, body);
            const built = context;
            const run = () =>
              options.apollo.executeHTTPGraphQLRequest({
                httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
                context: async () => built,
              });
            return options.execute ? options.execute(run, { req, body, context: built }) : run();
          },
          req,
        );
        for (const [key, value] of response.headers) res.setHeader(key, value);
        res.setHeader(Headers.REQUEST_ID, requestId);
        res.statusCode = response.status ?? 200;
        if (response.body.kind === 'complete') {
          const text = response.body.string;
          if (options.maxResponseBytes !== undefined && Buffer.byteLength(text) > options.maxResponseBytes) {
            const max = options.maxResponseBytes;
            res.removeHeader('content-length');
            throw HttpError.from(
              queryLimitExceeded('MAX_RESPONSE_BYTES', `The response is over the limit of ${max} bytes`, { max }),
              400,
            );
          }
          res.end(text);
          return;
        }
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      } catch (error) {
        if (error instanceof HttpError) {
          refusal = error;
          return sendGraphQLError(res, error, requestId);
        }
        options.onError?.(error, requestId);
        refusal = new HttpError(500, 'INTERNAL_SERVER_ERROR', `Internal server error (request id ${requestId})`);
        sendGraphQLError(res, refusal, requestId);
      } finally {
        // Only GraphQL-path requests (not health, metrics or preflight) are reported.
        if (isGraphQLRequest && options.onFinish) {
          try {
            options.onFinish({
              req,
              requestId,
              status: res.statusCode,
              durationMs: performance.now() - started,
              context,
              refusal,
            });
          } catch (error) {
            options.onError?.(error, requestId);
          }
        }
      }
    })();
  });
}

/** Listens on `port` (0 = ephemeral) and returns a stop that drains and closes sockets. */
export async function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<RunningHttpServer> {
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    server,
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // In-flight requests get a grace period, then their sockets are closed.
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      }),
  };
}
