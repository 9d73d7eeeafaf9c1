import { requestScope } from '@socgraph/shared';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { benchCredentials, type BenchCredentials } from '../src/bench/credentials';
import { benchOperations, type BenchOperation, type BenchRole } from '../src/bench/operations';
import { benchIds, seedBench } from '../src/bench/seed';
import { REPO_ROOT } from '../src/paths';
import { seedAtScale, type SeedReport } from '../src/seed-scale';
import { startTestStack, type TestStack } from '../src/testing';

/**
 * Issue 14's target "SQL statements per request independent of data scale": the bench's read
 * operations, through the gateway, on a small and a ten times larger `pnpm seed` data set (with
 * the bench's own data on top, as `pnpm bench --scale N` runs them), cost the same statements
 * per request, as their bench role, as admin (who sees the whole data set) and as a seeded
 * analyst (tag RBAC over the scale set's tags); the lists also at two page sizes.
 */
const KEY = 'statement-scale-signing-key-0123456789';
const PASSWORD = 'statement scale password';

interface Graph {
  graph: TestStack;
  report: SeedReport;
  credentials: BenchCredentials;
  seededAnalyst: Record<string, string>;
  operations: BenchOperation[];
}

const graphs: Graph[] = [];

async function seededGraph(scale: number): Promise<Graph> {
  // Caches that expire mid-test would add a principal or settings lookup to whichever request
  // meets the expiry (on a loaded machine, any): they outlive the test here.
  const graph = await startTestStack({
    env: { AUDIT_SIGNING_KEY: KEY, PRINCIPAL_CACHE_SECONDS: '3600', TAG_SETTINGS_REFRESH_SECONDS: '3600' },
  });
  try {
    const url = graph.database.url;
    const report = await seedAtScale({
      urlFor: () => url,
      scale,
      signingKey: KEY,
      password: PASSWORD,
      scryptCost: 1024,
    });
    await seedBench({ databaseUrl: url, password: PASSWORD, users: 50, customers: 10, alertsPerCustomer: 5 });
    // Both seeds wrote the tag-access settings, which this gateway would keep for an hour (above):
    // evict them, as updateTagAccessSettings through it (or the seed's Redis option) would.
    graph.stack.gateway.principals.evictTagAccessSettings();
    const credentials = await benchCredentials({ gatewayUrl: graph.stack.gateway.graphqlUrl, password: PASSWORD });
    const seededAnalyst = { authorization: `Bearer ${await graph.login(report.logins.analysts[0]!, PASSWORD)}` };
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'gateway', 'persisted-queries.json'), 'utf8')) as {
      operations: { id: string; name: string; body: string }[];
    };
    const alerts = manifest.operations.find((o) => o.name === 'Alerts')!;
    const operations = benchOperations({
      ...(await benchIds(url)),
      persistedAlerts: { id: alerts.id, body: alerts.body },
    }).filter((op) => !op.oursOnly);
    return { graph, report, credentials, seededAnalyst, operations };
  } catch (error) {
    await graph.stop();
    throw error;
  }
}

/** Statements one request ran in the subgraphs (all in this process), by the gateway's request id. */
async function statements(
  graph: TestStack,
  op: BenchOperation,
  headers: Record<string, string>,
  variables: Record<string, unknown>,
): Promise<number> {
  const body =
    op.persistedId && headers['x-api-key']
      ? { variables, extensions: { persistedQuery: { version: 1, sha256Hash: op.persistedId } } }
      : { query: op.query, variables };
  const response = await fetch(graph.stack.gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  expect([op.name, text.startsWith('{"data":{') && !text.includes('"errors":[') ? 'clean' : text]).toEqual([
    op.name,
    'clean',
  ]);
  return requestScope.statementsFor(String(response.headers.get('x-request-id')));
}

/** Every (operation, caller, page size) the test measures, with its statement count. */
async function measure(g: Graph): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const op of g.operations) {
    const callers: [string, Record<string, string>][] = [[op.as, g.credentials.gateway[op.as]]];
    if (op.as !== 'partner' && op.as !== 'auditor') {
      callers.push(['admin', g.credentials.gateway.admin as Record<string, string>]);
      // The bench's case belongs to a bench customer the seeded analyst does not have.
      if (op.name !== 'case-view') callers.push(['seeded analyst', g.seededAnalyst]);
    }
    const pageSizes = typeof op.variables.first === 'number' ? [op.variables.first, 5] : [undefined];
    for (const [who, headers] of callers) {
      for (const first of pageSizes) {
        const variables = first === undefined ? op.variables : { ...op.variables, first };
        await statements(g.graph, op, headers, variables); // warms the principal cache and plans
        counts[`${op.name} as ${who}${first === undefined ? '' : `, first ${first}`}`] = await statements(
          g.graph,
          op,
          headers,
          variables,
        );
      }
    }
  }
  return counts;
}

beforeAll(async () => {
  graphs.push(await seededGraph(0.05));
  graphs.push(await seededGraph(0.5));
}, 180_000);
afterAll(async () => {
  for (const g of graphs) await g.graph.stop();
});

const roleOf = (key: string): BenchRole | string => key.split(' as ')[1]!.split(',')[0]!;

describe('SQL statements per request', () => {
  it('are the same at scale 0.05 and 0.5, and for 5 or 50 rows a page, for every bench read operation', async () => {
    const [small, large] = graphs;
    expect(large!.report.totalRows).toBeGreaterThan(5 * small!.report.totalRows);
    const atSmall = await measure(small!);
    const atLarge = await measure(large!);
    expect(Object.keys(atSmall).length).toBeGreaterThanOrEqual(16);
    // Every operation ran SQL (no count is vacuously equal).
    for (const [key, n] of Object.entries(atSmall)) expect([key, n > 0]).toEqual([key, true]);
    expect(atLarge).toEqual(atSmall);
    // Page size: the same count for first 5 and the bench's page.
    for (const key of Object.keys(atSmall).filter((k) => k.endsWith(', first 5'))) {
      const page = Object.keys(atSmall).find(
        (k) => k !== key && k.startsWith(key.slice(0, key.lastIndexOf(', first '))) && roleOf(k) === roleOf(key),
      )!;
      expect([key, atSmall[key]]).toEqual([key, atSmall[page]]);
    }
  });
});
