import { randomUUID } from 'node:crypto';
import { requestTransaction, runAudited, servicePrincipal, type BackgroundJob, type Logger } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { AuditConfig } from './config';
import { createAuditContext } from './context';
import type { RetentionResult } from './services/retention.service';

/** The advisory lock one scheduled run holds across all replicas (named like the migration runner's). */
export const RETENTION_LOCK = 'socgraph-audit-retention';

export const SCHEDULER_NAME = 'retention-scheduler';

export type RetentionRunOutcome =
  { status: 'ran'; results: RetentionResult[] } | { status: 'skipped' } | { status: 'failed'; error: unknown };

export interface RetentionSchedulerOptions {
  dataSource: DataSource;
  config: AuditConfig;
  logger: Logger;
  /** Delivers the run's audit entry at once instead of at the relay's next poll. */
  nudgeAuditRelay?: () => void;
}

/**
 * Runs retention every RETENTION_INTERVAL_MINUTES in the audit process. Each run is audited
 * like the runRetention mutation (one entry, actor service:retention-scheduler) and holds a
 * Postgres advisory lock, so of several replicas only one runs at a time; the others skip.
 * The next run is timed from the end of the last one; a failed run is logged and retried then.
 */
export class RetentionScheduler implements BackgroundJob {
  readonly name = SCHEDULER_NAME;
  private readonly intervalMs: number;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private planning: Promise<void> | null = null;
  private current: Promise<RetentionRunOutcome> | null = null;

  constructor(private readonly options: RetentionSchedulerOptions) {
    this.intervalMs = Math.max(1, Math.round(options.config.RETENTION_INTERVAL_MINUTES * 60_000));
  }

  start(): void {
    if (this.running) return;
    if (this.options.config.RETENTION_INTERVAL_MINUTES === 0) {
      this.options.logger.info('retention scheduler off (RETENTION_INTERVAL_MINUTES=0)');
      return;
    }
    this.running = true;
    // Never inside a request's transaction, whoever starts it.
    this.planning = requestTransaction.detached(async () => this.schedule(await this.firstDelay()));
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.planning;
    await this.current;
  }

  /**
   * One run now, unless another replica's run holds the lock (then `skipped`). Never throws: a
   * failure is logged and reported. Concurrent calls in this process share one run.
   */
  runOnce(): Promise<RetentionRunOutcome> {
    this.current ??= requestTransaction
      .detached(() => this.lockedRun())
      .finally(() => {
        this.current = null;
      });
    return this.current;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runOnce().then(() => this.schedule(this.intervalMs));
    }, delayMs);
    // Only the server keeps the process alive, not a pending run.
    this.timer.unref();
  }

  /**
   * A restart must not postpone a due run by a whole interval: the first run comes when the
   * least recently enforced active policy is an interval old (at once when one never was).
   */
  private async firstDelay(): Promise<number> {
    try {
      const [row] = (await this.options.dataSource.query(
        `SELECT bool_or(last_cleanup_at IS NULL) AS never, min(last_cleanup_at) AS oldest
         FROM audit.data_retention_policies WHERE is_active`,
      )) as { never: boolean | null; oldest: Date | null }[];
      if (row?.never) return 0;
      if (!row?.oldest) return this.intervalMs;
      return Math.min(this.intervalMs, Math.max(0, row.oldest.getTime() + this.intervalMs - Date.now()));
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        'retention scheduler: could not read the last cleanup; waiting one interval',
      );
      return this.intervalMs;
    }
  }

  /**
   * The lock is a transaction-level one on a connection of its own, held while the run (in its
   * own request transaction) goes on: it ends with that transaction whatever happens to the
   * connection, so a lost unlock can never keep it. A skipped run leaves no audit entry.
   */
  private async lockedRun(): Promise<RetentionRunOutcome> {
    const { dataSource, logger } = this.options;
    const lock = dataSource.createQueryRunner();
    try {
      await lock.connect();
      await lock.startTransaction();
      const [row] = (await lock.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [
        RETENTION_LOCK,
      ])) as { locked: boolean }[];
      if (!row?.locked) {
        logger.info('scheduled retention skipped: another replica is running it');
        return { status: 'skipped' };
      }
      const results = await this.audited();
      this.logRun(results);
      return { status: 'ran', results };
    } catch (error) {
      logger.error({ err: error }, 'scheduled retention failed; retrying at the next interval');
      return { status: 'failed', error };
    } finally {
      if (lock.isTransactionActive) await lock.rollbackTransaction().catch(() => undefined);
      await lock.release();
    }
  }

  /** The run with its one audit entry, as the runRetention mutation would leave it. */
  private audited(): Promise<RetentionResult[]> {
    const { dataSource, config, logger, nudgeAuditRelay } = this.options;
    const principal = servicePrincipal(SCHEDULER_NAME);
    const requestId = randomUUID();
    return runAudited(
      { subgraph: 'audit', dataSource, logger, ...(nudgeAuditRelay ? { onOutboxWrite: nudgeAuditRelay } : {}) },
      {
        action: 'runRetention',
        principal,
        requestId,
        clientIp: null,
        userAgent: null,
        operationName: null,
        returnedType: 'RetentionResult',
        declared: () => ({ type: 'RetentionRun', id: null }),
      },
      () =>
        createAuditContext(
          { dataSource, config },
          { principal, requestId, clientIp: null, userAgent: null },
        ).retention.run(config.RETENTION_DRY_RUN),
    );
  }

  private logRun(results: readonly RetentionResult[]): void {
    const dryRun = this.options.config.RETENTION_DRY_RUN;
    const deleted = results.reduce((n, r) => n + r.deleted, 0);
    const archived = results.reduce((n, r) => n + r.archived, 0);
    const tables = Object.fromEntries(results.map((r) => [r.tableName, { deleted: r.deleted, archived: r.archived }]));
    this.options.logger.info(
      { dryRun, deleted, archived, tables },
      dryRun
        ? `scheduled retention (dry run) would delete ${deleted} and archive ${archived} rows`
        : `scheduled retention deleted ${deleted} and archived ${archived} rows`,
    );
  }
}
