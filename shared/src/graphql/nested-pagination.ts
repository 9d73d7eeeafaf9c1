import type { DataSource, EntitySchema, ObjectLiteral } from 'typeorm';
import { rowsAsEntities, runNamed } from '../db/queries';
import type { SqlCondition } from '../policy/sql';
import { decodeCursor, encodeCursor, pageSize, withCursor, type Connection, type ConnectionArgs } from './pagination';

/**
 * Connections nested under many parents at once (`User.assignedAlerts`, `Customer.alerts`):
 * one statement for every parent's page (a LATERAL join per parent key, each with its own
 * keyset and LIMIT) and, when selected, one GROUP BY for every parent's totalCount. Meant to
 * be called from a DataLoader batch, so a list of 50 parents costs what a list of 5 does.
 */
export interface NestedPageOptions<T extends ObjectLiteral> {
  dataSource: DataSource;
  entity: EntitySchema<T>;
  /** Qualified table, e.g. `incidents.incident_management_alert`. */
  table: string;
  alias: string;
  /** Column holding the parent key, e.g. `assigned_to`. Compared as text. */
  parentColumn: string;
  /** Access policy and filters; must not reference the parent key. */
  where: SqlCondition;
  /** Keyset order: database column names (not qualified) with direction and row value. */
  order: readonly { column: string; direction: 'ASC' | 'DESC'; value: (row: T) => string | number }[];
  args: ConnectionArgs;
}

export async function nestedPages<T extends ObjectLiteral>(
  parentKeys: readonly string[],
  options: NestedPageOptions<T>,
): Promise<Map<string, Connection<T>>> {
  const { dataSource, alias, order } = options;
  const first = pageSize(options.args.first);
  const params: Record<string, unknown> = { ...options.where.params, nested_parent_keys: [...parentKeys] };
  const conditions = [`${alias}.${options.parentColumn}::text = parent.key`, `(${options.where.sql})`];
  if (options.args.after) {
    const values = decodeCursor(options.args.after, order.length);
    const disjuncts = order.map((col, i) => {
      params[`nested_keyset_${i}`] = values[i];
      const equal = order.slice(0, i).map((prev, j) => `${alias}.${prev.column} = :nested_keyset_${j}`);
      return [...equal, `${alias}.${col.column} ${col.direction === 'ASC' ? '>' : '<'} :nested_keyset_${i}`].join(
        ' AND ',
      );
    });
    conditions.push(`(${disjuncts.map((d) => `(${d})`).join(' OR ')})`);
  }
  const orderBy = order.map((col) => `${alias}.${col.column} ${col.direction}`).join(', ');
  const sql =
    `SELECT parent.key AS nested_parent_key, page.* FROM unnest(CAST(:nested_parent_keys AS text[])) AS parent(key) ` +
    `CROSS JOIN LATERAL (SELECT ${alias}.* FROM ${options.table} ${alias} WHERE ${conditions.join(' AND ')} ` +
    `ORDER BY ${orderBy} LIMIT ${first + 1}) page`;
  const rows =
    first === 0
      ? []
      : await withCursor(options.args.after, () => runNamed<Record<string, unknown>>(dataSource, sql, params));

  const byParent = new Map<string, T[]>();
  for (const row of rowsAsEntities<T & { nested_parent_key: string }>(dataSource, options.entity, rows)) {
    const key = String(row.nested_parent_key);
    const list = byParent.get(key) ?? [];
    list.push(row);
    byParent.set(key, list);
  }

  // Counts for all parents in one statement, run only if some parent's totalCount is read.
  let counts: Promise<Map<string, number>> | null = null;
  const countAll = (): Promise<Map<string, number>> =>
    (counts ??= runNamed<{ key: string; count: string }>(
      dataSource,
      `SELECT ${alias}.${options.parentColumn}::text AS key, count(*) AS count FROM ${options.table} ${alias} ` +
        `WHERE ${alias}.${options.parentColumn}::text = ANY(CAST(:nested_parent_keys AS text[])) AND (${options.where.sql}) ` +
        `GROUP BY 1`,
      { ...options.where.params, nested_parent_keys: [...parentKeys] },
    ).then((countRows) => new Map(countRows.map((r) => [r.key, Number(r.count)]))));

  const result = new Map<string, Connection<T>>();
  for (const key of parentKeys) {
    const list = byParent.get(key) ?? [];
    const nodes = list.slice(0, first);
    const edges = nodes.map((node) => ({ node, cursor: encodeCursor(order.map((col) => col.value(node))) }));
    result.set(key, {
      edges,
      pageInfo: { hasNextPage: list.length > first, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: async () => (await countAll()).get(key) ?? 0,
    });
  }
  return result;
}
