import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestSubgraph } from '@socgraph/testkit';
import { agentsConfigFrom } from '../src/config';
import { INDEX_SNAPSHOT_JOB } from '../src/services/index-snapshot-job';
import type { IndexerConfig } from '../src/services/indexer-client';
import { JobWorker, jobHandlers, Scheduler } from '../src/services/scheduler';
import { InMemoryCredits } from './credits-double';
import {
  ADMIN,
  ANALYST_C1,
  countStatements,
  CUSTOMER_C1,
  errorCodes,
  errorFields,
  ok,
  rows,
  SERVICE,
  startAgents,
} from './support';

/**
 * Index snapshot schedules: the admins' API, and runs against a real local HTTP server playing
 * the Wazuh indexer's (OpenSearch's) snapshot API. It records every request, keeps snapshots
 * per repository, and can be told to fail or hang; over HTTPS too, with a certificate of the
 * throwaway CA in fixtures/indexer-tls. The background loop is off
 * (AGENT_SCHEDULER_TICK_MS=0): the test drives scheduler ticks and the worker.
 */

interface Recorded {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}
interface Snapshot {
  snapshot: string;
  state: string;
  start_time_in_millis: number;
}

const TLS_DIR = path.join(__dirname, 'fixtures', 'indexer-tls');
const CA_FILE = path.join(TLS_DIR, 'root-ca.pem');
const USER = 'snapshotter';
const PASSWORD = 'indexer-secret-p4ss';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

class FakeIndexer {
  readonly requests: Recorded[] = [];
  readonly repositories = new Map<string, Map<string, Snapshot>>([
    ['backups', new Map()],
    ['other-repo', new Map()],
  ]);
  /** Answers for the next requests, first one first; then normal service. */
  readonly faults: ('503' | 'hang' | 'redirect')[] = [];
  private readonly server: Server;
  private readonly hanging: ServerResponse[] = [];
  url = '';

  constructor(private readonly tls?: { key: Buffer; cert: Buffer }) {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.server = tls ? createTlsServer(tls, handler) : createServer(handler);
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  add(repository: string, snapshot: string, daysAgo: number): void {
    this.repositories.get(repository)!.set(snapshot, {
      snapshot,
      state: 'SUCCESS',
      start_time_in_millis: Date.now() - daysAgo * 86_400_000,
    });
  }

  names(repository: string): string[] {
    return [...this.repositories.get(repository)!.keys()].sort();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://indexer');
      this.requests.push({
        method: req.method ?? '',
        path: `${url.pathname}${url.search}`,
        authorization: req.headers.authorization,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const error = (status: number, type: string, reason: string) => send(status, errorBody(status, type, reason));
      const fault = this.faults.shift();
      if (fault === 'hang') {
        // Does the work, then never answers (a late indexer).
        this.hanging.push(res);
        this.answer(req, url, () => undefined);
        return;
      }
      if (fault === '503') return error(503, 'concurrent_snapshot_execution_exception', 'busy, try later');
      if (fault === 'redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/' });
        return void res.end();
      }
      this.answer(req, url, send);
    });
  }

  /** The snapshot API proper: what an indexer with these repositories answers. */
  private answer(req: IncomingMessage, url: URL, send: (status: number, body: unknown) => void): void {
    {
      const error = (status: number, type: string, reason: string) => send(status, errorBody(status, type, reason));
      if (req.headers.authorization !== AUTH) return error(401, 'security_exception', 'missing authentication');
      const [, root, repoName, name] = url.pathname.split('/').map(decodeURIComponent);
      const repo = repoName ? this.repositories.get(repoName) : undefined;
      if (root !== '_snapshot' || !name) return error(400, 'illegal_argument_exception', 'unexpected request');
      if (!repo) return error(404, 'repository_missing_exception', `[${repoName}] missing`);
      if (req.method === 'PUT') {
        if (repo.has(name))
          return error(
            400,
            'invalid_snapshot_name_exception',
            `[${repoName}:${name}] Invalid snapshot name [${name}], snapshot with the same name already exists`,
          );
        repo.set(name, { snapshot: name, state: 'IN_PROGRESS', start_time_in_millis: Date.now() });
        return send(200, { accepted: true });
      }
      if (req.method === 'GET') {
        const pattern = new RegExp(`^${name.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
        return send(200, { snapshots: [...repo.values()].filter((s) => pattern.test(s.snapshot)) });
      }
      if (req.method === 'DELETE') {
        if (!repo.delete(name)) return error(404, 'snapshot_missing_exception', `[${repoName}:${name}] is missing`);
        return send(200, { acknowledged: true });
      }
      return error(405, 'method_not_allowed', 'no');
    }
  }
}

const errorBody = (status: number, type: string, reason: string) => ({
  error: { root_cause: [{ type, reason }], type, reason },
  status,
});

let agents: TestSubgraph;
let indexer: FakeIndexer;
let scheduler: Scheduler;
let worker: JobWorker;
let indexerConfig: Partial<IndexerConfig>;

const CREATE = `mutation ($input: CreateIndexSnapshotScheduleInput!) { createIndexSnapshotSchedule(input: $input) {
  id name indexPattern repository intervalMinutes retentionDays enabled nextRunAt lastStatus createdBy } }`;
const SCHEDULE = `query ($id: ID!) { indexSnapshotSchedule(id: $id) { id name enabled nextRunAt lastExecutionAt lastStatus
  lastSnapshotName lastError lastDeletedCount lastJob { id status attemptNumber } } }`;

interface ScheduleView {
  id: string;
  name: string;
  enabled: boolean;
  nextRunAt: string | null;
  lastExecutionAt: string | null;
  lastStatus: string | null;
  lastSnapshotName: string | null;
  lastError: string | null;
  lastDeletedCount: number | null;
  lastJob: { id: string; status: string; attemptNumber: number } | null;
}

let counter = 0;
async function createSchedule(fields: Record<string, unknown> = {}): Promise<{ id: string; name: string }> {
  const data = await ok<{ createIndexSnapshotSchedule: { id: string; name: string } }>(agents, CREATE, {
    input: {
      name: `sched-${++counter}`,
      indexPattern: 'wazuh-alerts-*',
      repository: 'backups',
      intervalMinutes: 60,
      retentionDays: 30,
      enabled: false,
      ...fields,
    },
  });
  return data.createIndexSnapshotSchedule;
}

const view = async (id: string): Promise<ScheduleView> =>
  (await ok<{ indexSnapshotSchedule: ScheduleView }>(agents, SCHEDULE, { id })).indexSnapshotSchedule;

/** Makes the schedule due and enabled; the next tick enqueues its run. */
async function due(id: string): Promise<void> {
  await agents.dataSource.query(
    `UPDATE agents.index_snapshot_schedules SET enabled = true, next_run_time = now() - interval '1 second' WHERE id = $1`,
    [Number(id)],
  );
}

/** Lets a retry of every queued job be claimed at once (a second back: the column rounds to ms, maybe past now()). */
const retryNow = () =>
  agents.dataSource.query(`UPDATE agents.jobs SET next_retry_at = now() - interval '1 second' WHERE status = 'queued'`);

const snapshotJobs = (id: string) =>
  rows<{ id: string; status: string; attempt_number: number; error_message: string | null }>(
    agents,
    `SELECT id, status, attempt_number, error_message FROM agents.jobs
      WHERE job_type = $1 AND (payload->>'snapshotScheduleId')::int = $2 ORDER BY created_at`,
    [INDEX_SNAPSHOT_JOB, Number(id)],
  );

const puts = () => indexer.requests.filter((r) => r.method === 'PUT');

beforeAll(async () => {
  indexer = new FakeIndexer();
  await indexer.start();
  indexerConfig = {
    WAZUH_INDEXER_URL: indexer.url,
    WAZUH_INDEXER_USERNAME: USER,
    WAZUH_INDEXER_PASSWORD: PASSWORD,
    WAZUH_INDEXER_TIMEOUT_MS: 300,
    WAZUH_INDEXER_MAX_RESPONSE_BYTES: 1024 * 1024,
  };
  agents = await startAgents(new InMemoryCredits(), {
    AGENT_METRICS_INTERVAL_MS: '0',
    AGENT_SCHEDULER_TICK_MS: '0',
    WAZUH_INDEXER_URL: indexer.url,
    WAZUH_INDEXER_USERNAME: USER,
    WAZUH_INDEXER_PASSWORD: PASSWORD,
  });
  scheduler = new Scheduler(agents.dataSource);
  worker = new JobWorker(agents.dataSource, jobHandlers(agents.dataSource, indexerConfig), 'snapshot-worker');
});
afterAll(async () => {
  await agents?.stop();
  await indexer?.stop();
});
beforeEach(() => {
  indexer.requests.length = 0;
  indexer.faults.length = 0;
});

describe('the admins’ API', () => {
  it('creates, reads, lists, changes and deletes schedules', async () => {
    const created = await ok<{ createIndexSnapshotSchedule: Record<string, unknown> }>(agents, CREATE, {
      input: {
        name: 'wazuh-alerts-daily',
        indexPattern: 'wazuh-alerts-4.x-*,-wazuh-alerts-4.x-sample',
        repository: 'backups',
        intervalMinutes: 1440,
        retentionDays: 14,
      },
    });
    const schedule = created.createIndexSnapshotSchedule;
    expect(schedule).toMatchObject({
      name: 'wazuh-alerts-daily',
      indexPattern: 'wazuh-alerts-4.x-*,-wazuh-alerts-4.x-sample',
      repository: 'backups',
      intervalMinutes: 1440,
      retentionDays: 14,
      enabled: true,
      lastStatus: null,
      createdBy: 'admin',
    });
    // Due at once: the first snapshot is taken at the next tick.
    expect(new Date(schedule.nextRunAt as string).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    const id = schedule.id as string;

    const UPDATE = `mutation ($id: ID!, $input: UpdateIndexSnapshotScheduleInput!) {
      updateIndexSnapshotSchedule(id: $id, input: $input) { name repository intervalMinutes retentionDays enabled nextRunAt } }`;
    const changed = await ok<{ updateIndexSnapshotSchedule: Record<string, unknown> }>(agents, UPDATE, {
      id,
      input: { repository: 'other-repo', intervalMinutes: 720, retentionDays: 7, enabled: false },
    });
    expect(changed.updateIndexSnapshotSchedule).toMatchObject({
      name: 'wazuh-alerts-daily',
      repository: 'other-repo',
      intervalMinutes: 720,
      retentionDays: 7,
      enabled: false,
      nextRunAt: null,
    });
    const [stored] = await rows<Record<string, unknown>>(
      agents,
      `SELECT repository, time_interval_minutes, retention_days, enabled
         FROM agents.index_snapshot_schedules WHERE id = $1`,
      [Number(id)],
    );
    expect(stored).toEqual({ repository: 'other-repo', time_interval_minutes: 720, retention_days: 7, enabled: false });

    const LIST = `query ($filter: IndexSnapshotScheduleFilter) { indexSnapshotSchedules(first: 100, filter: $filter) {
      totalCount edges { node { name enabled } } } }`;
    type List = {
      indexSnapshotSchedules: { totalCount: number; edges: { node: { name: string; enabled: boolean } }[] };
    };
    const disabled = await ok<List>(agents, LIST, { filter: { enabled: false } });
    expect(disabled.indexSnapshotSchedules.edges.map((e) => e.node.name)).toContain('wazuh-alerts-daily');
    expect(disabled.indexSnapshotSchedules.edges.every((e) => !e.node.enabled)).toBe(true);

    const DELETE = `mutation ($id: ID!) { deleteIndexSnapshotSchedule(id: $id) }`;
    expect(await ok(agents, DELETE, { id })).toEqual({ deleteIndexSnapshotSchedule: true });
    expect(errorCodes(await agents.query(DELETE, { id }, ADMIN))).toEqual(['NOT_FOUND']);
    expect(await ok(agents, `query ($id: ID!) { indexSnapshotSchedule(id: $id) { id } }`, { id })).toEqual({
      indexSnapshotSchedule: null,
    });
  });

  it('refuses names OpenSearch refuses, naming the field, and taken names with CONFLICT', async () => {
    const base = {
      name: 'valid-name',
      indexPattern: 'wazuh-*',
      repository: 'backups',
      intervalMinutes: 60,
      retentionDays: 7,
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'Upper' }, 'input.name'],
      [{ name: 'with space' }, 'input.name'],
      [{ name: '_hidden' }, 'input.name'],
      [{ name: '-dash' }, 'input.name'],
      [{ name: 'star*' }, 'input.name'],
      [{ name: 'a#b' }, 'input.name'],
      [{ name: 'x'.repeat(101) }, 'input.name'],
      [{ name: 'nul\u0000byte' }, 'input.name'],
      [{ name: 'lone\ud800' }, 'input.name'],
      [{ indexPattern: 'Wazuh-*' }, 'input.indexPattern'],
      [{ indexPattern: 'wazuh alerts' }, 'input.indexPattern'],
      [{ indexPattern: '-wazuh-*' }, 'input.indexPattern'],
      [{ indexPattern: 'wazuh-*,' }, 'input.indexPattern'],
      [{ indexPattern: '_all' }, 'input.indexPattern'],
      [{ indexPattern: 'a|b' }, 'input.indexPattern'],
      [{ indexPattern: 'remote:wazuh-*' }, 'input.indexPattern'],
      [{ indexPattern: 'wazuh-?' }, 'input.indexPattern'],
      [{ indexPattern: '' }, 'input.indexPattern'],
      [{ repository: 'back/ups' }, 'input.repository'],
      [{ repository: 'Backups' }, 'input.repository'],
      [{ repository: '_repo' }, 'input.repository'],
      [{ repository: 'a"b' }, 'input.repository'],
      [{ intervalMinutes: 0 }, 'input.intervalMinutes'],
      [{ intervalMinutes: -5 }, 'input.intervalMinutes'],
      [{ intervalMinutes: 400 * 1440 }, 'input.intervalMinutes'],
      [{ retentionDays: 0 }, 'input.retentionDays'],
      [{ retentionDays: 4000 }, 'input.retentionDays'],
    ];
    for (const [fields, field] of cases) {
      const result = await agents.query(CREATE, { input: { ...base, ...fields } }, ADMIN);
      expect([JSON.stringify(fields), errorCodes(result), errorFields(result)]).toEqual([
        JSON.stringify(fields),
        ['BAD_USER_INPUT'],
        [field],
      ]);
    }
    expect(await rows(agents, `SELECT 1 FROM agents.index_snapshot_schedules WHERE name = 'valid-name'`)).toEqual([]);

    const first = await createSchedule({ name: 'taken' });
    expect(errorCodes(await agents.query(CREATE, { input: { ...base, name: 'taken' } }, ADMIN))).toEqual(['CONFLICT']);
    const second = await createSchedule({ name: 'free' });
    const RENAME = `mutation ($id: ID!, $name: String!) { updateIndexSnapshotSchedule(id: $id, input: { name: $name }) { name } }`;
    expect(errorCodes(await agents.query(RENAME, { id: second.id, name: 'taken' }, ADMIN))).toEqual(['CONFLICT']);
    expect(errorFields(await agents.query(RENAME, { id: second.id, name: 'Taken' }, ADMIN))).toEqual(['input.name']);
    // OpenSearch's rules hold on a change too, before anything is stored.
    const MOVE = `mutation ($id: ID!, $repository: String!) {
      updateIndexSnapshotSchedule(id: $id, input: { repository: $repository }) { repository } }`;
    for (const repository of ['Backups', 'back ups', '_repo', 'a,b']) {
      const moved = await agents.query(MOVE, { id: second.id, repository }, ADMIN);
      expect([repository, errorCodes(moved), errorFields(moved)]).toEqual([
        repository,
        ['BAD_USER_INPUT'],
        ['input.repository'],
      ]);
    }
    expect((await view(second.id)).name).toBe('free');
    expect(
      await rows(agents, `SELECT repository FROM agents.index_snapshot_schedules WHERE id = $1`, [Number(second.id)]),
    ).toEqual([{ repository: 'backups' }]);
    expect(await ok(agents, RENAME, { id: first.id, name: 'taken' })).toEqual({
      updateIndexSnapshotSchedule: { name: 'taken' },
    });
    expect(errorCodes(await agents.query(RENAME, { id: '999999', name: 'x' }, ADMIN))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await agents.query(RENAME, { id: 'not-an-id', name: 'x' }, ADMIN))).toEqual(['NOT_FOUND']);

    // The table refuses what the service refuses, whoever writes.
    await expect(
      agents.dataSource.query(
        `INSERT INTO agents.index_snapshot_schedules (name, index_pattern, repository, time_interval_minutes, retention_days, created_by)
         VALUES ('raw', 'Wazuh-*', 'backups', 60, 7, 'test')`,
      ),
    ).rejects.toThrow(/check constraint/);
    await expect(
      agents.dataSource.query(
        `INSERT INTO agents.index_snapshot_schedules (name, index_pattern, repository, time_interval_minutes, retention_days, created_by)
         VALUES ('raw', 'wazuh-*,-x', 'back\\ups', 60, 7, 'test')`,
      ),
    ).rejects.toThrow(/check constraint/);
    await expect(
      agents.dataSource.query(
        `INSERT INTO agents.index_snapshot_schedules (name, index_pattern, repository, time_interval_minutes, retention_days, created_by)
         VALUES ('raw', 'wazuh-*,-x', 'backups', 0, 7, 'test')`,
      ),
    ).rejects.toThrow(/check constraint/);
  });

  it('shows schedules to admins and the scheduler only; only admins change them', async () => {
    const { id } = await createSchedule();
    const READ = `query ($id: ID!) { indexSnapshotSchedules(first: 100) { totalCount edges { node { id } } }
      indexSnapshotSchedule(id: $id) { id } }`;
    type Read = { indexSnapshotSchedules: { totalCount: number }; indexSnapshotSchedule: { id: string } | null };
    for (const principal of [ADMIN, SERVICE]) {
      const data = await ok<Read>(agents, READ, { id }, principal);
      expect(data.indexSnapshotSchedules.totalCount).toBeGreaterThan(0);
      expect(data.indexSnapshotSchedule).toEqual({ id });
    }
    for (const principal of [ANALYST_C1, CUSTOMER_C1]) {
      expect(await ok<Read>(agents, READ, { id }, principal)).toEqual({
        indexSnapshotSchedules: { totalCount: 0, edges: [] },
        indexSnapshotSchedule: null,
      });
    }
    const mutations: [string, Record<string, unknown>][] = [
      [CREATE, { input: { name: 'nope', indexPattern: 'a', repository: 'b', intervalMinutes: 1, retentionDays: 1 } }],
      [`mutation ($id: ID!) { updateIndexSnapshotSchedule(id: $id, input: { enabled: true }) { id } }`, { id }],
      [`mutation ($id: ID!) { deleteIndexSnapshotSchedule(id: $id) }`, { id }],
      [`mutation ($id: ID!) { runIndexSnapshotNow(id: $id) { id } }`, { id }],
    ];
    for (const principal of [ANALYST_C1, CUSTOMER_C1, SERVICE])
      for (const [query, variables] of mutations)
        expect(errorCodes(await agents.query(query, variables, principal))).toEqual(['FORBIDDEN']);
    expect(await view(id)).toMatchObject({ enabled: false });
  });

  it('lists schedules with their last jobs in a constant number of statements', async () => {
    for (let i = 0; i < 6; i++) {
      const { id } = await createSchedule({ name: `count-${i}` });
      await ok(agents, `mutation ($id: ID!) { runIndexSnapshotNow(id: $id) { id } }`, { id });
    }
    // Leave those runs cancelled: they are not this file's subject.
    await agents.dataSource.query(
      `UPDATE agents.jobs SET status = 'cancelled' WHERE job_type = $1 AND status = 'queued'`,
      [INDEX_SNAPSHOT_JOB],
    );
    const query = `query ($first: Int) { indexSnapshotSchedules(first: $first) { edges { node { name lastJob { id status
      transitions { toStatus } } } } } }`;
    const small = await countStatements(agents, query, { first: 2 });
    const large = await countStatements(agents, query, { first: 50 });
    expect(small.result.body.errors).toBeUndefined();
    expect(large.result.body.errors).toBeUndefined();
    expect(
      (large.result.body.data as { indexSnapshotSchedules: { edges: unknown[] } }).indexSnapshotSchedules.edges.length,
    ).toBeGreaterThan(6);
    expect(large.statements).toBe(small.statements);
  });
});

describe('runs against the indexer', () => {
  it('a due schedule creates exactly one snapshot, with the pattern, no global state and the credentials', async () => {
    const { id, name } = await createSchedule({ indexPattern: 'wazuh-alerts-*,-wazuh-alerts-sample' });
    await due(id);
    const enqueued = await scheduler.tick();
    // Ticking again enqueues nothing: its next run moved on an interval, and its job waits.
    await due(id);
    expect(await scheduler.tick()).toEqual([]);
    expect(await snapshotJobs(id)).toHaveLength(1);
    expect(enqueued).toContain((await snapshotJobs(id))[0]!.id);
    await worker.drain();

    expect(puts()).toHaveLength(1);
    const put = puts()[0]!;
    // Named after the schedule's id, not its name.
    expect(name).toMatch(/^sched-/);
    expect(put.path).toMatch(
      new RegExp(
        `^/_snapshot/backups/\\d{4}\\.\\d{2}\\.\\d{2}-\\d{2}\\.\\d{2}\\.\\d{2}\\.\\d{3}-schedule-${id}\\?wait_for_completion=false$`,
      ),
    );
    expect(put.body).toEqual({ indices: 'wazuh-alerts-*,-wazuh-alerts-sample', include_global_state: false });
    expect(put.authorization).toBe(AUTH);
    expect(indexer.requests.every((r) => r.authorization === AUTH)).toBe(true);
    const snapshotName = put.path.split('/')[3]!.split('?')[0]!;
    expect(indexer.names('backups').filter((n) => n.endsWith(`-schedule-${id}`))).toEqual([snapshotName]);

    const schedule = await view(id);
    expect(schedule).toMatchObject({
      lastStatus: 'SUCCEEDED',
      lastSnapshotName: snapshotName,
      lastError: null,
      lastDeletedCount: 0,
      lastJob: { status: 'COMPLETED', attemptNumber: 1 },
    });
    expect(schedule.lastExecutionAt).not.toBeNull();
    // The next run is on its grid, one interval (60 min) on.
    expect(new Date(schedule.nextRunAt!).getTime()).toBeGreaterThan(Date.now() + 55 * 60_000);
    await worker.drain();
    expect(puts()).toHaveLength(1);
  });

  it('retention deletes only this schedule’s snapshots older than its retention, also after a rename', async () => {
    const { id } = await createSchedule({ name: 'logs', retentionDays: 30 });
    const other = await createSchedule({ name: 'logs-archive' });
    const own = (stamp: string, scheduleId: string | number = id) => `${stamp}-schedule-${scheduleId}`;
    const old = own('2026.01.01-00.00.00.000');
    const older = own('2025.12.01-00.00.00.000');
    const recent = own('2026.11.30-00.00.00.000');
    indexer.add('backups', old, 40);
    indexer.add('backups', older, 50);
    indexer.add('backups', recent, 1);
    // Another schedule's, one whose id merely starts alike (5 and 51), a manual one the listing
    // pattern also finds, and this schedule's in another repository.
    const lookalike = `2026.01.01-00.00.00.000-schedule-${id}1`;
    indexer.add('backups', own('2026.01.01-00.00.00.000', Number(other.id)), 40);
    indexer.add('backups', lookalike, 40);
    indexer.add('backups', `manual-before-upgrade-schedule-${id}`, 40);
    indexer.add('other-repo', old, 40);
    // Renamed before the run: the snapshots stay its own.
    await ok(
      agents,
      `mutation ($id: ID!) { updateIndexSnapshotSchedule(id: $id, input: { name: "logs-renamed" }) { id } }`,
      {
        id,
      },
    );
    await due(id);
    await scheduler.tick();
    await worker.drain();

    const deletes = indexer.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);
    expect(deletes.sort()).toEqual([`/_snapshot/backups/${older}`, `/_snapshot/backups/${old}`]);
    expect(indexer.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual([
      `/_snapshot/backups/*-schedule-${id}`,
    ]);
    const kept = indexer.names('backups');
    expect(kept).toEqual(
      expect.arrayContaining([
        recent,
        own('2026.01.01-00.00.00.000', Number(other.id)),
        lookalike,
        `manual-before-upgrade-schedule-${id}`,
      ]),
    );
    expect(kept).not.toContain(old);
    expect(indexer.names('other-repo')).toEqual([old]);
    expect(await view(id)).toMatchObject({ name: 'logs-renamed', lastStatus: 'SUCCEEDED', lastDeletedCount: 2 });
  });

  it('expires the snapshots a schedule took under its name before names came from ids, then stops looking', async () => {
    const { id } = await createSchedule({ name: 'legacy', retentionDays: 30 });
    // What the migration leaves on a schedule that existed before: its name of then.
    await agents.dataSource.query(
      `UPDATE agents.index_snapshot_schedules SET legacy_snapshot_prefix = 'legacy' WHERE id = $1`,
      [Number(id)],
    );
    indexer.add('backups', 'legacy-2026.01.01-00.00.00.000', 40);
    indexer.add('backups', 'legacy-2026.11.30-00.00.00.000', 1);
    // Not of that naming: another schedule's that once started alike, and a manual one.
    indexer.add('backups', 'legacy-archive-2026.01.01-00.00.00.000', 40);
    indexer.add('backups', 'legacy-manual', 40);
    await ok(
      agents,
      `mutation ($id: ID!) { updateIndexSnapshotSchedule(id: $id, input: { name: "renamed-legacy" }) { id } }`,
      {
        id,
      },
    );
    const legacyPrefix = async () =>
      (
        await rows<{ legacy_snapshot_prefix: string | null }>(
          agents,
          `SELECT legacy_snapshot_prefix FROM agents.index_snapshot_schedules WHERE id = $1`,
          [Number(id)],
        )
      )[0]!.legacy_snapshot_prefix;

    await due(id);
    await scheduler.tick();
    await worker.drain();
    expect(indexer.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual([
      `/_snapshot/backups/*-schedule-${id}`,
      `/_snapshot/backups/legacy-*`,
    ]);
    expect(indexer.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      `/_snapshot/backups/legacy-2026.01.01-00.00.00.000`,
    ]);
    expect(await legacyPrefix()).toBe('legacy');

    // Once the last one of the old naming has expired, the prefix goes: no more listing under it.
    indexer.repositories.get('backups')!.get('legacy-2026.11.30-00.00.00.000')!.start_time_in_millis =
      Date.now() - 31 * 86_400_000;
    await due(id);
    await scheduler.tick();
    await worker.drain();
    expect(indexer.names('backups')).toEqual(
      expect.arrayContaining(['legacy-archive-2026.01.01-00.00.00.000', 'legacy-manual']),
    );
    expect(indexer.names('backups').filter((n) => /^legacy-\d/.test(n))).toEqual([]);
    expect(await legacyPrefix()).toBeNull();
    indexer.requests.length = 0;
    await due(id);
    await scheduler.tick();
    await worker.drain();
    expect(indexer.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual([
      `/_snapshot/backups/*-schedule-${id}`,
    ]);
  });

  it('records an indexer error on the schedule and retries by the job rules, never making two snapshots', async () => {
    const { id } = await createSchedule();
    await due(id);
    await scheduler.tick();
    indexer.faults.push('503');
    await worker.drain();
    let [job] = await snapshotJobs(id);
    expect(job).toMatchObject({ status: 'queued', attempt_number: 2 });
    expect(job!.error_message).toMatch(/HTTP 503: concurrent_snapshot_execution_exception: busy, try later/);
    let schedule = await view(id);
    expect(schedule).toMatchObject({ lastStatus: 'FAILED', lastDeletedCount: null });
    expect(schedule.lastError).toMatch(/HTTP 503/);

    // The second attempt hangs past WAZUH_INDEXER_TIMEOUT_MS, after the indexer took the snapshot.
    await retryNow();
    indexer.faults.push('hang');
    await worker.drain();
    [job] = await snapshotJobs(id);
    expect(job).toMatchObject({ status: 'queued', attempt_number: 3 });
    expect((await view(id)).lastError).toMatch(/did not answer PUT _snapshot\/backups\/.* within 300 ms/);

    await retryNow();
    await worker.drain();
    [job] = await snapshotJobs(id);
    expect(job).toMatchObject({ status: 'completed', attempt_number: 3 });
    schedule = await view(id);
    expect(schedule).toMatchObject({ lastStatus: 'SUCCEEDED', lastError: null });
    // Every attempt asked for the same snapshot; one exists.
    expect(new Set(puts().map((r) => r.path)).size).toBe(1);
    expect(indexer.names('backups').filter((n) => n.endsWith(`-schedule-${id}`))).toEqual([schedule.lastSnapshotName]);
    const attempts = await rows<{ status: string }>(
      agents,
      `SELECT status FROM agents.job_attempts WHERE job_id = $1 ORDER BY attempt_number`,
      [job!.id],
    );
    expect(attempts.map((a) => a.status)).toEqual(['failed', 'failed', 'succeeded']);
  });

  it('ends failed after the last attempt, and at once when retrying cannot help', async () => {
    const { id } = await createSchedule();
    await due(id);
    await scheduler.tick();
    for (let i = 0; i < 3; i++) {
      indexer.faults.push('503');
      await retryNow();
      await worker.drain();
    }
    expect(await snapshotJobs(id)).toMatchObject([{ status: 'failed', attempt_number: 3 }]);
    expect(await view(id)).toMatchObject({ lastStatus: 'FAILED', lastJob: { status: 'FAILED' } });

    // A repository the indexer does not have: 404, no retry.
    const missing = await createSchedule({ repository: 'no-such-repo' });
    await due(missing.id);
    await scheduler.tick();
    await worker.drain();
    const [refused] = await snapshotJobs(missing.id);
    expect(refused).toMatchObject({ status: 'failed', attempt_number: 1 });
    expect((await view(missing.id)).lastError).toMatch(/HTTP 404: repository_missing_exception/);

    // A redirect is not followed (it could point anywhere), and not retried.
    const redirected = await createSchedule();
    await due(redirected.id);
    await scheduler.tick();
    indexer.faults.push('redirect');
    const before = indexer.requests.length;
    await worker.drain();
    expect(indexer.requests.length).toBe(before + 1);
    expect(await snapshotJobs(redirected.id)).toMatchObject([{ status: 'failed', attempt_number: 1 }]);
    expect((await view(redirected.id)).lastError).toMatch(/redirected .* \(HTTP 302\); redirects are not followed/);

    // The password appears in no record.
    const leaked = await rows(
      agents,
      `SELECT 1 FROM agents.jobs WHERE error_message LIKE $1 OR result::text LIKE $1 UNION ALL
       SELECT 1 FROM agents.job_logs WHERE message LIKE $1 UNION ALL
       SELECT 1 FROM agents.index_snapshot_schedules WHERE last_error LIKE $1`,
      [`%${PASSWORD}%`],
    );
    expect(leaked).toEqual([]);
  });

  it('without WAZUH_INDEXER_URL a due run fails at once with that reason on the schedule', async () => {
    const unconfigured = new JobWorker(agents.dataSource, jobHandlers(agents.dataSource, {}), 'unconfigured');
    const { id } = await createSchedule();
    await due(id);
    await scheduler.tick();
    await unconfigured.drain();
    expect(await snapshotJobs(id)).toMatchObject([{ status: 'failed', attempt_number: 1 }]);
    expect((await view(id)).lastError).toMatch(/WAZUH_INDEXER_URL is not set/);
    expect(indexer.requests).toEqual([]);
  });

  it('runs a schedule now, also when disabled; CONFLICT while that run waits; a deleted schedule’s run does nothing', async () => {
    const { id } = await createSchedule({ enabled: false });
    const RUN = `mutation ($id: ID!) { runIndexSnapshotNow(id: $id) { id status jobType transitions { toStatus triggeredBy } } }`;
    const run = await ok<{ runIndexSnapshotNow: { id: string; status: string; jobType: string } }>(agents, RUN, { id });
    expect(run.runIndexSnapshotNow).toMatchObject({
      status: 'QUEUED',
      jobType: INDEX_SNAPSHOT_JOB,
      transitions: [{ toStatus: 'QUEUED', triggeredBy: 'admin' }],
    });
    expect(errorCodes(await agents.query(RUN, { id }, ADMIN))).toEqual(['CONFLICT']);
    await worker.drain();
    expect(puts()).toHaveLength(1);
    expect(await view(id)).toMatchObject({ enabled: false, lastStatus: 'SUCCEEDED', nextRunAt: null });

    const again = await ok<{ runIndexSnapshotNow: { id: string } }>(agents, RUN, { id });
    await ok(agents, `mutation ($id: ID!) { deleteIndexSnapshotSchedule(id: $id) }`, { id });
    await worker.drain();
    expect(puts()).toHaveLength(1);
    const [job] = await rows<{ status: string; result: unknown }>(
      agents,
      `SELECT status, result FROM agents.jobs WHERE id = $1`,
      [again.runIndexSnapshotNow.id],
    );
    expect(job).toEqual({ status: 'completed', result: { skipped: 'the schedule no longer exists' } });
  });
});

describe('the indexer settings', () => {
  const base = { INTERNAL_TOKEN_SECRET: 's'.repeat(32) };
  it('keep the URL without a trailing slash and refuse credentials in it, or a user without a password', () => {
    expect(agentsConfigFrom({ ...base, WAZUH_INDEXER_URL: 'https://indexer:9200/' }).WAZUH_INDEXER_URL).toBe(
      'https://indexer:9200',
    );
    expect(agentsConfigFrom(base).WAZUH_INDEXER_URL).toBeUndefined();
    expect(() => agentsConfigFrom({ ...base, WAZUH_INDEXER_URL: 'https://u:p@indexer:9200' })).toThrow(
      /WAZUH_INDEXER_URL: must not hold credentials/,
    );
    expect(() => agentsConfigFrom({ ...base, WAZUH_INDEXER_URL: 'ftp://indexer' })).toThrow(/WAZUH_INDEXER_URL/);
    expect(() => agentsConfigFrom({ ...base, WAZUH_INDEXER_USERNAME: 'admin' })).toThrow(/set both or neither/);
  });

  it('read the CA file once at start, refusing with a clear reason one that is missing, not PEM or not a certificate', () => {
    const https = { ...base, WAZUH_INDEXER_URL: 'https://indexer:9200' };
    const ca = agentsConfigFrom({ ...https, WAZUH_INDEXER_CA_FILE: CA_FILE }).WAZUH_INDEXER_CA_FILE;
    expect(ca?.path).toBe(CA_FILE);
    expect(ca?.pem).toContain('-----BEGIN CERTIFICATE-----');
    const notPem = path.join(tmpdir(), `agents-ca-${process.pid}-text.pem`);
    writeFileSync(notPem, 'not a certificate\n');
    const broken = path.join(tmpdir(), `agents-ca-${process.pid}-broken.pem`);
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    for (const [file, reason] of [
      ['/no/such/ca.pem', /WAZUH_INDEXER_CA_FILE: cannot read \/no\/such\/ca.pem: ENOENT/],
      [notPem, /WAZUH_INDEXER_CA_FILE: .* holds no PEM certificate/],
      [broken, /WAZUH_INDEXER_CA_FILE: certificate 1 in .* is not a valid X.509 certificate/],
    ] as const)
      expect(() => agentsConfigFrom({ ...https, WAZUH_INDEXER_CA_FILE: file })).toThrow(reason);
    expect(() =>
      agentsConfigFrom({ ...base, WAZUH_INDEXER_URL: 'http://indexer:9200', WAZUH_INDEXER_CA_FILE: CA_FILE }),
    ).toThrow(/WAZUH_INDEXER_CA_FILE: needs an https:\/\/ WAZUH_INDEXER_URL/);
  });
});

describe('an HTTPS indexer', () => {
  let secure: FakeIndexer;
  beforeAll(async () => {
    secure = new FakeIndexer({
      key: readFileSync(path.join(TLS_DIR, 'indexer-key.pem')),
      cert: readFileSync(path.join(TLS_DIR, 'indexer.pem')),
    });
    await secure.start();
  });
  afterAll(async () => secure?.stop());

  const env = () => ({
    INTERNAL_TOKEN_SECRET: 's'.repeat(32),
    WAZUH_INDEXER_URL: secure.url,
    WAZUH_INDEXER_USERNAME: USER,
    WAZUH_INDEXER_PASSWORD: PASSWORD,
  });

  it('is trusted through WAZUH_INDEXER_CA_FILE, and without it the run fails at once, saying so', async () => {
    const trusting = new JobWorker(
      agents.dataSource,
      jobHandlers(agents.dataSource, agentsConfigFrom({ ...env(), WAZUH_INDEXER_CA_FILE: CA_FILE })),
      'tls-worker',
    );
    const { id } = await createSchedule();
    await due(id);
    await scheduler.tick();
    await trusting.drain();
    expect(secure.requests.map((r) => r.method)).toEqual(['PUT', 'GET']);
    expect(secure.names('backups')).toEqual([(await view(id)).lastSnapshotName]);
    expect(await view(id)).toMatchObject({ lastStatus: 'SUCCEEDED', lastError: null });

    // Node's public roots do not know the indexer's CA: not retried, the way out on the schedule.
    const untrusting = new JobWorker(
      agents.dataSource,
      jobHandlers(agents.dataSource, agentsConfigFrom(env())),
      'tls-off',
    );
    const refused = await createSchedule();
    await due(refused.id);
    await scheduler.tick();
    await untrusting.drain();
    expect(await snapshotJobs(refused.id)).toMatchObject([{ status: 'failed', attempt_number: 1 }]);
    expect((await view(refused.id)).lastError).toMatch(
      /indexer's TLS certificate is not trusted for PUT _snapshot\/backups\/.* \([A-Z_]+\): set WAZUH_INDEXER_CA_FILE/,
    );
    expect(secure.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });
});
