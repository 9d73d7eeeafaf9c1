import {
  DataSource,
  type EntitySchema,
  type Logger as TypeOrmLogger,
  type MixedList,
  type QueryRunner,
  type ReplicationMode,
} from 'typeorm';
import { DeadlineExceededError } from '../errors';
import { requestScope } from '../request-scope';
import { requestTransaction } from './request-transaction';

/**
 * TypeORM logger that counts every statement into the request scope. It logs nothing itself:
 * query errors surface as exceptions and are masked and logged by the server.
 */
class StatementCountingLogger implements TypeOrmLogger {
  // TypeORM calls this just before it sends a statement: past the request's deadline (the
  // gateway's x-deadline-ms) nobody waits for the answer, so the statement is not sent.
  // Request transactions also set statement_timeout to what is left (request-transaction.ts).
  logQuery(): void {
    if (requestScope.remainingMs() === 0) throw new DeadlineExceededError();
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
 * A DataSource that, inside a request transaction (`requestTransaction.run`), hands every
 * caller that transaction's connection instead of a fresh one from the pool.
 */
export class SubgraphDataSource extends DataSource {
  override createQueryRunner(mode: ReplicationMode = 'master'): QueryRunner {
    return requestTransaction.runnerFor(this) ?? super.createQueryRunner(mode);
  }
}

/**
 * One DataSource per subgraph schema, with its own migrations table inside that schema.
 * `synchronize` is never on: the schema comes from reviewed migrations only.
 */
export function createSubgraphDataSource(options: SubgraphDataSourceOptions): SubgraphDataSource {
  const dataSource = new SubgraphDataSource({
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
  track(options.subgraph, dataSource);
  return dataSource;
}

/**
 * The DataSources each subgraph created in this process, so its `/metrics` can report pool
 * usage without every subgraph having to hand its DataSource to the server. Entries are
 * weak: a destroyed and forgotten DataSource disappears by itself.
 */
const tracked = new Map<string, Set<WeakRef<DataSource>>>();

function track(subgraph: string, dataSource: DataSource): void {
  let set = tracked.get(subgraph);
  if (!set) tracked.set(subgraph, (set = new Set()));
  set.add(new WeakRef(dataSource));
}

/** The pg pool behind a TypeORM postgres DataSource (its driver's `master` pool). */
interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

function poolOf(dataSource: DataSource): PgPoolCounts | null {
  const pool = (dataSource.driver as { master?: Partial<PgPoolCounts> }).master;
  return pool && typeof pool.totalCount === 'number' ? (pool as PgPoolCounts) : null;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** Connection counts summed over the subgraph's initialized DataSources in this process. */
export function poolStatsOf(subgraph: string): PoolStats {
  const stats: PoolStats = { total: 0, idle: 0, waiting: 0 };
  const set = tracked.get(subgraph);
  for (const ref of set ?? []) {
    const dataSource = ref.deref();
    if (!dataSource) {
      set?.delete(ref);
      continue;
    }
    const pool = dataSource.isInitialized ? poolOf(dataSource) : null;
    if (!pool) continue;
    stats.total += pool.totalCount;
    stats.idle += pool.idleCount;
    stats.waiting += pool.waitingCount;
  }
  return stats;
}
