import { RemoteGraphQLDataSource } from '@apollo/gateway';
import {
  badUserInput,
  ErrorCode,
  ForwardedHeaders,
  Headers,
  IDEMPOTENT_REPLAY_HEADER,
  operationFingerprint,
  queryLimitExceeded,
  requestScope,
  subgraphUnavailable,
} from '@socgraph/shared';
import { GraphQLError, Kind, parse, type SelectionSetNode } from 'graphql';
import type { Histogram } from 'prom-client';
import {
  Agent,
  Headers as FetchHeaders,
  Response,
  fetch as undiciFetch,
  type RequestInit as UndiciRequestInit,
} from 'undici';
import type { GatewayContext } from './server';

/**
 * How the gateway calls a subgraph: keep-alive connections from one bounded pool per
 * subgraph origin (undici), a per-subgraph timeout, the caller's principal and request id,
 * and failures turned into SUBGRAPH_UNAVAILABLE errors that name the subgraph, so the
 * gateway answers with partial data instead of failing the whole request.
 */

export interface SubgraphAgentOptions {
  /** Sockets per subgraph origin at most; further requests queue. */
  maxSockets: number;
}

/** Idle sockets close before the subgraph's own 5 s keep-alive timeout, so we never reuse a closing one. */
export const createSubgraphAgent = (options: SubgraphAgentOptions): Agent =>
  new Agent({
    connections: options.maxSockets,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 4_000,
    connect: { timeout: 2_000 },
  });

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherInit = Parameters<Fetcher>[1];
type FetcherResult = Awaited<ReturnType<Fetcher>>;

export class SubgraphTimeoutError extends Error {
  constructor(subgraph: string, timeoutMs: number) {
    super(`subgraph ${subgraph} did not answer within ${timeoutMs} ms`);
    this.name = 'SubgraphTimeoutError';
  }
}

/** A subgraph answered more than the gateway will hold for one fetch (MAX_RESPONSE_BYTES). */
export class SubgraphResponseTooLargeError extends Error {
  constructor(
    subgraph: string,
    readonly maxBytes: number,
  ) {
    super(`subgraph ${subgraph} answered more than ${maxBytes} bytes`);
    this.name = 'SubgraphResponseTooLargeError';
  }
}

/**
 * The response with its body read, at most `maxBytes` of it: past that the stream is
 * cancelled, so an answer of 44 MB costs the gateway no more than the limit.
 */
async function bounded(response: Response, subgraph: string, maxBytes: number): Promise<Response> {
  const tooLarge = () => new SubgraphResponseTooLargeError(subgraph, maxBytes);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  return new Response(Buffer.concat(chunks), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  timeoutMs: number;
  agent: Agent;
  /** `subgraph_fetch_duration_seconds{subgraph, outcome}`. */
  fetchDuration: Histogram<'subgraph' | 'outcome'>;
  /** Token for calls outside a client request (health checks): the gateway's own service principal. */
  gatewayToken: () => Promise<string>;
  /** The most bytes of one answer (MAX_RESPONSE_BYTES); default unbounded. */
  maxResponseBytes?: number;
}

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly settings: SubgraphDataSourceOptions) {
    super({ url: settings.url });
    this.fetcher = this.timedFetch.bind(this);
  }

  private async timedFetch(url: string, init?: FetcherInit): Promise<FetcherResult> {
    const { name, agent, fetchDuration } = this.settings;
    // The subgraph's own timeout, cut short by what is left of the request's deadline.
    const remaining = requestScope.remainingMs();
    const timeoutMs = Math.min(this.settings.timeoutMs, remaining ?? Number.POSITIVE_INFINITY);
    const started = performance.now();
    if (timeoutMs <= 0) {
      fetchDuration.observe({ subgraph: name, outcome: 'timeout' }, 0);
      throw new SubgraphTimeoutError(name, 0);
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    let outcome = 'error';
    try {
      const headers = new FetchHeaders(init?.headers as Record<string, string> | undefined);
      // The subgraph stops work (SQL, onward calls) nobody waits for any more.
      headers.set(Headers.DEADLINE, String(Math.ceil(timeoutMs)));
      const response = await undiciFetch(url, {
        method: init?.method ?? 'POST',
        headers,
        ...(init?.body !== undefined ? { body: init.body } : {}),
        signal: timeout,
        dispatcher: agent,
      } satisfies UndiciRequestInit);
      outcome = response.ok ? 'ok' : `http_${response.status}`;
      const read =
        this.settings.maxResponseBytes === undefined
          ? response
          : await bounded(response, name, this.settings.maxResponseBytes);
      // undici's Response satisfies the fetcher's response shape; only its declared types differ.
      return read as unknown as FetcherResult;
    } catch (error) {
      if (error instanceof SubgraphResponseTooLargeError) {
        outcome = 'too_large';
        throw error;
      }
      if (timeout.aborted) {
        outcome = 'timeout';
        throw new SubgraphTimeoutError(name, timeoutMs);
      }
      throw error;
    } finally {
      fetchDuration.observe({ subgraph: name, outcome }, (performance.now() - started) / 1000);
    }
  }

  /**
   * A fetch that failed as a whole (unreachable, timed out, over a limit) becomes an answer
   * whose errors carry the `path` of each field it was to fill and the subgraph's name, with
   * no data: the gateway leaves those (nullable) fields null and the rest of the answer stands.
   */
  override async process(
    options: Parameters<RemoteGraphQLDataSource<GatewayContext>['process']>[0],
  ): ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']> {
    try {
      return await super.process(options);
    } catch (error) {
      if (!(error instanceof GraphQLError) || typeof error.extensions?.code !== 'string') throw error;
      if (!('incomingRequestContext' in options)) throw error;
      // A mutation sent but not answered may have committed: say so, rather than "failed".
      const unknownOutcome =
        error.extensions.code === ErrorCode.SUBGRAPH_UNAVAILABLE &&
        error.extensions.reason === 'timeout' &&
        /^\s*mutation\b/.test(options.request.query ?? '');
      const keyed = options.context.idempotencyKey !== null;
      const failure: GraphQLError = unknownOutcome
        ? new GraphQLError(
            `The ${this.settings.name} service did not answer in time: the outcome of this mutation is unknown (it may have been applied); ` +
              (keyed
                ? 'retrying with the same Idempotency-Key is safe: it applies the mutation at most once'
                : 'send an Idempotency-Key header to make a retry safe'),
            { extensions: { ...error.extensions, outcome: 'UNKNOWN', retrySafe: keyed } },
          )
        : error;
      return {
        data: null,
        errors: erroredPathsOf(options.request.query ?? '', options.request.variables).map((path) => ({
          message: failure.message,
          path,
          extensions: { ...failure.extensions, subgraph: failure.extensions.subgraph ?? this.settings.name },
        })),
      };
    }
  }

  override async willSendRequest(
    processOptions: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0],
  ): Promise<void> {
    const headers = processOptions.request.http?.headers;
    if (!headers) return;
    // Only client operations carry a request context; anything else (health checks) goes as the gateway.
    if (!('incomingRequestContext' in processOptions)) {
      headers.set(Headers.INTERNAL_TOKEN, await this.settings.gatewayToken());
      return;
    }
    const context = processOptions.context;
    headers.set(Headers.INTERNAL_TOKEN, await context.internalToken());
    headers.set(Headers.REQUEST_ID, context.requestId);
    if (context.clientIp) headers.set(ForwardedHeaders.CLIENT_IP, context.clientIp);
    if (context.userAgent) headers.set(ForwardedHeaders.USER_AGENT, context.userAgent);
    // Only a mutation's own fetches: the entity fetches that fill its answer change nothing.
    const incoming = processOptions.incomingRequestContext;
    if (
      context.idempotencyKey !== null &&
      incoming.operation?.operation === 'mutation' &&
      /^\s*mutation\b/.test(processOptions.request.query ?? '')
    ) {
      headers.set(Headers.IDEMPOTENCY_KEY, context.idempotencyKey);
      headers.set(
        Headers.IDEMPOTENCY_FINGERPRINT,
        operationFingerprint(
          incoming.queryHash ?? incoming.source ?? '',
          incoming.request.operationName ?? incoming.operationName ?? null,
          incoming.request.variables ?? {},
        ),
      );
    }
  }

  /** A keyed mutation answered from the subgraph's store: the client is told (`idempotent-replay`). */
  override didReceiveResponse(
    received: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0],
  ): ReturnType<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>> {
    const http = (received.response as { http?: { headers?: { get(name: string): string | null } } }).http;
    if (http?.headers?.get(IDEMPOTENT_REPLAY_HEADER) === 'true' && 'idempotentReplay' in received.context) {
      received.context.idempotentReplay = true;
    }
    return received.response;
  }

  /**
   * A subgraph that is overloaded or restarting (502/503/504) is unavailable. A 400 whose
   * errors are all BAD_USER_INPUT (the subgraph refused the caller's variables) is the
   * caller's fault and passes on with its code and field. Any other non-2xx answer is our
   * fault (a refused internal token, a query the gateway built wrong), not the caller's:
   * reported without a code, so it is masked as INTERNAL_SERVER_ERROR and logged.
   */
  override async errorFromResponse(response: FetcherResult): Promise<GraphQLError> {
    if ([502, 503, 504].includes(response.status)) return subgraphUnavailable(this.settings.name, 'overloaded');
    if (response.status === 400) {
      const refusal = callerRefusalOf(await response.text().catch(() => ''));
      if (refusal) return refusal;
    }
    return new GraphQLError(`Subgraph ${this.settings.name} answered HTTP ${response.status}`);
  }

  /** No answer at all (refused, reset, timed out): the subgraph is unavailable, and the error says which. */
  override didEncounterError(error: Error, _request: unknown, response?: FetcherResult): void {
    if (error instanceof GraphQLError) throw error;
    if (error instanceof SubgraphTimeoutError) throw subgraphUnavailable(this.settings.name, 'timeout');
    if (error instanceof SubgraphResponseTooLargeError) {
      throw queryLimitExceeded('MAX_RESPONSE_BYTES', `The answer is over the limit of ${error.maxBytes} bytes`, {
        max: error.maxBytes,
      });
    }
    if (!response) throw subgraphUnavailable(this.settings.name, 'unreachable');
    throw error;
  }
}

/** At most this many errors for one failed fetch (one per entity and field otherwise). */
const MAX_ERRORS_PER_FETCH = 100;

function responseKeysOf(selectionSet: SelectionSetNode | undefined): string[] {
  const keys: string[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      if (key !== '__typename') keys.push(key);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      for (const key of responseKeysOf(selection.selectionSet)) if (!keys.includes(key)) keys.push(key);
    }
  }
  return keys;
}

/**
 * Paths, relative to the fetch, of the fields a subgraph operation fills: its root fields, or
 * for an `_entities` fetch `['_entities', i, field]` per representation (the gateway maps
 * those onto the entities' places in the answer).
 */
export function erroredPathsOf(query: string, variables?: Record<string, unknown>): (string | number)[][] {
  let operation;
  try {
    operation = parse(query).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  } catch {
    return [[]];
  }
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return [[]];
  const roots = operation.selectionSet.selections.filter((s) => s.kind === Kind.FIELD);
  const entities = roots.find((s) => s.name.value === '_entities');
  if (!entities) return responseKeysOf(operation.selectionSet).map((key) => [key]);
  const representations = Array.isArray(variables?.representations) ? variables.representations.length : 0;
  const fields = responseKeysOf(entities.selectionSet);
  const paths: (string | number)[][] = [];
  for (let i = 0; i < representations && paths.length < MAX_ERRORS_PER_FETCH; i += 1) {
    for (const field of fields) paths.push(['_entities', i, field]);
  }
  return paths.slice(0, MAX_ERRORS_PER_FETCH);
}

interface SubgraphErrorBody {
  errors?: { message?: unknown; extensions?: { code?: unknown; field?: unknown } }[];
}

/** The subgraph's own BAD_USER_INPUT refusal of a request, or null when the body is anything else. */
export function callerRefusalOf(body: string): GraphQLError | null {
  let parsed: SubgraphErrorBody;
  try {
    parsed = JSON.parse(body) as SubgraphErrorBody;
  } catch {
    return null;
  }
  const errors = Array.isArray(parsed?.errors) ? parsed.errors : [];
  if (errors.length === 0) return null;
  if (!errors.every((e) => e?.extensions?.code === ErrorCode.BAD_USER_INPUT && typeof e.message === 'string')) {
    return null;
  }
  const message = errors.map((e) => String(e.message)).join('; ');
  const field = errors[0]?.extensions?.field;
  return badUserInput(message, typeof field === 'string' ? field : undefined);
}
