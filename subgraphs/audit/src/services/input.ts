import { isIP } from 'node:net';
import { badUserInput, optionalText, Roles, requireRole, type Principal, type TextRule } from '@socgraph/shared';

/** Input checks shared by the audit services: all run before anything is written. */

export const MAX_BATCH = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_JSON_BYTES = 64 * 1024;

export const SHORT: TextRule = { max: 100 };
export const NAME: TextRule = { max: 150 };
export const LONG: TextRule = { max: 255 };
export const AGENT: TextRule = { max: 1000 };

/** The audit domain is read by admins and auditors only. */
export const requireAuditReader = (p: Principal): void => requireRole(p, Roles.ADMIN, Roles.AUDITOR);

export function batch<T>(entries: readonly T[], field = 'entries'): readonly T[] {
  if (entries.length > MAX_BATCH) throw badUserInput(`${field} holds at most ${MAX_BATCH} entries`, field);
  return entries;
}

export function uuid(value: string, field: string): string {
  if (!UUID.test(value)) throw badUserInput(`${field} must be a UUID`, field);
  return value.toLowerCase();
}

export function ip(value: string | null | undefined, field: string): string | null {
  const given = optionalText(value, field, { max: 45 });
  if (given !== null && isIP(given) === 0) throw badUserInput(`${field} must be an IP address`, field);
  return given;
}

export function json<T>(value: T, field: string): T | null {
  if (value === null || value === undefined) return null;
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_JSON_BYTES) {
    throw badUserInput(`${field} must be at most ${MAX_JSON_BYTES} bytes of JSON`, field);
  }
  return value;
}

/** When it happened: the producer's time (ms precision, as stored) or now. */
export function instant(value: Date | string | null | undefined, field: string): string {
  if (value === null || value === undefined) return new Date().toISOString();
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw badUserInput(`${field} must be an ISO-8601 instant`, field);
  return date.toISOString();
}

export function nonNegativeInt(value: number | null | undefined, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isSafeInteger(value) || value < 0 || value > 2_147_483_647) {
    throw badUserInput(`${field} must be a non-negative integer`, field);
  }
  return value;
}
