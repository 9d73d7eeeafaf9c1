import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, QueryRunner } from 'typeorm';
import { requestScope } from '../request-scope';

/**
 * A request-bound transaction: while `requestTransaction.run` is running, every query the
 * DataSource makes in that async call tree (services, repositories, query builders, loaders,
 * `dataSource.transaction` — which becomes a savepoint) goes to one connection inside one
 * transaction. That is how a mutation's change and its audit outbox row commit together
 * without each service having to thread an EntityManager through its code.
 *
 * `SubgraphDataSource.createQueryRunner` asks `requestTransaction.runnerFor(this)`; nothing
 * else needs to know.
 */
interface OpenTransaction {
  dataSource: DataSource;
  /** What TypeORM is handed: the real runner, whose `release` does nothing until we end it. */
  shared: QueryRunner;
  open: boolean;
  /** Nested runs with hooks (audited mutations inside a keyed request) that completed, each in its savepoint. */
  completedUnits: number;
  savepoints: number;
}

const storage = new AsyncLocalStorage<OpenTransaction>();

/** The runner with `release` neutralised: TypeORM releases the runners it created, this one is ours. */
function unreleasable(runner: QueryRunner): QueryRunner {
  return new Proxy(runner, {
    get(target, property) {
      if (property === 'release') return async () => undefined;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export interface RequestTransactionHooks<T> {
  /** Runs first, inside the transaction (e.g. switching on change capture). */
  begin?: (runner: QueryRunner) => Promise<void>;
  /** Runs after `work` succeeded, before commit, inside the transaction. */
  beforeCommit?: (runner: QueryRunner, result: T) => Promise<void>;
}

/**
 * With a request deadline, the transaction's statements stop when it passes (`SET LOCAL
 * statement_timeout`), so a mutation nobody waits for any more does not hold locks. Sent on
 * the driver's connection directly: it is plumbing, not one of the request's statements.
 */
async function boundByDeadline(runner: QueryRunner): Promise<void> {
  const remaining = requestScope.remainingMs();
  if (remaining === undefined) return;
  const connection = (runner as unknown as { databaseConnection?: { query(sql: string): Promise<unknown> } })
    .databaseConnection;
  if (!connection) return;
  await connection.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.ceil(remaining))}`);
}

/**
 * A run with hooks inside an open transaction (each audited mutation of a request that holds
 * one transaction for all, as a keyed request does) is a unit of its own: its hooks run, and
 * when it throws only its own changes roll back, to its savepoint.
 */
async function inSavepoint<T>(
  outer: OpenTransaction,
  work: () => Promise<T>,
  hooks: RequestTransactionHooks<T>,
): Promise<T> {
  outer.savepoints += 1;
  const name = `request_unit_${outer.savepoints}`;
  const runner = outer.shared;
  await runner.query(`SAVEPOINT ${name}`);
  try {
    await hooks.begin?.(runner);
    const result = await work();
    await hooks.beforeCommit?.(runner, result);
    await runner.query(`RELEASE SAVEPOINT ${name}`);
    outer.completedUnits += 1;
    return result;
  } catch (error) {
    // Past the deadline too (the statement counter refuses statements then): undo this unit now.
    // Should it fail, the outer transaction's rollback undoes everything.
    await requestScope.detached(() => runner.query(`ROLLBACK TO SAVEPOINT ${name}`)).catch(() => undefined);
    throw error;
  }
}

/**
 * Rolls back, outside the request's scope: past the request's deadline the statement counter
 * refuses to send statements, and a ROLLBACK (or COMMIT) not sent would leave the transaction
 * open on a pooled connection, for the next request to commit or trip over. False when it failed.
 */
async function rollBack(runner: QueryRunner): Promise<boolean> {
  try {
    await requestScope.detached(() => runner.rollbackTransaction());
    return true;
  } catch {
    return false;
  }
}

/** Releases the connection with an error, so the pool closes it instead of handing it out again. */
async function releaseBroken(runner: QueryRunner): Promise<void> {
  const release = (runner as unknown as { releasePostgresConnection?: (err: Error) => Promise<void> })
    .releasePostgresConnection;
  if (release) await release.call(runner, new Error('request transaction not rolled back'));
  else await runner.release();
}

export const requestTransaction = {
  /** Runs `work` in one transaction of `dataSource`: commit when it resolves, rollback when it throws. */
  async run<T>(dataSource: DataSource, work: () => Promise<T>, hooks: RequestTransactionHooks<T> = {}): Promise<T> {
    // A nested run (one mutation resolver calling another code path that also opens one) joins the outer.
    const outer = storage.getStore();
    if (outer?.open && outer.dataSource === dataSource) {
      return hooks.begin || hooks.beforeCommit ? inSavepoint(outer, work, hooks) : work();
    }

    const runner = dataSource.createQueryRunner();
    let broken = false;
    const state: OpenTransaction = {
      dataSource,
      shared: unreleasable(runner),
      open: true,
      completedUnits: 0,
      savepoints: 0,
    };
    try {
      await runner.connect();
      await runner.startTransaction();
      await boundByDeadline(runner);
      await hooks.begin?.(runner);
      const result = await storage.run(state, work);
      await hooks.beforeCommit?.(runner, result);
      state.open = false;
      await runner.commitTransaction();
      return result;
    } catch (error) {
      state.open = false;
      if (runner.isTransactionActive) broken = !(await rollBack(runner));
      throw error;
    } finally {
      state.open = false;
      // A connection whose rollback did not happen still holds the transaction: never reuse it.
      if (broken) await releaseBroken(runner);
      else await runner.release();
    }
  },

  /** How many nested runs with hooks completed in the open transaction (see `inSavepoint`). */
  completedUnits(dataSource: DataSource): number {
    const state = storage.getStore();
    return state?.open && state.dataSource === dataSource ? state.completedUnits : 0;
  },

  /** The open request transaction's runner for this DataSource, if the caller is inside one. */
  runnerFor(dataSource: DataSource): QueryRunner | undefined {
    const state = storage.getStore();
    return state?.open && state.dataSource === dataSource ? state.shared : undefined;
  },

  /**
   * Runs `fn` outside any request transaction (background work started from inside a request).
   * Do not await the DataSource's pool from inside a request transaction this way: the request
   * already holds one connection, and as many such requests as the pool has connections would
   * wait for each other forever. A write that must outlive the request's rollback belongs on a
   * pool of its own (identity's failed-login counter) or after the transaction (`runAudited`).
   */
  detached<T>(fn: () => T): T {
    // Out of the request's scope too: its deadline and statement count are not the background's.
    return storage.exit(() => requestScope.detached(fn));
  },
};
