import { startTestStack, type TestStack } from '../../src/testing';

/**
 * Each subgraph down in turn: the dashboard operations return every part that does not
 * depend on it; the parts that do are null, each with an error carrying `path` and the
 * failing subgraph's name (api.md Conventions: nullable root and contributed fields).
 */
let graph: TestStack;
let auth: Record<string, string>;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  // Principals cached for a minute, so a request is still authenticated while identity is down.
  graph = await startTestStack({ env: { PRINCIPAL_CACHE_SECONDS: '60' } });
  await graph.seedAdmin(PASSWORD);
  auth = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
  const created = await graph.gql(
    `mutation { createCustomer(input: { code: "ACME", name: "Acme" }) { code } }`,
    {},
    auth,
  );
  expect(created.body.errors).toBeUndefined();
});
afterAll(async () => graph?.stop());

const DASHBOARD = `query Dashboard {
  me { username assignedAlerts { totalCount } authEvents { totalCount } }
  alerts { totalCount }
  customers { totalCount edges { node { code alerts { totalCount } } } }
  auditLog { totalCount }
}`;

interface Dashboard {
  me: { username: string; assignedAlerts: unknown; authEvents: unknown } | null;
  alerts: unknown;
  customers: { totalCount: number; edges: { node: { code: string; alerts: unknown } }[] } | null;
  auditLog: unknown;
}

const failures = (errors: { path?: unknown; extensions?: Record<string, unknown> }[] | undefined) =>
  (errors ?? []).map((e) => ({ path: (e.path as unknown[]).join('.'), subgraph: e.extensions?.subgraph }));

it('answers in full while everything is up', async () => {
  const result = await graph.gql<Dashboard>(DASHBOARD, {}, auth);
  expect(result.body.errors).toBeUndefined();
  expect(result.body.data?.me?.username).toBe('admin');
});

it.each([
  {
    down: 'incidents',
    nullPaths: ['me.assignedAlerts', 'alerts', 'customers.edges.0.node.alerts'],
    check: (data: Dashboard) => {
      expect(data.me).toMatchObject({
        username: 'admin',
        assignedAlerts: null,
        authEvents: { totalCount: expect.any(Number) },
      });
      expect(data.alerts).toBeNull();
      expect(data.customers?.edges[0]?.node).toEqual({ code: 'ACME', alerts: null });
      expect(data.auditLog).toEqual({ totalCount: expect.any(Number) });
    },
  },
  {
    down: 'audit',
    nullPaths: ['me.authEvents', 'auditLog'],
    check: (data: Dashboard) => {
      expect(data.me).toMatchObject({ username: 'admin', assignedAlerts: { totalCount: 0 }, authEvents: null });
      expect(data.alerts).toEqual({ totalCount: 0 });
      expect(data.customers?.edges[0]?.node).toEqual({ code: 'ACME', alerts: { totalCount: 0 } });
      expect(data.auditLog).toBeNull();
    },
  },
  {
    down: 'identity',
    nullPaths: ['me', 'customers'],
    check: (data: Dashboard) => {
      expect(data.me).toBeNull();
      expect(data.customers).toBeNull();
      expect(data.alerts).toEqual({ totalCount: 0 });
      expect(data.auditLog).toEqual({ totalCount: expect.any(Number) });
    },
  },
])('with $down down, returns every part that does not depend on it', async ({ down, nullPaths, check }) => {
  await graph.stack.stopSubgraph(down);
  try {
    const result = await graph.gql<Dashboard>(DASHBOARD, {}, auth);
    expect(result.status).toBe(200);
    expect(result.body.data).not.toBeNull();
    check(result.body.data as Dashboard);
    expect(failures(result.body.errors).sort((a, b) => a.path.localeCompare(b.path))).toEqual(
      nullPaths.sort().map((path) => ({ path, subgraph: down })),
    );
    for (const error of result.body.errors ?? []) expect(error.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
  } finally {
    await graph.stack.startSubgraph(down);
  }
  // Back in use as soon as it listens again.
  const again = await graph.gql<Dashboard>(DASHBOARD, {}, auth);
  expect(again.body.errors).toBeUndefined();
});
