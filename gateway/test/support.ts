import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { GraphQLResponse } from '../src/testing';

export const errorCodes = (result: GraphQLResponse<unknown>): string[] =>
  (result.body.errors ?? []).map((e) => String(e.extensions?.code));

/** Patterns that must never reach a client: stack frames, SQL, driver or file-system internals. */
const LEAKS = [
  /stacktrace/i,
  /\n\s+at /,
  /\bat .*\.(ts|js):\d+/,
  /\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET)\b/i,
  /QueryFailedError/,
  /\bidentity\.\w+/,
  /node_modules/,
  /ECONNREFUSED/,
];

/** Fails when an error body carries a stack trace, SQL or internal detail. */
export function expectNoLeaks(result: GraphQLResponse<unknown>): void {
  const text = JSON.stringify(result.body.errors ?? []);
  for (const pattern of LEAKS) expect(text).not.toMatch(pattern);
}

/** Redis for the Redis-backed tests: TEST_REDIS_URL, or a local default. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether Redis answers PING within a short timeout, asked synchronously (in a child process)
 * so test files can choose `it` or `it.skip` while they are being defined: CI machines
 * without Redis skip those cases instead of failing them.
 */
export function redisReachableSync(url = TEST_REDIS_URL): boolean {
  const { hostname, port } = new URL(url);
  const script = `
    const socket = require('node:net').connect(${Number(port || 6379)}, ${JSON.stringify(hostname)});
    socket.setTimeout(500, () => process.exit(1));
    socket.on('error', () => process.exit(1));
    socket.on('connect', () => socket.write('PING\\r\\n'));
    socket.on('data', (data) => process.exit(String(data).startsWith('+PONG') ? 0 : 1));`;
  try {
    execFileSync(process.execPath, ['-e', script], { timeout: 2_000, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Deletes every key under a test's prefix. */
export async function deleteRedisKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A POST body naming an operation by hash, with or without its query (APQ, persisted operations). */
export function persistedBody(hash: string, options: { query?: string; variables?: Record<string, unknown> } = {}) {
  return {
    ...(options.query !== undefined ? { query: options.query } : {}),
    variables: options.variables ?? {},
    extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
  };
}

/** Posts a raw JSON body to a GraphQL URL. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLResponse<Record<string, unknown>>['body'],
  };
}
