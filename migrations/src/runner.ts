import { DataSource, type MigrationInterface } from 'typeorm';

export type MigrationClass = new () => MigrationInterface;

/** One subgraph's schema and its migrations, oldest first (`@socgraph/migrations/<name>`). */
export interface SchemaMigrations {
  name: string;
  migrations: readonly MigrationClass[];
}

export interface MigrateOptions {
  /** Connection URL for a subgraph's schema (`<NAME>_DATABASE_URL` or `DATABASE_URL`). */
  urlFor: (subgraph: string) => string;
  /** The schemas this run knows, in order (the stack passes its registry's). */
  schemas: readonly SchemaMigrations[];
  /** Only these of `schemas`; default all. */
  subgraphs?: string[];
  direction?: 'up' | 'down';
  /** For `down`: how many migrations to revert per subgraph (default 1). */
  steps?: number;
  log?: (message: string) => void;
}

export interface MigrationReport {
  subgraph: string;
  applied: string[];
  reverted: string[];
}

/**
 * Runs one DataSource per subgraph schema, each with its own `migrations` table inside its
 * schema, each migration in its own transaction. Concurrent runners are serialised by an
 * advisory lock so two processes starting at once do not both migrate.
 */
export async function migrate(options: MigrateOptions): Promise<MigrationReport[]> {
  const known = new Map(options.schemas.map((schema) => [schema.name, schema.migrations]));
  const subgraphs = options.subgraphs ?? [...known.keys()];
  const unknown = subgraphs.filter((s) => !known.has(s));
  if (unknown.length)
    throw new Error(`Unknown subgraph schema(s): ${unknown.join(', ')} (known: ${[...known.keys()].join(', ')})`);

  const reports: MigrationReport[] = [];
  for (const subgraph of subgraphs) {
    const dataSource = new DataSource({
      type: 'postgres',
      url: options.urlFor(subgraph),
      schema: subgraph,
      migrations: [...(known.get(subgraph) ?? [])],
      migrationsTableName: 'migrations',
      migrationsTransactionMode: 'each',
      synchronize: false,
      logging: false,
      extra: { max: 2, application_name: `socgraph-migrate-${subgraph}` },
    });
    await dataSource.initialize();
    const report: MigrationReport = { subgraph, applied: [], reverted: [] };
    try {
      await dataSource.query(`SELECT pg_advisory_lock(hashtext($1))`, [`socgraph-migrate-${subgraph}`]);
      await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${subgraph}"`);
      if ((options.direction ?? 'up') === 'up') {
        const applied = await dataSource.runMigrations({ transaction: 'each' });
        report.applied = applied.map((m) => m.name);
      } else {
        for (let i = 0; i < (options.steps ?? 1); i++) {
          const before = await dataSource
            .query(`SELECT name FROM "${subgraph}"."migrations" ORDER BY id DESC LIMIT 1`)
            .catch(() => []);
          if (!before.length) break;
          await dataSource.undoLastMigration({ transaction: 'each' });
          report.reverted.push(before[0].name as string);
        }
      }
    } finally {
      await dataSource
        .query(`SELECT pg_advisory_unlock(hashtext($1))`, [`socgraph-migrate-${subgraph}`])
        .catch(() => undefined);
      await dataSource.destroy();
    }
    options.log?.(
      `${subgraph}: ${report.applied.length ? `applied ${report.applied.join(', ')}` : report.reverted.length ? `reverted ${report.reverted.join(', ')}` : 'up to date'}`,
    );
    reports.push(report);
  }
  return reports;
}
