import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import {
  anonymousPrincipal,
  badUserInput,
  Headers,
  HttpError,
  idempotencyKeyProblem,
  rateLimited,
  serviceUnavailable,
  signInternalToken,
  withHttpStatus,
  type BatchReporter,
  type Logger,
  type Principal,
} from '@socgraph/shared';
import { GraphQLError } from 'graphql';
import type { RateLimitViolationEntry } from './audit/sink';
import { newAccessInfo, type AccessInfo, type GatewayMetrics } from './observability';
import {
  checkPersistedPolicy,
  operationRequestOf,
  type OperationRequest,
  type PersistedPolicyOptions,
} from './persisted-policy';
import { rootFields } from './operation-access';
import { PrincipalLookupError, type PrincipalResolver } from './principal-resolver';
import type { RateLimitDecision, RateLimiter } from './rate-limit';

/**
 * Builds each request's context before Apollo sees it, refusing at the HTTP level what must
 * never reach a subgraph: bad credentials (401), an exhausted rate limit (429 with
 * retry-after) and operations outside the caller's safelist.
 */

/** What every gateway operation carries; a type alias so it satisfies the data source's Record constraint. */
export type GatewayContext = {
  principal: Principal;
  requestId: string;
  clientIp: string | null;
  userAgent: string | null;
  /** The internal token for this request's principal (internalTokenCache), shared by all its subgraph fetches. */
  internalToken: () => Promise<string>;
  /** Operation facts for the access log, filled in as the request goes. */
  access: AccessInfo;
  /** The client's `Idempotency-Key`, passed on to the subgraphs of a mutation's fetches (docs/operations.md). */
  idempotencyKey: string | null;
  /** Set when a subgraph answered a keyed mutation from its store (sent on as `idempotent-replay: true`). */
  idempotentReplay: boolean;
};

/** The request's valid `Idempotency-Key`, null without one; a malformed one is refused (400 BAD_USER_INPUT). */
export function idempotencyKeyOf(req: IncomingMessage): string | null {
  const given = req.headers[Headers.IDEMPOTENCY_KEY];
  const problem = idempotencyKeyProblem(given);
  if (problem) throw HttpError.from(badUserInput(problem, 'Idempotency-Key'), 400);
  return typeof given === 'string' ? given : null;
}

const unmapped = (address: string): string =>
  address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;

/**
 * The caller's address: the socket peer, or with `trustedProxies` > 0 (that many load
 * balancers or proxies in front of the gateway, each appending to X-Forwarded-For) the
 * address the outermost trusted proxy saw. Entries further left were written by the client
 * and are never trusted.
 */
export function clientIpOf(req: IncomingMessage, trustedProxies = 0): string | null {
  const peer = req.socket.remoteAddress;
  if (!peer) return null;
  if (trustedProxies <= 0) return unmapped(peer);
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer];
  const client = unmapped(chain[Math.max(0, chain.length - 1 - trustedProxies)] ?? peer);
  // Only an address goes on: rate-limit buckets, sessions and audit's inet columns rely on it.
  return isIP(client) !== 0 ? client : unmapped(peer);
}

export function userAgentOf(req: IncomingMessage): string | null {
  const agent = req.headers['user-agent'];
  return typeof agent === 'string' && agent.length > 0 ? agent.slice(0, 512) : null;
}

export interface ContextBuilderOptions {
  principals: PrincipalResolver;
  /** Proxies in front of the gateway whose X-Forwarded-For entries are trusted (TRUSTED_PROXIES). */
  trustedProxies: number;
  internalTokenSecret: string;
  internalTokenTtlSeconds: number;
  limiter: RateLimiter | null;
  violations: BatchReporter<RateLimitViolationEntry>;
  policy: PersistedPolicyOptions;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Where a context is kept when the request is refused after it was built (for the access log). */
  early: WeakMap<IncomingMessage, GatewayContext>;
}

interface ViolationReporting {
  violations: BatchReporter<RateLimitViolationEntry>;
  metrics: GatewayMetrics;
}

/** Counts a refusal and sends it to audit as a rate-limit violation. */
function reportViolation(
  reporting: ViolationReporting,
  context: Pick<GatewayContext, 'principal' | 'requestId' | 'clientIp'>,
  operationName: string | null,
  decision: RateLimitDecision,
): void {
  const { principal } = context;
  reporting.metrics.rateLimited.inc({ bucket: decision.bucket.slice(0, decision.bucket.indexOf(':')) });
  reporting.violations.add({
    requestId: context.requestId,
    occurredAt: new Date().toISOString(),
    bucket: decision.bucket,
    userId: principal.userId,
    username: principal.username,
    role: principal.role,
    apiKeyId: principal.apiKeyId,
    clientName: principal.clientName,
    clientIp: context.clientIp,
    operationName,
    limitPerSecond: decision.limit.rate,
    burst: decision.limit.burst,
    retryAfterSeconds: decision.retryAfterSeconds,
  });
}

/**
 * `login` pays from the client address's bucket (the anonymous limit) whatever credentials
 * come with it: sent with an API key or a token, it would otherwise spend that caller's
 * larger budget (or one of its many keys') and escape the login limit. Anonymous callers
 * paid there already, before Apollo. Runs once the operation is parsed, so it knows the root
 * fields for certain.
 */
export function loginAddressLimitPlugin(
  options: ViolationReporting & { limiter: RateLimiter | null },
): ApolloServerPlugin<GatewayContext> {
  const { limiter } = options;
  if (!limiter) return {};
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didResolveOperation({ contextValue, document, operation, operationName, response }) {
      if (!operation || operation.operation !== 'mutation') return;
      if (contextValue.principal.kind === 'anonymous') return;
      if (!rootFields(operation, document).some((field) => field.name.value === 'login')) return;
      const decision = await limiter.checkAddress(contextValue.clientIp);
      if (!decision || decision.allowed) return;
      reportViolation(options, contextValue, operationName ?? null, decision);
      response.http.headers.set('retry-after', String(decision.retryAfterSeconds));
      throw withHttpStatus(rateLimited(decision.retryAfterSeconds), 429);
    },
  };
  return { requestDidStart: async () => listener };
}

/**
 * Internal tokens by principal (its JSON: every claim the token carries), reused while they have
 * most of their life left: signing once per principal every few seconds instead of once per
 * request, and the same principal's fetches carry the same token, which is what in-flight
 * deduplication keys on. A principal that changes in any way (role, customers, tags, settings)
 * is another key, so a token never says more or less than the principal it is sent for.
 */
export function internalTokenCache(secret: string, ttlSeconds: number, maxEntries = 10_000) {
  // A reused token still has at least three quarters of its TTL when a subgraph checks it.
  const reuseMs = (ttlSeconds * 1000) / 4;
  const entries = new Map<string, { token: Promise<string>; renewAt: number }>();
  return (principal: Principal): Promise<string> => {
    const key = JSON.stringify(principal);
    const now = Date.now();
    const hit = entries.get(key);
    if (hit && hit.renewAt > now) return hit.token;
    const token = signInternalToken(principal, secret, ttlSeconds);
    entries.delete(key);
    // Bounded: the oldest goes first (insertion order), so distinct principals cannot grow it.
    while (entries.size >= maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
    const entry = { token, renewAt: now + reuseMs };
    entries.set(key, entry);
    token.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    return token;
  };
}

const hasCredentials = (req: IncomingMessage): boolean =>
  req.headers.authorization !== undefined || req.headers['x-api-key'] !== undefined;

/**
 * Addresses whose bucket refused a request with bad credentials, until it refills: this
 * replica's memory (the bucket itself may be shared in Redis), bounded, oldest first out.
 */
class RefusedAddresses {
  private readonly until = new Map<string, number>();

  constructor(private readonly max = 10_000) {}

  mark(clientIp: string | null, retryAfterSeconds: number): void {
    const key = clientIp ?? 'unknown';
    this.until.delete(key);
    this.until.set(key, Date.now() + retryAfterSeconds * 1000);
    if (this.until.size > this.max) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
  }

  isMarked(clientIp: string | null): boolean {
    const key = clientIp ?? 'unknown';
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(key);
    return false;
  }
}

/** Seconds a client waits before retrying while authentication is unavailable. */
const AUTH_RETRY_AFTER_SECONDS = 2;

export function contextBuilder(options: ContextBuilderOptions) {
  const { principals, limiter, violations, metrics, logger, early } = options;
  const internalToken = internalTokenCache(options.internalTokenSecret, options.internalTokenTtlSeconds);

  const refusedAddresses = new RefusedAddresses();

  /** Spends a token of the address's bucket; a refusal is a 429 (and the address is marked) instead of `otherwise`. */
  async function payAtAddress(clientIp: string | null, requestId: string): Promise<void> {
    const decision = limiter ? await limiter.checkAddress(clientIp) : null;
    if (!decision || decision.allowed) return;
    refusedAddresses.mark(clientIp, decision.retryAfterSeconds);
    reportViolation({ violations, metrics }, { principal: anonymousPrincipal(), requestId, clientIp }, null, decision);
    throw HttpError.from(rateLimited(decision.retryAfterSeconds), 429, {
      'retry-after': String(decision.retryAfterSeconds),
    });
  }

  /**
   * Refused credentials pay from the client address's bucket (the anonymous limit), as an
   * anonymous caller would: otherwise guessing keys or replaying dead tokens is free and each
   * guess costs identity a lookup. Once an address has run dry, its credentialed requests pay
   * up front until the bucket refills, so a flood of guesses stops here without any lookup.
   */
  async function resolvePrincipal(
    req: IncomingMessage,
    requestId: string,
    clientIp: string | null,
  ): Promise<Principal> {
    const paidUpFront = limiter !== null && hasCredentials(req) && refusedAddresses.isMarked(clientIp);
    if (paidUpFront) await payAtAddress(clientIp, requestId);
    try {
      return await principals.resolve(req.headers, requestId);
    } catch (error) {
      if (error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED') {
        if (!paidUpFront) await payAtAddress(clientIp, requestId);
        throw new HttpError(401, 'UNAUTHENTICATED', error.message, { 'www-authenticate': 'Bearer' });
      }
      if (error instanceof PrincipalLookupError) {
        logger.error({ err: error, requestId }, 'principal lookup failed');
        // Identity (or its database) is down or slow: retryable, not the caller's fault nor a bug.
        const unavailable = serviceUnavailable('authentication', AUTH_RETRY_AFTER_SECONDS);
        throw HttpError.from(unavailable, 503, { 'retry-after': String(AUTH_RETRY_AFTER_SECONDS) });
      }
      throw error;
    }
  }

  async function enforceRateLimit(context: GatewayContext, operation: OperationRequest): Promise<void> {
    if (!limiter) return;
    const decision = await limiter.check(context.principal, context.clientIp);
    if (!decision || decision.allowed) return;
    reportViolation({ violations, metrics }, context, operation.operationName ?? null, decision);
    throw HttpError.from(rateLimited(decision.retryAfterSeconds), 429, {
      'retry-after': String(decision.retryAfterSeconds),
    });
  }

  return async (req: IncomingMessage, requestId: string, body: unknown): Promise<GatewayContext> => {
    const idempotencyKey = idempotencyKeyOf(req);
    const clientIp = clientIpOf(req, options.trustedProxies);
    const principal = await resolvePrincipal(req, requestId, clientIp);
    let token: Promise<string> | null = null;
    const context: GatewayContext = {
      principal,
      requestId,
      clientIp,
      userAgent: userAgentOf(req),
      internalToken: () => (token ??= internalToken(principal)),
      access: newAccessInfo(),
      idempotencyKey,
      idempotentReplay: false,
    };
    early.set(req, context);
    const search = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    const operation = operationRequestOf(body, search);
    context.access.operationName = operation.operationName ?? null;
    context.access.persistedQueryId = operation.persistedHash ?? null;
    await enforceRateLimit(context, operation);
    checkPersistedPolicy(principal, operation, options.policy);
    return context;
  };
}
