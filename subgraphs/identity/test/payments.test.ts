import { randomUUID } from 'node:crypto';
import type { TestSubgraph } from '@socgraph/testkit';
import { signPaymentWebhook } from '../src/payments/webhook';
import { ADMIN, createUser, errorCodes, SERVICE, startIdentity, type CreatedUser } from './support';

const SECRET = 'webhook secret for the payment tests 0123456789';
let identity: TestSubgraph;
let buyer: CreatedUser;
let stranger: CreatedUser;
let webhookUrl: string;

beforeAll(async () => {
  identity = await startIdentity({ PAYMENT_WEBHOOK_SECRET: SECRET, PAYMENT_WEBHOOK_TOLERANCE_SECONDS: '300' });
  webhookUrl = identity.url.replace(/\/graphql$/, '/webhooks/payments');
  buyer = await createUser(identity, { role: 'customer_user' });
  stranger = await createUser(identity, { role: 'customer_user' });
});
afterAll(async () => identity?.stop());

const SESSION_FIELDS = `id status amountCents currency credits provider checkoutUrl user { id }
  payment { id status credits transaction { type amountCents status providerReference } }`;
const CHECKOUT = `mutation ($input: CreateCheckoutSessionInput!, $key: String!) {
  createCheckoutSession(input: $input, idempotencyKey: $key) { ${SESSION_FIELDS} } }`;
const COMPLETE = `mutation ($id: ID!) { completeLocalCheckout(id: $id) { ${SESSION_FIELDS} } }`;
const REFUND = `mutation ($id: ID!, $reason: String) { refundPayment(id: $id, reason: $reason) {
  id status refundReason refundTransaction { type amountCents } transaction { status } } }`;

interface Session {
  id: string;
  status: string;
  checkoutUrl: string;
  payment: { id: string; status: string; credits: number } | null;
}

async function checkout(
  principal = buyer.principal,
  key = randomUUID(),
  input = { amountCents: 500, currency: 'eur', credits: 600 },
) {
  return identity.query<{ createCheckoutSession: Session }>(CHECKOUT, { input, key }, principal);
}

const balanceOf = async (userId: string): Promise<{ balance: number; ledger: number }> =>
  (
    await identity.dataSource.query(
      `SELECT credit_balance_cents AS balance,
              (SELECT sum(amount_cents)::int FROM identity.transactions WHERE user_id = $1) AS ledger
         FROM identity.users WHERE id = $1`,
      [userId],
    )
  )[0];

async function postWebhook(
  body: string,
  signature: string | null,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-payment-signature': signature } : {}) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('checkout with the local provider', () => {
  it('creates a session once per idempotency key and completes it into a payment and a ledger credit', async () => {
    const key = randomUUID();
    const first = await checkout(buyer.principal, key);
    expect(first.body.data?.createCheckoutSession).toMatchObject({
      status: 'OPEN',
      amountCents: 500,
      currency: 'EUR',
      credits: 600,
      provider: 'local',
      payment: null,
    });
    const again = await checkout(buyer.principal, key);
    expect(again.body.data?.createCheckoutSession.id).toBe(first.body.data?.createCheckoutSession.id);
    expect(errorCodes(await checkout(buyer.principal, key, { amountCents: 1, currency: 'EUR', credits: 1 }))).toEqual([
      'CONFLICT',
    ]);

    const id = first.body.data!.createCheckoutSession.id;
    const before = await balanceOf(buyer.id);
    const completed = await identity.query<{ completeLocalCheckout: Session }>(COMPLETE, { id }, buyer.principal);
    expect(completed.body.errors).toBeUndefined();
    expect(completed.body.data?.completeLocalCheckout).toMatchObject({
      status: 'COMPLETED',
      payment: {
        status: 'SUCCEEDED',
        credits: 600,
        transaction: { type: 'topup', amountCents: 600, status: 'completed' },
      },
    });
    // Completing again changes nothing.
    await identity.query(COMPLETE, { id }, buyer.principal);
    expect(await balanceOf(buyer.id)).toEqual({ balance: before.balance + 600, ledger: before.ledger + 600 });
  });

  it('refunds through the ledger (admin only), and refuses once the credits are spent', async () => {
    const session = (await checkout()).body.data!.createCheckoutSession;
    const paid = await identity.query<{ completeLocalCheckout: Session }>(
      COMPLETE,
      { id: session.id },
      buyer.principal,
    );
    const paymentId = paid.body.data!.completeLocalCheckout.payment!.id;
    const before = await balanceOf(buyer.id);
    expect(errorCodes(await identity.query(REFUND, { id: paymentId }, buyer.principal))).toEqual(['FORBIDDEN']);
    const refunded = await identity.query<{ refundPayment: Record<string, unknown> }>(
      REFUND,
      { id: paymentId, reason: 'customer asked' },
      ADMIN,
    );
    expect(refunded.body.data?.refundPayment).toMatchObject({
      status: 'REFUNDED',
      refundReason: 'customer asked',
      refundTransaction: { type: 'refund', amountCents: -600 },
      transaction: { status: 'refunded' },
    });
    expect(await balanceOf(buyer.id)).toEqual({ balance: before.balance - 600, ledger: before.ledger - 600 });

    // A buyer who spent the credits cannot be refunded into a negative balance.
    const spender = await createUser(identity, { role: 'customer_user' });
    const s2 = (await checkout(spender.principal)).body.data!.createCheckoutSession;
    const p2 = await identity.query<{ completeLocalCheckout: Session }>(COMPLETE, { id: s2.id }, spender.principal);
    await identity.dataSource.query(
      `INSERT INTO identity.transactions (user_id, type, amount_cents, status) VALUES ($1, 'adjustment', -1500, 'completed')`,
      [spender.id],
    );
    expect(
      errorCodes(await identity.query(REFUND, { id: p2.body.data!.completeLocalCheckout.payment!.id }, ADMIN)),
    ).toEqual(['CONFLICT']);
  });

  it.each([
    ['a zero amount', { amountCents: 0, currency: 'USD', credits: 100 }],
    ['a negative amount', { amountCents: -100, currency: 'USD', credits: 100 }],
    ['zero credits', { amountCents: 100, currency: 'USD', credits: 0 }],
    ['an unknown currency', { amountCents: 100, currency: 'XYZ', credits: 100 }],
    ['a malformed currency', { amountCents: 100, currency: 'US-D', credits: 100 }],
  ])('is BAD_USER_INPUT for %s', async (_label, input) => {
    expect(errorCodes(await checkout(buyer.principal, randomUUID(), input))).toEqual(['BAD_USER_INPUT']);
  });

  it('shows sessions to their buyer and admins only', async () => {
    const session = (await checkout()).body.data!.createCheckoutSession;
    const READ = `query ($id: ID!) { checkoutSession(id: $id) { id } }`;
    expect((await identity.query(READ, { id: session.id }, buyer.principal)).body.data).toEqual({
      checkoutSession: { id: session.id },
    });
    expect((await identity.query(READ, { id: session.id }, ADMIN)).body.data).toEqual({
      checkoutSession: { id: session.id },
    });
    expect((await identity.query(READ, { id: session.id }, stranger.principal)).body.data).toEqual({
      checkoutSession: null,
    });
    expect(errorCodes(await identity.query(COMPLETE, { id: session.id }, stranger.principal))).toEqual(['NOT_FOUND']);
    const LIST = `{ payments { totalCount edges { node { user { id } } } } }`;
    const mine = await identity.query<{ payments: { edges: { node: { user: { id: string } } }[] } }>(
      LIST,
      {},
      buyer.principal,
    );
    expect(new Set(mine.body.data?.payments.edges.map((e) => e.node.user.id))).toEqual(new Set([buyer.id]));
    const none = await identity.query<{ payments: { totalCount: number } }>(LIST, {}, stranger.principal);
    expect(none.body.data?.payments.totalCount).toBe(0);
  });
});

describe('the payment webhook', () => {
  async function openSession(): Promise<{ id: string; providerSessionId: string }> {
    const session = (await checkout()).body.data!.createCheckoutSession;
    const [row] = await identity.dataSource.query(
      `SELECT provider_session_id FROM identity.checkout_sessions WHERE id = $1`,
      [session.id],
    );
    return { id: session.id, providerSessionId: row.provider_session_id };
  }

  const completedEvent = (providerSessionId: string, eventId = `evt_${randomUUID()}`) =>
    JSON.stringify({
      id: eventId,
      type: 'checkout.session.completed',
      data: { providerSessionId, providerPaymentId: `pi_${randomUUID()}`, amountCents: 500, currency: 'EUR' },
    });

  it('credits a signed completion once, however often it is delivered', async () => {
    const { id, providerSessionId } = await openSession();
    const before = await balanceOf(buyer.id);
    const body = completedEvent(providerSessionId);
    const signature = signPaymentWebhook(SECRET, body);
    const deliveries = await Promise.all([1, 2, 3].map(() => postWebhook(body, signature)));
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
    expect(deliveries.filter((d) => d.body.duplicate === false)).toHaveLength(1);
    expect(await balanceOf(buyer.id)).toEqual({ balance: before.balance + 600, ledger: before.ledger + 600 });
    const [session] = await identity.dataSource.query(`SELECT status FROM identity.checkout_sessions WHERE id = $1`, [
      id,
    ]);
    expect(session.status).toBe('completed');
    const [payment] = await identity.dataSource.query(
      `SELECT count(*)::int AS n FROM identity.payments WHERE checkout_session_id = $1`,
      [id],
    );
    expect(payment.n).toBe(1);
  });

  it('refuses a bad signature, a missing one, a tampered body and a replay outside the window', async () => {
    const { providerSessionId } = await openSession();
    const before = await balanceOf(buyer.id);
    const body = completedEvent(providerSessionId);
    expect((await postWebhook(body, null)).status).toBe(400);
    expect(
      (await postWebhook(body, signPaymentWebhook('another secret of enough length 0123456789', body))).status,
    ).toBe(400);
    expect((await postWebhook(body.replace('500', '501'), signPaymentWebhook(SECRET, body))).status).toBe(400);
    const old = Math.floor(Date.now() / 1000) - 301;
    const replay = await postWebhook(body, signPaymentWebhook(SECRET, body, old));
    expect(replay).toEqual({ status: 400, body: { error: 'timestamp outside the tolerance window' } });
    expect((await postWebhook(body, 't=abc,v1=zz')).status).toBe(400);
    expect(await balanceOf(buyer.id)).toEqual(before);
  });

  it('refuses a completion whose amount differs from the session (nothing credited, retried later)', async () => {
    const { providerSessionId } = await openSession();
    const before = await balanceOf(buyer.id);
    const body = JSON.stringify({
      id: `evt_${randomUUID()}`,
      type: 'checkout.session.completed',
      data: { providerSessionId, providerPaymentId: 'pi_x', amountCents: 1, currency: 'EUR' },
    });
    const result = await postWebhook(body, signPaymentWebhook(SECRET, body));
    expect(result.status).toBe(409);
    expect(await balanceOf(buyer.id)).toEqual(before);
  });

  it('reverses a payment the provider refunded, once', async () => {
    const { providerSessionId } = await openSession();
    const body = completedEvent(providerSessionId);
    await postWebhook(body, signPaymentWebhook(SECRET, body));
    const providerPaymentId = (JSON.parse(body) as { data: { providerPaymentId: string } }).data.providerPaymentId;
    const before = await balanceOf(buyer.id);
    const refund = JSON.stringify({
      id: `evt_${randomUUID()}`,
      type: 'payment.refunded',
      data: { providerPaymentId, reason: 'chargeback' },
    });
    const signature = signPaymentWebhook(SECRET, refund);
    expect((await postWebhook(refund, signature)).status).toBe(200);
    expect((await postWebhook(refund, signature)).body.duplicate).toBe(true);
    expect(await balanceOf(buyer.id)).toEqual({ balance: before.balance - 600, ledger: before.ledger - 600 });
  });

  it('answers only POST', async () => {
    expect((await fetch(webhookUrl)).status).toBe(405);
  });
});

describe('usage metrics', () => {
  it('counts logins, agent executions and credits spent per day, readable by range', async () => {
    const user = await createUser(identity, { role: 'customer_user' });
    const LOGIN = `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`;
    expect((await identity.query(LOGIN, { u: user.username, p: 'correct horse battery' })).body.errors).toBeUndefined();
    // A failed login counts nothing.
    await identity.query(LOGIN, { u: user.username, p: 'wrong password' });
    const SERVICE_RESERVE = `mutation ($input: ReserveCreditsInput!) { reserveCredits(input: $input) { id } }`;
    for (const amountCents of [100, 50]) {
      const held = await identity.query<{ reserveCredits: { id: string } }>(
        SERVICE_RESERVE,
        { input: { userId: user.id, amountCents, agentId: 'a', idempotencyKey: randomUUID() } },
        SERVICE,
      );
      await identity.query(
        `mutation ($id: ID!) { captureCredits(holdId: $id) { id } }`,
        { id: held.body.data!.reserveCredits.id },
        SERVICE,
      );
    }
    const today = new Date().toISOString().slice(0, 10);
    const read = await identity.query<{ me: { usage: Record<string, unknown>[] } }>(
      `query ($d: Date!) { me { usage(from: $d, to: $d) { day logins apiRequests agentExecutions creditsSpentCents } } }`,
      { d: today },
      user.principal,
    );
    expect(read.body.data?.me.usage).toEqual([
      { day: today, logins: 1, apiRequests: 0, agentExecutions: 2, creditsSpentCents: 150 },
    ]);
  });
});
