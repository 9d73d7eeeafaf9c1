import type { TestSubgraph } from '@socgraph/testkit';
import { JobQueue, type ClaimedJob } from '../src/services/job-queue';
import { InMemoryCredits } from './credits-double';
import { ADMIN, ANALYST_C1, countStatements, ok, rows, SERVICE, startAgents } from './support';

let agents: TestSubgraph;
let queue: JobQueue;

beforeAll(async () => {
  agents = await startAgents(new InMemoryCredits(), { AGENT_METRICS_INTERVAL_MS: '0' });
  queue = new JobQueue(agents.dataSource, { backoffBaseMs: 20, backoffMaxMs: 100 });
});
afterAll(async () => agents.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('jobs', () => {
  it('never lets two workers run the same job', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add(await queue.enqueue('echo', { queueName: 'shared', payload: { i } }));
    const ran: { worker: string; job: string }[] = [];
    const handler = async (job: ClaimedJob) => {
      await sleep(5);
      return job.payload;
    };
    const worker = async (name: string) => {
      for (;;) {
        const id = await queue.runOnce(
          name,
          { echo: async (job) => (ran.push({ worker: name, job: job.id }), handler(job)) },
          'shared',
        );
        if (id === null) return;
      }
    };
    await Promise.all([worker('w1'), worker('w2')]);
    expect(ran).toHaveLength(30);
    expect(new Set(ran.map((r) => r.job))).toEqual(ids);
    expect(new Set(ran.map((r) => r.worker)).size).toBe(2);
    const statuses = await rows<{ status: string; n: number }>(
      agents,
      `SELECT status, count(*)::int AS n FROM agents.jobs WHERE queue_name = 'shared' GROUP BY status`,
    );
    expect(statuses).toEqual([{ status: 'completed', n: 30 }]);
    const attempts = await rows<{ n: number }>(
      agents,
      `SELECT count(*)::int AS n FROM agents.job_attempts a JOIN agents.jobs j ON j.id = a.job_id WHERE j.queue_name = 'shared'`,
    );
    expect(attempts[0]!.n).toBe(30);
  });

  it('retries a failing job with backoff, then ends failed with every attempt and transition recorded', async () => {
    // A backoff long enough that "not yet due" holds on a loaded machine.
    const retrying = new JobQueue(agents.dataSource, { backoffBaseMs: 400, backoffMaxMs: 800 });
    const id = await retrying.enqueue('explode', { queueName: 'retry', maxAttempts: 3 });
    const handlers = {
      explode: async () => {
        throw new Error('boom');
      },
    };
    expect(await retrying.runOnce('w1', handlers, 'retry')).toBe(id);
    // Not due before its backoff.
    expect(await retrying.runOnce('w1', handlers, 'retry')).toBeNull();
    const [pending] = await rows<{ status: string; attempt_number: number; due: boolean }>(
      agents,
      `SELECT status, attempt_number, next_retry_at > now() AS due FROM agents.jobs WHERE id = $1`,
      [id],
    );
    expect(pending).toEqual({ status: 'queued', attempt_number: 2, due: true });
    const deadline = Date.now() + 10_000;
    for (let runs = 0; runs < 2 && Date.now() < deadline;) {
      await sleep(50);
      if (await retrying.runOnce('w2', handlers, 'retry')) runs++;
    }
    const [job] = await rows<{ status: string; attempt_number: number; error_message: string }>(
      agents,
      `SELECT status, attempt_number, error_message FROM agents.jobs WHERE id = $1`,
      [id],
    );
    expect(job).toEqual({ status: 'failed', attempt_number: 3, error_message: 'boom' });
    const attempts = await rows<{ attempt_number: number; status: string; error: string }>(
      agents,
      `SELECT attempt_number, status, error FROM agents.job_attempts WHERE job_id = $1 ORDER BY attempt_number`,
      [id],
    );
    expect(attempts).toEqual([1, 2, 3].map((n) => ({ attempt_number: n, status: 'failed', error: 'boom' })));
    const transitions = await rows<{ from_status: string | null; to_status: string }>(
      agents,
      `SELECT from_status, to_status FROM agents.job_transitions WHERE job_id = $1 ORDER BY id`,
      [id],
    );
    expect(transitions.map((t) => `${t.from_status ?? '-'}>${t.to_status}`)).toEqual([
      '->queued',
      'queued>running',
      'running>queued',
      'queued>running',
      'running>queued',
      'queued>running',
      'running>failed',
    ]);
    const logs = await rows<{ level: string }>(agents, `SELECT level FROM agents.job_logs WHERE job_id = $1`, [id]);
    expect(logs.map((l) => l.level)).toEqual(['error', 'error', 'error']);
  });

  it('enforces the seed checks and cancels only queued jobs', async () => {
    await expect(
      agents.dataSource.query(`INSERT INTO agents.jobs (id, job_type, priority) VALUES ('x1', 't', 5)`),
    ).rejects.toThrow(/check/);
    await expect(
      agents.dataSource.query(`INSERT INTO agents.jobs (id, job_type, status) VALUES ('x2', 't', 'done')`),
    ).rejects.toThrow(/check/);
    const id = await queue.enqueue('noop', { queueName: 'cancel' });
    expect(await queue.cancel(id, 'admin')).toBe(true);
    expect(await queue.cancel(id, 'admin')).toBe(false);
    expect(await queue.runOnce('w1', { noop: async () => null }, 'cancel')).toBeNull();
  });

  it('shows jobs with attempts and transitions to admins and the scheduler only, at constant statements', async () => {
    const query = `query ($first: Int, $filter: JobFilter) { jobs(first: $first, filter: $filter) { totalCount edges { node {
      id status attemptNumber attempts { attemptNumber status workerId } transitions { fromStatus toStatus triggeredBy } } } } }`;
    type Jobs = {
      jobs: {
        totalCount: number;
        edges: { node: { status: string; attempts: unknown[]; transitions: { toStatus: string }[] } }[];
      };
    };
    const failed = await ok<Jobs>(agents, query, { first: 5, filter: { status: 'FAILED' } });
    expect(failed.jobs.totalCount).toBe(1);
    expect(failed.jobs.edges[0]!.node.attempts).toHaveLength(3);
    expect(failed.jobs.edges[0]!.node.transitions.at(-1)!.toStatus).toBe('FAILED');
    expect((await ok<Jobs>(agents, query, { first: 5 }, SERVICE)).jobs.totalCount).toBeGreaterThan(30);
    expect((await ok<Jobs>(agents, query, { first: 5 }, ANALYST_C1)).jobs.totalCount).toBe(0);
    const single = await ok<{ job: unknown }>(agents, `query ($id: ID!) { job(id: $id) { id } }`, { id: 'nope' });
    expect(single.job).toBeNull();
    const small = await countStatements(agents, query, { first: 5 }, ADMIN);
    const large = await countStatements(agents, query, { first: 50 }, ADMIN);
    expect(large.result.body.errors).toBeUndefined();
    expect(small.statements).toBe(large.statements);
  });
});
