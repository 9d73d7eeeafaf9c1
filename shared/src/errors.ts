import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * The error codes of the public API (api.md). Every error a resolver raises is made by one
 * of the constructors below, so this file is the one place that defines them.
 */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_REQUIRED: 'PERSISTED_QUERY_REQUIRED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** An operation over one of the gateway's limits (depth, aliases, cost, ...); `extensions.limit` says which. */
  QUERY_LIMIT_EXCEEDED: 'QUERY_LIMIT_EXCEEDED',
  /** A request body over the size limit (HTTP 413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A subgraph could not be reached or did not answer in time; `extensions.subgraph` names it. */
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  /**
   * A dependency of the answering service is down (its database, identity for the gateway's
   * authentication) or the request ran out of time: retryable, `extensions.retryAfter` seconds.
   */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const PUBLIC_CODES = new Set<string>(Object.values(ErrorCode));

/** Codes Apollo Server itself produces for malformed requests; they carry no internals. */
const APOLLO_REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

// No HTTP status on execution errors: a GraphQL response with errors is still HTTP 200, so
// subgraph answers pass through the gateway unchanged. HTTP-level refusals use HttpError.
function coded(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

export const unauthenticated = (message = 'Authentication required'): GraphQLError =>
  coded(ErrorCode.UNAUTHENTICATED, message);

/**
 * For errors raised before execution (gateway plugins), where Apollo would otherwise answer
 * HTTP 500: the HTTP status the refusal deserves.
 */
export function withHttpStatus(error: GraphQLError, status: number): GraphQLError {
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status } } });
}

/** `extensions` may say why, for refusals a caller acts on (e.g. `{ reason: 'INSUFFICIENT_CREDITS' }`). */
export const forbidden = (message = 'Not allowed', extensions: Record<string, unknown> = {}): GraphQLError =>
  coded(ErrorCode.FORBIDDEN, message, extensions);

/**
 * `field` names the offending input (dotted path) so clients can point at it; `extensions` may
 * say more (e.g. the JSON Schema path a value failed).
 */
export const badUserInput = (message: string, field?: string, extensions: Record<string, unknown> = {}): GraphQLError =>
  coded(ErrorCode.BAD_USER_INPUT, message, { ...extensions, ...(field ? { field } : {}) });

export const notFound = (resource: string, id: string | number): GraphQLError =>
  coded(ErrorCode.NOT_FOUND, `${resource} ${id} not found`, { resource });

export const conflict = (message: string): GraphQLError => coded(ErrorCode.CONFLICT, message);

export const rateLimited = (retryAfterSeconds: number): GraphQLError =>
  coded(ErrorCode.RATE_LIMITED, 'Rate limit exceeded', { retryAfter: retryAfterSeconds });

/** Apollo's message for an unknown persisted query id, which older clients match on. */
export const persistedQueryNotFound = (): GraphQLError =>
  coded(ErrorCode.PERSISTED_QUERY_NOT_FOUND, 'PersistedQueryNotFound');

export const persistedQueryRequired = (
  message = 'This caller may run persisted operations only: send extensions.persistedQuery.sha256Hash',
): GraphQLError => coded(ErrorCode.PERSISTED_QUERY_REQUIRED, message);

/** The gateway's operation limits, named as clients see them in `extensions.limit`. */
export type QueryLimit =
  | 'MAX_DEPTH'
  | 'MAX_ALIASES'
  | 'MAX_ROOT_FIELDS'
  | 'MAX_DIRECTIVES'
  | 'MAX_TOKENS'
  | 'MAX_DOCUMENT_SIZE'
  | 'MAX_COST'
  /** A field allowed a few times per operation at most (`verifyAuditChain`: once). */
  | 'MAX_FIELD_USES'
  /** A subgraph's answer, or the whole response, over MAX_RESPONSE_BYTES. */
  | 'MAX_RESPONSE_BYTES';

export const queryLimitExceeded = (
  limit: QueryLimit,
  message: string,
  details: { max: number; actual?: number },
): GraphQLError => coded(ErrorCode.QUERY_LIMIT_EXCEEDED, message, { limit, ...details });

export const payloadTooLarge = (maxBytes: number): GraphQLError =>
  coded(ErrorCode.PAYLOAD_TOO_LARGE, `Request body larger than ${maxBytes} bytes`, { maxBytes });

/** Names the subgraph, never its URL or the network error. */
export const subgraphUnavailable = (subgraph: string, reason: 'unreachable' | 'timeout' | 'overloaded'): GraphQLError =>
  coded(
    ErrorCode.SUBGRAPH_UNAVAILABLE,
    `The ${subgraph} service is unavailable (${reason}); other fields are unaffected`,
    {
      subgraph,
      reason,
    },
  );

/** Why a service could not answer (`extensions.reason` of SERVICE_UNAVAILABLE). */
export type UnavailableReason = 'database' | 'authentication' | 'deadline';

/** Retryable: the client may try again after `retryAfterSeconds` (also sent as HTTP `retry-after` where there is one). */
export const serviceUnavailable = (reason: UnavailableReason, retryAfterSeconds = 1): GraphQLError =>
  coded(
    ErrorCode.SERVICE_UNAVAILABLE,
    reason === 'deadline'
      ? 'The request ran out of time; retry later'
      : `The service is temporarily unavailable (${reason}); retry later`,
    { reason, retryAfter: retryAfterSeconds },
  );

// Connection-level failures of the pg driver and Postgres' own "not now" states: the
// database is down or restarting, not the query wrong (SQLSTATE classes 08 and 57P, 53300).
const DATABASE_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
]);
const DATABASE_DOWN_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|terminating connection/i;

/** Whether an error (a TypeORM/pg error or one wrapping it) says the database cannot be reached right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const candidate = current as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
      thrownValue?: unknown;
    };
    if (typeof candidate.code === 'string' && DATABASE_DOWN_CODES.has(candidate.code)) return true;
    if (typeof candidate.message === 'string' && DATABASE_DOWN_MESSAGES.test(candidate.message)) return true;
    // TypeORM releases a runner whose connection emitted an error (Postgres went away): a request
    // transaction's later statements then find it released. Ours are released only after their work.
    if ((candidate as { name?: unknown }).name === 'QueryRunnerAlreadyReleasedError') return true;
    // graphql-js wraps a thrown non-Error (pg's connect failure) as NonErrorThrown.thrownValue.
    current = candidate.driverError ?? candidate.cause ?? candidate.thrownValue;
  }
  return false;
}

/** Postgres cancelled a statement for its statement_timeout (the request's deadline passed). */
export function isStatementTimeout(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const candidate = current as { code?: unknown; driverError?: unknown; cause?: unknown };
    if (candidate.code === '57014') return true;
    current = candidate.driverError ?? candidate.cause;
  }
  return false;
}

/**
 * The caller's principal names a user that no longer exists (deleted while the gateway still
 * held its principal, PRINCIPAL_CACHE_SECONDS): the session is over, so a client signs in again.
 */
export const principalGone = (): GraphQLError => unauthenticated('The signed-in user no longer exists; sign in again');

/**
 * A foreign-key violation (SQLSTATE 23503) as Postgres reports it. `missing`: a written row
 * names a row that does not exist (or was deleted meanwhile); `referenced`: a deleted or
 * changed row is still named by others. Internals: for the log, never for a message.
 */
export interface ForeignKeyViolation {
  kind: 'missing' | 'referenced';
  /** Schema of the table the statement wrote (no foreign key crosses schemas). */
  schema: string | null;
  /** The key's columns, and their values when Postgres says them. */
  columns: string[];
  values: string[] | null;
  /** The other table of the key (the referenced one for `missing`, the referencing one else). */
  otherTable: string | null;
  constraint: string | null;
}

// ri_triggers.c: `Key (a, b)=(1, 2) is not present in table "t".`, or without the key when the
// role may not read it.
const FOREIGN_KEY_DETAIL = /^Key (?:\((.+)\)=\((.*)\) )?is (not present in|still referenced from) table "(.+)"\.$/s;

export function foreignKeyViolationOf(error: unknown): ForeignKeyViolation | null {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const candidate = current as Record<string, unknown>;
    if (candidate.code === '23503') {
      const detail = typeof candidate.detail === 'string' ? FOREIGN_KEY_DETAIL.exec(candidate.detail) : null;
      const columns = detail?.[1]?.split(', ') ?? [];
      // Values are split like the columns: only trusted for a one-column key.
      const values = detail?.[2] !== undefined && columns.length === 1 ? [detail[2]] : null;
      return {
        kind: detail?.[3] === 'still referenced from' ? 'referenced' : 'missing',
        schema: typeof candidate.schema === 'string' ? candidate.schema : null,
        columns,
        values,
        otherTable: detail?.[4] ?? null,
        constraint: typeof candidate.constraint === 'string' ? candidate.constraint : null,
      };
    }
    current = candidate.driverError ?? candidate.cause;
  }
  return null;
}

/** Where principals' users live (Principal.userId is its id). */
const PRINCIPAL_USERS = { schema: 'identity', table: 'users' } as const;

/**
 * The mutation argument a key column is about: `customer_code` is `customerCode` or
 * `customerCodes`, at the top level or in `input` (api.md's one-input-object convention).
 */
export function argumentForColumn(args: Record<string, unknown> | undefined, column: string): string | undefined {
  if (!args) return undefined;
  const name = column.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  const input = args.input && typeof args.input === 'object' ? (args.input as Record<string, unknown>) : {};
  for (const candidate of [name, `${name}s`]) {
    if (candidate in args) return candidate;
    if (candidate in input) return `input.${candidate}`;
  }
  return undefined;
}

/**
 * The coded error for a foreign-key violation, or null for any other error. The write rolled
 * back before this is asked. A missing row that is the caller's own user is UNAUTHENTICATED
 * (`principalGone`); any other missing row is input naming something that does not exist:
 * BAD_USER_INPUT with the argument when one matches; a row still in use is CONFLICT.
 */
export function foreignKeyError(
  error: unknown,
  caller: { actorUserId: string | null; args?: Record<string, unknown> },
): GraphQLError | null {
  const violation = foreignKeyViolationOf(error);
  if (!violation) return null;
  if (violation.kind === 'referenced') {
    return conflict('The row is still in use by others; remove those references first');
  }
  if (
    caller.actorUserId !== null &&
    violation.schema === PRINCIPAL_USERS.schema &&
    violation.otherTable === PRINCIPAL_USERS.table &&
    violation.values?.[0] === caller.actorUserId
  ) {
    return principalGone();
  }
  const field = violation.columns.length === 1 ? argumentForColumn(caller.args, violation.columns[0]!) : undefined;
  return badUserInput(`${field ?? 'The input'} names a row that does not exist (or was just deleted)`, field);
}

/** The request's deadline passed before work could start (nobody waits for its answer). */
export class DeadlineExceededError extends Error {
  constructor() {
    super('request deadline exceeded');
    this.name = 'DeadlineExceededError';
  }
}

/**
 * The input a variable coercion error is about, as `field` names it elsewhere: graphql-js says
 * `Variable "$input" got invalid value … at "input.email"; …`, or no `at` for the variable itself.
 */
function variableFieldOf(message: string): string | undefined {
  const variable = /^Variable "\$(\w+)" /.exec(message)?.[1];
  if (!variable) return undefined;
  return / at "([\w.[\]]+)"; /.exec(message)?.[1] ?? variable;
}

export function isCodedError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && PUBLIC_CODES.has(String(error.extensions?.code));
}

/**
 * Apollo Server `formatError`: known, coded errors pass through without stack traces;
 * anything else (a driver error, a bug) is masked as INTERNAL_SERVER_ERROR with the
 * request id, so no SQL or stack ever reaches a caller. The original is logged by the caller.
 */
export function maskError(formatted: GraphQLFormattedError, requestId?: string): GraphQLFormattedError {
  const code = String(formatted.extensions?.code ?? '');
  const {
    stacktrace: _stack,
    exception: _exception,
    ...extensions
  } = (formatted.extensions ?? {}) as Record<string, unknown>;
  // Variable coercion errors are the caller's fault and name only their own input.
  if (code === ErrorCode.BAD_USER_INPUT || /^Variable "\$/.test(formatted.message)) {
    const field = extensions.field ?? variableFieldOf(formatted.message);
    return {
      ...formatted,
      extensions: { ...extensions, code: ErrorCode.BAD_USER_INPUT, ...(field ? { field } : {}) },
    };
  }
  if (PUBLIC_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    return { ...formatted, extensions };
  }
  if (APOLLO_REQUEST_CODES.has(code)) {
    return { ...formatted, extensions };
  }
  return {
    message: requestId ? `Internal server error (request id ${requestId})` : 'Internal server error',
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId ? { requestId } : {}) },
  };
}
