import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { Headers } from '../auth/tokens';

/**
 * The one HTTP adapter for Apollo Server used by the gateway and every subgraph: JSON body
 * with a size limit, request ids, extra routes (health, readiness, metrics), and a stop that
 * drains in-flight requests. Apollo Server 5 ships no framework integration, and this is
 * all we need of one.
 */

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  /** Builds the GraphQL context, or answers the request itself by throwing an HttpError. */
  context: (req: IncomingMessage, requestId: string) => Promise<TContext>;
  /** Wraps the whole GraphQL execution (the request scope for statement counting). */
  around?: <T>(requestId: string, fn: () => Promise<T>) => Promise<T>;
  routes?: Record<string, RouteHandler>;
  graphqlPath?: string;
  /** Several paths serving GraphQL (the gateway: `/` for Sandbox and `/graphql`); overrides graphqlPath. */
  graphqlPaths?: string[];
  maxBodyBytes?: number;
  /** Extra response headers for every GraphQL response (security headers, CORS). */
  onResponse?: (req: IncomingMessage, res: ServerResponse) => void;
  onError?: (error: unknown, requestId: string) => void;
}

/** An error that answers the HTTP request directly with a GraphQL-shaped error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[Headers.REQUEST_ID];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
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
    { errors: [{ message: error.message, extensions: { code: error.code, requestId } }] },
    { ...error.headers, [Headers.REQUEST_ID]: requestId },
  );
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new HttpError(413, 'BAD_REQUEST', `Request body larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) throw new HttpError(413, 'BAD_REQUEST', `Request body larger than ${maxBytes} bytes`);
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

  return http.createServer((req, res) => {
    const requestId = requestIdOf(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
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

        const body = await readBody(req, maxBodyBytes);
        const headers = new HeaderMap();
        for (const [key, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
        }
        headers.set(Headers.REQUEST_ID, requestId);
        const context = await options.context(req, requestId);
        const response = await around(requestId, () =>
          options.apollo.executeHTTPGraphQLRequest({
            httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
            context: async () => context,
          }),
        );
        for (const [key, value] of response.headers) res.setHeader(key, value);
        res.setHeader(Headers.REQUEST_ID, requestId);
        res.statusCode = response.status ?? 200;
        if (response.body.kind === 'complete') {
          res.end(response.body.string);
          return;
        }
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      } catch (error) {
        if (error instanceof HttpError) return sendGraphQLError(res, error, requestId);
        options.onError?.(error, requestId);
        sendGraphQLError(
          res,
          new HttpError(500, 'INTERNAL_SERVER_ERROR', `Internal server error (request id ${requestId})`),
          requestId,
        );
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
