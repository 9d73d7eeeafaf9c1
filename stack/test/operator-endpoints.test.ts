import { startTestStack, type TestStack } from '../src/testing';

/**
 * Issue #16 item 8: /metrics on the gateway and every subgraph, and the gateway's readiness
 * detail, are for operators in production (METRICS_TOKEN); the operation-name label takes
 * only names of known operations or authenticated callers, so anonymous callers cannot fill
 * its slots.
 */
let graph: TestStack;
const PASSWORD = 'correct horse battery staple';
const TOKEN = 'operator-token-0123456789';
const operator = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  graph = await startTestStack({ env: { NODE_ENV: 'production', METRICS_TOKEN: TOKEN } });
  await graph.seedAdmin(PASSWORD);
});
afterAll(async () => graph?.stop());

const origin = (url: string): string => new URL(url).origin;
const metricsUrls = (): [string, string][] => [
  ['gateway', `${graph.url}/metrics`],
  ...[...graph.stack.subgraphs.keys()].map((name): [string, string] => [
    name,
    `${origin(graph.subgraphUrl(name))}/metrics`,
  ]),
];

describe('/metrics', () => {
  it('needs the operator token on the gateway and on every subgraph', async () => {
    const seen: Record<string, number[]> = {};
    for (const [name, url] of metricsUrls()) {
      seen[name] = [
        (await fetch(url)).status,
        (await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status,
        (await fetch(url, { headers: operator })).status,
      ];
    }
    expect(Object.keys(seen).sort()).toEqual(['audit', 'gateway', 'identity', 'incidents']);
    for (const statuses of Object.values(seen)) expect(statuses).toEqual([401, 401, 200]);
  });

  it('is closed in production without a token, and open where METRICS_OPEN says so', async () => {
    const closed = await graph.startGateway({ NODE_ENV: 'production' });
    const open = await graph.startGateway({ NODE_ENV: 'production', METRICS_OPEN: 'true' });
    try {
      expect((await fetch(`${closed.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${closed.url}/metrics`, { headers: { authorization: 'Bearer anything' } })).status).toBe(
        401,
      );
      expect(await (await fetch(`${closed.url}/ready`)).json()).toEqual({ ready: true });
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
    } finally {
      await Promise.all([closed.stop(), open.stop()]);
    }
  });
});

describe('/ready', () => {
  it('tells anyone the status, and only operators the subgraphs', async () => {
    for (const path of ['/ready', '/ready/subgraphs']) {
      const anonymous = await fetch(`${graph.url}${path}`);
      expect(anonymous.status).toBe(200);
      expect(await anonymous.json()).toEqual({ ready: true });
      const detail = (await (await fetch(`${graph.url}${path}`, { headers: operator })).json()) as {
        subgraphs: Record<string, string>;
      };
      expect(Object.keys(detail.subgraphs).sort()).toEqual(['audit', 'identity', 'incidents']);
    }
  });
});

describe('operation-name labels', () => {
  it('are not taken by names anonymous callers send', async () => {
    for (let i = 0; i < 120; i += 1) await graph.gql(`query Flood${i} { __typename }`);
    const admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
    expect((await graph.gql(`query OperatorDashboard { me { id } }`, {}, admin)).body.errors).toBeUndefined();
    const text = await (await fetch(`${graph.url}/metrics`, { headers: operator })).text();
    expect(text).not.toMatch(/operation_name="Flood\d+"/);
    expect(text).toMatch(/graphql_request_duration_seconds_count\{[^}]*operation_name="__other"[^}]*\} 120/);
    expect(text).toMatch(/operation_name="OperatorDashboard"/);
    // The login's fetch to identity is an anonymous caller's too.
    const identity = await (
      await fetch(`${origin(graph.subgraphUrl('identity'))}/metrics`, { headers: operator })
    ).text();
    expect(identity).not.toMatch(/operation_name="TestLogin/);
  });
});
