import { randomUUID } from 'node:crypto';
import type { TestSubgraph } from '@socgraph/testkit';
import { InMemoryCredits } from './credits-double';
import { ADMIN, ANALYST_C1, CUSTOMER_C1, countStatements, errorCodes, ok, registerAgent, startAgents } from './support';

/**
 * `User.agentExecutions` and `User.agentInteractions`, the fields agents adds to identity's
 * User: the user's own and admins', empty for anyone else, one statement per connection
 * however many users are asked for.
 */
let agents: TestSubgraph;
let agentId: string;

const USERS = Array.from({ length: 50 }, (_, i) => `u-${i}`);
const ME = CUSTOMER_C1.userId!;

async function addRuns(userId: string, n: number): Promise<void> {
  for (let k = 0; k < n; k++)
    await agents.dataSource.query(
      `INSERT INTO agents.agent_execution (id, execution_id, agent_id, user_id, idempotency_key, request_hash, status,
         duration_ms, credits_consumed, price_cents, started_at, completed_at)
       VALUES ($1, $2, $3, $4, $5, 'h', 'success', 10, 25, 25, now() - make_interval(mins => $6), now() - make_interval(mins => $6))`,
      [randomUUID(), randomUUID(), agentId, userId, randomUUID(), k],
    );
  await agents.dataSource.query(
    `INSERT INTO agents.user_agent_interaction (user_id, agent_id, total_executions, successful_executions, rating, is_favorite, last_used_at)
     VALUES ($1, $2, $3, $3, 4, true, now())`,
    [userId, agentId, n],
  );
}

beforeAll(async () => {
  agents = await startAgents(new InMemoryCredits(), { AGENT_METRICS_INTERVAL_MS: '0', AGENT_SCHEDULER_TICK_MS: '0' });
  agentId = await registerAgent(agents, { runUrl: 'http://127.0.0.1:9/u', name: 'User fields agent' });
  for (const userId of USERS) await addRuns(userId, 3);
  await addRuns(ME, 4);
});
afterAll(async () => agents.stop());

const ENTITIES = `query ($r: [_Any!]!, $first: Int, $after: String) { _entities(representations: $r) { ... on User { id
  agentExecutions(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { id status creditsConsumed agent { name } user { id } } } }
  agentInteractions { totalCount edges { node { totalExecutions rating isFavorite agent { id } } } } } } }`;

type UserPage = {
  id: string;
  agentExecutions: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: { id: string; agent: { name: string }; user: { id: string } } }[];
  } | null;
  agentInteractions: { totalCount: number; edges: { node: { totalExecutions: number; rating: number } }[] } | null;
};
const reps = (ids: string[]) => ids.map((id) => ({ __typename: 'User', id }));

describe('User.agentExecutions and User.agentInteractions', () => {
  it("show a user its own, page by keyset, and show nothing of another user's", async () => {
    const mine = await ok<{ _entities: UserPage[] }>(agents, ENTITIES, { r: reps([ME, 'u-1']), first: 3 }, CUSTOMER_C1);
    const [me, other] = mine._entities;
    expect(me!.agentExecutions).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: true } });
    expect(me!.agentExecutions!.edges).toHaveLength(3);
    expect(me!.agentExecutions!.edges[0]!.node).toMatchObject({
      agent: { name: 'User fields agent' },
      user: { id: ME },
    });
    expect(me!.agentInteractions).toEqual({
      totalCount: 1,
      edges: [{ node: { totalExecutions: 4, rating: 4, isFavorite: true, agent: { id: agentId } } }],
    });
    // Another user's are empty, exactly like a user who never ran an agent.
    expect(other!.agentExecutions).toEqual({
      totalCount: 0,
      pageInfo: { hasNextPage: false, endCursor: null },
      edges: [],
    });
    expect(other!.agentInteractions).toEqual({ totalCount: 0, edges: [] });

    const next = await ok<{ _entities: UserPage[] }>(
      agents,
      ENTITIES,
      { r: reps([ME]), first: 3, after: me!.agentExecutions!.pageInfo.endCursor },
      CUSTOMER_C1,
    );
    expect(next._entities[0]!.agentExecutions!.edges).toHaveLength(1);
    const ids = [...me!.agentExecutions!.edges, ...next._entities[0]!.agentExecutions!.edges].map((e) => e.node.id);
    expect(new Set(ids).size).toBe(4);

    const analyst = await ok<{ _entities: UserPage[] }>(agents, ENTITIES, { r: reps(['u-2']) }, ANALYST_C1);
    expect(analyst._entities[0]!.agentExecutions!.totalCount).toBe(0);
    const admin = await ok<{ _entities: UserPage[] }>(agents, ENTITIES, { r: reps(['u-2', ME]) }, ADMIN);
    expect(admin._entities.map((u) => u.agentExecutions!.totalCount)).toEqual([3, 4]);
  });

  it('refuses bad page arguments for every caller alike', async () => {
    for (const vars of [{ first: 101 }, { after: 'not a cursor' }]) {
      const own = await agents.query(ENTITIES, { r: reps([ME]), ...vars }, CUSTOMER_C1);
      const other = await agents.query(ENTITIES, { r: reps(['u-3']), ...vars }, CUSTOMER_C1);
      expect(errorCodes(own)).toContain('BAD_USER_INPUT');
      expect(errorCodes(other)).toContain('BAD_USER_INPUT');
    }
  });

  it('costs the same statements for 5 users as for 50', async () => {
    const measure = async (n: number) => {
      const run = await countStatements(agents, ENTITIES, { r: reps(USERS.slice(0, n)), first: 2 }, ADMIN);
      expect(run.result.body.errors).toBeUndefined();
      const users = (run.result.body.data as { _entities: UserPage[] })._entities;
      expect(users.every((u) => u.agentExecutions!.edges.length === 2 && u.agentExecutions!.totalCount === 3)).toBe(
        true,
      );
      return run.statements;
    };
    expect(await measure(50)).toBe(await measure(5));
  });
});
