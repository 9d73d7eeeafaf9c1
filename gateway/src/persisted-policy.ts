import {
  badUserInput,
  HttpError,
  persistedQueryNotFound,
  persistedQueryRequired,
  queryLimitExceeded,
  Roles,
  type Principal,
} from '@socgraph/shared';
import { sha256Hex, type Safelist } from './persisted';

/**
 * The checks made on the raw request, before Apollo parses anything: document size, the
 * APQ hash matching its query, and the safelist for the callers held to it (persisted-only
 * API keys always; with SAFELIST_MODE=enforce everyone but admins and signed-in analysts,
 * who use Sandbox; `log` only reports what `enforce` would refuse).
 */

export type SafelistMode = 'off' | 'log' | 'enforce';

/** What the gateway needs to know of a request before Apollo sees it. */
export interface OperationRequest {
  query: string | undefined;
  operationName: string | undefined;
  /** `extensions.persistedQuery.sha256Hash`. */
  persistedHash: string | undefined;
  /** What is wrong with `extensions.persistedQuery` when it is there but not `{ version: 1, sha256Hash }`. */
  persistedProblem?: { message: string; field: string };
  /** A JSON array body (batching), which Apollo refuses by itself. */
  batch: boolean;
}

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function hashOf(extensions: unknown): string | undefined {
  if (!extensions || typeof extensions !== 'object') return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (!persisted || typeof persisted !== 'object') return undefined;
  return asString((persisted as { sha256Hash?: unknown }).sha256Hash);
}

/**
 * Apollo answers any `persistedQuery` but `{ version: 1, sha256Hash }` with an uncoded error,
 * masked as INTERNAL_SERVER_ERROR: the caller's mistake, said here with a code and the field.
 */
function persistedProblemOf(extensions: unknown): OperationRequest['persistedProblem'] {
  if (!extensions || typeof extensions !== 'object') return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (persisted === undefined || persisted === null) return undefined;
  const field = 'extensions.persistedQuery';
  if (typeof persisted !== 'object' || Array.isArray(persisted)) {
    return { message: 'persistedQuery must be an object { version: 1, sha256Hash }', field };
  }
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1) return { message: 'Only persisted query version 1 is supported', field: `${field}.version` };
  if (typeof sha256Hash !== 'string') return { message: 'sha256Hash must be a string', field: `${field}.sha256Hash` };
  return undefined;
}

/** From a POST body or, for GET, the query string (where `extensions` is JSON text). */
export function operationRequestOf(body: unknown, search: string): OperationRequest {
  if (Array.isArray(body)) return { query: undefined, operationName: undefined, persistedHash: undefined, batch: true };
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const persistedProblem = persistedProblemOf(record.extensions);
    return {
      query: asString(record.query),
      operationName: asString(record.operationName),
      persistedHash: hashOf(record.extensions),
      ...(persistedProblem ? { persistedProblem } : {}),
      batch: false,
    };
  }
  const params = new URLSearchParams(search);
  let extensions: unknown;
  try {
    extensions = JSON.parse(params.get('extensions') ?? 'null');
  } catch {
    extensions = undefined;
  }
  const persistedProblem = persistedProblemOf(extensions);
  return {
    query: params.get('query') ?? undefined,
    operationName: params.get('operationName') ?? undefined,
    persistedHash: hashOf(extensions),
    ...(persistedProblem ? { persistedProblem } : {}),
    batch: false,
  };
}

export interface PersistedPolicyOptions {
  safelist: Safelist;
  mode: SafelistMode;
  maxDocumentSize: number;
  /** Called for each request `log` mode lets through that `enforce` would refuse. */
  onWouldRefuse?: (principal: Principal, request: OperationRequest, code: string) => void;
}

/** Admins, and analysts signed in with a session (Sandbox), may run any operation in enforce mode. */
export const exemptFromSafelist = (principal: Principal): boolean =>
  principal.role === Roles.ADMIN || (principal.role === Roles.ANALYST && principal.sessionId !== null);

const HASH = /^[0-9a-f]{64}$/;

/** Throws the HttpError that answers the request when a check fails. */
export function checkPersistedPolicy(
  principal: Principal,
  request: OperationRequest,
  options: PersistedPolicyOptions,
): void {
  if (request.batch) return;
  const { query, persistedHash } = request;
  if (query !== undefined && query.length > options.maxDocumentSize) {
    throw HttpError.from(
      queryLimitExceeded('MAX_DOCUMENT_SIZE', `Document over the limit of ${options.maxDocumentSize} characters`, {
        max: options.maxDocumentSize,
        actual: query.length,
      }),
      400,
    );
  }
  if (request.persistedProblem) {
    throw HttpError.from(badUserInput(request.persistedProblem.message, request.persistedProblem.field), 400);
  }
  if (persistedHash !== undefined) {
    const field = 'extensions.persistedQuery.sha256Hash';
    if (!HASH.test(persistedHash)) throw HttpError.from(badUserInput('Not a lowercase hex sha256', field), 400);
    // Registration only (the hash-only requests of the hot path skip this): refuse a hash that is not its query's.
    if (query !== undefined && sha256Hex(query) !== persistedHash) {
      throw HttpError.from(badUserInput('The sha256Hash does not match the query', field), 400);
    }
  }

  const enforced = principal.persistedOnly || (options.mode === 'enforce' && !exemptFromSafelist(principal));
  const logged = !enforced && options.mode === 'log' && !exemptFromSafelist(principal);
  if (!enforced && !logged) return;
  let refusal: HttpError | null = null;
  if (persistedHash === undefined) {
    refusal = HttpError.from(persistedQueryRequired(), 400);
  } else if (!options.safelist.has(persistedHash)) {
    // 200 and uncached, as Apollo answers an unknown APQ id, so clients handle both alike.
    refusal = HttpError.from(persistedQueryNotFound(), 200, { 'cache-control': 'private, no-cache, must-revalidate' });
  }
  if (!refusal) return;
  if (enforced) throw refusal;
  options.onWouldRefuse?.(principal, request, refusal.code);
}
