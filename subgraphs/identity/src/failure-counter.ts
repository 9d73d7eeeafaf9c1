import { createSubgraphDataSource, type BackgroundJob } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { AutocommitQuery } from './services/lockout';

/**
 * Failed-login counts are written on connections of their own. The count must outlive the
 * failed login's rollback, so not on the request's connection; and not on another connection
 * of the subgraph's pool either: every mutation holds one of those while it runs, so as many
 * failing logins at once as the pool has connections would each wait for a connection only
 * another could release, and identity would hang (20 parallel failures did, with the default
 * pool of 10). Here a connection is held for one statement and never waits on a request.
 */
const POOL_SIZE = 2;

class FailureCounterPool {
  private opened: Promise<DataSource> | null = null;

  constructor(private readonly main: DataSource) {}

  readonly query: AutocommitQuery = async (sql, params) => (await this.open()).query(sql, params);

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    const dataSource = await opened?.catch(() => null);
    if (dataSource?.isInitialized) await dataSource.destroy();
  }

  /** Opened at the first failed login; a failed attempt is retried at the next. */
  private open(): Promise<DataSource> {
    this.opened ??= (async () => {
      const { options } = this.main;
      if (options.type !== 'postgres' || !options.url) throw new Error('failed-login counter: needs a postgres URL');
      const dataSource = createSubgraphDataSource({
        subgraph: 'identity',
        url: options.url,
        entities: [],
        poolSize: POOL_SIZE,
      });
      return dataSource.initialize();
    })().catch((error: unknown) => {
      this.opened = null;
      throw error;
    });
    return this.opened;
  }
}

const pools = new WeakMap<DataSource, FailureCounterPool>();

function poolFor(main: DataSource): FailureCounterPool {
  let pool = pools.get(main);
  if (!pool) pools.set(main, (pool = new FailureCounterPool(main)));
  return pool;
}

/** Runs a counting statement for the subgraph whose DataSource is `main`, committed on its own. */
export function failureCounterFor(main: DataSource): AutocommitQuery {
  return poolFor(main).query;
}

/** Closes the counter's connections when the subgraph stops (after its server, so no login is running). */
export function failureCounterJob(main: DataSource): BackgroundJob {
  return {
    name: 'login-failure-counter',
    start: () => undefined,
    stop: () => poolFor(main).close(),
  };
}
