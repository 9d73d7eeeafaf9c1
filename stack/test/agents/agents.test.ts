import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAlert, createCustomers, createUser, errorCodes, startGraph, type Graph } from '../incidents/support';

/**
 * The agents subgraph through the gateway: incidents' `Asset.agent` resolved by agents with
 * the caller's customer scope, the marketplace with a real local HTTP agent, and the audit
 * entry an execution leaves.
 */
let graph: Graph;
let agentServer: Server;
let agentUrl: string;
let c1: { id: string; token: string };
let c2: { id: string; token: string };

beforeAll(async () => {
  agentServer = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ answer: 42 }));
    });
  });
  await new Promise<void>((resolve) => agentServer.listen(0, '127.0.0.1', resolve));
  agentUrl = `http://127.0.0.1:${(agentServer.address() as AddressInfo).port}/run`;
  graph = await startGraph();
  await createCustomers(graph, ['C1', 'C2']);
  c1 = await createUser(graph, { username: 'agents_c1', role: 'customer_user', customerCodes: ['C1'] });
  c2 = await createUser(graph, { username: 'agents_c2', role: 'customer_user', customerCodes: ['C2'] });
  const agents = graph.stack.dataSource('agents');
  for (const [agentId, customer] of [
    ['ep-c1-host', 'C1'],
    ['ep-c2-host', 'C2'],
  ] as const) {
    await agents.query(
      `INSERT INTO agents.agents (agent_id, hostname, status, customer_code) VALUES ($1, $2, 'active', $3)`,
      [agentId, `${agentId}.corp`, customer],
    );
    await agents.query(
      `INSERT INTO agents.agent_vulnerabilities (cve_id, severity, title, agent_id, customer_code) VALUES ('CVE-2024-3094', 'Critical', 'xz', $1, $2)`,
      [agentId, customer],
    );
  }
});
afterAll(async () => {
  await graph?.stack.stop();
  await new Promise<void>((resolve) => agentServer?.close(() => resolve()));
});

const ASSETS = `query ($id: ID!) { alert(id: $id) { assets { name agent { agentId hostname vulnerabilities { cveId severity } } } } }`;
type Assets = { alert: { assets: { name: string; agent: { agentId: string; hostname: string } | null }[] } | null };

describe('agents through the gateway', () => {
  it("resolves incidents' Asset.agent in the caller's customer scope", async () => {
    const alertId = await createAlert(graph, { name: 'beacon', customerCode: 'C1' });
    for (const agentId of ['ep-c1-host', 'ep-c2-host']) {
      await graph.admin(
        `mutation ($id: ID!, $input: AssetInput!) { addAlertAsset(alertId: $id, input: $input) { name } }`,
        {
          id: alertId,
          input: { name: `asset-${agentId}`, agentId },
        },
      );
    }
    const asC1 = await graph.as<Assets>(c1.token, ASSETS, { id: alertId });
    expect(asC1.body.errors).toBeUndefined();
    const byName = Object.fromEntries(asC1.body.data!.alert!.assets.map((a) => [a.name, a.agent]));
    expect(byName['asset-ep-c1-host']).toEqual({
      agentId: 'ep-c1-host',
      hostname: 'ep-c1-host.corp',
      vulnerabilities: [{ cveId: 'CVE-2024-3094', severity: 'CRITICAL' }],
    });
    // The C2 host is outside C1's scope: null, not an error, not its data.
    expect(byName['asset-ep-c2-host']).toBeNull();
    const asAdmin = await graph.as<Assets>(graph.adminToken, ASSETS, { id: alertId });
    expect(asAdmin.body.data!.alert!.assets.every((a) => a.agent !== null)).toBe(true);
    const list = await graph.as<{ endpointAgents: { edges: { node: { agentId: string } }[] } }>(
      c2.token,
      `query { endpointAgents { edges { node { agentId } } } }`,
    );
    expect(list.body.data!.endpointAgents.edges.map((e) => e.node.agentId)).toEqual(['ep-c2-host']);
  });

  it('registers and runs a free agent, and the execution leaves its audit entry', async () => {
    const registered = await graph.admin<{ registerAgent: { id: string } }>(
      `mutation ($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`,
      {
        input: { name: 'Free answerer', runUrl: agentUrl, pricePerExecutionCents: 0, inputSchema: { type: 'object' } },
      },
    );
    const id = registered.registerAgent.id;
    const EXECUTE = `mutation ($input: ExecuteAgentInput!) { executeAgent(input: $input) { id status output creditsConsumed agent { name } user { username } } }`;
    const run = await graph.as<{
      executeAgent: { id: string; status: string; output: unknown; user: { username: string } };
    }>(c1.token, EXECUTE, { input: { agentId: id, input: { q: 'life' }, idempotencyKey: 'gw-free-1' } });
    expect(run.body.errors).toBeUndefined();
    expect(run.body.data!.executeAgent).toMatchObject({
      status: 'SUCCESS',
      output: { answer: 42 },
      creditsConsumed: 0,
      agent: { name: 'Free answerer' },
      user: { username: 'agents_c1' },
    });
    const bad = await graph.as(c1.token, EXECUTE, {
      input: { agentId: id, input: 'not an object', idempotencyKey: 'gw-free-2' },
    });
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ schemaPath: '#/type', field: 'input.input' });
    const auditor = await graph.as(
      c1.token,
      `mutation ($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`,
      {
        input: { name: 'Nope', runUrl: agentUrl, pricePerExecutionCents: 0 },
      },
    );
    expect(errorCodes(auditor)).toEqual(['FORBIDDEN']);

    await graph.stack.flushAudit();
    const trail = await graph.admin<{
      auditLog: { edges: { node: { actor: string; resourceType: string; resourceId: string; status: string } }[] };
    }>(
      `query { auditLog(first: 5, filter: { action: "executeAgent" }) { edges { node { actor resourceType resourceId status } } } }`,
    );
    expect(trail.auditLog.edges.map((e) => e.node)).toEqual(
      expect.arrayContaining([
        {
          actor: 'agents_c1',
          resourceType: 'AgentExecution',
          resourceId: run.body.data!.executeAgent.id,
          status: 'success',
        },
      ]),
    );
  });

  it('refuses index snapshot schedules with names OpenSearch would refuse, taken names, and non-admins', async () => {
    const CREATE = `mutation ($input: CreateIndexSnapshotScheduleInput!) {
      createIndexSnapshotSchedule(input: $input) { id name indexPattern repository enabled createdBy } }`;
    const input = {
      name: 'gw-alerts',
      indexPattern: 'wazuh-alerts-*',
      repository: 'backups',
      intervalMinutes: 1440,
      retentionDays: 14,
      enabled: false,
    };
    const created = await graph.admin<{ createIndexSnapshotSchedule: { id: string; name: string; createdBy: string } }>(
      CREATE,
      {
        input,
      },
    );
    expect(created.createIndexSnapshotSchedule).toMatchObject({ name: 'gw-alerts', createdBy: 'admin' });
    expect(errorCodes(await graph.as(graph.adminToken, CREATE, { input }))).toEqual(['CONFLICT']);
    const bad = await graph.as(graph.adminToken, CREATE, {
      input: { ...input, name: 'gw-other', indexPattern: 'Wazuh-Alerts-*' },
    });
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ field: 'input.indexPattern' });
    // A repository OpenSearch would refuse (it must be lowercase) is refused when set, on create and on change.
    const upper = await graph.as(graph.adminToken, CREATE, {
      input: { ...input, name: 'gw-upper', repository: 'Backups' },
    });
    expect(upper.body.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
      ['BAD_USER_INPUT', 'input.repository'],
    ]);
    const moved = await graph.as(
      graph.adminToken,
      `mutation ($id: ID!) { updateIndexSnapshotSchedule(id: $id, input: { repository: "Nightly-Backups" }) { repository } }`,
      { id: created.createIndexSnapshotSchedule.id },
    );
    expect(moved.body.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
      ['BAD_USER_INPUT', 'input.repository'],
    ]);
    expect(moved.body.errors?.[0]?.message).toMatch(/lowercase/);
    expect(errorCodes(await graph.as(c1.token, CREATE, { input: { ...input, name: 'gw-c1' } }))).toEqual(['FORBIDDEN']);
    const listed = await graph.as<{ indexSnapshotSchedules: { totalCount: number } }>(
      c1.token,
      `query { indexSnapshotSchedules { totalCount } }`,
    );
    expect(listed.body.data?.indexSnapshotSchedules.totalCount).toBe(0);
  });
});
