import { randomUUID } from 'node:crypto';
import { createSubgraphDataSource } from '@socgraph/shared';
import type { TestSubgraph } from '@socgraph/testkit';
import { agentsEntities } from '../src';
import {
  JobWorker,
  jobHandlers,
  METRICS_ROLLUP_JOB,
  Scheduler,
  SCHEDULER_LOCK,
  scheduleDefinitions,
} from '../src/services/scheduler';
import { InMemoryCredits } from './credits-double';
import { ADMIN, ANALYST_C1, errorCodes, errorFields, ok, registerAgent, rows, SERVICE, startAgents } from './support';

/**
 * Scheduled jobs enqueue into the job queue when due: once however many schedulers race, once
 * after downtime, never while disabled; the metric rollup runs as such a job through the worker.
 * The background loop is off here (AGENT_SCHEDULER_TICK_MS=0): the test drives ticks and the worker.
 */
let agents: TestSubgraph;
let scheduler: Scheduler;

const ENV = { AGENT_METRICS_INTERVAL_MS: '0', AGENT_SCHEDULER_TICK_MS: '0' };

async function addSchedule(jobId: string, intervalSeconds: number, enabled = true): Promise<void> {
  await scheduler.ensure([{ jobId, description: `test ${jobId}`, intervalSeconds, enabled }]);
}

/** Moves a schedule's next run `secondsAgo` into the past. */
async function dueSince(jobId: string, secondsAgo: number): Promise<void> {
  await agents.dataSource.query(
    `UPDATE agents.schedulerjob SET next_run_time = now() - make_interval(secs => $2) WHERE id = $1`,
    [jobId, secondsAgo],
  );
}

const jobsOf = (jobType: string) =>
  rows<{ id: string; status: string; payload: Record<string, unknown> }>(
    agents,
    `SELECT id, status, payload FROM agents.jobs WHERE job_type = $1 ORDER BY created_at`,
    [jobType],
  );

const nextRunOf = async (jobId: string): Promise<Date> =>
  (
    await rows<{ next_run_time: Date }>(agents, `SELECT next_run_time FROM agents.schedulerjob WHERE id = $1`, [jobId])
  )[0]!.next_run_time;

beforeAll(async () => {
  agents = await startAgents(new InMemoryCredits(), ENV);
  scheduler = new Scheduler(agents.dataSource);
  await scheduler.ensure(scheduleDefinitions({ AGENT_METRICS_INTERVAL_MS: 0 }));
});
afterAll(async () => agents.stop());

describe('the scheduler', () => {
  it('enqueues a due schedule exactly once across schedulers racing', async () => {
    await addSchedule('race-job', 3600);
    await dueSince('race-job', 1);
    // A second replica: its own connection pool on the same database.
    const replica = createSubgraphDataSource({
      subgraph: 'agents',
      url: (agents.dataSource.options as { url: string }).url,
      entities: agentsEntities,
    });
    await replica.initialize();
    let results: string[][];
    try {
      const other = new Scheduler(replica);
      results = await Promise.all([
        scheduler.tick(),
        other.tick(),
        scheduler.tick(),
        other.tick(),
        other.tick(),
        scheduler.tick(),
      ]);
    } finally {
      await replica.destroy();
    }
    const jobs = await jobsOf('race-job');
    expect(jobs).toHaveLength(1);
    expect(results.flat()).toEqual([jobs[0]!.id]);
    expect(jobs[0]).toMatchObject({ status: 'queued', payload: { scheduledJob: 'race-job' } });
    const [transition] = await rows<{ to_status: string; triggered_by: string }>(
      agents,
      `SELECT to_status, triggered_by FROM agents.job_transitions WHERE job_id = $1`,
      [jobs[0]!.id],
    );
    expect(transition).toEqual({ to_status: 'queued', triggered_by: 'scheduler' });
    expect((await nextRunOf('race-job')).getTime()).toBeGreaterThan(Date.now() + 3500_000);
  });

  it('leaves the enqueueing to the replica holding the lock', async () => {
    await addSchedule('locked-job', 3600);
    await dueSince('locked-job', 1);
    const holder = agents.dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query(`SELECT pg_advisory_xact_lock($1)`, [SCHEDULER_LOCK]);
      expect(await scheduler.tick()).toEqual([]);
      await holder.rollbackTransaction();
    } finally {
      await holder.release();
    }
    await scheduler.tick();
    expect(await jobsOf('locked-job')).toHaveLength(1);
  });

  it('catches up once after downtime, not once per missed interval, and stays on its grid', async () => {
    await addSchedule('catch-up', 60);
    // Down for ten and a half intervals.
    await dueSince('catch-up', 630);
    const before = await nextRunOf('catch-up');
    await scheduler.tick();
    expect(await jobsOf('catch-up')).toHaveLength(1);
    await scheduler.tick();
    expect(await jobsOf('catch-up')).toHaveLength(1);
    const next = await nextRunOf('catch-up');
    // The first slot of its 60 s grid after now: 11 intervals after the missed run.
    expect(next.getTime() - before.getTime()).toBe(11 * 60_000);
    expect(next.getTime()).toBeGreaterThan(Date.now());
  });

  it('does not enqueue while disabled, nor while its last job is still waiting', async () => {
    await addSchedule('disabled-job', 1, false);
    await dueSince('disabled-job', 100);
    await scheduler.tick();
    expect(await jobsOf('disabled-job')).toHaveLength(0);

    await addSchedule('busy-job', 1);
    await dueSince('busy-job', 5);
    await scheduler.tick();
    expect(await jobsOf('busy-job')).toHaveLength(1);
    await dueSince('busy-job', 5);
    // Its job was not run yet (no worker handles busy-job): nothing piles up.
    await scheduler.tick();
    expect(await jobsOf('busy-job')).toHaveLength(1);
    expect((await nextRunOf('busy-job')).getTime()).toBeGreaterThan(Date.now() - 1000);
  });

  it('runs the metric rollup as a scheduled job through the worker', async () => {
    const agentId = await registerAgent(agents, { runUrl: 'http://127.0.0.1:9/x' });
    const startedAt = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000 + 60_000);
    for (const [i, status] of ['success', 'success', 'failed'].entries())
      await agents.dataSource.query(
        `INSERT INTO agents.agent_execution (id, execution_id, agent_id, user_id, idempotency_key, request_hash, status,
           duration_ms, credits_consumed, price_cents, error_code, started_at, completed_at)
         VALUES ($1, $2, $3, $4, $5, 'h', $6, $7, 0, 0, $8, $9, $9)`,
        [
          randomUUID(),
          randomUUID(),
          agentId,
          `u-${i}`,
          randomUUID(),
          status,
          100 * (i + 1),
          status === 'failed' ? 'AGENT_HTTP_ERROR' : null,
          startedAt,
        ],
      );
    expect(await rows(agents, `SELECT 1 FROM agents.agent_metrics WHERE agent_id = $1`, [agentId])).toHaveLength(0);

    await ok(
      agents,
      `mutation { updateScheduledJob(jobId: "${METRICS_ROLLUP_JOB}", input: { enabled: true }) { enabled } }`,
    );
    await dueSince(METRICS_ROLLUP_JOB, 1);
    const [jobId] = await scheduler.tick();
    expect(jobId).toBeDefined();
    const worker = new JobWorker(agents.dataSource, jobHandlers(agents.dataSource), 'test-worker');
    expect(await worker.drain()).toBe(1);

    const hourly = await rows<{ total_executions: number; failed_executions: number; unique_users: number }>(
      agents,
      `SELECT total_executions, failed_executions, unique_users FROM agents.agent_metrics WHERE agent_id = $1 AND period = 'hourly'`,
      [agentId],
    );
    expect(hourly).toEqual([{ total_executions: 3, failed_executions: 1, unique_users: 3 }]);
    const data = await ok<{
      scheduledJob: {
        enabled: boolean;
        lastSuccessAt: string | null;
        lastJob: {
          id: string;
          status: string;
          result: unknown;
          transitions: { toStatus: string; triggeredBy: string }[];
        };
      };
    }>(
      agents,
      `{ scheduledJob(jobId: "${METRICS_ROLLUP_JOB}") { enabled lastSuccessAt
          lastJob { id status result transitions { toStatus triggeredBy } } } }`,
    );
    expect(data.scheduledJob.lastSuccessAt).not.toBeNull();
    expect(data.scheduledJob.lastJob).toEqual({
      id: jobId,
      status: 'COMPLETED',
      result: { rolledUp: true },
      transitions: [
        { toStatus: 'QUEUED', triggeredBy: 'scheduler' },
        { toStatus: 'RUNNING', triggeredBy: 'test-worker' },
        { toStatus: 'COMPLETED', triggeredBy: 'test-worker' },
      ],
    });
    await ok(
      agents,
      `mutation { updateScheduledJob(jobId: "${METRICS_ROLLUP_JOB}", input: { enabled: false }) { enabled } }`,
    );
  });
});

describe('the admins’ API', () => {
  const LIST = `query ($filter: ScheduledJobFilter) { scheduledJobs(first: 100, filter: $filter) { totalCount edges { node {
    jobId description intervalSeconds enabled nextRunAt lastEnqueuedAt } } } }`;
  type List = {
    scheduledJobs: {
      totalCount: number;
      edges: { node: { jobId: string; intervalSeconds: number; enabled: boolean; nextRunAt: string | null } }[];
    };
  };

  it('lists, filters and reads schedules for admins and the scheduler only', async () => {
    const all = await ok<List>(agents, LIST);
    const rollup = all.scheduledJobs.edges.find((e) => e.node.jobId === METRICS_ROLLUP_JOB)!.node;
    expect(rollup).toMatchObject({ intervalSeconds: 60, enabled: false, nextRunAt: null });
    const enabled = await ok<List>(agents, LIST, { filter: { enabled: true } }, SERVICE);
    expect(enabled.scheduledJobs.edges.every((e) => e.node.enabled)).toBe(true);
    expect(enabled.scheduledJobs.edges.every((e) => e.node.nextRunAt !== null)).toBe(true);
    const analyst = await ok<List & { scheduledJob: unknown }>(
      agents,
      `query { scheduledJobs { totalCount edges { node { jobId } } } scheduledJob(jobId: "${METRICS_ROLLUP_JOB}") { jobId } }`,
      {},
      ANALYST_C1,
    );
    expect(analyst).toEqual({ scheduledJobs: { totalCount: 0, edges: [] }, scheduledJob: null });
  });

  it('changes the interval and the enabled flag, and runs a job now', async () => {
    await addSchedule('admin-job', 3600);
    const UPDATE = `mutation ($input: UpdateScheduledJobInput!) { updateScheduledJob(jobId: "admin-job", input: $input) {
      intervalSeconds enabled nextRunAt } }`;
    const changed = await ok<{ updateScheduledJob: { intervalSeconds: number; enabled: boolean; nextRunAt: string } }>(
      agents,
      UPDATE,
      { input: { intervalSeconds: 120, enabled: false } },
    );
    expect(changed.updateScheduledJob).toMatchObject({ intervalSeconds: 120, enabled: false, nextRunAt: null });
    const [stored] = await rows<{ time_interval: number; enabled: boolean }>(
      agents,
      `SELECT time_interval, enabled FROM agents.scheduled_job_metadata WHERE job_id = 'admin-job'`,
    );
    expect(stored).toEqual({ time_interval: 120, enabled: false });
    // Never enqueued: the next run is one new interval after its creation, at the latest now + 120 s.
    expect((await nextRunOf('admin-job')).getTime()).toBeLessThanOrEqual(Date.now() + 121_000);

    const RUN = `mutation { runScheduledJobNow(jobId: "admin-job") { id status jobType transitions { toStatus triggeredBy } } }`;
    const run = await ok<{
      runScheduledJobNow: { id: string; status: string; jobType: string; transitions: unknown[] };
    }>(agents, RUN);
    expect(run.runScheduledJobNow).toMatchObject({
      status: 'QUEUED',
      jobType: 'admin-job',
      transitions: [{ toStatus: 'QUEUED', triggeredBy: 'admin' }],
    });
    expect(errorCodes(await agents.query(RUN, {}, ADMIN))).toEqual(['CONFLICT']);

    for (const [input, field] of [
      [{ intervalSeconds: 0 }, 'input.intervalSeconds'],
      [{ intervalSeconds: 40 * 86_400 }, 'input.intervalSeconds'],
    ] as const) {
      const bad = await agents.query(UPDATE, { input }, ADMIN);
      expect(errorFields(bad)).toEqual([field]);
    }
    const missing = await agents.query(
      `mutation { updateScheduledJob(jobId: "no-such-job", input: { enabled: true }) { jobId } }`,
      {},
      ADMIN,
    );
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
    for (const principal of [ANALYST_C1, SERVICE]) {
      expect(errorCodes(await agents.query(UPDATE, { input: { enabled: true } }, principal))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await agents.query(RUN, {}, principal))).toEqual(['FORBIDDEN']);
    }
  });
});

it('runs in the subgraph process: the schedule is created and its rollup jobs complete through the worker', async () => {
  const live = await startAgents(new InMemoryCredits(), {
    AGENT_METRICS_INTERVAL_MS: '1000',
    AGENT_SCHEDULER_TICK_MS: '50',
  });
  try {
    const completed = async () =>
      (await live.dataSource.query(
        `SELECT count(*)::int AS n FROM agents.jobs WHERE job_type = $1 AND status = 'completed'`,
        [METRICS_ROLLUP_JOB],
      )) as { n: number }[];
    // Polls the outcome, not the clock: on a loaded machine the first tick may come late.
    for (let i = 0; i < 400 && (await completed())[0]!.n === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await completed())[0]!.n).toBeGreaterThanOrEqual(1);
    const [schedule] = (await live.dataSource.query(
      `SELECT time_interval, enabled, last_success IS NOT NULL AS succeeded FROM agents.scheduled_job_metadata WHERE job_id = $1`,
      [METRICS_ROLLUP_JOB],
    )) as { time_interval: number; enabled: boolean; succeeded: boolean }[];
    expect(schedule).toEqual({ time_interval: 1, enabled: true, succeeded: true });
  } finally {
    await live.stop();
  }
});
