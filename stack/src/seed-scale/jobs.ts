import { INDEX_SNAPSHOT_JOB, METRICS_ROLLUP_JOB, scheduleDefinitions, snapshotNameFor } from '@socgraph/agents';
import type { SeedDb } from './db';
import { DAY_MS, pad, type SeedWorld, WINDOW_MS } from './plan';
import type { Rand } from './prng';

/**
 * agents' job queue and scheduled jobs, as the scheduler and worker leave them
 * (subgraphs/agents/src/services/scheduler.ts, job-queue.ts): finished `agent-metrics-rollup`
 * and `index-snapshot` jobs, each with its attempts (retries after the queue's backoff), every
 * transition and the error log lines; the metrics rollup's schedule (enabled, due at the
 * anchor, so a serving stack rolls up at once: the same rows, see agents.ts) and index
 * snapshot schedules (disabled: a seeded stack has no indexer to call). No job is left queued
 * or running, so no worker picks a seeded job up. The bigserial ids come from their sequences
 * (in row order): a serving scheduler writes these tables too.
 */
const A = 'agents';
const WORKERS = ['agents-seed-host-1-1001-0a1b2c3d', 'agents-seed-host-2-1002-4e5f6a7b'];
const ROLLUP_ERRORS = ['canceling statement due to statement timeout', 'Connection terminated unexpectedly'];
const SNAPSHOT_ERRORS = ['indexer answered 503 Service Unavailable', 'indexer did not answer within 30000 ms'];
const MAX_ATTEMPTS = 3;
/** The job queue's default backoff: 1 s · 2^(attempt-1). */
const BACKOFF_MS = 1000;

const iso = (ms: number): string => new Date(ms).toISOString();

interface Attempt {
  start: number;
  end: number;
  worker: string;
  error: string | null;
}

interface Job {
  id: string;
  type: string;
  created: number;
  status: 'completed' | 'failed' | 'cancelled';
  attempts: Attempt[];
  /** Cancellation time, or the last attempt's end. */
  finished: number;
  schedule: number | null;
  payload: Record<string, unknown>;
  result: Record<string, unknown> | null;
}

interface Schedule {
  id: number;
  name: string;
  repository: string;
}

export async function seedJobs(db: SeedDb, world: SeedWorld, rand: Rand): Promise<void> {
  const { plan, anchor } = world;
  const start = anchor - WINDOW_MS;
  const schedules: Schedule[] = Array.from({ length: plan.snapshotSchedules }, (_, i) => ({
    id: i + 1,
    name: `seed-snapshots-${pad(i + 1)}`,
    repository: `seed-repo-${(i % 3) + 1}`,
  }));

  // ----- jobs, generated in time order -----
  const step = (WINDOW_MS - DAY_MS) / plan.jobs;
  const jobs: Job[] = [];
  for (let i = 0; i < plan.jobs; i++) {
    const created = Math.floor(start + (i + rand.float()) * step);
    const snapshot = rand.chance(0.2) ? rand.pick(schedules) : null;
    const type = snapshot ? INDEX_SNAPSHOT_JOB : METRICS_ROLLUP_JOB;
    const roll = rand.float();
    const status = roll < 0.85 ? 'completed' : roll < 0.95 ? 'failed' : 'cancelled';
    const count = status === 'cancelled' ? 0 : status === 'failed' ? MAX_ATTEMPTS : rand.chance(0.1) ? 2 : 1;
    const attempts: Attempt[] = [];
    let at = created + rand.int(5, 2000);
    for (let k = 1; k <= count; k++) {
      const end = at + rand.int(20, snapshot ? 8000 : 3000);
      const succeeded = status === 'completed' && k === count;
      attempts.push({
        start: at,
        end,
        worker: rand.pick(WORKERS),
        error: succeeded ? null : rand.pick(snapshot ? SNAPSHOT_ERRORS : ROLLUP_ERRORS),
      });
      at = end + BACKOFF_MS * 2 ** (k - 1) + rand.int(0, 500);
    }
    const finished = attempts.at(-1)?.end ?? created + rand.int(1000, 60_000);
    const payload: Record<string, unknown> = snapshot
      ? { snapshotScheduleId: snapshot.id, dueAt: iso(created) }
      : { scheduledJob: METRICS_ROLLUP_JOB };
    const result =
      status !== 'completed'
        ? null
        : snapshot
          ? {
              repository: snapshot.repository,
              snapshot: snapshotNameFor(snapshot.id, new Date(created)),
              created: true,
              deleted: [],
            }
          : { rolledUp: true };
    jobs.push({
      id: rand.uuid(),
      type,
      created,
      status,
      attempts,
      finished,
      schedule: snapshot?.id ?? null,
      payload,
      result,
    });
  }

  await db.insert(
    `${A}.jobs`,
    [
      ['id', 'text'],
      ['job_type', 'text'],
      ['status', 'text'],
      ['queue_name', 'text'],
      ['priority', 'int'],
      ['payload', 'jsonb'],
      ['created_at', 'timestamptz'],
      ['started_at', 'timestamptz'],
      ['completed_at', 'timestamptz'],
      ['progress_percent', 'int'],
      ['result', 'jsonb'],
      ['error_message', 'text'],
      ['attempt_number', 'int'],
      ['max_attempts', 'int'],
    ],
    jobs.length,
    (i) => {
      const j = jobs[i]!;
      const last = j.attempts.at(-1);
      // A retry leaves the failed attempt's error on the job, also when a later attempt succeeds.
      const error = [...j.attempts].reverse().find((a) => a.error !== null)?.error ?? null;
      return [
        j.id,
        j.type,
        j.status,
        'scheduled',
        2,
        JSON.stringify(j.payload),
        iso(j.created),
        last ? iso(last.start) : null,
        iso(j.finished),
        j.status === 'completed' ? 100 : 0,
        j.result === null ? null : JSON.stringify(j.result),
        error,
        Math.max(1, j.attempts.length),
        MAX_ATTEMPTS,
      ];
    },
  );

  const attempts = jobs.flatMap((j) => j.attempts.map((a, k) => ({ job: j, a, n: k + 1 })));
  await db.insert(
    `${A}.job_attempts`,
    [
      ['job_id', 'text'],
      ['attempt_number', 'int'],
      ['started_at', 'timestamptz'],
      ['ended_at', 'timestamptz'],
      ['status', 'text'],
      ['worker_id', 'text'],
      ['error', 'text'],
      ['result', 'jsonb'],
    ],
    attempts.length,
    (i) => {
      const { job, a, n } = attempts[i]!;
      return [
        job.id,
        n,
        iso(a.start),
        iso(a.end),
        a.error === null ? 'succeeded' : 'failed',
        a.worker,
        a.error,
        a.error === null ? JSON.stringify(job.result) : null,
      ];
    },
  );

  // Every change of status, as the queue writes them.
  type Transition = [job: string, from: string | null, to: string, at: number, by: string, metadata: string | null];
  const transitions: Transition[] = [];
  for (const j of jobs) {
    transitions.push([j.id, null, 'queued', j.created, 'scheduler', null]);
    if (j.status === 'cancelled') transitions.push([j.id, 'queued', 'cancelled', j.finished, 'seed_admin', null]);
    j.attempts.forEach((a, k) => {
      const attempt = k + 1;
      transitions.push([j.id, 'queued', 'running', a.start, a.worker, JSON.stringify({ attempt })]);
      if (a.error === null) {
        transitions.push([j.id, 'running', 'completed', a.end, a.worker, JSON.stringify({ attempt })]);
      } else if (attempt < MAX_ATTEMPTS) {
        const metadata = JSON.stringify({ attempt, retryInMs: BACKOFF_MS * 2 ** (attempt - 1), error: a.error });
        transitions.push([j.id, 'running', 'queued', a.end, a.worker, metadata]);
      } else {
        transitions.push([j.id, 'running', 'failed', a.end, a.worker, JSON.stringify({ attempt, error: a.error })]);
      }
    });
  }
  await db.insert(
    `${A}.job_transitions`,
    [
      ['job_id', 'text'],
      ['from_status', 'text'],
      ['to_status', 'text'],
      ['transitioned_at', 'timestamptz'],
      ['triggered_by', 'text'],
      ['metadata', 'jsonb'],
    ],
    transitions.length,
    (i) => {
      const [job, from, to, at, by, metadata] = transitions[i]!;
      return [job, from, to, iso(at), by, metadata];
    },
  );

  // The worker logs each failed attempt's error.
  const logs = attempts.filter(({ a }) => a.error !== null);
  await db.insert(
    `${A}.job_logs`,
    [
      ['job_id', 'text'],
      ['attempt_number', 'int'],
      ['timestamp', 'timestamptz'],
      ['level', 'text'],
      ['message', 'text'],
    ],
    logs.length,
    (i) => {
      const { job, a, n } = logs[i]!;
      return [job.id, n, iso(a.end), 'error', a.error];
    },
  );

  // ----- schedules -----
  const [rollup] = scheduleDefinitions({ AGENT_METRICS_INTERVAL_MS: 60_000 });
  const rollups = jobs.filter((j) => j.type === METRICS_ROLLUP_JOB);
  const lastRollup = rollups.at(-1);
  const lastSuccess = rollups.filter((j) => j.status === 'completed').at(-1);
  // A serving agents subgraph creates this schedule at start (Scheduler.ensure): its row is kept.
  await db.timed(
    `${A}.scheduled_job_metadata`,
    `INSERT INTO ${A}.scheduled_job_metadata (job_id, job_description, time_interval, enabled, last_success,
       last_enqueued_at, last_job_id, created_at, updated_at)
     VALUES ($1, $2, $3, true, $4, $5, $6, $7, $7) ON CONFLICT (job_id) DO NOTHING`,
    [
      rollup!.jobId,
      rollup!.description,
      rollup!.intervalSeconds,
      lastSuccess ? iso(lastSuccess.finished) : null,
      lastRollup ? iso(lastRollup.created) : null,
      lastRollup?.id ?? null,
      iso(start),
    ],
  );
  await db.timed(
    `${A}.schedulerjob`,
    `INSERT INTO ${A}.schedulerjob (id, next_run_time) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
    [rollup!.jobId, iso(anchor)],
  );

  await db.insert(
    `${A}.index_snapshot_schedules`,
    [
      ['id', 'int'],
      ['name', 'text'],
      ['index_pattern', 'text'],
      ['repository', 'text'],
      ['time_interval_minutes', 'int'],
      ['retention_days', 'int'],
      ['enabled', 'bool'],
      ['next_run_time', 'timestamptz'],
      ['last_execution_time', 'timestamptz'],
      ['last_status', 'text'],
      ['last_snapshot_name', 'text'],
      ['last_error', 'text'],
      ['last_deleted_count', 'int'],
      ['last_job_id', 'text'],
      ['created_at', 'timestamptz'],
      ['created_by', 'text'],
      ['updated_at', 'timestamptz'],
    ],
    schedules.length,
    (i) => {
      const s = schedules[i]!;
      const customer = world.customerCodes[i % world.customerCodes.length]!.toLowerCase();
      const mine = jobs.filter((j) => j.schedule === s.id);
      const last = mine.at(-1);
      const ran = mine.filter((j) => j.attempts.length > 0).at(-1);
      const outcome = ran?.attempts.at(-1);
      return [
        s.id,
        s.name,
        `wazuh-alerts-4.x-${customer}-*`,
        s.repository,
        rand.pick([60, 360, 1440]),
        rand.pick([7, 30, 90]),
        false,
        iso(anchor),
        outcome ? iso(outcome.end) : null,
        outcome ? (outcome.error === null ? 'succeeded' : 'failed') : null,
        ran ? snapshotNameFor(s.id, new Date(ran.created)) : null,
        outcome?.error ?? null,
        outcome && outcome.error === null ? 0 : null,
        last?.id ?? null,
        iso(start),
        world.users.find((u) => u.role === 'admin')!.username,
        iso(start),
      ];
    },
  );
  await db.syncSequence(`${A}.index_snapshot_schedules`);
}
