import type { TestSubgraph } from '@socgraph/testkit';
import { InMemoryCredits } from './credits-double';
import {
  ADMIN,
  ANALYST_C1,
  AUDITOR,
  CUSTOMER_C1,
  EXECUTE,
  countStatements,
  errorCodes,
  errorFields,
  ok,
  REGISTER,
  registerAgent,
  rows,
  startAgents,
} from './support';
import { startTestAgent, type TestAgent } from './test-agent';

let agents: TestSubgraph;
let agent: TestAgent;
const credits = new InMemoryCredits();

beforeAll(async () => {
  agent = await startTestAgent();
  agents = await startAgents(credits);
});
afterAll(async () => {
  await agents.stop();
  await agent.stop();
});

const AGENT = `query ($id: ID!) { agent(id: $id) { id name isActive runUrl config pricePerExecutionCents currency } }`;

describe('agent registry', () => {
  it('registers an agent with valid JSON schemas, and refuses invalid ones', async () => {
    const data = await ok<{ registerAgent: { id: string; ownerId: string; isActive: boolean } }>(agents, REGISTER, {
      input: {
        name: 'Summarizer',
        runUrl: agent.url('/ok'),
        pricePerExecutionCents: 15,
        inputSchema: { type: 'object', required: ['text'] },
        metadata: { version: '1.0' },
      },
    });
    expect(data.registerAgent).toMatchObject({ ownerId: ADMIN.userId, isActive: true });
    const bad = await agents.query(
      REGISTER,
      {
        input: {
          name: 'Broken',
          runUrl: agent.url('/ok'),
          pricePerExecutionCents: 1,
          inputSchema: { type: 'no-such-type' },
        },
      },
      ADMIN,
    );
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(bad)).toEqual(['input.inputSchema']);
    const notObject = await agents.query(
      REGISTER,
      { input: { name: 'Broken2', runUrl: agent.url('/ok'), pricePerExecutionCents: 1, inputSchema: 'string' } },
      ADMIN,
    );
    expect(errorFields(notObject)).toEqual(['input.inputSchema']);
    const duplicate = await agents.query(
      REGISTER,
      { input: { name: 'summarizer', runUrl: agent.url('/ok'), pricePerExecutionCents: 1 } },
      ADMIN,
    );
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);
    const negative = await agents.query(
      REGISTER,
      { input: { name: 'Neg', runUrl: agent.url('/ok'), pricePerExecutionCents: -1 } },
      ADMIN,
    );
    expect(errorFields(negative)).toEqual(['input.pricePerExecutionCents']);
    const byAnalyst = await agents.query(
      REGISTER,
      { input: { name: 'Mine', runUrl: agent.url('/ok'), pricePerExecutionCents: 1 } },
      ANALYST_C1,
    );
    expect(errorCodes(byAnalyst)).toEqual(['FORBIDDEN']);
  });

  it('records every changed field with old and new value, who and when', async () => {
    const id = await registerAgent(agents, { runUrl: agent.url('/ok'), price: 10 });
    await ok(agents, `mutation ($id: ID!, $input: UpdateAgentInput!) { updateAgent(id: $id, input: $input) { id } }`, {
      id,
      input: { pricePerExecutionCents: 20, config: { temperature: 0.2 }, description: 'now described' },
    });
    // Unchanged values leave no change row.
    await ok(agents, `mutation ($id: ID!, $input: UpdateAgentInput!) { updateAgent(id: $id, input: $input) { id } }`, {
      id,
      input: { pricePerExecutionCents: 20 },
    });
    await ok(agents, `mutation ($id: ID!) { deactivateAgent(id: $id) { isActive } }`, { id });
    const data = await ok<{
      agent: { isActive: boolean; changes: { totalCount: number; edges: { node: Record<string, unknown> }[] } };
    }>(
      agents,
      `query ($id: ID!) { agent(id: $id) { isActive changes(first: 10) { totalCount edges { node { field oldValue newValue changedBy changedAt } } } } }`,
      { id },
    );
    expect(data.agent.isActive).toBe(false);
    expect(data.agent.changes.totalCount).toBe(4);
    const byField = Object.fromEntries(data.agent.changes.edges.map((e) => [e.node.field, e.node]));
    expect(byField.pricePerExecutionCents).toMatchObject({ oldValue: 10, newValue: 20, changedBy: 'admin' });
    expect(byField.config).toMatchObject({ oldValue: {}, newValue: { temperature: 0.2 } });
    expect(byField.description).toMatchObject({ oldValue: null, newValue: 'now described' });
    expect(byField.isActive).toMatchObject({ oldValue: true, newValue: false });
    // The deactivated agent cannot run.
    const run = await agents.query(
      EXECUTE,
      { input: { agentId: id, input: {}, idempotencyKey: 'k-deactivated' } },
      ADMIN,
    );
    expect(errorCodes(run)).toEqual(['BAD_USER_INPUT']);
  });

  it('shows inactive agents, run URLs, config and change logs to admins and owners only', async () => {
    const id = await registerAgent(agents, { runUrl: agent.url('/ok') });
    const asCustomer = await ok<{ agent: Record<string, unknown> }>(agents, AGENT, { id }, CUSTOMER_C1);
    expect(asCustomer.agent).toMatchObject({ id, runUrl: null, config: null, currency: 'USD' });
    const changes = await ok<{ agent: { changes: { totalCount: number } } }>(
      agents,
      `query ($id: ID!) { agent(id: $id) { changes { totalCount } } }`,
      { id },
      CUSTOMER_C1,
    );
    expect(changes.agent.changes.totalCount).toBe(0);
    await ok(agents, `mutation ($id: ID!) { deactivateAgent(id: $id) { id } }`, { id });
    expect((await ok<{ agent: unknown }>(agents, AGENT, { id }, CUSTOMER_C1)).agent).toBeNull();
    expect((await ok<{ agent: unknown }>(agents, AGENT, { id }, AUDITOR)).agent).toBeNull();
    expect((await ok<{ agent: unknown }>(agents, AGENT, { id })).agent).not.toBeNull();
    const entities = await ok<{ _entities: unknown[] }>(
      agents,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agent { id } } }`,
      { r: [{ __typename: 'Agent', id }] },
      CUSTOMER_C1,
    );
    expect(entities._entities).toEqual([null]);
    const listed = await ok<{ agents: { edges: { node: { id: string } }[] } }>(
      agents,
      `query { agents(first: 100, filter: { isActive: false }) { edges { node { id } } } }`,
      {},
      CUSTOMER_C1,
    );
    expect(listed.agents.edges.map((e) => e.node.id)).not.toContain(id);
    const anonymous = await agents.query(`query { agents { totalCount } }`);
    expect(anonymous.body.data).toEqual({ agents: { totalCount: 0 } });
  });

  it('rates 1 to 5 into the average, and marks favourites', async () => {
    const id = await registerAgent(agents, { runUrl: agent.url('/ok') });
    const rate = (rating: number, principal = ANALYST_C1) =>
      agents.query(
        `mutation ($input: RateAgentInput!) { rateAgent(input: $input) { rating feedback isFavorite agent { id } } }`,
        { input: { agentId: id, rating, feedback: 'fine' } },
        principal,
      );
    expect((await rate(4)).body.errors).toBeUndefined();
    expect((await rate(2, CUSTOMER_C1)).body.errors).toBeUndefined();
    expect((await rate(5)).body.errors).toBeUndefined(); // replaces the analyst's 4
    expect(errorFields(await rate(6))).toEqual(['input.rating']);
    expect(errorFields(await rate(0))).toEqual(['input.rating']);
    const fav = await ok<{ setAgentFavorite: { isFavorite: boolean; rating: number } }>(
      agents,
      `mutation ($id: ID!) { setAgentFavorite(agentId: $id, favorite: true) { isFavorite rating } }`,
      { id },
      ANALYST_C1,
    );
    expect(fav.setAgentFavorite).toEqual({ isFavorite: true, rating: 5 });
    const data = await ok<{ agent: { avgRating: number } }>(
      agents,
      `query ($id: ID!) { agent(id: $id) { avgRating } }`,
      { id },
    );
    expect(data.agent.avgRating).toBe(3.5);
  });

  it('costs the same number of statements at 5 and 50 agents with executions and changes', async () => {
    const fresh = await startAgents(credits);
    try {
      const query = `query ($first: Int) { agents(first: $first) { totalCount edges { node { id name
        executions(first: 3) { totalCount edges { node { id status agent { id name } } } }
        changes(first: 2) { totalCount edges { node { field } } } } } } }`;
      const ids: string[] = [];
      for (let i = 0; i < 50; i++) ids.push(await registerAgent(fresh, { runUrl: agent.url('/ok'), price: 0 }));
      // Every agent has an execution and a change, so both pages load the same kinds of rows.
      for (const id of ids) {
        await ok(fresh, EXECUTE, { input: { agentId: id, input: {}, idempotencyKey: `k-${id}` } });
        await ok(fresh, `mutation ($id: ID!) { updateAgent(id: $id, input: { description: "x" }) { id } }`, { id });
      }
      const small = await countStatements(fresh, query, { first: 5 });
      const large = await countStatements(fresh, query, { first: 50 });
      expect(small.result.body.errors).toBeUndefined();
      expect(large.result.body.errors).toBeUndefined();
      expect(small.statements).toBe(large.statements);
      expect(small.statements).toBeLessThanOrEqual(7);
      const [count] = await rows<{ n: number }>(fresh, `SELECT count(*)::int AS n FROM agents.agent_execution`);
      expect(count!.n).toBe(50);
    } finally {
      await fresh.stop();
    }
  });
});
