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

/**
 * Raw rows (database column names, as `SELECT alias.*` returns them) as entity objects
 * (property names); columns the entity does not know, e.g. a joined parent key, are kept.
 */
export function rowsAsEntities<T extends ObjectLiteral>(
  dataSource: DataSource,
  // Any entity: T may add joined columns (e.g. a parent key) to the entity's own row type.
  entity: EntitySchema<ObjectLiteral>,
  raws: readonly Record<string, unknown>[],
): T[] {
  const columns = dataSource.getMetadata(entity).columns;
  return raws.map((raw) => {
    const row: Record<string, unknown> = { ...raw };
    for (const column of columns) {
      if (column.databaseName !== column.propertyName) delete row[column.databaseName];
      row[column.propertyName] = raw[column.databaseName];
    }
    return row as T;
  });
}
