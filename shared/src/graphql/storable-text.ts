import type { GraphQLFieldResolver } from 'graphql';
import { badUserInput } from '../errors';
import type { GraphQLResolverMap } from './resolvers';

/**
 * Text Postgres cannot store: NUL (refused in text and jsonb alike) and UTF-16 halves without
 * their pair (not encodable as UTF-8; jsonb refuses their escapes, text would store U+FFFD in
 * their place). No legitimate input contains either, so the boundary refuses them outright.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this finds
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export const isStorableText = (value: string): boolean => !UNSTORABLE.test(value);

/** The text with every unstorable character replaced by U+FFFD (for records that must be written whatever came in). */
export const storableText = (value: string): string =>
  UNSTORABLE.test(value) ? value.replace(UNSTORABLE_ALL, '\uFFFD') : value;

/**
 * JSON that Postgres always accepts: unstorable text (in values and keys) becomes U+FFFD. For
 * records that must be written whatever a request carried (audit outbox rows, access-log and
 * log-line batches), so recording an attempt never depends on its input being storable.
 */
export function storableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'string') return storableText(item);
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      const entries = Object.entries(item as Record<string, unknown>);
      if (entries.some(([key]) => !isStorableText(key))) {
        return Object.fromEntries(entries.map(([key, v]) => [storableText(key), v]));
      }
    }
    return item;
  });
}

/** The value as it goes over the wire (JSON), with unstorable text replaced (see storableJson). */
export const storableValue = <T>(value: T): T => JSON.parse(storableJson(value)) as T;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

/**
 * Where in a field's arguments an unstorable string sits (`input.iocs[0].value`), or null. Walks
 * strings, lists and objects (JSON values included, keys too) without recursion, so a deeply
 * nested JSON argument cannot overflow the stack.
 */
export function unstorableInputPath(args: Record<string, unknown>): string | null {
  const pending: [string, unknown][] = Object.entries(args);
  while (pending.length > 0) {
    const [path, value] = pending.pop() as [string, unknown];
    if (typeof value === 'string') {
      if (!isStorableText(value)) return path;
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push([`${path}[${index}]`, item]));
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (!isStorableText(key)) return path;
        pending.push([`${path}.${key}`, item]);
      }
    }
  }
  return null;
}

/** BAD_USER_INPUT naming the field when any argument holds text Postgres cannot store. */
export function assertStorableInput(args: Record<string, unknown>): void {
  const field = unstorableInputPath(args);
  if (field) {
    throw badUserInput(`${field} contains a character that cannot be stored (NUL or an unpaired surrogate)`, field);
  }
}

function guarded<TContext>(resolve: GraphQLFieldResolver<unknown, TContext>): GraphQLFieldResolver<unknown, TContext> {
  return (parent, args: Record<string, unknown>, context, info) => {
    assertStorableInput(args);
    return resolve(parent, args, context, info);
  };
}

/**
 * Every field resolver of a subgraph (queries, mutations, nested fields with arguments) refuses
 * unstorable text in its arguments before it runs, so no resolver has to remember to, and no
 * such string reaches SQL. defineSubgraph applies it under the mutation audit, so a refused
 * mutation still leaves its failure entry.
 */
export function refuseUnstorableInput<TContext>(resolvers: GraphQLResolverMap<TContext>): GraphQLResolverMap<TContext> {
  const guardedMap: Record<string, unknown> = {};
  for (const [typeName, fields] of Object.entries(resolvers as Record<string, unknown>)) {
    if (!isPlainObject(fields)) {
      guardedMap[typeName] = fields; // a scalar's GraphQLScalarType
      continue;
    }
    guardedMap[typeName] = Object.fromEntries(
      Object.entries(fields).map(([field, resolver]) => [
        field,
        typeof resolver === 'function' && !field.startsWith('__')
          ? guarded(resolver as GraphQLFieldResolver<unknown, TContext>)
          : resolver,
      ]),
    );
  }
  return guardedMap as GraphQLResolverMap<TContext>;
}
