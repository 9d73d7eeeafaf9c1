import type { DataSource } from 'typeorm';

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
