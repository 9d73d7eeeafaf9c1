import type { DataSource, EntitySchema, ObjectLiteral } from 'typeorm';

/** Runs SQL with TypeORM-style `:named` parameters. */
export async function runNamed<R>(dataSource: DataSource, sql: string, params: Record<string, unknown>): Promise<R[]> {
  const [query, values] = dataSource.driver.escapeQueryWithParameters(sql, params);
  return (await dataSource.query(query, values)) as R[];
}

/**
 * `UPDATE table SET assignments WHERE id = :id [AND guard]` in one statement. `guard` holds
 * what the caller read (e.g. the status it checked a transition against), so a change that
 * lost a race updates nothing; returns whether a row changed. The SET is SQL because
 * TypeORM's `.set()` cannot mix now()/NULL with parameters.
 */
export async function updateById(
  dataSource: DataSource,
  table: string,
  id: number,
  assignments: string,
  params: Record<string, unknown>,
  guard?: string,
): Promise<boolean> {
  const rows = await runNamed<{ id: number }>(
    dataSource,
    `WITH changed AS (UPDATE ${table} SET ${assignments} WHERE id = :row_id${guard ? ` AND ${guard}` : ''} RETURNING id) ` +
      `SELECT id FROM changed`,
    { ...params, row_id: id },
  );
  return rows.length > 0;
}

/** Per entity: the columns whose database name differs from the property name. */
const renamedColumns = new WeakMap<object, { renames: [string, string][]; renamed: Set<string> }>();

/**
 * Raw rows (database column names, as `SELECT alias.*` returns them) as entity objects
 * (property names); columns the entity does not know, e.g. a joined parent key, are kept.
 * Each row is built fresh rather than copied and pruned: `delete` would put every row object
 * in V8's slow dictionary mode, and lists read these rows field by field.
 */
export function rowsAsEntities<T extends ObjectLiteral>(
  dataSource: DataSource,
  // Any entity: T may add joined columns (e.g. a parent key) to the entity's own row type.
  entity: EntitySchema<ObjectLiteral>,
  raws: readonly Record<string, unknown>[],
): T[] {
  const metadata = dataSource.getMetadata(entity);
  let names = renamedColumns.get(metadata);
  if (!names) {
    const renames = metadata.columns
      .filter((column) => column.databaseName !== column.propertyName)
      .map((column): [string, string] => [column.databaseName, column.propertyName]);
    names = { renames, renamed: new Set(renames.map(([databaseName]) => databaseName)) };
    renamedColumns.set(metadata, names);
  }
  const { renames, renamed } = names;
  return raws.map((raw) => {
    const row: Record<string, unknown> = {};
    for (const key of Object.keys(raw)) if (!renamed.has(key)) row[key] = raw[key];
    for (const [databaseName, propertyName] of renames) row[propertyName] = raw[databaseName];
    return row as T;
  });
}
