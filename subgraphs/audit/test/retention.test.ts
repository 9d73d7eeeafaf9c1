import { migrate } from '@socgraph/migrations';
import { auditMigrations } from '@socgraph/migrations/audit';
import { createLogger, type StartedSubgraph } from '@socgraph/shared';
import { createTestDatabase, randomSecret, type TestDatabase, type TestSubgraph } from '@socgraph/testkit';
import type { DataSource, QueryRunner } from 'typeorm';
import { auditSubgraph } from '../src';
import { auditConfigFrom } from '../src/config';
import { RETENTION_LOCK, RetentionScheduler, type RetentionRunOutcome } from '../src/retention-scheduler';
import { canonicalJson, chainHash, sign } from '../src/services/canonical';
import { CHAINS } from '../src/services/chain';
import { ADMIN, auditEntry, ok, recordEntries, startAudit, TEST_SECRETS_KEY, verify } from './support';

const DAY = 86_400_000;
const ago = (days: number): string => new Date(Date.now() - days * DAY).toISOString();

const CREATE = `mutation ($input: RetentionPolicyInput!) { createRetentionPolicy(input: $input) { id } }`;
const UPDATE = `mutation ($id: ID!, $input: RetentionPolicyInput!) { updateRetentionPolicy(id: $id, input: $input) { id } }`;
const RUN = `mutation ($dryRun: Boolean!) {
  runRetention(dryRun: $dryRun) { tableName cutoff archiveCutoff deleted archived dryRun }
}`;

interface RunResult {
  tableName: string;
  cutoff: string;
  archiveCutoff: string | null;
  deleted: number;
  archived: number;
  dryRun: boolean;
}

async function runRetention(audit: TestSubgraph, dryRun: boolean): Promise<RunResult[]> {
  return (await ok<{ runRetention: RunResult[] }>(audit, RUN, { dryRun }, ADMIN)).runRetention;
}

async function count(dataSource: DataSource, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = (await dataSource.query(sql, params)) as { n: number }[];
  return row?.n ?? 0;
}

async function insertLogs(dataSource: DataSource, ages: number[]): Promise<void> {
  for (const days of ages) {
    await dataSource.query(
      `INSERT INTO audit.logs (created_at, level, component, message) VALUES ($1, 'INFO', 'retention-test', $2)`,
      [ago(days), `${days} days old`],
    );
  }
}

/** Polls `probe` until it returns true; fails after `timeoutMs`. */
async function eventually(probe: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Holds the scheduler's advisory lock on a connection of its own until `release`. */
async function holdRetentionLock(dataSource: DataSource): Promise<{ release: () => Promise<void> }> {
  const runner: QueryRunner = dataSource.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  // Blocking: returns once no scheduled run is in progress.
  await runner.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [RETENTION_LOCK]);
  return {
    release: async () => {
      await runner.rollbackTransaction();
      await runner.release();
    },
  };
}

describe('retention policies', () => {
  let audit: TestSubgraph;
  beforeAll(async () => {
    audit = await startAudit();
  });
  afterAll(async () => audit?.stop());

  it('refuse archiving at or after deletion', async () => {
    const codeOf = async (input: Record<string, unknown>): Promise<unknown> =>
      (await audit.query(CREATE, { input }, ADMIN)).body.errors?.[0]?.extensions?.code;
    const base = { tableName: 'api_access_log', retentionPeriodDays: 90 };
    expect(await codeOf({ ...base, archiveAfterDays: 30, deleteAfterDays: 30 })).toBe('BAD_USER_INPUT');
    expect(await codeOf({ ...base, archiveAfterDays: 90 })).toBe('BAD_USER_INPUT');
    // Without deleteAfterDays the retention period is the bound.
    expect(await codeOf({ ...base, archiveAfterDays: 60, deleteAfterDays: 400 })).toBeUndefined();
    const [policy] = (await audit.dataSource.query(
      `SELECT id::text AS id FROM audit.data_retention_policies WHERE table_name = 'api_access_log'`,
    )) as { id: string }[];
    const refused = await audit.query(
      UPDATE,
      { id: policy?.id, input: { ...base, archiveAfterDays: 500, deleteAfterDays: 400 } },
      ADMIN,
    );
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('retention archive', () => {
  let audit: TestSubgraph;
  beforeAll(async () => {
    audit = await startAudit();
  });
  afterAll(async () => audit?.stop());

  it('moves rows past archive-after days to the archive, deletes older ones, and purges the archive later', async () => {
    await insertLogs(audit.dataSource, [5, 40, 60, 100]);
    const { createRetentionPolicy: policy } = await ok<{ createRetentionPolicy: { id: string } }>(
      audit,
      CREATE,
      { input: { tableName: 'logs', retentionPeriodDays: 365, archiveAfterDays: 30, deleteAfterDays: 90 } },
      ADMIN,
    );
    const state = async (): Promise<{ hot: number; archived: number }> => ({
      hot: await count(audit.dataSource, `SELECT count(*)::int AS n FROM audit.logs`),
      archived: await count(
        audit.dataSource,
        `SELECT count(*)::int AS n FROM audit.retention_archive WHERE table_name = 'logs'`,
      ),
    });

    const dry = await runRetention(audit, true);
    expect(dry).toEqual([expect.objectContaining({ tableName: 'logs', deleted: 1, archived: 2, dryRun: true })]);
    expect(dry[0]?.archiveCutoff).not.toBeNull();
    expect(await state()).toEqual({ hot: 4, archived: 0 });

    const real = await runRetention(audit, false);
    expect(real).toEqual([expect.objectContaining({ tableName: 'logs', deleted: 1, archived: 2, dryRun: false })]);
    expect(await state()).toEqual({ hot: 1, archived: 2 });
    const rows = (await audit.dataSource.query(
      `SELECT row_id, created_at, row_data FROM audit.retention_archive WHERE table_name = 'logs' ORDER BY created_at`,
    )) as { row_id: string; created_at: Date; row_data: Record<string, unknown> }[];
    expect(rows.map((r) => r.row_data.message)).toEqual(['60 days old', '40 days old']);
    for (const row of rows) {
      expect(row.row_id).toBe(String(row.row_data.id));
      expect(new Date(String(row.row_data.created_at)).getTime()).toBe(row.created_at.getTime());
      expect(row.row_data).not.toHaveProperty('search_vector');
    }
    // Nothing left to do: a second run moves nothing.
    expect(await runRetention(audit, false)).toEqual([expect.objectContaining({ deleted: 0, archived: 0 })]);

    // Deletion moves closer: the 60-day-old archived row goes, from the archive.
    await ok(
      audit,
      UPDATE,
      {
        id: policy.id,
        input: { tableName: 'logs', retentionPeriodDays: 365, archiveAfterDays: 30, deleteAfterDays: 50 },
      },
      ADMIN,
    );
    expect(await runRetention(audit, true)).toEqual([expect.objectContaining({ deleted: 1, archived: 0 })]);
    expect(await state()).toEqual({ hot: 1, archived: 2 });
    expect(await runRetention(audit, false)).toEqual([expect.objectContaining({ deleted: 1, archived: 0 })]);
    expect(await state()).toEqual({ hot: 1, archived: 1 });
  });
  it('leaves one entry per run with the counts, not one captured row per moved row', async () => {
    for (const days of [40, 45, 100]) {
      await audit.dataSource.query(
        `INSERT INTO audit.security_events (event_category, severity_level, created_at) VALUES ('test', 'LOW', $1)`,
        [ago(days)],
      );
    }
    await ok(
      audit,
      CREATE,
      { input: { tableName: 'security_events', retentionPeriodDays: 90, archiveAfterDays: 30 } },
      ADMIN,
    );
    const run = await runRetention(audit, false);
    expect(run.find((r) => r.tableName === 'security_events')).toMatchObject({ deleted: 1, archived: 2 });
    await audit.server.auditRelay?.flush();
    const [entry] = (await audit.dataSource.query(
      `SELECT resource_type, details FROM audit.audit_logs WHERE action = 'runRetention' ORDER BY seq DESC LIMIT 1`,
    )) as { resource_type: string; details: Record<string, unknown> }[];
    expect(entry?.resource_type).toBe('RetentionRun');
    // Captured: the policies' last_cleanup_at (logs and security_events); the moved rows are in the counts.
    expect(entry?.details).toMatchObject({
      rowsChanged: 2,
      results: expect.arrayContaining([
        expect.objectContaining({ tableName: 'security_events', deleted: 1, archived: 2 }),
      ]),
    });
  });
});

describe('retention archive of a chain', () => {
  // A chain of its own: only a prefix is pruned, and audited mutations would add recent entries first.
  let audit: TestSubgraph;
  const key = randomSecret();
  beforeAll(async () => {
    audit = await startAudit({ AUDIT_SIGNING_KEY: key });
  });
  afterAll(async () => audit?.stop());

  it('archives a chain prefix with its hashes; the rest and the archived copies still verify', async () => {
    // Chain order: the 250-day-old entry comes after a recent one, so it is not in the prunable prefix.
    const ages = [400, 200, 100, 1, 250];
    const entries = ages.map((days) => auditEntry({ occurredAt: ago(days), resourceId: `age-${days}` }));
    await recordEntries(audit, entries);
    const hashes = new Map(
      (
        (await audit.dataSource.query(`SELECT id, hash FROM audit.audit_logs WHERE id = ANY($1::uuid[])`, [
          entries.map((e) => e.id),
        ])) as { id: string; hash: string }[]
      ).map((r) => [r.id, r.hash]),
    );
    await ok(
      audit,
      CREATE,
      { input: { tableName: 'audit_logs', retentionPeriodDays: 365, archiveAfterDays: 30, deleteAfterDays: 300 } },
      ADMIN,
    );

    const dry = await runRetention(audit, true);
    expect(dry.find((r) => r.tableName === 'audit_logs')).toMatchObject({ deleted: 1, archived: 2 });
    expect(
      await count(audit.dataSource, `SELECT count(*)::int AS n FROM audit.audit_logs WHERE id = ANY($1::uuid[])`, [
        entries.map((e) => e.id),
      ]),
    ).toBe(5);

    const real = await runRetention(audit, false);
    expect(real.find((r) => r.tableName === 'audit_logs')).toMatchObject({ deleted: 1, archived: 2 });
    const left = (await audit.dataSource.query(
      `SELECT resource_id FROM audit.audit_logs WHERE id = ANY($1::uuid[]) ORDER BY seq`,
      [entries.map((e) => e.id)],
    )) as { resource_id: string }[];
    expect(left.map((r) => r.resource_id)).toEqual(['age-1', 'age-250']);
    expect(await verify(audit)).toMatchObject({ valid: true, firstBrokenId: null });

    const archived = (await audit.dataSource.query(
      `SELECT row_id, row_data FROM audit.retention_archive WHERE table_name = 'audit_logs' ORDER BY (row_data->>'seq')::bigint`,
    )) as { row_id: string; row_data: Record<string, unknown> }[];
    expect(archived.map((r) => r.row_data.resource_id)).toEqual(['age-200', 'age-100']);
    const [deleted, first, second] = entries;
    expect(archived.map((r) => r.row_id)).toEqual([first?.id, second?.id]);
    // Offline: each copy re-hashes from its own data and links to its predecessor; the checkpoint names the last.
    const spec = CHAINS.AUDIT_LOG;
    for (const { row_data: row } of archived) {
      const payload = Object.fromEntries(
        spec.payloadColumns.map((c) => [c, c === 'created_at' ? new Date(String(row[c])) : row[c]]),
      );
      const expected = chainHash(String(row.previous_hash), canonicalJson(payload));
      expect(row.hash).toBe(expected);
      expect(row.signature).toBe(sign(key, expected));
    }
    expect(archived[0]?.row_data.previous_hash).toBe(hashes.get(String(deleted?.id)));
    expect(archived[1]?.row_data.previous_hash).toBe(archived[0]?.row_data.hash);
    const [checkpoint] = (await audit.dataSource.query(
      `SELECT last_pruned_hash, pruned_count FROM audit.audit_chain_checkpoints WHERE chain = 'AUDIT_LOG'
       ORDER BY pruned_through_seq DESC LIMIT 1`,
    )) as { last_pruned_hash: string; pruned_count: number }[];
    expect(checkpoint).toEqual({ last_pruned_hash: archived[1]?.row_data.hash, pruned_count: 3 });

    // Appends after the archive keep verifying from the checkpoint.
    await recordEntries(audit, [auditEntry()]);
    expect((await verify(audit)).valid).toBe(true);
  });
});

/** The audit subgraph on `database`, its log lines kept in memory. */
async function startLogged(
  database: TestDatabase,
  env: NodeJS.ProcessEnv,
): Promise<{ server: StartedSubgraph; lines: { msg: string; [key: string]: unknown }[] }> {
  const lines: { msg: string }[] = [];
  const logger = createLogger('audit-test', 'info', {
    write: (line: string) => {
      lines.push(JSON.parse(line) as { msg: string });
    },
  });
  const server = await auditSubgraph.start({
    databaseUrl: database.url,
    port: 0,
    internalTokenSecret: randomSecret(),
    jwtSecret: randomSecret(),
    env: { AUDIT_SIGNING_KEY: randomSecret(), SECRETS_ENCRYPTION_KEY: TEST_SECRETS_KEY, ...env },
    logger,
  });
  return { server, lines };
}

describe('scheduled retention', () => {
  let database: TestDatabase;
  let started: StartedSubgraph | undefined;
  beforeAll(async () => {
    database = await createTestDatabase('audit_retention');
    await migrate({ urlFor: () => database.url, schemas: [{ name: 'audit', migrations: auditMigrations }] });
  });
  afterAll(async () => {
    await started?.stop();
    await database?.drop();
  });

  it('runs by itself, leaves one entry per run, logs it, and skips while another holds the lock', async () => {
    const { server, lines } = await startLogged(database, { RETENTION_INTERVAL_MINUTES: '0.002' }); // 120 ms
    started = server;
    const { dataSource } = server;
    await insertLogs(dataSource, [5, 40, 100]);
    // Written in SQL so that only the scheduler's runs leave entries.
    await dataSource.query(
      `INSERT INTO audit.data_retention_policies (table_name, retention_period_days, archive_after_days)
       VALUES ('logs', 90, 30)`,
    );
    await eventually(
      async () => (await count(dataSource, `SELECT count(*)::int AS n FROM audit.retention_archive`)) === 1,
      'the scheduler to archive',
    );
    expect(await count(dataSource, `SELECT count(*)::int AS n FROM audit.logs`)).toBe(1);

    // While the test holds the lock no run is in progress, so entries and log lines can be compared.
    const lock = await holdRetentionLock(dataSource);
    try {
      const ran = lines.filter((l) => l.msg.startsWith('scheduled retention deleted')).length;
      await server.auditRelay?.flush();
      const entries = (await dataSource.query(
        `SELECT action, resource_type, details FROM audit.audit_logs
         WHERE actor = 'service:retention-scheduler' ORDER BY seq`,
      )) as { action: string; resource_type: string; details: { results: { deleted: number }[] } }[];
      expect(ran).toBeGreaterThanOrEqual(1);
      expect(entries).toHaveLength(ran);
      expect(entries.every((e) => e.action === 'runRetention' && e.resource_type === 'RetentionRun')).toBe(true);
      // One run did the work (a tick may have come before the policy was there, later ones find nothing).
      const working = entries.filter((e) => e.details.results.some((r) => r.deleted > 0));
      expect(working).toHaveLength(1);
      expect(working[0]?.details).toMatchObject({
        dryRun: false,
        results: [expect.objectContaining({ tableName: 'logs', deleted: 1, archived: 1 })],
      });
      expect(lines.filter((l) => l.msg === 'scheduled retention deleted 1 and archived 1 rows')).toEqual([
        expect.objectContaining({ deleted: 1, archived: 1, tables: { logs: { deleted: 1, archived: 1 } } }),
      ]);
      // Ticks while the lock is held skip, and leave no entry.
      await eventually(async () => lines.some((l) => l.msg.startsWith('scheduled retention skipped')), 'a skipped run');
      await server.auditRelay?.flush();
      expect(
        await count(
          dataSource,
          `SELECT count(*)::int AS n FROM audit.audit_logs WHERE actor = 'service:retention-scheduler'`,
        ),
      ).toBe(ran);
    } finally {
      await lock.release();
    }
    // stop() waits for a run in progress and leaves no timer behind (jest would report an open handle).
    await server.stop();
    started = undefined;
  });
});

describe('two schedulers on one database', () => {
  let audit: TestSubgraph;
  beforeAll(async () => {
    audit = await startAudit(); // its own scheduler waits a day: the test drives two more
  });
  afterAll(async () => audit?.stop());

  const schedulerOn = (dataSource: DataSource, env: NodeJS.ProcessEnv = {}): RetentionScheduler =>
    new RetentionScheduler({
      dataSource,
      config: auditConfigFrom({
        INTERNAL_TOKEN_SECRET: randomSecret(),
        JWT_SECRET: randomSecret(),
        AUDIT_SIGNING_KEY: randomSecret(),
        SECRETS_ENCRYPTION_KEY: TEST_SECRETS_KEY,
        ...env,
      }),
      logger: createLogger('audit-test', 'silent'),
    });
  const schedulerEntries = async (): Promise<number> => {
    await audit.server.auditRelay?.flush();
    return count(
      audit.dataSource,
      `SELECT count(*)::int AS n FROM audit.audit_logs WHERE actor = 'service:retention-scheduler'`,
    );
  };

  it('do not both run: the one without the lock skips', async () => {
    await recordEntries(audit, [auditEntry({ occurredAt: ago(100) }), auditEntry({ occurredAt: ago(1) })]);
    await audit.dataSource.query(
      `INSERT INTO audit.data_retention_policies (table_name, retention_period_days) VALUES ('audit_logs', 30)`,
    );
    const a = schedulerOn(audit.dataSource);
    const b = schedulerOn(audit.dataSource);
    // Hold the chain head, so whichever run takes the lock is still running when the other tries.
    const head = audit.dataSource.createQueryRunner();
    await head.connect();
    await head.startTransaction();
    await head.query(`SELECT 1 FROM audit.audit_chain_heads WHERE chain = 'AUDIT_LOG' FOR UPDATE`);
    let outcomes: RetentionRunOutcome[];
    try {
      const runs = [a.runOnce(), b.runOnce()];
      expect((await Promise.race(runs)).status).toBe('skipped');
      await head.commitTransaction();
      outcomes = await Promise.all(runs);
    } finally {
      if (head.isTransactionActive) await head.rollbackTransaction();
      await head.release();
    }
    expect(outcomes.map((o) => o.status).sort()).toEqual(['ran', 'skipped']);
    const ran = outcomes.find((o) => o.status === 'ran');
    expect(ran?.status === 'ran' && ran.results).toEqual([expect.objectContaining({ deleted: 1, archived: 0 })]);
    expect(await schedulerEntries()).toBe(1);
    expect(await verify(audit)).toMatchObject({ valid: true });

    // One after the other both run, one entry each.
    expect((await a.runOnce()).status).toBe('ran');
    expect((await b.runOnce()).status).toBe('ran');
    expect(await schedulerEntries()).toBe(3);
  });

  it('a scheduled dry run changes nothing and reports its counts in its entry', async () => {
    await insertLogs(audit.dataSource, [50, 1]);
    await audit.dataSource.query(
      `INSERT INTO audit.data_retention_policies (table_name, retention_period_days) VALUES ('logs', 30)`,
    );
    const entriesBefore = await schedulerEntries();
    const dry = schedulerOn(audit.dataSource, { RETENTION_DRY_RUN: 'true' });
    const outcome = await dry.runOnce();
    expect(outcome).toMatchObject({
      status: 'ran',
      results: [
        { tableName: 'audit_logs', dryRun: true },
        { tableName: 'logs', deleted: 1, archived: 0, dryRun: true },
      ],
    });
    expect(await count(audit.dataSource, `SELECT count(*)::int AS n FROM audit.logs`)).toBe(2);
    expect(await schedulerEntries()).toBe(entriesBefore + 1);
    const [latest] = (await audit.dataSource.query(
      `SELECT details FROM audit.audit_logs WHERE actor = 'service:retention-scheduler' ORDER BY seq DESC LIMIT 1`,
    )) as { details: Record<string, unknown> }[];
    expect(latest?.details).toMatchObject({
      dryRun: true,
      results: expect.arrayContaining([expect.objectContaining({ tableName: 'logs', deleted: 1 })]),
    });
  });

  it('a restart does not postpone a due run: a policy never enforced runs at once', async () => {
    await audit.dataSource.query(
      `INSERT INTO audit.data_retention_policies (table_name, retention_period_days) VALUES ('security_events', 30)`,
    );
    const entriesBefore = await schedulerEntries();
    const daily = schedulerOn(audit.dataSource); // RETENTION_INTERVAL_MINUTES: a day
    daily.start();
    try {
      await eventually(async () => (await schedulerEntries()) === entriesBefore + 1, 'the first run');
    } finally {
      await daily.stop();
    }
    const [policy] = (await audit.dataSource.query(
      `SELECT last_cleanup_at FROM audit.data_retention_policies WHERE table_name = 'security_events'`,
    )) as { last_cleanup_at: Date | null }[];
    expect(policy?.last_cleanup_at).not.toBeNull();
  });
});
