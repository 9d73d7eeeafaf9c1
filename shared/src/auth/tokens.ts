import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { Principal } from './principal';

/**
 * Two kinds of HS256 tokens, both made and checked with jose:
 * - the user token that identity's `login` issues and the gateway verifies;
 * - the internal principal token the gateway signs for each subgraph call (short-lived,
 *   secret shared only by the gateway and subgraphs).
 */

const USER_TOKEN_ISSUER = 'socgraph-identity';
const USER_TOKEN_AUDIENCE = 'socgraph';
const INTERNAL_ISSUER = 'socgraph-gateway';
const INTERNAL_AUDIENCE = 'socgraph-subgraphs';

/**
 * One imported HMAC key per secret. jose takes a CryptoKey as is; given bytes (or a node
 * KeyObject, which jose 6 exports back to bytes) it runs `crypto.subtle.importKey` on every
 * sign and verify, which was ~20% of the gateway's time on a cheap query. A rotated secret is
 * simply another entry: both old and new keep working while either is configured.
 */
const keyCache = new Map<string, Promise<webcrypto.CryptoKey>>();
/** Secrets are a handful per process (user, internal, tests); the bound only guards against misuse. */
const MAX_CACHED_KEYS = 64;
function key(secret: string): Promise<webcrypto.CryptoKey> {
  let k = keyCache.get(secret);
  if (!k) {
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear();
    k = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keyCache.set(secret, k);
  }
  return k;
}

/**
 * Tokens whose signature and claims checked out, by secret, kind and exact text, until they
 * expire. The same bearer token comes with every request of a session, and the gateway reuses
 * each principal's internal token for a while, so most checks are a lookup instead of an HMAC
 * through WebCrypto (~10% of the graph's CPU on a cheap query, with the key already imported).
 * Only the expiry is checked again on a hit (jose's rule: expired once `exp` <= now in seconds);
 * whatever a token says stays true of that exact text. Bounded: the oldest entry goes first.
 */
const MAX_VERIFIED_TOKENS = 10_000;
const verifiedTokens = new Map<string, Map<string, JWTPayload>>();

async function verifiedPayload(
  kind: 'user' | 'internal',
  token: string,
  secret: string,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  const cacheKey = `${kind}:${secret}`;
  let verified = verifiedTokens.get(cacheKey);
  const hit = verified?.get(token);
  if (hit) {
    if (typeof hit.exp === 'number' && hit.exp > Math.floor(Date.now() / 1000)) return hit;
    verified?.delete(token);
  }
  const { payload } = await jwtVerify(token, await key(secret), options);
  if (typeof payload.exp !== 'number') return payload;
  if (!verified) {
    if (verifiedTokens.size >= MAX_CACHED_KEYS) verifiedTokens.clear();
    verified = new Map();
    verifiedTokens.set(cacheKey, verified);
  }
  if (verified.size >= MAX_VERIFIED_TOKENS) {
    const oldest = verified.keys().next().value;
    if (oldest !== undefined) verified.delete(oldest);
  }
  verified.set(token, payload);
  return payload;
}

export class TokenError extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

function toTokenError(error: unknown): TokenError {
  if (error instanceof joseErrors.JWTExpired) return new TokenError('expired', 'token expired');
  return new TokenError('invalid', 'token invalid');
}

export interface UserTokenClaims {
  userId: string;
  sessionId: string;
  expiresAt: Date;
}

export async function signUserToken(claims: UserTokenClaims, secret: string): Promise<string> {
  return new SignJWT({ sid: claims.sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(USER_TOKEN_ISSUER)
    .setAudience(USER_TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(claims.expiresAt.getTime() / 1000))
    .sign(await key(secret));
}

export async function verifyUserToken(token: string, secret: string): Promise<UserTokenClaims> {
  try {
    const payload = await verifiedPayload('user', token, secret, {
      issuer: USER_TOKEN_ISSUER,
      audience: USER_TOKEN_AUDIENCE,
      algorithms: ['HS256'],
    });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') {
      throw new TokenError('invalid', 'token claims missing');
    }
    return { userId: payload.sub, sessionId: payload.sid, expiresAt: new Date(payload.exp * 1000) };
  } catch (error) {
    throw error instanceof TokenError ? error : toTokenError(error);
  }
}

export async function signInternalToken(principal: Principal, secret: string, ttlSeconds: number): Promise<string> {
  return new SignJWT({ principal })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(INTERNAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(await key(secret));
}

export async function verifyInternalToken(token: string, secret: string): Promise<Principal> {
  try {
    const payload = await verifiedPayload('internal', token, secret, {
      issuer: INTERNAL_ISSUER,
      audience: INTERNAL_AUDIENCE,
      algorithms: ['HS256'],
    });
    const principal = payload.principal as Principal | undefined;
    if (!principal || typeof principal !== 'object' || typeof principal.kind !== 'string') {
      throw new TokenError('invalid', 'principal missing');
    }
    // A copy: the cached payload is shared by every request that sends this token.
    return structuredClone(principal);
  } catch (error) {
    throw error instanceof TokenError ? error : toTokenError(error);
  }
}

/** Header names shared by the gateway and subgraphs. */
export const Headers = {
  INTERNAL_TOKEN: 'x-internal-token',
  REQUEST_ID: 'x-request-id',
  API_KEY: 'x-api-key',
  /** Milliseconds the caller still waits (the gateway's request deadline, passed on to every call). */
  DEADLINE: 'x-deadline-ms',
  /** The client's key for a mutation it may retry (docs/operations.md "Idempotency"); passed on to mutation fetches. */
  IDEMPOTENCY_KEY: 'idempotency-key',
  /** The gateway's hash of the client's operation (document, name, variables): same key, other body is CONFLICT. */
  IDEMPOTENCY_FINGERPRINT: 'x-idempotency-fingerprint',
} as const;

/** The deadline (epoch ms) a caller's `x-deadline-ms` gives, if it is a sane number of milliseconds. */
export function deadlineFromHeader(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text || !/^\d{1,9}$/.test(text)) return undefined;
  return now + Number(text);
}
