import { badUserInput } from '../errors';

/**
 * Input checks that raise BAD_USER_INPUT naming the field, run before anything is written,
 * so bad input never leaves a half-done change or reaches a column limit in SQL.
 */
export interface TextRule {
  min?: number;
  max: number;
  pattern?: RegExp;
  patternHint?: string;
}

export function text(value: string, field: string, rule: TextRule): string {
  const trimmed = value.trim();
  if (trimmed.length < (rule.min ?? 1)) throw badUserInput(`${field} must not be empty`, field);
  if (trimmed.length > rule.max) throw badUserInput(`${field} must be at most ${rule.max} characters`, field);
  if (rule.pattern && !rule.pattern.test(trimmed)) {
    throw badUserInput(`${field} ${rule.patternHint ?? 'has an invalid format'}`, field);
  }
  return trimmed;
}

export function optionalText(value: string | null | undefined, field: string, rule: TextRule): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  return text(value, field, rule);
}

const INT_ID = /^[1-9][0-9]{0,9}$/;

/** An integer row id from a GraphQL ID, or null when it cannot name a row. */
export function parseIntId(id: string | number): number | null {
  const s = String(id);
  if (!INT_ID.test(s)) return null;
  const n = Number(s);
  return n <= 2_147_483_647 ? n : null;
}

/** Integer ids given as input (e.g. tag ids): every one must be well-formed. */
export function intIds(ids: readonly (string | number)[], field: string, max = 1000): number[] {
  if (ids.length > max) throw badUserInput(`${field} may hold at most ${max} ids`, field);
  return [
    ...new Set(
      ids.map((id) => {
        const n = parseIntId(id);
        if (n === null) throw badUserInput(`${field} contains an invalid id: ${String(id).slice(0, 40)}`, field);
        return n;
      }),
    ),
  ];
}

/** Postgres unique_violation, for turning a lost race into CONFLICT. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  return e?.code === '23505' || e?.driverError?.code === '23505';
}

/** Escapes LIKE/ILIKE wildcards so a search string matches literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
