import type { TestSubgraph } from '@socgraph/testkit';
import { InMemoryCredits } from './credits-double';
import {
  ADMIN,
  ANALYST_C1,
  AUDITOR,
  CUSTOMER_C1,
  EXECUTE,
  errorCodes,
  ok,
  registerAgent,
  rows,
  startAgents,
} from './support';
import { startTestAgent, type TestAgent } from './test-agent';

/**
 * executeAgent on the subgraph, against a real local HTTP agent. Credits go to an in-memory
 * double of identity's billing (reserve/capture/release with billing's semantics); the real
 * integration through the gateway is in stack/test/agents/.
 */
interface Execution {
  id: string;
  status: string;
  creditsConsumed: number;
  durationMs: number | null;
  responseTimeMs: number | null;
  queueTimeMs: number | null;
  httpStatus: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  output: unknown;
  inputSize: number | null;
  outputSize: number | null;
  idempotencyKey: string;
  agent: { id: string };
  user: { id: string };
}

const SCHEMA = {
  type: 'object',
  required: ['text'],
  properties: {
    text: { type: 'string', minLength: 1 },
    options: { type: 'object', properties: { lang: { type: 'string', enum: ['en', 'de'] } } },
  },
  additionalProperties: false,
};

let agents: TestSubgraph;
let agent: TestAgent;
const credits = new InMemoryCredits();
const user = ANALYST_C1;
let keys = 0;
const key = () => `key-${++keys}-${Date.now()}`;

beforeAll(async () => {
  agent = await startTestAgent();
  agents = await startAgents(credits, { AGENT_TIMEOUT_MS: '400', AGENT_MAX_RESPONSE_BYTES: '4096' });
});
afterAll(async () => {
  await agents.stop();
  await agent.stop();
});
beforeEach(() => credits.setBalance(user.userId!, 1000));

const execute = (agentId: string, input: unknown, idempotencyKey = key(), principal = user) =>
  agents.query<{ executeAgent: Execution }>(EXECUTE, { input: { agentId, input, idempotencyKey } }, principal);

async function executed(agentId: string, input: unknown, idempotencyKey = key()): Promise<Execution> {
  const result = await execute(agentId, input, idempotencyKey);
  if (result.body.errors || !result.body.data) throw new Error(JSON.stringify(result.body.errors));
  return result.body.data.executeAgent;
}

describe('executeAgent', () => {
  it('runs a succeeding agent, charges its price once and records everything', async () => {
    const id = await registerAgent(agents, { runUrl: agent.url('/ok'), price: 40, inputSchema: SCHEMA });
    const before = agent.calls.length;
    const execution = await executed(id, { text: 'hello' });
    expect(execution).toMatchObject({
      status: 'SUCCESS',
      creditsConsumed: 40,
      httpStatus: 200,
      errorCode: null,
      output: { summary: 'got {"text":"hello"}', words: 3 },
      agent: { id },
      user: { id: user.userId },
    });
    expect(execution.inputSize).toBe(Buffer.byteLength('{"text":"hello"}'));
    expect(execution.outputSize).toBeGreaterThan(0);
    expect(execution.durationMs).toBeGreaterThanOrEqual(execution.responseTimeMs!);
    expect(agent.calls.length).toBe(before + 1);
    expect(agent.calls.at(-1)!.body).toMatchObject({ input: { text: 'hello' }, agentId: id });
    expect(credits.balances.get(user.userId!)).toBe(960);
    expect(credits.available(user.userId!)).toBe(960);

    const [row] = await rows<Record<string, unknown>>(
      agents,
      `SELECT status, processing_time_ms, hold_id, balance_before, balance_after, completed_at >= started_at AS ordered, user_agent IS NOT NULL AS has_agent
         FROM agents.agent_execution WHERE id = $1`,
      [execution.id],
    );
    expect(row).toMatchObject({
      status: 'success',
      processing_time_ms: 7,
      ordered: true,
      balance_before: 1000,
      balance_after: 960,
    });
    expect(credits.holds.get(String(row!.hold_id))?.status).toBe('captured');
    const logs = await rows<{ category: string }>(
      agents,
      `SELECT category FROM agents.agent_log WHERE execution_id = $1 ORDER BY id`,
      [execution.id],
    );
    expect(logs.map((l) => l.category)).toEqual(['execution', 'performance']);
    const [interaction] = await rows<Record<string, unknown>>(
      agents,
      `SELECT total_executions, successful_executions FROM agents.user_agent_interaction WHERE user_id = $1 AND agent_id = $2`,
      [user.userId, id],
    );
    expect(interaction).toEqual({ total_executions: 1, successful_executions: 1 });
    const data = await ok<{ agent: { totalExecutions: number; totalUsers: number; lastExecutedAt: string } }>(
      agents,
      `query ($id: ID!) { agent(id: $id) { totalExecutions totalUsers lastExecutedAt } }`,
      { id },
    );
    expect(data.agent).toMatchObject({ totalExecutions: 1, totalUsers: 1 });
    expect(data.agent.lastExecutedAt).not.toBeNull();
  });

  it.each([
    ['/fail', 'FAILED', 'AGENT_HTTP_ERROR', 500],
    ['/hang', 'TIMEOUT', 'AGENT_TIMEOUT', null],
    ['/garbage', 'ERROR', 'AGENT_BAD_RESPONSE', 200],
    ['/redirect', 'ERROR', 'AGENT_REDIRECT_REFUSED', 302],
    ['/large', 'ERROR', 'AGENT_RESPONSE_TOO_LARGE', 200],
  ])('records %s as %s, charges nothing and releases the hold', async (path, status, errorCode, httpStatus) => {
    const id = await registerAgent(agents, { runUrl: agent.url(path), price: 30 });
    const redirectsBefore = agent.calls.filter((c) => c.path === '/ok').length;
    const started = Date.now();
    const execution = await executed(id, { anything: true });
    expect(execution).toMatchObject({ status, errorCode, httpStatus, creditsConsumed: 0, output: null });
    expect(execution.errorMessage).toBeTruthy();
    if (path === '/hang') expect(Date.now() - started).toBeLessThan(5000);
    if (path === '/redirect') expect(agent.calls.filter((c) => c.path === '/ok').length).toBe(redirectsBefore);
    expect(credits.balances.get(user.userId!)).toBe(1000);
    expect(credits.available(user.userId!)).toBe(1000);
    const [row] = await rows<{ hold_id: string }>(agents, `SELECT hold_id FROM agents.agent_execution WHERE id = $1`, [
      execution.id,
    ]);
    expect(credits.holds.get(row!.hold_id)?.status).toBe('released');
    const logs = await rows<{ category: string; level: string }>(
      agents,
      `SELECT category, level FROM agents.agent_log WHERE execution_id = $1 AND category = 'error'`,
      [execution.id],
    );
    expect(logs).toEqual([{ category: 'error', level: 'error' }]);
  });

  it('refuses input that does not match the schema with the path of the first mismatch, and runs nothing', async () => {
    const id = await registerAgent(agents, { runUrl: agent.url('/ok'), inputSchema: SCHEMA });
    const before = agent.calls.length;
    const missing = await execute(id, { options: {} });
    expect(errorCodes(missing)).toEqual(['BAD_USER_INPUT']);
    expect(missing.body.errors?.[0]?.extensions).toMatchObject({ field: 'input.input', schemaPath: '#/required' });
    const nested = await execute(id, { text: 'x', options: { lang: 'fr' } });
    expect(nested.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.input.options.lang',
      schemaPath: '#/properties/options/properties/lang/enum',
    });
    const wrongType = await execute(id, ['not', 'an', 'object']);
    expect(wrongType.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', schemaPath: '#/type' });
    expect(agent.calls.length).toBe(before);
    expect(credits.available(user.userId!)).toBe(1000);
    expect(await rows(agents, `SELECT 1 FROM agents.agent_execution WHERE agent_id = $1`, [id])).toHaveLength(0);
  });

  it('returns the refusal of the reservation with its reason and runs nothing', async () => {
    const id = await registerAgent(agents, { runUrl: agent.url('/ok'), price: 600 });
    credits.setBalance(user.userId!, 500);
    const before = agent.calls.length;
    const refused = await execute(id, { text: 'x' });
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'INSUFFICIENT_CREDITS' });
    credits.caps.set(user.userId!, 100);
    credits.setBalance(user.userId!, 5000);
    const capped = await execute(id, { text: 'x' });
    expect(capped.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'MANDATE_CAP_EXCEEDED' });
    credits.caps.delete(user.userId!);
    expect(agent.calls.length).toBe(before);
    expect(await rows(agents, `SELECT 1 FROM agents.agent_execution WHERE agent_id = $1`, [id])).toHaveLength(0);
  });

  it('runs and charges once for parallel calls with one idempotency key', async () => {
    const id = await registerAgent(agents, { runUrl: agent.url('/slow'), price: 50 });
    const before = agent.calls.length;
    const shared = key();
    const results = await Promise.all(Array.from({ length: 5 }, () => execute(id, { text: 'once' }, shared)));
    const executions = results.map((r) => {
      if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
      return r.body.data!.executeAgent;
    });
    expect(new Set(executions.map((e) => e.id)).size).toBe(1);
    expect(executions.every((e) => e.status === 'SUCCESS' && e.creditsConsumed === 50)).toBe(true);
    expect(agent.calls.length).toBe(before + 1);
    expect(credits.balances.get(user.userId!)).toBe(950);
    expect(
      await rows(agents, `SELECT 1 FROM agents.agent_execution WHERE idempotency_key = $1`, [shared]),
    ).toHaveLength(1);
    // Later retries replay the same execution; the same key for another input is a conflict.
    const again = await executed(id, { text: 'once' }, shared);
    expect(again.id).toBe(executions[0]!.id);
    const other = await execute(id, { text: 'different' }, shared);
    expect(errorCodes(other)).toEqual(['CONFLICT']);
    expect(credits.balances.get(user.userId!)).toBe(950);
  });

  it('calls only allow-listed URLs, loopback outside production', async () => {
    const listed = await startAgents(credits, { AGENT_RUN_URL_ALLOWLIST: 'https://agents.example.com' });
    try {
      const register = (runUrl: string) =>
        listed.query(
          `mutation ($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`,
          {
            input: { name: `n-${key()}`, runUrl, pricePerExecutionCents: 1 },
          },
          ADMIN,
        );
      expect(errorCodes(await register('http://169.254.169.254/latest/meta-data'))).toEqual(['BAD_USER_INPUT']);
      expect(errorCodes(await register('http://10.0.0.8/run'))).toEqual(['BAD_USER_INPUT']);
      expect(errorCodes(await register('https://agents.example.com.evil.test/run'))).toEqual(['BAD_USER_INPUT']);
      expect(errorCodes(await register('https://user:pw@agents.example.com/run'))).toEqual(['BAD_USER_INPUT']);
      expect(errorCodes(await register('file:///etc/passwd'))).toEqual(['BAD_USER_INPUT']);
      expect((await register('https://agents.example.com/v1/run')).body.errors).toBeUndefined();
      expect((await register(agent.url('/ok'))).body.errors).toBeUndefined();
    } finally {
      await listed.stop();
    }
    const production = await startAgents(credits, {
      NODE_ENV: 'production',
      IDENTITY_URL: 'http://identity.internal:4001/graphql',
      AGENT_RUN_URL_ALLOWLIST: 'https://agents.example.com',
    });
    try {
      const result = await production.query(
        `mutation ($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`,
        { input: { name: `n-${key()}`, runUrl: agent.url('/ok'), pricePerExecutionCents: 1 } },
        ADMIN,
      );
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    } finally {
      await production.stop();
    }
  });

  it('is run by marketplace users only, and only on visible, active agents', async () => {
    const id = await registerAgent(agents, { runUrl: agent.url('/ok'), price: 0 });
    expect(errorCodes(await execute(id, {}, key(), AUDITOR))).toEqual(['FORBIDDEN']);
    expect(
      errorCodes(await agents.query(EXECUTE, { input: { agentId: id, input: {}, idempotencyKey: key() } })),
    ).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await execute('no-such-agent', {}))).toEqual(['NOT_FOUND']);
    const free = await executed(id, { text: 'free' });
    expect(free).toMatchObject({ status: 'SUCCESS', creditsConsumed: 0 });
    await ok(agents, `mutation ($id: ID!) { deactivateAgent(id: $id) { id } }`, { id });
    // Deactivated: invisible to a non-owner, so NOT_FOUND, never "exists but inactive".
    expect(errorCodes(await execute(id, {}, key(), CUSTOMER_C1))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await execute(id, {}, key(), user))).toEqual(['NOT_FOUND']);
  });

  it('shows an execution to its user and admins only', async () => {
    const id = await registerAgent(agents, { runUrl: agent.url('/ok'), price: 0 });
    const execution = await executed(id, { text: 'mine' });
    const read = (principal = user) =>
      agents.query<{ agentExecution: { id: string } | null }>(
        `query ($id: ID!) { agentExecution(id: $id) { id } }`,
        { id: execution.id },
        principal,
      );
    expect((await read()).body.data?.agentExecution?.id).toBe(execution.id);
    expect((await read(CUSTOMER_C1)).body.data?.agentExecution).toBeNull();
    const listed = await ok<{ agent: { executions: { totalCount: number } } }>(
      agents,
      `query ($id: ID!) { agent(id: $id) { executions { totalCount } } }`,
      { id },
      CUSTOMER_C1,
    );
    expect(listed.agent.executions.totalCount).toBe(0);
  });
});
