import { randomUUID } from 'node:crypto';
import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { Logger } from '@socgraph/shared';
import { Redis } from 'ioredis';
import type { PrincipalEvictions } from './principal-resolver';

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
    // ioredis arms this timer on disconnect even when the socket is already gone (Redis away),
    // which would hold a stopping process for its default 2 s.
    disconnectTimeout: 200,
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

/** One eviction as it travels between replicas. API keys go by id: secrets never leave a replica. */
export type Eviction = { kind: 'session'; id: string } | { kind: 'apiKey'; id: string } | { kind: 'tagAccessSettings' };

interface EvictionMessage {
  origin: string;
  eviction: Eviction;
}

function parseEvictionMessage(text: string): EvictionMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { origin, eviction } = value as { origin?: unknown; eviction?: unknown };
  if (typeof origin !== 'string' || typeof eviction !== 'object' || eviction === null) return null;
  const { kind, id } = eviction as { kind?: unknown; id?: unknown };
  if (kind === 'tagAccessSettings') return { origin, eviction: { kind } };
  if ((kind === 'session' || kind === 'apiKey') && typeof id === 'string') return { origin, eviction: { kind, id } };
  return null;
}

/** The channel replicas share evictions on: the deployment's REDIS_KEY_PREFIX and `evictions`. */
export const evictionChannel = (keyPrefix: string): string => `${keyPrefix}evictions`;

/**
 * Publishes one eviction as a replica would (`pnpm seed` uses it after writing the tag-access
 * settings). Resolves to the number of subscribers, i.e. replicas, that received it.
 */
export function publishEviction(
  redis: Redis,
  channel: string,
  eviction: Eviction,
  origin: string = randomUUID(),
): Promise<number> {
  const message: EvictionMessage = { origin, eviction };
  return redis.publish(channel, JSON.stringify(message));
}

export interface SharedEvictions {
  /** Evicts locally at once, then tells the other replicas (fire and forget). */
  evictions: PrincipalEvictions;
  /** Closes the subscriber connection (the publishing client is the caller's). */
  close(): void;
}

/**
 * Shares principal-cache evictions between gateway replicas over Redis pub/sub, so a logout,
 * key revocation or tag-settings change seen by one replica applies on all of them at once.
 * Caches stay local; only evictions travel. Redis being away never fails a request: eviction
 * falls back to this replica only, and an eviction missed meanwhile expires with the cache.
 */
export function shareEvictions(options: {
  redis: Redis;
  channel: string;
  local: PrincipalEvictions;
  logger: Logger;
}): SharedEvictions {
  const { redis, channel, local, logger } = options;
  // Tells this replica's own messages apart: it has already applied them.
  const origin = randomUUID();
  // Logged once per outage, not per request: both latches reset when Redis answers again.
  let publishFailing = false;
  let subscriberFailing = false;

  const apply = (eviction: Eviction): Promise<void> => {
    if (eviction.kind === 'session') return local.evictSession(eviction.id);
    if (eviction.kind === 'apiKey') return local.evictApiKey(eviction.id);
    local.evictTagAccessSettings();
    return Promise.resolve();
  };

  // Subscriber mode takes a connection over entirely, so it gets its own.
  const subscriber = redis.duplicate();
  subscriber.on('error', (error: Error) => {
    if (subscriberFailing) return;
    subscriberFailing = true;
    logger.warn(
      { err: error, channel },
      'principal evictions from other replicas unavailable; local only until Redis returns',
    );
  });
  let subscribed = false;
  // On every ready, not once: a SUBSCRIBE that failed while Redis was away is not retried by
  // ioredis (it only resubscribes channels that once succeeded).
  subscriber.on('ready', () => {
    subscriberFailing = false;
    if (subscribed) return;
    subscriber
      .subscribe(channel)
      .then(() => {
        if (subscribed) return;
        subscribed = true;
        logger.info({ channel }, 'principal cache evictions are shared between gateway replicas');
      })
      .catch(() => undefined); // the error handler has logged the outage
  });
  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    const message = parseEvictionMessage(text);
    if (!message || message.origin === origin) return;
    apply(message.eviction).catch((error: unknown) =>
      logger.warn({ err: error, eviction: message.eviction }, 'applying a shared principal eviction failed'),
    );
  });

  const publish = (eviction: Eviction): void => {
    publishEviction(redis, channel, eviction, origin)
      .then(() => (publishFailing = false))
      .catch((error: unknown) => {
        if (publishFailing) return;
        publishFailing = true;
        logger.warn(
          { err: error, channel },
          'publishing principal evictions failed; other replicas catch up within the cache window',
        );
      });
  };

  return {
    evictions: {
      async evictSession(sessionId) {
        publish({ kind: 'session', id: sessionId });
        await local.evictSession(sessionId);
      },
      async evictApiKey(apiKeyId) {
        publish({ kind: 'apiKey', id: apiKeyId });
        await local.evictApiKey(apiKeyId);
      },
      evictTagAccessSettings() {
        publish({ kind: 'tagAccessSettings' });
        local.evictTagAccessSettings();
      },
    },
    close() {
      // Nothing to flush on a subscriber: disconnect also stops any reconnect timer.
      subscriber.disconnect();
    },
  };
}
