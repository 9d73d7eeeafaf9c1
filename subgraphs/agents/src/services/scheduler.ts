import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { BackgroundJob, JobDeps } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { AgentsConfig } from '../config';
import { enqueueDueSnapshots, INDEX_SNAPSHOT_JOB, indexSnapshotHandler } from './index-snapshot-job';
import type { IndexerConfig } from './indexer-client';
import { JobQueue, type ClaimedJob } from './job-queue';
import { rollUpAgentMetrics } from './metrics-rollup';
import { T } from './visibility';

/**
 * Scheduled jobs (seed 004's `scheduled_job_metadata` and `schedulerjob`): each definition
 * enqueues one job of its type into the job queue (`agents.jobs`) when its next run falls due,
 * and the queue's worker runs it with the queue's retries and records.
 *
 * - One replica enqueues: a tick holds a transaction-scoped advisory lock, and the due rows are
 *   locked and advanced in the same transaction as the jobs they enqueue, so a due schedule
 *   becomes exactly one job however many schedulers race.
 * - After downtime a schedule catches up once: its next run moves to the first slot after now,
 *   never one job per missed interval. While its last job is still queued or running, a due
 *   schedule enqueues nothing more (it only moves on), so a stopped worker does not pile jobs up.
 */
export const SCHEDULER_LOCK = 4_004_002;

/** Job types the worker runs; a scheduled job's id is the type of job it enqueues. */
export const METRICS_ROLLUP_JOB = 'agent-metrics-rollup';

export interface ScheduleDefinition {
  jobId: string;
  description: string;
  intervalSeconds: number;
  enabled: boolean;
}

/** What the subgraph schedules; created on first start, then the rows are the admins' to change. */
export function scheduleDefinitions(config: Pick<AgentsConfig, 'AGENT_METRICS_INTERVAL_MS'>): ScheduleDefinition[] {
  const ms = config.AGENT_METRICS_INTERVAL_MS;
  return [
    {
      jobId: METRICS_ROLLUP_JOB,
      description: 'Hourly and daily agent metric rollups from the finished executions',
      intervalSeconds: ms > 0 ? Math.max(1, Math.round(ms / 1000)) : 60,
      enabled: ms > 0,
    },
  ];
}

export type JobHandler = (job: ClaimedJob) => Promise<unknown>;

/** The handlers the agents worker runs, by job type; index snapshots call the indexer `config` names. */
export function jobHandlers(dataSource: DataSource, config: Partial<IndexerConfig> = {}): Record<string, JobHandler> {
  return {
    [METRICS_ROLLUP_JOB]: async () => ({ rolledUp: await rollUpAgentMetrics(dataSource) }),
    [INDEX_SNAPSHOT_JOB]: indexSnapshotHandler(dataSource, config),
  };
}

export class Scheduler {
  private readonly queue: JobQueue;

  constructor(private readonly dataSource: DataSource) {
    this.queue = new JobQueue(dataSource);
  }

  /** Creates the definitions that are missing (due at once); existing rows keep what admins set. */
  async ensure(definitions: readonly ScheduleDefinition[]): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      for (const d of definitions) {
        await tx.query(
          `INSERT INTO ${T.schedule} (job_id, job_description, time_interval, enabled) VALUES ($1, $2, $3, $4)
           ON CONFLICT (job_id) DO NOTHING`,
          [d.jobId, d.description, d.intervalSeconds, d.enabled],
        );
        await tx.query(
          `INSERT INTO ${T.scheduleRun} (id, next_run_time) VALUES ($1, now()) ON CONFLICT (id) DO NOTHING`,
          [d.jobId],
        );
      }
    });
  }

  /** Enqueues every due, enabled schedule (and index snapshot schedule) once; returns the ids of the jobs enqueued (none when another replica ticks). */
  async tick(): Promise<string[]> {
    return this.dataSource.transaction(async (tx) => {
      const [lock] = (await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [SCHEDULER_LOCK])) as {
        locked: boolean;
      }[];
      if (!lock?.locked) return [];
      const due = (await tx.query(
        `SELECT m.job_id, m.time_interval, j.status AS last_status
           FROM ${T.schedule} m
           JOIN ${T.scheduleRun} s ON s.id = m.job_id
           LEFT JOIN agents.jobs j ON j.id = m.last_job_id
          WHERE m.enabled AND s.next_run_time <= now()
          ORDER BY s.next_run_time, m.job_id
          FOR UPDATE OF m, s`,
      )) as { job_id: string; time_interval: number; last_status: string | null }[];
      const enqueued: string[] = [];
      for (const schedule of due) {
        const busy = schedule.last_status === 'queued' || schedule.last_status === 'running';
        if (!busy) {
          const jobId = await this.queue.enqueue(
            schedule.job_id,
            {
              queueName: 'scheduled',
              maxAttempts: 3,
              payload: { scheduledJob: schedule.job_id },
              triggeredBy: 'scheduler',
            },
            tx,
          );
          await tx.query(`UPDATE ${T.schedule} SET last_enqueued_at = now(), last_job_id = $2 WHERE job_id = $1`, [
            schedule.job_id,
            jobId,
          ]);
          enqueued.push(jobId);
        }
        // The next slot after now on the schedule's grid: one run however long it was down.
        await tx.query(
          `UPDATE ${T.scheduleRun}
              SET next_run_time = next_run_time
                + make_interval(secs => $2::int * (floor(extract(epoch FROM now() - next_run_time) / $2::int) + 1))
           WHERE id = $1`,
          [schedule.job_id, schedule.time_interval],
        );
      }
      // Index snapshot schedules (their own table) fall due the same way, in the same transaction.
      enqueued.push(...(await enqueueDueSnapshots(tx, this.queue)));
      return enqueued;
    });
  }
}

/** Runs queued jobs of the handled types until none is due. */
export class JobWorker {
  private readonly queue: JobQueue;

  constructor(
    private readonly dataSource: DataSource,
    private readonly handlers: Record<string, JobHandler>,
    readonly workerId = `agents-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
  ) {
    this.queue = new JobQueue(dataSource);
  }

  /** Runs due jobs, at most `max`; returns how many ran. */
  async drain(max = 20): Promise<number> {
    const handlers = Object.fromEntries(
      Object.entries(this.handlers).map(([type, handler]) => [
        type,
        async (job: ClaimedJob) => {
          const result = await handler(job);
          // A scheduled job's success is its definition's last success (seed 004's last_success).
          if (typeof job.payload.scheduledJob === 'string')
            await this.dataSource.query(`UPDATE ${T.schedule} SET last_success = now() WHERE job_id = $1`, [
              job.payload.scheduledJob,
            ]);
          return result;
        },
      ]),
    );
    let ran = 0;
    while (ran < max && (await this.queue.runOnce(this.workerId, handlers)) !== null) ran++;
    return ran;
  }
}

/**
 * The scheduler and the worker as the subgraph's background work, every
 * AGENT_SCHEDULER_TICK_MS (0: neither runs; tests drive `Scheduler.tick` and `JobWorker.drain`).
 */
export function schedulerJob(deps: JobDeps<AgentsConfig>): BackgroundJob {
  const scheduler = new Scheduler(deps.dataSource);
  const worker = new JobWorker(deps.dataSource, jobHandlers(deps.dataSource, deps.config));
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let ready: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = (async () => {
      await ready;
      await scheduler.tick();
      await worker.drain();
    })()
      .catch((error: unknown) => deps.logger.error({ err: error }, 'agents scheduler tick failed'))
      .finally(() => {
        running = null;
      });
  };
  return {
    name: 'agents-scheduler',
    start() {
      const every = deps.config.AGENT_SCHEDULER_TICK_MS;
      if (every === 0) return;
      ready = scheduler
        .ensure(scheduleDefinitions(deps.config))
        .catch((error: unknown) => deps.logger.error({ err: error }, 'agents schedules could not be created'));
      timer = setInterval(tick, every);
      timer.unref();
      tick();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await ready;
      await running;
    },
  };
}
