import { badUserInput, text, type TextRule } from '@socgraph/shared';

/**
 * Checks for the values the database would refuse by a CHECK constraint (and some it would
 * take but should not), raised as BAD_USER_INPUT naming the field before anything is written.
 */
export function numberIn(value: number, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw badUserInput(`${field} must be between ${min} and ${max}`, field);
  return value;
}

export function optionalNumberIn(value: number | null | undefined, field: string, min: number, max: number) {
  return value === null || value === undefined ? null : numberIn(value, field, min, max);
}

export function intIn(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw badUserInput(`${field} must be an integer between ${min} and ${max}`, field);
  return value;
}

export function optionalIntIn(value: number | null | undefined, field: string, min: number, max: number) {
  return value === null || value === undefined ? null : intIn(value, field, min, max);
}

export function oneOf<V extends string>(value: string, field: string, allowed: readonly V[]): V {
  if (!(allowed as readonly string[]).includes(value))
    throw badUserInput(`${field} must be one of ${allowed.join(', ')}`, field);
  return value as V;
}

export const HEX_COLOUR = /^#[0-9A-Fa-f]{6}$/;
/** Object classes, actions and channels: short lower-case words. */
export const WORD_RULE: TextRule = {
  max: 50,
  pattern: /^[A-Za-z0-9_ -]+$/,
  patternHint: 'may hold letters, digits, space, - and _ only',
};
export const CODE_RULE: TextRule = {
  max: 50,
  pattern: /^[A-Za-z0-9_-]+$/,
  patternHint: 'may hold letters, digits, - and _ only',
};

export function words(values: readonly string[] | null | undefined, field: string, max = 50): string[] | null {
  if (values === null || values === undefined) return null;
  if (values.length > max) throw badUserInput(`${field} may hold at most ${max} values`, field);
  return [...new Set(values.map((v, i) => text(v, `${field}.${i}`, WORD_RULE).toLowerCase()))];
}

/** A camera or zone id as given in input; ids are lower_snake. */
export const ID_RULE: TextRule = { max: 100, pattern: /^[a-z0-9]+(_[a-z0-9]+)*$/, patternHint: 'is not a valid id' };

/** "Front Door" → front_door: the camera id rule of domain.md. */
export function lowerSnake(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100)
    .replace(/_+$/g, '');
}

export function validDate(value: Date | null | undefined, field: string): Date | null {
  if (value === null || value === undefined) return null;
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw badUserInput(`${field} is not a valid time`, field);
  return value;
}
