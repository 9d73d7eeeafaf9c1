import { agentMetricsRollupSql } from '@socgraph/agents';
import type { RunningGateway } from '@socgraph/gateway';
import { hashApiKeySecret } from '@socgraph/identity';
import { createTestDatabase, postGraphQL, randomSecret, type TestDatabase } from '@socgraph/testkit';
import { migrate } from '@socgraph/migrations';
import pg from 'pg';
import { SCHEMA_MIGRATIONS } from '../src/registry';
import { planFor, seedAtScale, SeedRefusedError, type SeedReport } from '../src/seed-scale';
import { startTestStack, type TestStack } from '../src/testing';
import { redisReachableSync, TEST_REDIS_URL } from './support';

/**
 * `pnpm seed` (stack/src/seed-scale) at a tiny scale: the counts of the plan, the same rows on
 * a second database, a refusal on a database with data, audit chains that verify through the
 * gateway, billing, keys, jobs and rollups consistent with what the services would write, the
 * seeded tag-access settings reaching gateways that were serving all along, and logins whose
 * tag RBAC still decides what they see.
 */
const SCALE = 0.05;
const KEY = 'seed-test-signing-key-0123456789abcdef';
const PASSWORD = 'seed test password';
const plan = planFor(SCALE);

let graph: TestStack;
let other: TestDatabase | null = null;
let report: SeedReport;
/** Gateways that cache the tag-access settings for an hour: one told over Redis (when there is one), one not. */
let viaRedis: RunningGateway | null = null;
let stale: RunningGateway | null = null;
const withRedis = redisReachableSync();
const REDIS_PREFIX = `seed-test-${randomSecret().slice(0, 8)}:`;

const seed = (url: string, extra: Partial<Parameters<typeof seedAtScale>[0]> = {}) =>
  seedAtScale({ urlFor: () => url, scale: SCALE, signingKey: KEY, password: PASSWORD, scryptCost: 1024, ...extra });

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function count(url: string, table: string): Promise<number> {
  return withClient(
    url,
    async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n,
  );
}

/** An md5 over every row's text form, in a fixed order: equal checksums, equal tables. */
async function checksums(url: string, tables: readonly string[]): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const out: Record<string, string> = {};
    for (const table of tables) {
      const { rows } = await c.query<{ sum: string }>(
        `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS sum FROM ${table} t`,
      );
      out[table] = rows[0]!.sum;
    }
    return out;
  });
}

/** Every index of the five schemas, as PostgreSQL would create it. */
async function indexDefinitions(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ def: string }>(
      `SELECT indexdef AS def FROM pg_indexes
        WHERE schemaname IN ('identity', 'incidents', 'surveillance', 'agents', 'audit') ORDER BY indexdef`,
    );
    return rows.map((r) => r.def);
  });
}

beforeAll(async () => {
  // No agents scheduler: its own jobs and rollups would make this database differ from the other.
  graph = await startTestStack({ env: { AUDIT_SIGNING_KEY: KEY, AGENT_SCHEDULER_TICK_MS: '0' } });
  // Both read the settings at start (tag RBAC off) and would keep them for an hour.
  const hour = { TAG_SETTINGS_REFRESH_SECONDS: '3600' };
  stale = await graph.startGateway(hour);
  if (withRedis)
    viaRedis = await graph.startGateway({ ...hour, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: REDIS_PREFIX });
  // Their start-up read of the settings (a call to incidents) is done well within this.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  report = await seed(graph.database.url, withRedis ? { redis: { url: TEST_REDIS_URL, keyPrefix: REDIS_PREFIX } } : {});
}, 120_000);
afterAll(async () => {
  await viaRedis?.stop();
  await stale?.stop();
  await graph?.stop();
  await other?.drop();
});

async function sql<R extends pg.QueryResultRow>(query: string, params: unknown[] = []): Promise<R[]> {
  return withClient(graph.database.url, async (c) => (await c.query<R>(query, params)).rows);
}

/** The alerts an analyst sees through `url`'s gateway. */
async function alertCount(url: string, token: string): Promise<number> {
  const result = await postGraphQL<{ alerts: { totalCount: number } }>(
    url,
    `{ alerts(first: 1) { totalCount } }`,
    {},
    { authorization: `Bearer ${token}` },
  );
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.alerts.totalCount;
}

describe('pnpm seed --scale', () => {
  it('writes the rows of the plan, table by table', async () => {
    const url = graph.database.url;
    const expected: Record<string, number> = {
      'identity.customers': plan.customers,
      'identity.users': plan.analysts + plan.customerUsers + 2,
      'incidents.incident_management_alerttag': plan.tags,
      'incidents.incident_management_alert': plan.alerts,
      'incidents.incident_management_ioc': plan.iocs,
      'incidents.incident_management_asset': plan.alerts,
      'incidents.incident_management_case': plan.cases,
      'surveillance.cameras': plan.cameras,
      'surveillance.detections': plan.detections,
      'surveillance.event_detections': plan.detections,
      'surveillance.events': Math.ceil(plan.detections / plan.detectionsPerEvent),
      'agents.agent': plan.marketplaceAgents,
      'agents.agent_execution': plan.executions,
      'agents.agents': plan.endpointAgents,
      'audit.audit_logs': plan.auditEntries,
      'audit.auth_audit_log': plan.authEvents,
      'audit.api_access_log': plan.accessLog,
      'agents.jobs': plan.jobs,
      'agents.scheduled_job_metadata': 1,
      'agents.schedulerjob': 1,
      'agents.index_snapshot_schedules': plan.snapshotSchedules,
      'identity.api_keys': plan.apiKeys,
      'identity.checkout_sessions': plan.checkouts,
    };
    for (const [table, n] of Object.entries(expected)) expect([table, await count(url, table)]).toEqual([table, n]);
    // What the report says it wrote is what is there, for every table it names.
    for (const stat of report.tables) {
      if (stat.table.endsWith('tag_access_settings')) continue;
      expect([stat.table, await count(url, stat.table)]).toEqual([stat.table, stat.rows]);
    }
    // About half the alerts are tagged; each has an IoC; comments exist.
    const tagged = await withClient(url, async (c) => {
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(DISTINCT alert_id)::int AS n FROM incidents.incident_management_alert_to_tag`,
      );
      return rows[0]!.n;
    });
    expect(tagged / plan.alerts).toBeGreaterThan(0.3);
    expect(tagged / plan.alerts).toBeLessThan(0.7);
    expect(await count(url, 'incidents.incident_management_comment')).toBeGreaterThan(0);
    for (const table of [
      'agents.agent_metrics',
      'agents.job_attempts',
      'agents.job_transitions',
      'identity.credit_holds',
      'identity.payments',
      'identity.transaction_audit_log',
      'identity.usage_metrics',
    ]) {
      expect([table, await count(url, table)]).not.toEqual([table, 0]);
    }
  });

  it('scales the new tables with N', () => {
    const one = planFor(1);
    const ten = planFor(10);
    expect([one.jobs, one.apiKeys, one.checkouts, one.snapshotSchedules]).toEqual([500, 20, 50, 5]);
    for (const key of ['jobs', 'apiKeys', 'checkouts', 'snapshotSchedules'] as const)
      expect(ten[key]).toBe(10 * one[key]);
  });

  it('writes the same rows on another database (same seed), keeps its indexes, and refuses one with data', async () => {
    const tables = report.tables.map((t) => t.table).filter((t, i, all) => all.indexOf(t) === i);
    // Before any login of this test changes a row (last_login_at, auth events).
    const first = await checksums(graph.database.url, tables);
    other = await createTestDatabase('seed');
    const url = other.url;
    await migrate({ urlFor: () => url, schemas: SCHEMA_MIGRATIONS });
    const indexes = await indexDefinitions(url);
    expect(indexes.length).toBeGreaterThan(100);
    await seed(url);
    expect(await checksums(url, tables)).toEqual(first);
    // The indexes built after the rows are the migrations' own.
    expect(await indexDefinitions(url)).toEqual(indexes);
    await expect(seed(other.url)).rejects.toBeInstanceOf(SeedRefusedError);
    // A reset empties the schemas, and the same rows come back.
    await seedAtScale({
      urlFor: () => other!.url,
      scale: SCALE,
      signingKey: KEY,
      password: PASSWORD,
      scryptCost: 1024,
      reset: true,
    });
    expect(await checksums(other.url, tables)).toEqual(first);
  }, 120_000);

  it('keeps every balance the sum of its ledger, and charges each priced execution through a hold', async () => {
    const [off] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM identity.users u
        WHERE u.credit_balance_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM identity.transactions t WHERE t.user_id = u.id)`,
    );
    expect(off!.n).toBe(0);
    // Hold and charge as CreditService leaves them for the execution's outcome.
    const [holds] = await sql<{ priced: number; matched: number }>(
      `SELECT count(*)::int AS priced,
              count(*) FILTER (WHERE h.user_id::text = x.user_id AND h.amount_cents = x.price_cents
                AND h.idempotency_key = x.idempotency_key AND t.amount_cents = -x.price_cents
                AND h.status || '/' || t.status = CASE x.status WHEN 'success' THEN 'captured/completed'
                                                               WHEN 'running' THEN 'held/pending'
                                                               ELSE 'released/released' END
                AND (h.status <> 'released' OR EXISTS (SELECT 1 FROM identity.transactions r
                       WHERE r.hold_id = h.id AND r.type = 'release' AND r.amount_cents = x.price_cents)))::int AS matched
         FROM agents.agent_execution x
         LEFT JOIN identity.credit_holds h ON h.id::text = x.hold_id
         LEFT JOIN identity.transactions t ON t.id = h.transaction_id
        WHERE x.price_cents > 0`,
    );
    expect(holds!.priced).toBeGreaterThan(0);
    expect(holds!.matched).toBe(holds!.priced);
    // Usage counters: one execution per hold, the captured amounts spent; each payment a top-up.
    const [usage] = await sql<{ executions: number; holds: number; spent: string; captured: string }>(
      `SELECT (SELECT sum(agent_executions)::int FROM identity.usage_metrics) AS executions,
              (SELECT count(*)::int FROM identity.credit_holds) AS holds,
              (SELECT sum(credits_spent_cents)::text FROM identity.usage_metrics) AS spent,
              (SELECT coalesce(sum(amount_cents), 0)::text FROM identity.credit_holds WHERE status = 'captured') AS captured`,
    );
    expect(usage!.executions).toBe(usage!.holds);
    expect(usage!.spent).toBe(usage!.captured);
    const [topups] = await sql<{ bad: number }>(
      `SELECT count(*)::int AS bad FROM identity.payments p LEFT JOIN identity.transactions t ON t.id = p.transaction_id
        WHERE t.type IS DISTINCT FROM 'topup' OR t.amount_cents <> p.credits_cents OR t.payment_id <> p.id`,
    );
    expect(topups!.bad).toBe(0);
  });

  it('writes the rollups the rollup job computes from the executions, and jobs whose history ends in their status', async () => {
    const columns = `agent_id, period, date, hour, bucket_start, total_executions, successful_executions, failed_executions,
      timeout_executions, error_executions, avg_duration_ms, min_duration_ms, max_duration_ms, p95_duration_ms,
      p99_duration_ms, unique_users, total_credits_consumed, avg_credits_per_execution, error_counts`;
    const digest = `SELECT md5(string_agg(r::text, '|' ORDER BY r::text)) AS sum FROM (SELECT ${columns} FROM agents.agent_metrics) r`;
    await withClient(graph.database.url, async (c) => {
      const seeded = (await c.query<{ sum: string }>(digest)).rows[0]!.sum;
      // From scratch, as the job's first run would: then rolled back.
      await c.query('BEGIN');
      try {
        await c.query('DELETE FROM agents.agent_metrics');
        for (const period of ['hourly', 'daily'] as const) await c.query(agentMetricsRollupSql(period), [null]);
        expect((await c.query<{ sum: string }>(digest)).rows[0]!.sum).toBe(seeded);
      } finally {
        await c.query('ROLLBACK');
      }
    });
    const [jobs] = await sql<{ bad: number; retried: number }>(
      `SELECT count(*) FILTER (WHERE last.to_status <> j.status
                OR (j.status <> 'cancelled' AND j.attempt_number <> (SELECT count(*) FROM agents.job_attempts a WHERE a.job_id = j.id))
                OR (j.status = 'cancelled' AND EXISTS (SELECT 1 FROM agents.job_attempts a WHERE a.job_id = j.id)))::int AS bad,
              count(*) FILTER (WHERE j.attempt_number > 1)::int AS retried
         FROM agents.jobs j
         CROSS JOIN LATERAL (SELECT to_status FROM agents.job_transitions t WHERE t.job_id = j.id
                              ORDER BY transitioned_at DESC, id DESC LIMIT 1) last`,
    );
    expect(jobs!.bad).toBe(0);
    expect(jobs!.retried).toBeGreaterThan(0);
    const [schedule] = await sql<{ status: string; enabled: boolean }>(
      `SELECT j.status, m.enabled FROM agents.scheduled_job_metadata m JOIN agents.jobs j ON j.id = m.last_job_id`,
    );
    expect(schedule).toMatchObject({ enabled: true });
  });

  it('hashes partner keys as identity does: an active key signs its owner in, a revoked one is refused', async () => {
    expect(report.apiKeys).toHaveLength(plan.apiKeys);
    const stored = new Map(
      (await sql<{ id: string; secret_hash: string }>(`SELECT id, secret_hash FROM identity.api_keys`)).map((r) => [
        r.id,
        r.secret_hash,
      ]),
    );
    for (const key of report.apiKeys) expect(stored.get(key.id)).toBe(hashApiKeySecret(key.secret));
    const active = report.apiKeys.find((k) => !k.revoked && !k.persistedOnly);
    if (active) {
      const me = await graph.gql<{ me: { username: string } }>(
        `{ me { username } }`,
        {},
        { 'x-api-key': active.secret },
      );
      expect(me.body.errors).toBeUndefined();
      expect(me.body.data?.me.username).toBe(active.owner);
    }
    const revoked = report.apiKeys.find((k) => k.revoked);
    if (revoked) {
      const refused = await graph.gql(`{ me { username } }`, {}, { 'x-api-key': revoked.secret });
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('reaches gateways that were serving: by their periodic refresh, at once over Redis', async () => {
    // analysts[0] sees every customer: all alerts while tag RBAC is off, fewer once it is on.
    const token = await graph.login(report.logins.analysts[0]!, PASSWORD);
    // The stack's gateway (TAG_SETTINGS_REFRESH_SECONDS 5) refreshes by itself: no restart, no eviction.
    const deadline = Date.now() + 20_000;
    let seen = await alertCount(graph.stack.gateway.graphqlUrl, token);
    while (seen === plan.alerts && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      seen = await alertCount(graph.stack.gateway.graphqlUrl, token);
    }
    expect(seen).toBeLessThan(plan.alerts);
    // An hour's cache without Redis still has the settings of before the seed.
    expect(await alertCount(stale!.graphqlUrl, token)).toBe(plan.alerts);
    if (viaRedis) {
      expect(report.settingsEvictedOn).toBeGreaterThanOrEqual(1);
      expect(await alertCount(viaRedis.graphqlUrl, token)).toBe(seen);
    }
  });

  it('leaves both audit chains verifiable through the gateway', async () => {
    const auditor = { authorization: `Bearer ${await graph.login(report.logins.auditor, PASSWORD)}` };
    for (const chain of ['AUDIT_LOG', 'AUTH_EVENTS']) {
      const result = await graph.gql<{ verifyAuditChain: { valid: boolean; checked: number; firstBrokenId: null } }>(
        `query ($chain: AuditChain) { verifyAuditChain(chain: $chain, full: true) { valid checked firstBrokenId } }`,
        { chain },
        auditor,
      );
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data?.verifyAuditChain).toMatchObject({ valid: true, firstBrokenId: null });
      // Every seeded entry was walked (auth events: plus the logins of this test, appended after them).
      expect(result.body.data!.verifyAuditChain.checked).toBeGreaterThanOrEqual(
        chain === 'AUDIT_LOG' ? plan.auditEntries : plan.authEvents,
      );
    }
  });

  it('keeps tag RBAC meaningful: an analyst sees its tags and the untagged alerts, of its customers', async () => {
    const url = graph.database.url;
    for (const username of report.logins.analysts) {
      const token = await graph.login(username, PASSWORD);
      const access = await withClient(url, async (c) => {
        const { rows } = await c.query<{ tags: number[]; customers: string[] }>(
          `SELECT coalesce((SELECT array_agg(tag_id) FROM identity.user_tag_access t WHERE t.user_id = u.id), '{}') AS tags,
                  coalesce((SELECT array_agg(customer_code::text) FROM identity.user_customer_access a WHERE a.user_id = u.id), '{}') AS customers
             FROM identity.users u WHERE username = $1`,
          [username],
        );
        return rows[0]!;
      });
      const expected = await withClient(url, async (c) => {
        const { rows } = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM incidents.incident_management_alert a
            WHERE (cardinality($2::text[]) = 0 OR a.customer_code = ANY($2::text[]))
              AND (NOT EXISTS (SELECT 1 FROM incidents.incident_management_alert_to_tag x WHERE x.alert_id = a.id)
                   OR EXISTS (SELECT 1 FROM incidents.incident_management_alert_to_tag x
                               WHERE x.alert_id = a.id AND x.tag_id = ANY($1::int[])))`,
          [access.tags, access.customers],
        );
        return rows[0]!.n;
      });
      expect(access.tags.length).toBeGreaterThanOrEqual(2);
      const result = await graph.gql<{
        alerts: { totalCount: number; edges: { node: { customerCode: string; tags: { id: string }[] } }[] };
      }>(
        `{ alerts(first: 100) { totalCount edges { node { customerCode tags { id } } } } }`,
        {},
        { authorization: `Bearer ${token}` },
      );
      expect(result.body.errors).toBeUndefined();
      const alerts = result.body.data!.alerts;
      expect([username, alerts.totalCount]).toEqual([username, expected]);
      expect(alerts.totalCount).toBeLessThan(plan.alerts);
      for (const { node } of alerts.edges) {
        if (access.customers.length) expect(access.customers).toContain(node.customerCode);
        if (node.tags.length) expect(node.tags.some((t) => access.tags.includes(Number(t.id)))).toBe(true);
      }
    }
  });
});
