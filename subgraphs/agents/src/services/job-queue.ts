import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The jobs state machine of seed 003: queued → running → completed | failed | cancelled, a
 * failed attempt going back to queued with `next_retry_at` (exponential backoff) while attempts
 * remain. Every change of status writes one job_transitions row in the same transaction, every
 * attempt one job_attempts row. Workers claim with FOR UPDATE SKIP LOCKED, so two workers never
 * take the same job.
 */
export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** A failure no retry can fix (a missing setting, a refused request): the job ends `failed` at once. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

export interface EnqueueOptions {
  queueName?: string | null;
  priority?: number;
  maxAttempts?: number;
  payload?: Record<string, unknown>;
  triggeredBy?: string;
}

export interface ClaimedJob {
  id: string;
  jobType: string;
  payload: Record<string, unknown>;
  attemptNumber: number;
  maxAttempts: number;
}

export interface JobQueueOptions {
  /** Backoff before attempt n+1: baseMs · 2^(n-1), at most maxMs. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

type Handler = (
  job: ClaimedJob,
  log: (level: 'debug' | 'info' | 'warning' | 'error', message: string) => Promise<void>,
) => Promise<unknown>;

const TRANSITION = `INSERT INTO agents.job_transitions (job_id, from_status, to_status, triggered_by, metadata) VALUES ($1, $2, $3, $4, $5)`;

export class JobQueue {
  private readonly base: number;
  private readonly max: number;

  constructor(
    private readonly dataSource: DataSource,
    options: JobQueueOptions = {},
  ) {
    this.base = options.backoffBaseMs ?? 1000;
    this.max = options.backoffMaxMs ?? 10 * 60_000;
  }

  /** Adds a queued job; with `within`, inside that transaction (the scheduler's), else in one of its own. */
  async enqueue(jobType: string, options: EnqueueOptions = {}, within?: EntityManager): Promise<string> {
    const id = randomUUID();
    const write = async (tx: EntityManager) => {
      await tx.query(
        `INSERT INTO agents.jobs (id, job_type, queue_name, priority, max_attempts, payload) VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          id,
          jobType,
          options.queueName ?? null,
          options.priority ?? 2,
          options.maxAttempts ?? 3,
          JSON.stringify(options.payload ?? {}),
        ],
      );
      await tx.query(TRANSITION, [id, null, 'queued', options.triggeredBy ?? 'system', null]);
    };
    if (within) await write(within);
    else await this.dataSource.transaction(write);
    return id;
  }

  /** Takes the most urgent due job of `queueName` (any queue when null), or null when none is due. */
  async claim(
    workerId: string,
    queueName: string | null = null,
    jobTypes?: readonly string[],
  ): Promise<ClaimedJob | null> {
    return this.dataSource.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT id, job_type, payload, attempt_number, max_attempts FROM agents.jobs
          WHERE status = 'queued' AND (next_retry_at IS NULL OR next_retry_at <= now())
            AND ($1::text IS NULL OR queue_name = $1) AND ($2::text[] IS NULL OR job_type = ANY($2))
          ORDER BY priority DESC, created_at, id
          LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [queueName, jobTypes ? [...jobTypes] : null],
      )) as {
        id: string;
        job_type: string;
        payload: Record<string, unknown>;
        attempt_number: number;
        max_attempts: number;
      }[];
      const row = rows[0];
      if (!row) return null;
      await tx.query(
        `UPDATE agents.jobs SET status = 'running', started_at = now(), locked_by = $2, next_retry_at = NULL WHERE id = $1`,
        [row.id, workerId],
      );
      await tx.query(`INSERT INTO agents.job_attempts (job_id, attempt_number, worker_id) VALUES ($1, $2, $3)`, [
        row.id,
        row.attempt_number,
        workerId,
      ]);
      await tx.query(TRANSITION, [
        row.id,
        'queued',
        'running',
        workerId,
        JSON.stringify({ attempt: row.attempt_number }),
      ]);
      return {
        id: row.id,
        jobType: row.job_type,
        payload: row.payload,
        attemptNumber: row.attempt_number,
        maxAttempts: row.max_attempts,
      };
    });
  }

  async complete(job: ClaimedJob, workerId: string, result: unknown): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const json = JSON.stringify(result ?? null);
      await tx.query(
        `UPDATE agents.jobs SET status = 'completed', completed_at = now(), progress_percent = 100, result = $2, locked_by = NULL
          WHERE id = $1 AND status = 'running'`,
        [job.id, json],
      );
      await tx.query(
        `UPDATE agents.job_attempts SET status = 'succeeded', ended_at = now(), result = $3 WHERE job_id = $1 AND attempt_number = $2`,
        [job.id, job.attemptNumber, json],
      );
      await tx.query(TRANSITION, [
        job.id,
        'running',
        'completed',
        workerId,
        JSON.stringify({ attempt: job.attemptNumber }),
      ]);
    });
  }

  /** A failed attempt: back to queued after the backoff while attempts remain (and may help), else failed. */
  async fail(job: ClaimedJob, workerId: string, error: unknown): Promise<JobStatus> {
    const message = error instanceof Error ? error.message : String(error);
    const traceback = error instanceof Error ? (error.stack ?? null) : null;
    const retry = job.attemptNumber < job.maxAttempts && !(error instanceof PermanentJobError);
    const delayMs = Math.min(this.max, this.base * 2 ** (job.attemptNumber - 1));
    await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `UPDATE agents.job_attempts SET status = 'failed', ended_at = now(), error = $3 WHERE job_id = $1 AND attempt_number = $2`,
        [job.id, job.attemptNumber, message],
      );
      if (retry) {
        await tx.query(
          `UPDATE agents.jobs SET status = 'queued', attempt_number = attempt_number + 1, locked_by = NULL,
             next_retry_at = now() + make_interval(secs => $2::double precision / 1000), error_message = $3, error_traceback = $4
           WHERE id = $1 AND status = 'running'`,
          [job.id, delayMs, message, traceback],
        );
      } else {
        await tx.query(
          `UPDATE agents.jobs SET status = 'failed', completed_at = now(), locked_by = NULL, error_message = $2, error_traceback = $3
            WHERE id = $1 AND status = 'running'`,
          [job.id, message, traceback],
        );
      }
      await tx.query(TRANSITION, [
        job.id,
        'running',
        retry ? 'queued' : 'failed',
        workerId,
        JSON.stringify(
          retry
            ? { attempt: job.attemptNumber, retryInMs: delayMs, error: message }
            : { attempt: job.attemptNumber, error: message },
        ),
      ]);
    });
    return retry ? 'queued' : 'failed';
  }

  /** Cancels a queued job; a running one is left to finish. Returns whether it was cancelled. */
  async cancel(jobId: string, by: string): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const rows = (await tx.query(
        `UPDATE agents.jobs SET status = 'cancelled', completed_at = now() WHERE id = $1 AND status = 'queued' RETURNING id`,
        [jobId],
      )) as [unknown[], number] | unknown[];
      const changed = Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
      if (changed === 0) return false;
      await tx.query(TRANSITION, [jobId, 'queued', 'cancelled', by, null]);
      return true;
    });
  }

  async log(job: ClaimedJob, level: 'debug' | 'info' | 'warning' | 'error', message: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO agents.job_logs (job_id, attempt_number, level, message) VALUES ($1, $2, $3, $4)`,
      [job.id, job.attemptNumber, level, message],
    );
  }

  /** Claims one job and runs its handler; returns the job's id, or null when nothing was due. */
  async runOnce(
    workerId: string,
    handlers: Record<string, Handler>,
    queueName: string | null = null,
  ): Promise<string | null> {
    const job = await this.claim(workerId, queueName, Object.keys(handlers));
    if (!job) return null;
    const handler = handlers[job.jobType]!;
    try {
      const result = await handler(job, (level, message) => this.log(job, level, message));
      await this.complete(job, workerId, result);
    } catch (error) {
      await this.log(job, 'error', error instanceof Error ? error.message : String(error));
      await this.fail(job, workerId, error);
    }
    return job.id;
  }
}
