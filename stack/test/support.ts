/** Helpers of the stack's end-to-end tests; the general ones come from the testkit. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export { errorCodes, expectNoLeaks, postJson } from '@socgraph/testkit';

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
