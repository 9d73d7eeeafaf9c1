import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { badUserInput } from '@socgraph/shared';

/**
 * Agents' input and output schemas are JSON Schema, checked with ajv (a well-kept validator,
 * not a hand-written one). Schemas are compiled once per distinct schema text and cached.
 */
const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();
const MAX_CACHED = 500;

function compile(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema as object);
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(key, validate);
  }
  return validate;
}

/** BAD_USER_INPUT on `field` unless `schema` is a JSON Schema ajv can compile (an object or a boolean). */
export function requireValidSchema(schema: unknown, field: string): void {
  if (schema === null || schema === undefined) return;
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || Array.isArray(schema)))
    throw badUserInput(`${field} must be a JSON Schema object`, field);
  if (Buffer.byteLength(JSON.stringify(schema), 'utf8') > 64 * 1024)
    throw badUserInput(`${field} must be at most 64 KiB`, field);
  try {
    compile(schema);
  } catch (error) {
    throw badUserInput(`${field} is not a valid JSON Schema: ${(error as Error).message.slice(0, 300)}`, field);
  }
}

export interface SchemaMismatch {
  /** Where in the value: `/items/0/name` (JSON Pointer; empty for the root). */
  instancePath: string;
  /** Which schema keyword refused it: `#/properties/items/items/required`. */
  schemaPath: string;
  message: string;
}

/** The first mismatch of `value` against `schema`, or null when it matches (or there is no schema). */
export function firstMismatch(schema: unknown, value: unknown): SchemaMismatch | null {
  if (schema === null || schema === undefined) return null;
  const validate = compile(schema);
  if (validate(value)) return null;
  const error: ErrorObject | undefined = validate.errors?.[0];
  return {
    instancePath: error?.instancePath ?? '',
    schemaPath: error?.schemaPath ?? '#',
    message: error?.message ?? 'does not match the schema',
  };
}

/** `/items/0/name` under `input.input` → `input.input.items.0.name`. */
export function fieldOf(base: string, instancePath: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return [base, ...parts].join('.');
}
