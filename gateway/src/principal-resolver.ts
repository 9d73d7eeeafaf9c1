import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  anonymousPrincipal,
  createServiceClient,
  Headers,
  TAG_RBAC_OFF,
  TokenError,
  unauthenticated,
  verifyUserToken,
  type Principal,
  type ServiceClient,
  type InternalPrincipal,
  type TagAccessSettings,
  type UserTokenClaims,
} from '@socgraph/shared';
import { errors as joseErrors, jwtVerify } from 'jose';
import { InMemoryPrincipalCache, type PrincipalCache } from './principal-cache';

/**
 * Turns a request's credentials into the principal the gateway signs for subgraphs:
 * bearer token → live session, `x-api-key` → live key, nothing → anonymous. Credentials that
 * are presented but do not check out are UNAUTHENTICATED, never downgraded to anonymous: a
 * client with an expired token must learn so instead of silently seeing less.
 */

export type { InternalPrincipal };

/** Where the principal's identity part comes from (identity's internal fields). */
export interface PrincipalLookup {
  bySession(sessionId: string, requestId?: string): Promise<InternalPrincipal | null>;
  byApiKey(secret: string, requestId?: string): Promise<InternalPrincipal | null>;
}

/**
 * The global tag-access settings every principal carries. A separate step from the identity
 * lookup because incidents owns them and they change independently of any one principal.
 */
export interface TagAccessSettingsSource {
  current(requestId?: string): Promise<TagAccessSettings>;
  /** Forgets cached settings, so a change made through this gateway applies at once. */
  evict?(): void;
}

/** For a graph without incidents (gateway-only tests): tag RBAC off. */
export const tagRbacOffSource: TagAccessSettingsSource = { current: async () => TAG_RBAC_OFF };

/** Identity could not be asked (down, misconfigured): a server fault, not the caller's. */
export class PrincipalLookupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PrincipalLookupError';
  }
}

const PRINCIPAL_FIELDS = 'userId username role customerCodes tagIds sessionId apiKeyId clientName persistedOnly';
const SESSION_QUERY = `query GatewayPrincipalForSession($sessionId: ID!) {
  _principalForSession(sessionId: $sessionId) { ${PRINCIPAL_FIELDS} }
}`;
const API_KEY_QUERY = `query GatewayPrincipalForApiKey($secret: String!) {
  _principalForApiKey(secret: $secret) { ${PRINCIPAL_FIELDS} }
}`;

export interface IdentityLookupOptions {
  identityUrl: string;
  internalTokenSecret: string;
  tokenTtlSeconds: number;
  /** Longest wait for identity (SERVICE_TIMEOUT_MS); the request's deadline may cut it shorter. */
  timeoutMs?: number;
  client?: ServiceClient;
}

/** Asks identity directly (not through the supergraph: these fields are @inaccessible). */
export function identityPrincipalLookup(options: IdentityLookupOptions): PrincipalLookup {
  const client =
    options.client ??
    createServiceClient({
      caller: 'gateway',
      internalTokenSecret: options.internalTokenSecret,
      tokenTtlSeconds: options.tokenTtlSeconds,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  async function ask<K extends string>(
    query: string,
    field: K,
    variables: Record<string, unknown>,
    requestId?: string,
  ) {
    try {
      const data = await client.request<Record<K, InternalPrincipal | null>>(
        options.identityUrl,
        query,
        variables,
        requestId,
      );
      return data[field] ?? null;
    } catch (error) {
      throw new PrincipalLookupError(`identity principal lookup failed: ${(error as Error).message}`, { cause: error });
    }
  }
  return {
    bySession: (sessionId, requestId) => ask(SESSION_QUERY, '_principalForSession', { sessionId }, requestId),
    byApiKey: (secret, requestId) => ask(API_KEY_QUERY, '_principalForApiKey', { secret }, requestId),
  };
}

/** Why the gateway refused a credential (`details.reason` of its auth event). */
export type AuthRefusalReason =
  | 'malformed_authorization'
  | 'token_and_api_key'
  | 'malformed_token'
  | 'invalid_signature'
  | 'invalid_claims'
  | 'unsupported_algorithm'
  | 'invalid_token'
  | 'session_ended'
  | 'subject_mismatch'
  | 'api_key_empty'
  | 'api_key_too_long'
  | 'unknown_or_revoked';

/**
 * An authentication event only the gateway sees. Holds no token or key secret; the request's
 * address, user agent and id are added by whoever reports it (server.ts).
 */
export interface GatewayAuthEvent {
  eventType: 'TOKEN_REFUSED' | 'SESSION_EXPIRED' | 'API_KEY_USED';
  status: 'SUCCESS' | 'FAILURE';
  occurredAt: Date;
  userId: string | null;
  username: string | null;
  sessionId: string | null;
  details: { reason?: AuthRefusalReason; apiKeyId?: string; clientName?: string; keyPrefix?: string };
}

export interface PrincipalResolverOptions {
  jwtSecret: string;
  lookup: PrincipalLookup;
  settings?: TagAccessSettingsSource;
  cache?: PrincipalCache;
  /** 0 disables caching: every request asks identity. */
  cacheSeconds: number;
  /**
   * Told of refused credentials, expired sessions and API keys identity was asked about,
   * synchronously, before `resolve` settles. Must not block; what it throws is ignored.
   */
  onAuthEvent?: (event: GatewayAuthEvent) => void;
  /** Expired sessions remembered so each is reported once (per replica). Default 10 000. */
  expiredSessionMemory?: number;
}

export interface PrincipalResolver {
  /** Throws UNAUTHENTICATED (GraphQLError) for bad credentials, PrincipalLookupError when identity fails. */
  resolve(headers: IncomingHttpHeaders, requestId?: string): Promise<Principal>;
  /** Forgets a session at once (after logout), so its token is refused on the next request. */
  evictSession(sessionId: string): Promise<void>;
  /** Forgets an API key by id (after revocation through this gateway). */
  evictApiKey(apiKeyId: string): Promise<void>;
  /** Forgets the cached tag-access settings (after they change through this gateway). */
  evictTagAccessSettings(): void;
}

/** What a gateway forgets when a credential ends or access settings change. */
export type PrincipalEvictions = Pick<PrincipalResolver, 'evictSession' | 'evictApiKey' | 'evictTagAccessSettings'>;

const sessionKey = (sessionId: string): string => `session:${sessionId}`;
// The secret itself never becomes a map key or a log line; its hash does.
const apiKeyKey = (secret: string): string => `apikey:${createHash('sha256').update(secret, 'utf8').digest('hex')}`;

const MAX_API_KEY_LENGTH = 200;

// identity's key format (`sgk_` + 32 random bytes, base64url); its first 12 characters are
// the key's public `prefix`, so naming them in an event discloses nothing new.
const API_KEY_FORMAT = /^sgk_[A-Za-z0-9_-]{43}$/;
const API_KEY_PREFIX_LENGTH = 12;

/** The public prefix of a presented key, only when it has identity's format. */
export function apiKeyPrefixOf(secret: string): string | undefined {
  return API_KEY_FORMAT.test(secret) ? secret.slice(0, API_KEY_PREFIX_LENGTH) : undefined;
}

type TokenInspection =
  { kind: 'expired'; userId: string; sessionId: string } | { kind: 'refused'; reason: AuthRefusalReason };

/**
 * Why `verifyUserToken` refused a token, and for an expired one whose signature checks out
 * its subject and session (jose's JWTExpired carries the verified payload; shared's
 * TokenError drops it). Only runs on the refusal path; never decides acceptance.
 */
async function inspectRefusedToken(token: string, secret: string): Promise<TokenInspection> {
  try {
    await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'] });
    // Signature and times fine, so issuer, audience or claims were wrong.
    return { kind: 'refused', reason: 'invalid_claims' };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) {
      const { sub, sid } = error.payload;
      return typeof sub === 'string' && typeof sid === 'string'
        ? { kind: 'expired', userId: sub, sessionId: sid }
        : { kind: 'refused', reason: 'invalid_claims' };
    }
    if (error instanceof joseErrors.JWSSignatureVerificationFailed)
      return { kind: 'refused', reason: 'invalid_signature' };
    if (error instanceof joseErrors.JOSEAlgNotAllowed) return { kind: 'refused', reason: 'unsupported_algorithm' };
    if (error instanceof joseErrors.JWTClaimValidationFailed) return { kind: 'refused', reason: 'invalid_claims' };
    if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
      return { kind: 'refused', reason: 'malformed_token' };
    }
    return { kind: 'refused', reason: 'invalid_token' };
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function createPrincipalResolver(options: PrincipalResolverOptions): PrincipalResolver {
  const cache = options.cache ?? new InMemoryPrincipalCache();
  const settings = options.settings ?? tagRbacOffSource;
  // Concurrent requests with the same credential share one identity call.
  const inFlight = new Map<string, Promise<InternalPrincipal | null>>();
  // Cache keys of API keys by key id, so a revocation can evict without knowing the secret.
  // Local to this replica: others evict by id from their own map (shared evictions, redis.ts).
  const apiKeyCacheKeys = new Map<string, string>();
  // Insertion-ordered, so the oldest goes first when full: a client retrying an expired token
  // is reported once, and a flood of sessions cannot grow it without limit.
  const expiredSessions = new Set<string>();
  const expiredSessionMemory = options.expiredSessionMemory ?? 10_000;

  function report(event: Omit<GatewayAuthEvent, 'occurredAt'>): void {
    if (!options.onAuthEvent) return;
    try {
      options.onAuthEvent({ ...event, occurredAt: new Date() });
    } catch {
      // Reporting never changes how a request is authenticated.
    }
  }

  function refused(reason: AuthRefusalReason, known: { userId?: string; sessionId?: string } = {}): void {
    report({
      eventType: 'TOKEN_REFUSED',
      status: 'FAILURE',
      userId: known.userId ?? null,
      username: null,
      sessionId: known.sessionId ?? null,
      details: { reason },
    });
  }

  function sessionExpired(userId: string, sessionId: string): void {
    if (expiredSessions.has(sessionId)) return;
    expiredSessions.add(sessionId);
    if (expiredSessions.size > expiredSessionMemory) {
      const oldest = expiredSessions.values().next().value;
      if (oldest !== undefined) expiredSessions.delete(oldest);
    }
    report({ eventType: 'SESSION_EXPIRED', status: 'FAILURE', userId, username: null, sessionId, details: {} });
  }

  /** Asks identity about a key, reporting the answer: once per ask, not per cached request. */
  async function apiKeyLookup(secret: string, requestId?: string): Promise<InternalPrincipal | null> {
    const found = await options.lookup.byApiKey(secret, requestId);
    if (found) {
      report({
        eventType: 'API_KEY_USED',
        status: 'SUCCESS',
        userId: found.userId,
        username: found.username,
        sessionId: found.sessionId,
        details: {
          ...(found.apiKeyId ? { apiKeyId: found.apiKeyId } : {}),
          ...(found.clientName ? { clientName: found.clientName } : {}),
        },
      });
    } else {
      const keyPrefix = apiKeyPrefixOf(secret);
      report({
        eventType: 'API_KEY_USED',
        status: 'FAILURE',
        userId: null,
        username: null,
        sessionId: null,
        details: { reason: 'unknown_or_revoked', ...(keyPrefix ? { keyPrefix } : {}) },
      });
    }
    return found;
  }

  /** The identity part of a principal; its tagAccess is filled in by the settings step. */
  async function lookupCached(key: string, load: () => Promise<InternalPrincipal | null>): Promise<Principal | null> {
    const cached = await cache.get(key);
    if (cached) return cached;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = load().finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    const loaded = await pending;
    if (!loaded) return null;
    const found = toPrincipal(loaded, TAG_RBAC_OFF);
    // Misses are not cached: a just-created session or key must work on its first request.
    if (options.cacheSeconds > 0) {
      await cache.set(key, found, options.cacheSeconds);
      if (found.apiKeyId) {
        apiKeyCacheKeys.delete(found.apiKeyId);
        apiKeyCacheKeys.set(found.apiKeyId, key);
        if (apiKeyCacheKeys.size > 10_000) {
          const oldest = apiKeyCacheKeys.keys().next().value;
          if (oldest !== undefined) apiKeyCacheKeys.delete(oldest);
        }
      }
    }
    return found;
  }

  async function fromBearer(token: string, requestId?: string): Promise<Principal> {
    let claims: UserTokenClaims;
    try {
      claims = await verifyUserToken(token, options.jwtSecret);
    } catch (error) {
      const expired = error instanceof TokenError && error.reason === 'expired';
      if (options.onAuthEvent) {
        const inspected = await inspectRefusedToken(token, options.jwtSecret);
        // Only an expiry verifyUserToken saw (issuer and audience passed) names a session.
        if (inspected.kind === 'expired' && expired) sessionExpired(inspected.userId, inspected.sessionId);
        else refused(inspected.kind === 'refused' ? inspected.reason : 'invalid_claims');
      }
      throw unauthenticated(expired ? 'Token expired' : 'Invalid token');
    }
    const found = await lookupCached(sessionKey(claims.sessionId), () =>
      options.lookup.bySession(claims.sessionId, requestId),
    );
    // A token whose subject is not the session's owner is not one identity issued.
    if (!found || found.userId !== claims.userId) {
      refused(found ? 'subject_mismatch' : 'session_ended', claims);
      throw unauthenticated('Session ended or expired');
    }
    return found;
  }

  async function fromApiKey(secret: string, requestId?: string): Promise<Principal> {
    if (secret.length === 0 || secret.length > MAX_API_KEY_LENGTH) {
      refused(secret.length === 0 ? 'api_key_empty' : 'api_key_too_long');
      throw unauthenticated('Invalid API key');
    }
    const found = await lookupCached(apiKeyKey(secret), () => apiKeyLookup(secret, requestId));
    if (!found) throw unauthenticated('Invalid API key');
    return found;
  }

  return {
    async resolve(headers, requestId) {
      const authorization = single(headers.authorization)?.trim();
      const apiKey = single(headers[Headers.API_KEY])?.trim();
      if (authorization && apiKey !== undefined) {
        // Two identities in one request: refuse rather than guess which one the caller meant.
        refused('token_and_api_key');
        throw unauthenticated('Send either a bearer token or an API key, not both');
      }

      let found: Principal;
      if (authorization) {
        const match = /^Bearer\s+(\S+)$/i.exec(authorization);
        if (!match?.[1]) {
          refused('malformed_authorization');
          throw unauthenticated('Authorization must be "Bearer <token>"');
        }
        found = await fromBearer(match[1], requestId);
      } else if (apiKey !== undefined) {
        found = await fromApiKey(apiKey, requestId);
      } else {
        return anonymousPrincipal();
      }
      return { ...found, tagAccess: await settings.current(requestId) };
    },

    async evictSession(sessionId) {
      await cache.delete(sessionKey(sessionId));
    },

    evictTagAccessSettings() {
      settings.evict?.();
    },

    async evictApiKey(apiKeyId) {
      const key = apiKeyCacheKeys.get(apiKeyId);
      if (!key) return;
      apiKeyCacheKeys.delete(apiKeyId);
      await cache.delete(key);
    },
  };
}

function toPrincipal(found: InternalPrincipal, tagAccess: TagAccessSettings): Principal {
  return {
    kind: 'user',
    userId: found.userId,
    username: found.username,
    role: found.role,
    customerCodes: [...found.customerCodes],
    tagIds: [...found.tagIds],
    sessionId: found.sessionId,
    apiKeyId: found.apiKeyId,
    clientName: found.clientName,
    persistedOnly: found.persistedOnly,
    tagAccess,
  };
}
