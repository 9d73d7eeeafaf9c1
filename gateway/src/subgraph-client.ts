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
import type { Counter, Histogram } from 'prom-client';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, Headers as FetchHeaders, type Dispatcher } from 'undici';
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
 * The body read in full, at most `maxBytes` of it: past that the stream is destroyed, so an
 * answer of 44 MB costs the gateway no more than the limit.
 */
async function readBounded(
  response: Dispatcher.ResponseData,
  subgraph: string,
  maxBytes: number | undefined,
): Promise<Buffer> {
  const tooLarge = () => new SubgraphResponseTooLargeError(subgraph, maxBytes ?? 0);
  if (maxBytes !== undefined && Number(response.headers['content-length'] ?? 0) > maxBytes) {
    response.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    if (maxBytes !== undefined && size > maxBytes) {
      response.body.destroy();
      throw tooLarge();
    }
    chunks.push(buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
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
  /**
   * In-flight deduplication of identical query fetches (SUBGRAPH_DEDUP), counting each fetch a
   * caller did not have to make; absent: every fetch is its own.
   */
  dedup?: { deduplicated: Counter<'subgraph'> };
}

/** A subgraph's answer read in full, so that several callers can each be given their own copy. */
interface ReadAnswer {
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The answer as the data source reads it (status, headers, text or JSON). undici's
 * `request()` with this small wrapper instead of its WHATWG `fetch()`: the same connection
 * pool, without a Request, a Response and a web stream per fetch (undici's fetch machinery was
 * the gateway's largest JavaScript cost after the token checks on a cheap query). Each caller
 * gets its own wrapper and parses its own copy: the gateway merges into what it parsed.
 */
class SubgraphAnswer {
  readonly redirected = false;
  readonly statusText = '';
  bodyUsed = false;
  private headerMap: FetchHeaders | undefined;

  constructor(private readonly answer: ReadAnswer) {}

  get url(): string {
    return this.answer.url;
  }
  get status(): number {
    return this.answer.status;
  }
  get ok(): boolean {
    return this.answer.status >= 200 && this.answer.status < 300;
  }
  /** Built on first use: the data source reads only content-type (and cache-control). */
  get headers(): FetchHeaders {
    if (!this.headerMap) {
      this.headerMap = new FetchHeaders();
      for (const [name, value] of Object.entries(this.answer.headers)) {
        if (value === undefined) continue;
        for (const one of Array.isArray(value) ? value : [value]) this.headerMap.append(name, one);
      }
    }
    return this.headerMap;
  }
  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.answer.body.toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    const { body } = this.answer;
    return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  }
  clone(): SubgraphAnswer {
    return new SubgraphAnswer(this.answer);
  }
}

// The wrapper has every member of the fetcher's response shape; only header types differ.
const responseOf = (answer: ReadAnswer): FetcherResult => new SubgraphAnswer(answer) as unknown as FetcherResult;

/**
 * Only a complete, error-free 200 is handed to other callers. Errors can carry the leader's
 * request id, or come from the leader's own deadline (the subgraph stops at the `x-deadline-ms`
 * it was sent), so a caller that joined gets no error that was not its own: it fetches itself.
 * (A data value that merely contains the text `"errors"` also makes its callers fetch: safe.)
 */
const shareable = (answer: ReadAnswer): boolean => answer.status === 200 && !answer.body.includes('"errors"');

/** Marks, from willSendRequest to the fetcher, a fetch that may be shared; never sent on. */
const DEDUP_MARK = 'x-socgraph-dedup';
/** A plan's fetch that only reads: `query …` or the shorthand `{ … }` (never a mutation or subscription). */
const READ_ONLY_OPERATION = /^\s*(?:query\b|\{)/;

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly settings: SubgraphDataSourceOptions) {
    super({ url: settings.url });
    this.fetcher = this.sharedFetch.bind(this);
  }

  /**
   * Identical read-only fetches in flight at once (same subgraph URL, same internal token, so
   * the same principal, and the same query and variables) share one HTTP exchange. The token is
   * the principal's (request-context internalTokenCache), so no caller is ever given an answer
   * made for another principal. Request ids, client address and deadline are not part of the
   * key: the shared fetch carries the first caller's, and runs under the first caller's deadline;
   * each caller that joins still waits no longer than its own deadline, and when the shared
   * fetch fails or answers with errors, a joiner with time left fetches on its own.
   */
  private readonly inflight = new Map<string, Promise<ReadAnswer | null>>();

  private async sharedFetch(url: string, init?: FetcherInit): Promise<FetcherResult> {
    const dedup = this.settings.dedup;
    if (!dedup) return responseOf(await this.timed(url, init));
    const headers = { ...(init?.headers as Record<string, string> | undefined) };
    const marked = headers[DEDUP_MARK] !== undefined;
    delete headers[DEDUP_MARK];
    const own: FetcherInit = { ...init, headers };
    if (!marked || typeof own.body !== 'string') return responseOf(await this.timed(url, own));

    const key = `${url}\n${headers[Headers.INTERNAL_TOKEN] ?? ''}\n${own.body}`;
    const running = this.inflight.get(key);
    if (running) {
      const answer = await this.withinOwnDeadline(running);
      if (answer) {
        dedup.deduplicated.inc({ subgraph: this.settings.name });
        return responseOf(answer);
      }
      return responseOf(await this.timed(url, own));
    }
    const leading = this.timed(url, own);
    const shared = leading.then(
      (answer) => (shareable(answer) ? answer : null),
      () => null,
    );
    this.inflight.set(key, shared);
    try {
      return responseOf(await leading);
    } finally {
      if (this.inflight.get(key) === shared) this.inflight.delete(key);
    }
  }

  /** What the shared fetch gives, or a timeout of this caller's own deadline (min of its subgraph timeout and request deadline). */
  private async withinOwnDeadline(shared: Promise<ReadAnswer | null>): Promise<ReadAnswer | null> {
    const timeoutMs = this.timeoutMs();
    if (timeoutMs <= 0) throw new SubgraphTimeoutError(this.settings.name, 0);
    if (!Number.isFinite(timeoutMs)) return shared;
    let timer: NodeJS.Timeout | undefined;
    const ownDeadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new SubgraphTimeoutError(this.settings.name, timeoutMs)), timeoutMs);
    });
    try {
      return await Promise.race([shared, ownDeadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The subgraph's own timeout, cut short by what is left of the request's deadline. */
  private timeoutMs(): number {
    const remaining = requestScope.remainingMs();
    return Math.min(this.settings.timeoutMs, remaining ?? Number.POSITIVE_INFINITY);
  }

  /** One fetch under this caller's timeout, its answer read in full (and bounded) within it. */
  private async timed(url: string, init: FetcherInit | undefined): Promise<ReadAnswer> {
    const { name, agent, fetchDuration } = this.settings;
    const timeoutMs = this.timeoutMs();
    const started = performance.now();
    if (timeoutMs <= 0) {
      fetchDuration.observe({ subgraph: name, outcome: 'timeout' }, 0);
      throw new SubgraphTimeoutError(name, 0);
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    let outcome = 'error';
    try {
      const target = this.targetOf(url);
      const response = await agent.request({
        origin: target.origin,
        path: target.path,
        method: (init?.method ?? 'POST') as Dispatcher.HttpMethod,
        // The subgraph stops work (SQL, onward calls) nobody waits for any more.
        headers: { ...init?.headers, [Headers.DEADLINE]: String(Math.ceil(timeoutMs)) },
        ...(init?.body !== undefined ? { body: init.body } : {}),
        signal: timeout,
      });
      outcome = response.statusCode >= 200 && response.statusCode < 300 ? 'ok' : `http_${response.statusCode}`;
      const body = await readBounded(response, name, this.settings.maxResponseBytes);
      return { url, status: response.statusCode, headers: response.headers, body };
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

  private target: { url: string; origin: string; path: string } | undefined;
  /** Origin and path of the subgraph URL (always the same one): parsed once. */
  private targetOf(url: string): { origin: string; path: string } {
    if (this.target?.url !== url) {
      const parsed = new URL(url);
      this.target = { url, origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    }
    return this.target;
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
    if (this.settings.dedup && READ_ONLY_OPERATION.test(processOptions.request.query ?? ''))
      headers.set(DEDUP_MARK, '1');
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
