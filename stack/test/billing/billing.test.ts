import { randomUUID } from 'node:crypto';
import { servicePrincipal, Headers, signInternalToken } from '@socgraph/shared';
import { createUser, errorCodes, startGraph, type Graph } from '../incidents/support';

/** Billing through the gateway: the public API's refusals, scoping and the checkout flow. */
let graph: Graph;
let buyer: { id: string; token: string };
let other: { id: string; token: string };

beforeAll(async () => {
  graph = await startGraph();
  buyer = await createUser(graph, { username: 'buyer', role: 'customer_user' });
  other = await createUser(graph, { username: 'other', role: 'analyst' });
});
afterAll(async () => graph?.stack.stop());

const CHECKOUT = `mutation ($input: CreateCheckoutSessionInput!, $key: String!) {
  createCheckoutSession(input: $input, idempotencyKey: $key) { id status } }`;
const MANDATE = `mutation ($input: CreateMandateInput!) { createMandate(input: $input) { id status } }`;

describe('refusals through the gateway', () => {
  it.each([
    ['a zero amount', CHECKOUT, { input: { amountCents: 0, currency: 'USD', credits: 10 }, key: 'k1' }],
    ['a negative amount', CHECKOUT, { input: { amountCents: -1, currency: 'USD', credits: 10 }, key: 'k2' }],
    ['negative credits', CHECKOUT, { input: { amountCents: 100, currency: 'USD', credits: -10 }, key: 'k3' }],
    ['an unknown currency', CHECKOUT, { input: { amountCents: 100, currency: 'ABC', credits: 10 }, key: 'k4' }],
    ['a daily limit above the monthly', MANDATE, { input: { dailyLimitCents: 500, monthlyLimitCents: 100 } }],
    ['a zero mandate limit', MANDATE, { input: { maxAmountCents: 0 } }],
    ['an amount beyond Int', MANDATE, { input: { maxAmountCents: 2 ** 31 } }],
  ])('%s is BAD_USER_INPUT', async (_label, query, variables) => {
    const result = await graph.as(buyer.token, query, variables);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
  });

  it('a negative grant is BAD_USER_INPUT, a grant by a non-admin FORBIDDEN', async () => {
    const GRANT = `mutation ($input: GrantCreditsInput!) { grantCredits(input: $input) { id } }`;
    const input = { userId: buyer.id, amountCents: -5, reason: 'no' };
    expect(errorCodes(await graph.as(graph.adminToken, GRANT, { input }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await graph.as(buyer.token, GRANT, { input: { ...input, amountCents: 5 } }))).toEqual([
      'FORBIDDEN',
    ]);
  });

  it('the hold mutations are not part of the public graph', async () => {
    for (const query of [
      `mutation { reserveCredits(input: { userId: "1", amountCents: 1, agentId: "a", idempotencyKey: "k" }) { id } }`,
      `mutation { captureCredits(holdId: "x") { id } }`,
      `mutation { releaseCredits(holdId: "x") { id } }`,
    ]) {
      const result = await graph.as(graph.adminToken, query);
      expect(result.body.data ?? null).toBeNull();
      expect(result.body.errors?.[0]?.message).toMatch(/Cannot query field/);
    }
  });

  it('the payment webhook lives on identity, not on the gateway', async () => {
    const response = await fetch(`${graph.stack.url}/webhooks/payments`, { method: 'POST', body: '{}' });
    expect(response.status).not.toBe(200);
  });
});

describe('reading billing data', () => {
  const LEDGER = `query ($id: ID!) { user(id: $id) { id creditBalance transactions { totalCount edges { node { type amountCents } } } } }`;

  it('a user reads its own ledger; another user is FORBIDDEN; an admin reads all', async () => {
    const own = await graph.as<{ user: { creditBalance: number } }>(buyer.token, LEDGER, { id: buyer.id });
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data?.user.creditBalance).toBe(1000);
    expect(errorCodes(await graph.as(other.token, LEDGER, { id: buyer.id }))).toEqual(['FORBIDDEN']);
    const admin = await graph.as<{ user: { transactions: { totalCount: number } } }>(graph.adminToken, LEDGER, {
      id: buyer.id,
    });
    expect(admin.body.data?.user.transactions.totalCount).toBeGreaterThanOrEqual(1);
  });

  it('payments list only the caller’s own, all for admins', async () => {
    const LIST = `{ payments { totalCount edges { node { user { id } } } } }`;
    const mine = await graph.as<{ payments: { edges: { node: { user: { id: string } } }[] } }>(buyer.token, LIST);
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data?.payments.edges.every((e) => e.node.user.id === buyer.id)).toBe(true);
  });
});

describe('the billing flow', () => {
  it('buy credits, spend them through a hold (as the agents subgraph would), read the ledger and usage', async () => {
    const created = await graph.as<{ createCheckoutSession: { id: string; status: string } }>(buyer.token, CHECKOUT, {
      input: { amountCents: 500, currency: 'USD', credits: 500 },
      key: randomUUID(),
    });
    expect(created.body.data?.createCheckoutSession.status).toBe('OPEN');
    const paid = await graph.as<{ completeLocalCheckout: { status: string; payment: { credits: number } } }>(
      buyer.token,
      `mutation ($id: ID!) { completeLocalCheckout(id: $id) { status payment { credits } } }`,
      { id: created.body.data!.createCheckoutSession.id },
    );
    expect(paid.body.data?.completeLocalCheckout).toEqual({ status: 'COMPLETED', payment: { credits: 500 } });

    // The agents subgraph reserves and captures on identity directly, as the service principal.
    const token = await signInternalToken(servicePrincipal('agents'), graph.stack.internalTokenSecret, 60);
    const callIdentity = async (query: string, variables: Record<string, unknown>) =>
      (await (
        await fetch(graph.stack.subgraphUrl('identity'), {
          method: 'POST',
          headers: { 'content-type': 'application/json', [Headers.INTERNAL_TOKEN]: token },
          body: JSON.stringify({ query, variables }),
        })
      ).json()) as { data?: Record<string, { id: string; balanceAfterCents: number }> };
    const held = await callIdentity(
      `mutation ($input: ReserveCreditsInput!) { reserveCredits(input: $input) { id balanceAfterCents } }`,
      { input: { userId: buyer.id, amountCents: 200, agentId: 'summarizer', idempotencyKey: randomUUID() } },
    );
    expect(held.data?.reserveCredits?.balanceAfterCents).toBe(1300);
    await callIdentity(`mutation ($id: ID!) { captureCredits(holdId: $id) { id } }`, {
      id: held.data!.reserveCredits!.id,
    });

    const today = new Date().toISOString().slice(0, 10);
    const me = await graph.as<{
      me: {
        creditBalance: number;
        transactions: { edges: { node: { type: string; amountCents: number; status: string } }[] };
        usage: { creditsSpentCents: number; agentExecutions: number; logins: number }[];
      };
    }>(
      buyer.token,
      `query ($d: Date!) { me { creditBalance transactions { edges { node { type amountCents status agent { id } } } }
        usage(from: $d, to: $d) { logins agentExecutions creditsSpentCents } } }`,
      { d: today },
    );
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data?.me.creditBalance).toBe(1300);
    expect(me.body.data?.me.transactions.edges.map((e) => [e.node.type, e.node.amountCents, e.node.status])).toEqual([
      ['charge', -200, 'completed'],
      ['topup', 500, 'completed'],
      ['opening', 1000, 'completed'],
    ]);
    expect(me.body.data?.me.usage).toEqual([{ logins: 1, agentExecutions: 1, creditsSpentCents: 200 }]);
  });
});
