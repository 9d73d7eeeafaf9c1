import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCustomers, createUser, errorCodes, startGraph, type Graph } from '../incidents/support';

/**
 * Paid executions through the gateway, charged by identity's billing for real: reserve before
 * the call, capture on success, release otherwise, a refusal's reason passed on, one charge per
 * idempotency key however many calls race.
 */
let graph: Graph;
let server: Server;
let base: string;
let user: { id: string; token: string };

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/fail') {
        res.writeHead(500);
        res.end('no');
        return;
      }
      setTimeout(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: true }));
        },
        req.url === '/slow' ? 150 : 0,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  graph = await startGraph();
  await createCustomers(graph, ['P1']);
  user = await createUser(graph, { username: 'payer', role: 'analyst', customerCodes: ['P1'] });
});
afterAll(async () => {
  await graph?.stack.stop();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

const register = async (path: string, price: number): Promise<string> =>
  (
    await graph.admin<{ registerAgent: { id: string } }>(
      `mutation ($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`,
      {
        input: {
          name: `paid-${path}-${price}-${Math.random()}`,
          runUrl: `${base}${path}`,
          pricePerExecutionCents: price,
        },
      },
    )
  ).registerAgent.id;

const EXECUTE = `mutation ($input: ExecuteAgentInput!) { executeAgent(input: $input) { id status creditsConsumed } }`;
const execute = (agentId: string, idempotencyKey: string) =>
  graph.as<{ executeAgent: { id: string; status: string; creditsConsumed: number } }>(user.token, EXECUTE, {
    input: { agentId, input: {}, idempotencyKey },
  });
const balance = async (): Promise<number> =>
  (await graph.as<{ me: { creditBalance: number } }>(user.token, `query { me { creditBalance } }`)).body.data!.me
    .creditBalance;

describe('paid executions through identity billing', () => {
  it('captures on success, releases on failure, refuses past the balance', async () => {
    await graph.admin(`mutation ($input: GrantCreditsInput!) { grantCredits(input: $input) { id } }`, {
      input: { userId: user.id, amountCents: 500, reason: 'test' },
    });
    const start = await balance();
    const ok = await register('/ok', 30);
    const run = await execute(ok, 'paid-1');
    expect(run.body.errors).toBeUndefined();
    expect(run.body.data!.executeAgent).toMatchObject({ status: 'SUCCESS', creditsConsumed: 30 });
    expect(await balance()).toBe(start - 30);
    const failing = await register('/fail', 40);
    const failed = await execute(failing, 'paid-2');
    expect(failed.body.data!.executeAgent).toMatchObject({ status: 'FAILED', creditsConsumed: 0 });
    expect(await balance()).toBe(start - 30);
    const pricey = await register('/ok', start + 1000);
    const refused = await execute(pricey, 'paid-3');
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.body.errors?.[0]?.extensions?.reason).toBe('INSUFFICIENT_CREDITS');
    expect(await balance()).toBe(start - 30);
    const ledger = await graph.as<{
      me: { transactions: { edges: { node: { amountCents: number; status: string; agentId: string } }[] } };
    }>(user.token, `query { me { transactions(first: 10) { edges { node { amountCents status agentId } } } } }`);
    const charges = ledger.body
      .data!.me.transactions.edges.map((e) => e.node)
      .filter((t) => t.agentId === ok || t.agentId === failing);
    expect(charges).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ agentId: ok, amountCents: -30, status: 'completed' }),
        expect.objectContaining({ agentId: failing, status: 'released' }),
      ]),
    );
  });

  it('charges once for parallel calls with one key', async () => {
    const slow = await register('/slow', 20);
    const start = await balance();
    const results = await Promise.all(Array.from({ length: 4 }, () => execute(slow, 'paid-race')));
    for (const r of results) expect(r.body.errors).toBeUndefined();
    expect(new Set(results.map((r) => r.body.data!.executeAgent.id)).size).toBe(1);
    expect(await balance()).toBe(start - 20);
  });

  it("passes a mandate's refusal on with its reason and runs nothing", async () => {
    const agent = await register('/ok', 25);
    await graph.as(user.token, `mutation { createMandate(input: { maxAmountCents: 10 }) { id } }`);
    const start = await balance();
    const refused = await execute(agent, 'paid-mandate');
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.body.errors?.[0]?.extensions?.reason).toBe('MANDATE_CAP_EXCEEDED');
    expect(await balance()).toBe(start);
    const executions = await graph.stack
      .dataSource('agents')
      .query(`SELECT 1 FROM agents.agent_execution WHERE agent_id = $1`, [agent]);
    expect(executions).toHaveLength(0);
  });
});
