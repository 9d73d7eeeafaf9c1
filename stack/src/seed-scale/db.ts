import type pg from 'pg';

/** One column of a bulk insert: its name and the PostgreSQL type its array parameter is cast to. */
export type ColumnSpec = readonly [name: string, type: string];

export interface TableStat {
  table: string;
  rows: number;
  ms: number;
}

/** Rows per INSERT: large enough to amortise the round trip, small enough for one parameter array. */
const BATCH = 5000;

/**
 * Bulk writes for the seeder: multi-row INSERTs as `SELECT * FROM unnest($1::type[], ...)`, one
 * array parameter per column, so a batch of thousands of rows is one statement with a fixed
 * number of parameters. Records rows and time (generation included) per table for the report.
 */
export class SeedDb {
  readonly stats = new Map<string, TableStat>();

  constructor(readonly client: pg.PoolClient | pg.Client) {}

  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    return this.client.query<R>(sql, params).then((r) => r.rows);
  }

  /** Adds time (and rows) to a table's entry (also for INSERT ... SELECT statements run by a module). */
  record(table: string, rows: number, ms: number): void {
    const stat = this.stats.get(table) ?? { table, rows: 0, ms: 0 };
    stat.rows += rows;
    stat.ms += ms;
    this.stats.set(table, stat);
  }

  /**
   * Runs an INSERT ... SELECT (or any statement) and records its time for `table`, and the rows
   * it reports unless `addsRows` is false (an UPDATE of rows written before).
   */
  async timed(table: string, sql: string, params?: unknown[], addsRows = true): Promise<number> {
    const started = performance.now();
    const result = await this.client.query(sql, params);
    this.record(table, addsRows ? (result.rowCount ?? 0) : 0, performance.now() - started);
    return result.rowCount ?? 0;
  }

  /**
   * Inserts `count` rows produced by `row(i)` (i from 0), in batches. `row` returns the values
   * in the order of `columns`; jsonb values are given as JSON text.
   */
  async insert(
    table: string,
    columns: readonly ColumnSpec[],
    count: number,
    row: (i: number) => readonly unknown[],
  ): Promise<void> {
    const names = columns.map(([name]) => name).join(', ');
    const arrays = columns.map(([, type], k) => `$${k + 1}::${type}[]`).join(', ');
    const sql = `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays})`;
    // One batch in flight while the next is built: Postgres and this process work at once.
    let inFlight: Promise<unknown> = Promise.resolve();
    let since = performance.now();
    for (let start = 0; start < count; start += BATCH) {
      const end = Math.min(count, start + BATCH);
      const values: unknown[][] = columns.map(() => new Array<unknown>(end - start));
      for (let i = start; i < end; i++) {
        const r = row(i);
        for (let k = 0; k < columns.length; k++) values[k]![i - start] = r[k];
      }
      await inFlight;
      const query = this.client.query(sql, values);
      // Awaited next round; until then a failure must not count as unhandled.
      query.catch(() => undefined);
      inFlight = query;
      const now = performance.now();
      this.record(table, end - start, now - since);
      since = now;
    }
    await inFlight;
    this.record(table, 0, performance.now() - since);
  }

  /**
   * Runs `write` in one transaction with the secondary indexes of `tables` dropped, then builds
   * them again from their own definitions (`pg_indexes.indexdef`, so exactly what the migrations
   * made): one sorted build is much cheaper than a million random index inserts, GIN above all.
   * Indexes behind PRIMARY KEY and UNIQUE constraints stay (the foreign keys need them); a
   * dropped unique index is checked when it is rebuilt. DDL is transactional: a failure or a
   * crash rolls back to the indexes as they were. Build time counts toward each table's time.
   */
  async withDeferredIndexes(tables: readonly string[], write: () => Promise<void>): Promise<void> {
    await this.query('BEGIN');
    try {
      const indexes = await this.query<{ table: string; name: string; def: string }>(
        `SELECT format('%I.%I', n.nspname, t.relname) AS table, format('%I.%I', n.nspname, i.relname) AS name,
                pg_get_indexdef(x.indexrelid) AS def
           FROM pg_index x
           JOIN pg_class i ON i.oid = x.indexrelid
           JOIN pg_class t ON t.oid = x.indrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
          WHERE format('%I.%I', n.nspname, t.relname) = ANY($1::text[])
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
          ORDER BY 1, 2`,
        [tables],
      );
      for (const index of indexes) await this.query(`DROP INDEX ${index.name}`);
      await write();
      for (const index of indexes) {
        const started = performance.now();
        await this.query(index.def);
        this.record(index.table, 0, performance.now() - started);
      }
      await this.query('COMMIT');
    } catch (error) {
      await this.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** After explicit ids: moves a serial column's sequence past the largest id, so later inserts do not collide. */
  async syncSequence(table: string, column = 'id'): Promise<void> {
    await this.client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), coalesce(m, 1), m IS NOT NULL)
         FROM (SELECT max(${column}) AS m FROM ${table}) x`,
      [table, column],
    );
  }
}
