import type { TestSubgraph } from '@socgraph/testkit';
import { InMemoryCredits } from './credits-double';
import { ADMIN, ANALYST_C1, AUDITOR, CUSTOMER_C1, CUSTOMER_C2, countStatements, ok, startAgents } from './support';

/** Endpoint agents and vulnerabilities are customer-scoped by the shared policy on every path. */
let agents: TestSubgraph;

async function seedEndpoints(subgraph: TestSubgraph, perCustomer: number, prefix = 'ep'): Promise<void> {
  for (const customer of ['C1', 'C2']) {
    for (let i = 0; i < perCustomer; i++) {
      const agentId = `${prefix}-${customer}-${String(i).padStart(3, '0')}`;
      await subgraph.dataSource.query(
        `INSERT INTO agents.agents (agent_id, hostname, ip_address, os, status, customer_code, quarantined)
         VALUES ($1, $2, '10.0.0.1', 'Windows 11', 'active', $3, $4)`,
        [agentId, `host-${agentId}`, customer, i === 0],
      );
      await subgraph.dataSource.query(
        `INSERT INTO agents.agent_vulnerabilities (cve_id, severity, title, status, agent_id, customer_code)
         VALUES ('CVE-2024-3094', 'Critical', 'xz backdoor', 'open', $1, $2), ('CVE-2021-44228', 'High', 'log4shell', 'resolved', $1, $2)`,
        [agentId, customer],
      );
    }
  }
}

beforeAll(async () => {
  agents = await startAgents(new InMemoryCredits(), { AGENT_METRICS_INTERVAL_MS: '0' });
  await seedEndpoints(agents, 3);
});
afterAll(async () => agents.stop());

const LIST = `query ($filter: EndpointAgentFilter) { endpointAgents(first: 100, filter: $filter) { totalCount edges { node {
  agentId customerCode status quarantined vulnerabilities { cveId severity status customerCode } } } } }`;

describe('endpoint agents', () => {
  it('lists only the customers in scope, with their vulnerabilities', async () => {
    const mine = await ok<{
      endpointAgents: { totalCount: number; edges: { node: { customerCode: string; vulnerabilities: unknown[] } }[] };
    }>(agents, LIST, {}, CUSTOMER_C1);
    expect(mine.endpointAgents.totalCount).toBe(3);
    expect(new Set(mine.endpointAgents.edges.map((e) => e.node.customerCode))).toEqual(new Set(['C1']));
    expect(mine.endpointAgents.edges[0]!.node.vulnerabilities).toEqual(
      expect.arrayContaining([
        { cveId: 'CVE-2021-44228', severity: 'HIGH', status: 'RESOLVED', customerCode: 'C1' },
        { cveId: 'CVE-2024-3094', severity: 'CRITICAL', status: 'OPEN', customerCode: 'C1' },
      ]),
    );
    expect(mine.endpointAgents.edges[0]!.node.vulnerabilities).toHaveLength(2);
    const other = await ok<{ endpointAgents: { totalCount: number } }>(
      agents,
      LIST,
      { filter: { customerCode: 'C2' } },
      CUSTOMER_C1,
    );
    expect(other.endpointAgents.totalCount).toBe(0);
    const all = await ok<{ endpointAgents: { totalCount: number } }>(agents, LIST, {}, ADMIN);
    expect(all.endpointAgents.totalCount).toBe(6);
    const analyst = await ok<{ endpointAgents: { totalCount: number } }>(agents, LIST, {}, ANALYST_C1);
    expect(analyst.endpointAgents.totalCount).toBe(3);
    const auditor = await ok<{ endpointAgents: { totalCount: number } }>(agents, LIST, {}, AUDITOR);
    expect(auditor.endpointAgents.totalCount).toBe(0);
    const quarantined = await ok<{ endpointAgents: { totalCount: number } }>(
      agents,
      LIST,
      { filter: { quarantined: true } },
      ADMIN,
    );
    expect(quarantined.endpointAgents.totalCount).toBe(2);
  });

  it('answers a single fetch and _entities with null outside the scope', async () => {
    const single = `query ($id: String!) { endpointAgent(agentId: $id) { agentId vulnerabilities { cveId } } }`;
    expect(
      (await ok<{ endpointAgent: unknown }>(agents, single, { id: 'ep-C1-001' }, CUSTOMER_C1)).endpointAgent,
    ).toMatchObject({
      agentId: 'ep-C1-001',
    });
    expect(
      (await ok<{ endpointAgent: unknown }>(agents, single, { id: 'ep-C1-001' }, CUSTOMER_C2)).endpointAgent,
    ).toBeNull();
    expect((await ok<{ endpointAgent: unknown }>(agents, single, { id: 'nope' }, ADMIN)).endpointAgent).toBeNull();
    const entities = await ok<{
      _entities: ({ agentId: string; hostname: string; vulnerabilities: unknown[] } | null)[];
    }>(
      agents,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on EndpointAgent { agentId hostname vulnerabilities { cveId } } } }`,
      {
        r: [
          { __typename: 'EndpointAgent', agentId: 'ep-C1-002' },
          { __typename: 'EndpointAgent', agentId: 'ep-C2-002' },
        ],
      },
      CUSTOMER_C2,
    );
    expect(entities._entities[0]).toBeNull();
    expect(entities._entities[1]).toMatchObject({ agentId: 'ep-C2-002', hostname: 'host-ep-C2-002' });
    expect(entities._entities[1]!.vulnerabilities).toHaveLength(2);
  });

  it('costs the same statements at 5 and 50 endpoint agents', async () => {
    const fresh = await startAgents(new InMemoryCredits(), { AGENT_METRICS_INTERVAL_MS: '0' });
    try {
      await seedEndpoints(fresh, 30, 'big');
      const query = `query ($first: Int) { endpointAgents(first: $first) { totalCount edges { node { agentId vulnerabilities { cveId } } } } }`;
      const small = await countStatements(fresh, query, { first: 5 }, CUSTOMER_C1);
      const large = await countStatements(fresh, query, { first: 50 }, ADMIN);
      expect(large.result.body.errors).toBeUndefined();
      expect(small.statements).toBe(large.statements);
    } finally {
      await fresh.stop();
    }
  });
});
