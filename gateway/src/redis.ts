import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import { Redis } from 'ioredis';

/**
 * Shared state for gateway replicas (APQ cache, rate-limit buckets) when REDIS_URL is set.
 * Every key carries the configured prefix, so several deployments (or test runs) can share
 * one Redis without colliding.
 */

export function connectRedis(url: string): Redis {
  return new Redis(url, {
    // Fail a command quickly rather than queueing it while Redis is away: callers fall back.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 2_000,
    lazyConnect: false,
  });
}

/** Whether Redis answers PING within `timeoutMs` (tests skip their Redis cases when not). */
export async function redisReachable(url: string, timeoutMs = 500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Apollo's KeyValueCache over Redis strings, with the TTL Apollo asks for (seconds). */
export class RedisKeyValueCache implements KeyValueCache<string> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly defaultTtlSeconds?: number,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttl = options?.ttl === undefined ? this.defaultTtlSeconds : options.ttl;
    if (ttl) await this.redis.set(this.prefix + key, value, 'EX', Math.ceil(ttl));
    else await this.redis.set(this.prefix + key, value);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(this.prefix + key)) > 0;
  }
}
