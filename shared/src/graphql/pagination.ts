import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { badUserInput } from '../errors';

/**
 * Relay connections with keyset cursors (api.md): `first` defaults to 20 and must lie in
 * 0..100; `after` is an opaque cursor holding the sort key of the last row seen. Pages are
 * `WHERE (key) > (cursor) ORDER BY key LIMIT first + 1`, so a page costs the same at any depth.
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** A function, so the count query runs only when a client selects `totalCount`. */
  totalCount: () => Promise<number>;
}

type CursorValue = string | number;

export function encodeCursor(values: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): CursorValue[] {
  try {
    if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('shape');
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      !Array.isArray(values) ||
      values.length !== arity ||
      !values.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))
    ) {
      throw new Error('shape');
    }
    return values as CursorValue[];
  } catch {
    throw badUserInput('Malformed cursor', 'after');
  }
}

/**
 * Runs a page's query with a cursor in it: a cursor that decodes but holds a value of the
 * wrong kind for its column (`["2026-…", "x"]` for a timestamp and an integer id) makes
 * Postgres refuse the parameter with a data exception (SQLSTATE class 22); that is the
 * cursor's fault, BAD_USER_INPUT on `after`, not an internal error.
 */
export async function withCursor<T>(after: string | null | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (after && isDataException(error)) throw badUserInput('Malformed cursor', 'after');
    throw error;
  }
}

function isDataException(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' && code.startsWith('22');
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return first;
}

/** One column of a keyset order; `value` reads the same key off a loaded row. */
export interface KeysetColumn<T> {
  /** Qualified column, e.g. `user.id`. Must be NOT NULL. */
  column: string;
  direction: 'ASC' | 'DESC';
  value: (row: T) => CursorValue;
}

/**
 * COUNT(*) rather than TypeORM's `getCount()`, which counts DISTINCT primary keys: the builder
 * has no row-multiplying joins (see `paginate`), so both are the same number, and Postgres
 * need not de-duplicate every matching id (~25% less time on 100,000 matching rows).
 */
async function countOf<T extends ObjectLiteral>(query: SelectQueryBuilder<T>): Promise<number> {
  const row = await query.select('COUNT(*)::int', 'count').orderBy().getRawOne<{ count: number }>();
  return row?.count ?? 0;
}

export interface PaginateOptions<T extends ObjectLiteral> {
  /**
   * The same rows for `totalCount`, written for a full pass (e.g. the access policy's `set`
   * form where the page uses its `probe` form, see `tagCondition`). Default: the page's builder.
   */
  countQuery?: SelectQueryBuilder<T>;
}

/**
 * Pages a query builder by keyset. The builder must not have joins that multiply rows;
 * filters (including the access policy's conditions) go on it before this call.
 */
export async function paginate<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  args: ConnectionArgs,
  order: readonly KeysetColumn<T>[],
  options: PaginateOptions<T> = {},
): Promise<Connection<T>> {
  const first = pageSize(args.first);
  const countQuery = (options.countQuery ?? query).clone();
  const page = query.clone();

  if (args.after) {
    const values = decodeCursor(args.after, order.length);
    // (a, b) after (x, y): a > x OR (a = x AND b > y), per column direction.
    const disjuncts: string[] = [];
    const params: Record<string, CursorValue> = {};
    order.forEach((col, i) => {
      const equalities = order.slice(0, i).map((prev, j) => `${prev.column} = :keyset_${j}`);
      const cmp = col.direction === 'ASC' ? '>' : '<';
      disjuncts.push([...equalities, `${col.column} ${cmp} :keyset_${i}`].join(' AND '));
      params[`keyset_${i}`] = values[i] as CursorValue;
    });
    page.andWhere(`(${disjuncts.map((d) => `(${d})`).join(' OR ')})`, params);
  }
  order.forEach((col, i) =>
    i === 0 ? page.orderBy(col.column, col.direction) : page.addOrderBy(col.column, col.direction),
  );
  const rows = first === 0 ? [] : await withCursor(args.after, () => page.limit(first + 1).getMany());
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ node, cursor: encodeCursor(order.map((col) => col.value(node))) }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: () => countOf(countQuery),
  };
}
