import { createTestDatabase, type TestDatabase } from '@socgraph/testkit';
import { migrate } from '@socgraph/migrations';
import pg from 'pg';
import { SCHEMA_MIGRATIONS } from '../src/registry';
import { planFor, seedAtScale, SeedRefusedError, type SeedReport } from '../src/seed-scale';
import { startTestStack, type TestStack } from '../src/testing';

/**
 * `pnpm seed` (stack/src/seed-scale) at a tiny scale: the counts of the plan, the same rows on
 * a second database, a refusal on a database with data, audit chains that verify through the
 * gateway, and logins whose tag RBAC still decides what they see.
 */
const SCALE = 0.05;
const KEY = 'seed-test-signing-key-0123456789abcdef';
const PASSWORD = 'seed test password';
const plan = planFor(SCALE);

let graph: TestStack;
let other: TestDatabase | null = null;
let report: SeedReport;

const seed = (url: string) =>
  seedAtScale({ urlFor: () => url, scale: SCALE, signingKey: KEY, password: PASSWORD, scryptCost: 1024 });

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
  graph = await startTestStack({ env: { AUDIT_SIGNING_KEY: KEY } });
  report = await seed(graph.database.url);
  // The seed writes the tag-access settings behind the gateway's back (no mutation evicts them):
  // forget the ones read at start, as an operator restarting after a seed would.
  graph.stack.gateway.principals.evictTagAccessSettings();
}, 120_000);
afterAll(async () => {
  await graph?.stop();
  await other?.drop();
});

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
