import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { createServiceClient, graphqlLogDelivery, logEntryOf } from '@socgraph/shared';
import { startTestStack, type TestStack } from '../src/testing';

/**
 * Every service's own warnings and errors reach audit's application logs (`logEntries`) as
 * well as stdout: a subgraph's unexpected resolver error, audit's own (stored in-process) and
 * the gateway's; info lines stay on stdout; an audit outage delays lines and loses none.
 */

const PASSWORD = 'correct horse battery staple';

interface LogNode {
  level: string;
  component: string;
  message: string;
  requestId: string | null;
  extra: Record<string, unknown> | null;
  source: string;
}

const LOGS = `query ShippedLogs($filter: LogFilter) {
  logEntries(first: 50, filter: $filter) {
    totalCount
    edges { node { level component message requestId extra source } }
  }
}`;

let graph: TestStack;
let admin: Record<string, string>;

beforeAll(async () => {
  graph = await startTestStack({
    env: {
      LOG_SHIP_LEVEL: 'warn',
      LOG_SHIP_FLUSH_MS: '50',
      // The gateway warns at start that it has no manifest: a line of its own to find.
      PERSISTED_QUERIES_PATH: path.join(os.tmpdir(), `no-manifest-${randomUUID()}.json`),
    },
  });
  await graph.seedAdmin(PASSWORD);
  admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
});
afterAll(async () => graph?.stop());

async function logs(filter: Record<string, unknown>): Promise<{ totalCount: number; nodes: LogNode[] }> {
  const result = await graph.gql<{ logEntries: { totalCount: number; edges: { node: LogNode }[] } }>(
    LOGS,
    { filter },
    admin,
  );
  const found = result.body.data?.logEntries;
  if (!found) throw new Error(`logEntries failed: ${JSON.stringify(result.body.errors)}`);
  return { totalCount: found.totalCount, nodes: found.edges.map((e) => e.node) };
}

/** Polls until `filter` finds at least one line, or fails at the deadline. */
async function shipped(filter: Record<string, unknown>, timeoutMs = 20_000): Promise<LogNode[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { nodes } = await logs(filter);
    if (nodes.length) return nodes;
    if (Date.now() > deadline) throw new Error(`no shipped line matches ${JSON.stringify(filter)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Makes incidents' createTag fail with an uncoded database error naming `constraint`. */
async function refuseTags(constraint: string): Promise<() => Promise<void>> {
  const incidents = graph.dataSource('incidents');
  await incidents.query(
    `ALTER TABLE incidents.incident_management_alerttag ADD CONSTRAINT ${constraint} CHECK (tag NOT LIKE 'refused-%') NOT VALID`,
  );
  return async () => {
    await incidents.query(`ALTER TABLE incidents.incident_management_alerttag DROP CONSTRAINT ${constraint}`);
  };
}

/** Returns the gateway's request id of the failed call. */
async function failCreateTag(label: string): Promise<string> {
  const result = await graph.gql(`mutation { createTag(name: "refused-${label}") { id } }`, {}, admin);
  expect(result.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  return String(result.headers.get('x-request-id'));
}

async function metricsOf(url: string): Promise<string> {
  return (await fetch(`${new URL(url).origin}/metrics`)).text();
}

describe('log shipping', () => {
  it("lands a subgraph's unexpected resolver error in audit, found by full text and level", async () => {
    const allow = await refuseTags('logshipprobe');
    let requestId: string;
    try {
      requestId = await failCreateTag('req-logship-1');
    } finally {
      await allow();
    }
    const [line] = await shipped({ search: 'logshipprobe', level: 'ERROR' });
    expect(line).toMatchObject({
      level: 'ERROR',
      component: 'subgraph-incidents',
      requestId,
      source: 'backend',
      extra: { err: { type: 'QueryFailedError', code: '23514' } },
    });
    expect(line?.message).toMatch(/^unexpected resolver error: .*logshipprobe/);
    // The stack stays on stdout.
    expect(JSON.stringify(line)).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(await logs({ search: 'logshipprobe', level: 'WARNING' })).toMatchObject({ totalCount: 0 });
  });

  it("stores audit's own lines in-process, and the gateway's; info lines do not ship", async () => {
    const auditDb = graph.dataSource('audit');
    await auditDb.query(
      `ALTER TABLE audit.data_retention_policies ADD CONSTRAINT logshipauditprobe CHECK (retention_period_days <> 4242) NOT VALID`,
    );
    let auditRequestId: string;
    try {
      const result = await graph.gql(
        `mutation { createRetentionPolicy(input: { tableName: "logs", retentionPeriodDays: 4242 }) { id } }`,
        {},
        admin,
      );
      expect(result.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      auditRequestId = String(result.headers.get('x-request-id'));
    } finally {
      await auditDb.query(`ALTER TABLE audit.data_retention_policies DROP CONSTRAINT logshipauditprobe`);
    }
    const [own] = await shipped({ search: 'logshipauditprobe', component: 'subgraph-audit' });
    expect(own).toMatchObject({ level: 'ERROR', requestId: auditRequestId });

    await graph.flushAudit();
    const [gateway] = await shipped({ search: 'manifest', component: 'gateway', level: 'WARNING' });
    expect(gateway?.message).toBe('no persisted-operation manifest: the safelist is empty');

    // Every service logged info lines at start (and the gateway one per request) before these.
    expect(await logs({ level: 'INFO' })).toMatchObject({ totalCount: 0 });
  });

  it('never sends a line audit would refuse', async () => {
    const entry = logEntryOf(
      {
        level: 40,
        time: Date.now(),
        msg: `\u0000\uD800 logshipoversized ${'ü'.repeat(30_000)}`,
        requestId: `req-${'x'.repeat(120)}`,
        durationMs: 1e12,
        rows: Array.from({ length: 400 }, (_, i) => ({ i, text: '✓'.repeat(3_000) })),
        ...Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, '€'.repeat(900)])),
      },
      'subgraph-incidents',
    );
    const deliver = graphqlLogDelivery({
      auditUrl: graph.subgraphUrl('audit'),
      client: createServiceClient({ caller: 'incidents', internalTokenSecret: graph.internalTokenSecret }),
    });
    await deliver([entry]);
    const [stored] = (await graph
      .dataSource('audit')
      .query(
        `SELECT length(message) AS length, request_id FROM audit.logs WHERE message LIKE '%logshipoversized%' LIMIT 1`,
      )) as {
      length: number;
      request_id: string | null;
    }[];
    expect(stored?.request_id).toBeNull();
    expect(stored?.length).toBeGreaterThan(1_000);
  });

  it('shows buffered and dropped lines on /metrics of the gateway and each subgraph', async () => {
    for (const url of [graph.stack.gateway.graphqlUrl, graph.subgraphUrl('incidents'), graph.subgraphUrl('audit')]) {
      const text = await metricsOf(url);
      expect(text).toMatch(/report_buffer_size\{[^}]*reporter="logs"[^}]*\} \d+/);
      expect(text).toMatch(/report_dropped_total\{[^}]*reporter="logs",reason="buffer_full"[^}]*\} 0/);
    }
  });

  it('retries while audit is down: lines arrive after its restart, none dropped', async () => {
    await graph.stack.stopSubgraph('audit');
    const allow = await refuseTags('logshipoutage');
    let requestId: string;
    try {
      requestId = await failCreateTag('req-logship-outage');
    } finally {
      await allow();
    }
    // Held by incidents' shipper, which keeps retrying.
    const incidentsUrl = graph.subgraphUrl('incidents');
    const deadline = Date.now() + 10_000;
    while (!/report_buffer_size\{[^}]*reporter="logs"[^}]*\} [1-9]/.test(await metricsOf(incidentsUrl))) {
      if (Date.now() > deadline) throw new Error('the line never waited in the buffer');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The outage itself: long enough for a few failed attempts (first after 50 ms, then 0.5 s, 1 s).
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await graph.stack.startSubgraph('audit');

    const [line] = await shipped({ search: 'logshipoutage', level: 'ERROR' }, 30_000);
    expect(line).toMatchObject({ component: 'subgraph-incidents', requestId });
    const text = await metricsOf(incidentsUrl);
    expect(text).toMatch(/report_dropped_total\{[^}]*reporter="logs",reason="retries_exhausted"[^}]*\} 0/);
    expect(text).toMatch(/report_dropped_total\{[^}]*reporter="logs",reason="buffer_full"[^}]*\} 0/);
  });
});
