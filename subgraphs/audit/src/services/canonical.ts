import { createHash, createHmac } from 'node:crypto';

/**
 * The canonical form an entry is hashed over: JSON with object keys sorted at every depth, no
 * whitespace, dates as ISO-8601 and undefined dropped, so the same entry read back from
 * PostgreSQL (jsonb reorders keys) hashes the same as when it was written.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const GENESIS_HASH = '0'.repeat(64);

/** hash = SHA-256(previous hash || canonical entry), hex. */
export const chainHash = (previousHash: string, canonical: string): string =>
  createHash('sha256').update(previousHash).update(canonical).digest('hex');

export const sign = (key: string, hash: string): string => createHmac('sha256', key).update(hash).digest('hex');

/** SHA-256 over a value's canonical form (compliance reports). */
export const digest = (value: unknown): string => createHash('sha256').update(canonicalJson(value)).digest('hex');
