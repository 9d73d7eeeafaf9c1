import { startTestStack, type TestStack } from '../../src/testing';

/**
 * The demo world links incidents' assets to agents' endpoint agents: through the gateway an
 * alert's assets resolve to the hosts' agents with their vulnerabilities and reports, and a
 * customer user sees only its customers' endpoint agents by that path too. The demo user's
 * agent executions are its own to read.
 */
const PASSWORD = 'demo-password-for-tests';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ seedDemo: { password: PASSWORD } });
});
afterAll(() => stack?.stop());

const bearer = async (username: string) => ({ authorization: `Bearer ${await stack.login(username, PASSWORD)}` });

const ALERT_ASSETS = `query { alerts(first: 10) { edges { node { id name customerCode assets { name agent {
  agentId hostname customerCode vulnerabilities { cveId severity } vulnerabilityReports(first: 1) { totalCount } } } } } } }`;
type AssetAgent = {
  agentId: string;
  hostname: string;
  customerCode: string;
  vulnerabilities: { cveId: string }[];
  vulnerabilityReports: { totalCount: number };
};
type Alerts = {
  alerts: {
    edges: {
      node: { id: string; name: string; customerCode: string; assets: { name: string; agent: AssetAgent | null }[] };
    }[];
  };
};
const assetsOf = (data: Alerts) =>
  data.alerts.edges.flatMap((e) => e.node.assets.map((a) => ({ alert: e.node, ...a })));

it("resolves the demo alerts' assets to agents' demo endpoint agents through the gateway", async () => {
  const admin = await stack.gql<Alerts>(ALERT_ASSETS, {}, await bearer('admin'));
  expect(admin.body.errors).toBeUndefined();
  const assets = assetsOf(admin.body.data!);
  expect(assets.length).toBeGreaterThanOrEqual(5);
  for (const asset of assets) {
    expect(asset.agent).not.toBeNull();
    expect(asset.agent!.hostname).toBe(asset.name);
    expect(asset.agent!.customerCode).toBe(asset.alert.customerCode);
    expect(asset.agent!.vulnerabilities.length).toBeGreaterThan(0);
    expect(asset.agent!.vulnerabilityReports.totalCount).toBe(1);
  }
});

it("shows a customer user only its customers' endpoint agents by the asset path", async () => {
  const adminHeaders = await bearer('admin');
  // An ACME alert naming a GLOBEX host: the customer user (ACME) sees the alert, not the host.
  const acmeAlert = assetsOf((await stack.gql<Alerts>(ALERT_ASSETS, {}, adminHeaders)).body.data!).find(
    (a) => a.alert.customerCode === 'ACME',
  )!.alert;
  const added = await stack.gql(
    `mutation ($id: ID!, $input: AssetInput!) { addAlertAsset(alertId: $id, input: $input) { name } }`,
    { id: acmeAlert.id, input: { name: 'globex-web01', agentId: 'agent-globex-003' } },
    adminHeaders,
  );
  expect(added.body.errors).toBeUndefined();

  const customer = await bearer('customer_user');
  const seen = await stack.gql<Alerts & { endpointAgents: { edges: { node: { customerCode: string } }[] } }>(
    `query { ${ALERT_ASSETS.slice('query {'.length, -1)} endpointAgents(first: 10) { edges { node { customerCode } } } }`,
    {},
    customer,
  );
  expect(seen.body.errors).toBeUndefined();
  const assets = assetsOf(seen.body.data!);
  expect(new Set(assets.map((a) => a.alert.customerCode))).toEqual(new Set(['ACME']));
  const foreign = assets.filter((a) => a.name === 'globex-web01');
  expect(foreign).toHaveLength(1);
  expect(foreign[0]!.agent).toBeNull();
  const own = assets.filter((a) => a.name !== 'globex-web01');
  expect(own.length).toBeGreaterThan(0);
  expect(own.every((a) => a.agent?.customerCode === 'ACME')).toBe(true);
  expect(new Set(seen.body.data!.endpointAgents.edges.map((e) => e.node.customerCode))).toEqual(new Set(['ACME']));
});

it("lets a user read its own agent executions and interactions, and admins everyone's", async () => {
  const query = `query { me { username agentExecutions(first: 1) { totalCount edges { node { agent { name } } } }
    agentInteractions { totalCount } } }`;
  const mine = await stack.gql<{
    me: { agentExecutions: { totalCount: number }; agentInteractions: { totalCount: number } };
  }>(query, {}, await bearer('customer_user'));
  expect(mine.body.errors).toBeUndefined();
  expect(mine.body.data!.me.agentExecutions.totalCount).toBe(3 * 7 * 6);
  expect(mine.body.data!.me.agentInteractions.totalCount).toBe(3);

  const users = `query { users(first: 50) { edges { node { username agentExecutions { totalCount } } } } }`;
  const asAdmin = await stack.gql<{
    users: { edges: { node: { username: string; agentExecutions: { totalCount: number } } }[] };
  }>(users, {}, await bearer('admin'));
  expect(asAdmin.body.errors).toBeUndefined();
  const counts = Object.fromEntries(
    asAdmin.body.data!.users.edges.map((e) => [e.node.username, e.node.agentExecutions.totalCount]),
  );
  expect(counts).toMatchObject({ analyst: 126, customer_user: 126, admin: 0 });

  // The analyst reads the customer user's profile, not its executions.
  const analyst = await stack.gql<{ users: unknown; user: { agentExecutions: { totalCount: number } } | null }>(
    `query ($id: ID!) { user(id: $id) { agentExecutions { totalCount } } }`,
    { id: '3' },
    await bearer('analyst'),
  );
  expect(analyst.body.errors).toBeUndefined();
  expect(analyst.body.data!.user?.agentExecutions.totalCount ?? 0).toBe(0);
});

it('moves a demo report along through the gateway with its codes: BAD_USER_INPUT, CONFLICT, FORBIDDEN', async () => {
  const admin = await bearer('admin');
  const reports = await stack.gql<{ vulnerabilityReports: { edges: { node: { id: string; status: string } }[] } }>(
    `{ vulnerabilityReports(first: 1) { edges { node { id status } } } }`,
    {},
    admin,
  );
  const report = reports.body.data!.vulnerabilityReports.edges[0]!.node;
  const SET = `mutation ($id: ID!, $status: EndpointReportStatus!, $errorMessage: String) {
    setVulnerabilityReportStatus(id: $id, status: $status, errorMessage: $errorMessage) { id status } }`;
  const codesOf = (r: { body: { errors?: { extensions?: Record<string, unknown> }[] } }) =>
    (r.body.errors ?? []).map((e) => [e.extensions?.code, e.extensions?.field ?? null]);

  const badEnum = await stack.gql(SET, { id: report.id, status: 'DONE' }, admin);
  expect(codesOf(badEnum).map(([code]) => code)).toEqual(['BAD_USER_INPUT']);
  const tooLong = await stack.gql(SET, { id: report.id, status: 'FAILED', errorMessage: 'x'.repeat(10_001) }, admin);
  expect(codesOf(tooLong)).toEqual([['BAD_USER_INPUT', 'errorMessage']]);
  // The demo's reports are finished: moving one again is CONFLICT.
  expect(report.status).toBe('COMPLETED');
  const finished = await stack.gql(SET, { id: report.id, status: 'GENERATING' }, admin);
  expect(codesOf(finished)).toEqual([['CONFLICT', null]]);
  const analyst = await stack.gql(SET, { id: report.id, status: 'GENERATING' }, await bearer('analyst'));
  expect(codesOf(analyst).map(([code]) => code)).toEqual(['FORBIDDEN']);
});
