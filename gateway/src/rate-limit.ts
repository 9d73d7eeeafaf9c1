import type { Logger, Principal } from '@socgraph/shared';
import type { Redis } from 'ioredis';
import type { RateLimit } from './config';

/**
 * Token buckets per caller: per user (limit by role), per API key (its own limit or the key
 * default) and, as well, its owner's user bucket, so a user's keys and sessions share one
 * budget however many keys it mints; per client address for anonymous callers and for every
 * `login`, whatever credentials come with it. In memory for one replica, in Redis (one atomic
 * script per request) when replicas must share them.
 */

export interface TakeResult {
  allowed: boolean;
  /** Whole seconds until a token is available (0 when allowed). */
  retryAfterSeconds: number;
}

export interface BucketStore {
  take(key: string, limit: RateLimit): Promise<TakeResult>;
  close?(): Promise<void>;
}

const retryAfter = (tokens: number, rate: number): number => Math.max(1, Math.ceil((1 - tokens) / rate));

/** Buckets in a Map kept in least-recently-used order and bounded, so no caller mix can grow it forever. */
export class MemoryBucketStore implements BucketStore {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  async take(key: string, limit: RateLimit): Promise<TakeResult> {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.rate);
      bucket.at = now;
      this.buckets.delete(key);
    } else {
      bucket = { tokens: limit.burst, at: now };
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: retryAfter(bucket.tokens, limit.rate) };
  }
}

// One round trip, atomic across replicas; Redis's clock, so replicas' clocks need not agree.
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
`;

export class RedisBucketStore implements BucketStore {
  private sha: string | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private async run(key: string, limit: RateLimit): Promise<[number, string]> {
    const args = [1, this.prefix + key, String(limit.rate), String(limit.burst)] as const;
    if (this.sha) {
      try {
        return (await this.redis.evalsha(this.sha, ...args)) as [number, string];
      } catch (error) {
        if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      }
    }
    this.sha = (await this.redis.script('LOAD', TAKE_SCRIPT)) as string;
    return (await this.redis.evalsha(this.sha, ...args)) as [number, string];
  }

  async take(key: string, limit: RateLimit): Promise<TakeResult> {
    const [allowed, tokens] = await this.run(key, limit);
    return allowed === 1
      ? { allowed: true, retryAfterSeconds: 0 }
      : { allowed: false, retryAfterSeconds: retryAfter(Number(tokens), limit.rate) };
  }
}

export interface RateLimitDecision extends TakeResult {
  bucket: string;
  limit: RateLimit;
}

export interface RateLimiterOptions {
  store: BucketStore;
  /** By role name; `anonymous` for callers without credentials, `default` for any other role. */
  roleLimits: Record<string, RateLimit>;
  /** By API key id; `default` for keys without their own. */
  apiKeyLimits: Record<string, RateLimit>;
  logger?: Logger;
}

export interface RateLimiter {
  /**
   * The buckets and limits that apply to a caller, each taking a token per request: an API
   * key's own, then its owner's; empty when none does (service principals).
   */
  limitsFor(principal: Principal, clientIp: string | null): { bucket: string; limit: RateLimit }[];
  /** Takes a token from each bucket in turn; the first refusal, else the last decision; null when no limit applies. */
  check(principal: Principal, clientIp: string | null): Promise<RateLimitDecision | null>;
  /** Takes a token from the client address's bucket (the anonymous limit): every `login` pays here. */
  checkAddress(clientIp: string | null): Promise<RateLimitDecision | null>;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { roleLimits, apiKeyLimits } = options;
  let lastStoreError = 0;

  const addressLimit = (clientIp: string | null) => {
    const limit = roleLimits.anonymous ?? roleLimits.default;
    return limit ? [{ bucket: `ip:${clientIp ?? 'unknown'}`, limit }] : [];
  };

  const limitsFor: RateLimiter['limitsFor'] = (principal, clientIp) => {
    if (principal.kind === 'service') return [];
    if (principal.kind === 'anonymous') return addressLimit(clientIp);
    const applies: { bucket: string; limit: RateLimit }[] = [];
    if (principal.apiKeyId) {
      const limit = apiKeyLimits[principal.apiKeyId] ?? apiKeyLimits.default ?? roleLimits.default;
      if (limit) applies.push({ bucket: `key:${principal.apiKeyId}`, limit });
    }
    // A key acts as its owner: it also spends the owner's budget, so minting keys multiplies nothing.
    const limit = (principal.role ? roleLimits[principal.role] : undefined) ?? roleLimits.default;
    if (limit) applies.push({ bucket: `user:${principal.userId ?? principal.username ?? 'unknown'}`, limit });
    return applies;
  };

  async function take(applies: { bucket: string; limit: RateLimit }[]): Promise<RateLimitDecision | null> {
    let decision: RateLimitDecision | null = null;
    for (const one of applies) {
      try {
        decision = { ...one, ...(await options.store.take(one.bucket, one.limit)) };
      } catch (error) {
        // Fail open: an unreachable Redis must not take the API down with it. Logged at most every 10 s.
        if (Date.now() - lastStoreError > 10_000) {
          lastStoreError = Date.now();
          options.logger?.warn({ err: error }, 'rate-limit store unavailable; requests are not limited');
        }
        decision = { ...one, allowed: true, retryAfterSeconds: 0 };
      }
      if (!decision.allowed) return decision;
    }
    return decision;
  }

  return {
    limitsFor,
    check: (principal, clientIp) => take(limitsFor(principal, clientIp)),
    checkAddress: (clientIp) => take(addressLimit(clientIp)),
  };
}
