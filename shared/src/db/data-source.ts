import { DataSource, type EntitySchema, type Logger as TypeOrmLogger, type MixedList } from 'typeorm';
import { requestScope } from '../request-scope';

/**
 * TypeORM logger that counts every statement into the request scope. It logs nothing itself:
 * query errors surface as exceptions and are masked and logged by the server.
 */
class StatementCountingLogger implements TypeOrmLogger {
  logQuery(): void {
    requestScope.countStatement();
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** `<NAME>_DATABASE_URL`, falling back to `DATABASE_URL`. */
export function databaseUrlFor(subgraph: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[`${subgraph.toUpperCase()}_DATABASE_URL`] || env.DATABASE_URL || undefined;
}

export interface SubgraphDataSourceOptions {
  /** Subgraph name, also its Postgres schema. */
  subgraph: string;
  url: string;
  entities: MixedList<EntitySchema | string>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for migration classes
  migrations?: MixedList<Function | string>;
  poolSize?: number;
}

/**
 * One DataSource per subgraph schema, with its own migrations table inside that schema.
 * `synchronize` is never on: the schema comes from reviewed migrations only.
 */
export function createSubgraphDataSource(options: SubgraphDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.subgraph,
    entities: options.entities,
    migrations: options.migrations ?? [],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logger: new StatementCountingLogger(),
    extra: {
      max: options.poolSize ?? 10,
      application_name: `socgraph-${options.subgraph}`,
      idleTimeoutMillis: 30_000,
    },
  });
}
