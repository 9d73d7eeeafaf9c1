import { randomUUID } from 'node:crypto';
import type { TestSubgraph } from '@socgraph/testkit';
import { ADMIN, createUser, errorCodes, SERVICE, startIdentity, type CreatedUser } from './support';

let identity: TestSubgraph;

beforeAll(async () => {
  identity = await startIdentity();
});
afterAll(async () => identity?.stop());

const RESERVE = `mutation ($input: ReserveCreditsInput!) {
  reserveCredits(input: $input) { id status amountCents agentId transactionId mandateId balanceAfterCents }
}`;
const CAPTURE = `mutation ($id: ID!) { captureCredits(holdId: $id) { id status balanceAfterCents } }`;
const RELEASE = `mutation ($id: ID!) { releaseCredits(holdId: $id) { id status balanceAfterCents } }`;

interface Hold {
  id: string;
  status: string;
  amountCents: number;
  transactionId: string;
  mandateId: string | null;
  balanceAfterCents: number;
}

const reserve = (userId: string, amountCents: number, key = randomUUID(), agentId = 'agent-a') =>
  identity.query<{ reserveCredits: Hold }>(
    RESERVE,
    { input: { userId, amountCents, agentId, idempotencyKey: key } },
    SERVICE,
  );

const reasonsOf = (result: { body: { errors?: readonly { extensions?: Record<string, unknown> }[] } }) =>
  (result.body.errors ?? []).map((e) => e.extensions?.reason);

/** Balance column and ledger sum, read straight from the database. */
async function books(userId: string): Promise<{ balance: number; ledger: number; entries: number }> {
  const [row] = await identity.dataSource.query(
    `SELECT u.credit_balance_cents AS balance,
            (SELECT coalesce(sum(amount_cents), 0)::int FROM identity.transactions WHERE user_id = u.id) AS ledger,
            (SELECT count(*)::int FROM identity.transactions WHERE user_id = u.id) AS entries
       FROM identity.users u WHERE u.id = $1`,
    [userId],
  );
  return row;
}

const MANDATE = `mutation ($input: CreateMandateInput!) { createMandate(input: $input) { id status } }`;

describe('the ledger', () => {
  it('opens every new user with its starting balance as a ledger entry', async () => {
    const user = await createUser(identity, { role: 'customer_user' });
    expect(await books(user.id)).toEqual({ balance: 1000, ledger: 1000, entries: 1 });
    const me = await identity.query<{
      me: { creditBalance: number; transactions: { totalCount: number; edges: { node: Record<string, unknown> }[] } };
    }>(
      `{ me { creditBalance transactions { totalCount edges { node { type amountCents currency status auditTrail { action actor } } } } } }`,
      {},
      user.principal,
    );
    expect(me.body.data?.me.creditBalance).toBe(1000);
    expect(me.body.data?.me.transactions.edges[0]?.node).toMatchObject({
      type: 'opening',
      amountCents: 1000,
      currency: 'USD',
      status: 'completed',
    });
  });

  it('refuses to change an entry’s amount: the ledger is append-only', async () => {
    const user = await createUser(identity, { role: 'customer_user' });
    await expect(
      identity.dataSource.query(`UPDATE identity.transactions SET amount_cents = 5 WHERE user_id = $1`, [user.id]),
    ).rejects.toThrow(/append-only/);
  });

  it('grants credits by hand (admin only), with a reason and an audit row', async () => {
    const user = await createUser(identity, { role: 'customer_user' });
    const GRANT = `mutation ($input: GrantCreditsInput!) { grantCredits(input: $input) { type amountCents description createdBy auditTrail { action actor } } }`;
    const input = { userId: user.id, amountCents: 250, reason: 'goodwill' };
    const granted = await identity.query<{ grantCredits: Record<string, unknown> }>(GRANT, { input }, ADMIN);
    expect(granted.body.data?.grantCredits).toEqual({
      type: 'grant',
      amountCents: 250,
      description: 'goodwill',
      createdBy: 'admin',
      auditTrail: [{ action: 'created', actor: 'admin' }],
    });
    expect(await books(user.id)).toMatchObject({ balance: 1250, ledger: 1250 });
    expect(errorCodes(await identity.query(GRANT, { input }, user.principal))).toEqual(['FORBIDDEN']);
    for (const amountCents of [0, -5]) {
      expect(errorCodes(await identity.query(GRANT, { input: { ...input, amountCents } }, ADMIN))).toEqual([
        'BAD_USER_INPUT',
      ]);
    }
  });
});

describe('holds', () => {
  let user: CreatedUser;
  beforeAll(async () => {
    user = await createUser(identity, { role: 'customer_user' });
  });

  it('reserve debits at once, capture completes the charge with the fee split, release gives it back', async () => {
    const held = await reserve(user.id, 300);
    expect(held.body.errors).toBeUndefined();
    expect(held.body.data?.reserveCredits).toMatchObject({ status: 'HELD', amountCents: 300, balanceAfterCents: 700 });
    const captured = await identity.query<{ captureCredits: Hold }>(
      CAPTURE,
      { id: held.body.data!.reserveCredits.id },
      SERVICE,
    );
    expect(captured.body.data?.captureCredits).toMatchObject({ status: 'CAPTURED', balanceAfterCents: 700 });
    const [charge] = await identity.dataSource.query(
      `SELECT status, amount_cents, platform_fee_cents, seller_earnings_cents FROM identity.transactions WHERE id = $1`,
      [held.body.data!.reserveCredits.transactionId],
    );
    expect(charge).toEqual({
      status: 'completed',
      amount_cents: -300,
      platform_fee_cents: 60,
      seller_earnings_cents: 240,
    });

    const other = await reserve(user.id, 200);
    const released = await identity.query<{ releaseCredits: Hold }>(
      RELEASE,
      { id: other.body.data!.reserveCredits.id },
      SERVICE,
    );
    expect(released.body.data?.releaseCredits).toMatchObject({ status: 'RELEASED', balanceAfterCents: 700 });
    // Settled holds stay settled: capture after release is CONFLICT, a second release the same.
    expect(errorCodes(await identity.query(CAPTURE, { id: other.body.data!.reserveCredits.id }, SERVICE))).toEqual([
      'CONFLICT',
    ]);
    const again = await identity.query<{ releaseCredits: Hold }>(
      RELEASE,
      { id: other.body.data!.reserveCredits.id },
      SERVICE,
    );
    expect(again.body.data?.releaseCredits.status).toBe('RELEASED');
    expect(await books(user.id)).toMatchObject({ balance: 700, ledger: 700 });

    const trail = await identity.dataSource.query(
      `SELECT action, actor FROM identity.transaction_audit_log WHERE transaction_id = $1 ORDER BY id`,
      [held.body.data!.reserveCredits.transactionId],
    );
    expect(trail).toEqual([
      { action: 'created', actor: 'service:test' },
      { action: 'captured', actor: 'service:test' },
    ]);
  });

  it('is for the service principal only: users, even admins, get FORBIDDEN', async () => {
    for (const principal of [user.principal, ADMIN]) {
      const result = await identity.query(
        RESERVE,
        { input: { userId: user.id, amountCents: 1, agentId: 'a', idempotencyKey: randomUUID() } },
        principal,
      );
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
      expect(errorCodes(await identity.query(CAPTURE, { id: randomUUID() }, principal))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await identity.query(RELEASE, { id: randomUUID() }, principal))).toEqual(['FORBIDDEN']);
    }
  });

  it.each([
    ['zero', { amountCents: 0 }],
    ['negative', { amountCents: -100 }],
    ['an empty key', { idempotencyKey: ' ' }],
    ['an oversized agent id', { agentId: 'x'.repeat(65) }],
  ])('is BAD_USER_INPUT for %s, writing nothing', async (_label, override) => {
    const before = await books(user.id);
    const result = await identity.query(
      RESERVE,
      { input: { userId: user.id, amountCents: 10, agentId: 'a', idempotencyKey: randomUUID(), ...override } },
      SERVICE,
    );
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(await books(user.id)).toEqual(before);
  });

  it('refuses a reserve above the balance with INSUFFICIENT_CREDITS', async () => {
    const poor = await createUser(identity, { role: 'customer_user' });
    const result = await reserve(poor.id, 1001);
    expect(errorCodes(result)).toEqual(['FORBIDDEN']);
    expect(reasonsOf(result)).toEqual(['INSUFFICIENT_CREDITS']);
    expect(await books(poor.id)).toEqual({ balance: 1000, ledger: 1000, entries: 1 });
  });

  it('50 concurrent reserves of 100 against 1,000: exactly 10 succeed, never below zero', async () => {
    const target = await createUser(identity, { role: 'customer_user' });
    const results = await Promise.all(Array.from({ length: 50 }, () => reserve(target.id, 100)));
    const ok = results.filter((r) => r.body.data?.reserveCredits);
    const refused = results.filter((r) => reasonsOf(r)[0] === 'INSUFFICIENT_CREDITS');
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(40);
    expect(await books(target.id)).toEqual({ balance: 0, ledger: 0, entries: 11 });
    const balances = ok.map((r) => r.body.data!.reserveCredits.balanceAfterCents).sort((a, b) => a - b);
    expect(balances).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
  }, 60_000);

  it('the same idempotency key in parallel: one hold, one charge', async () => {
    const target = await createUser(identity, { role: 'customer_user' });
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 10 }, () => reserve(target.id, 100, key)));
    const ids = new Set(results.map((r) => r.body.data?.reserveCredits.id));
    expect(results.every((r) => r.body.errors === undefined)).toBe(true);
    expect(ids.size).toBe(1);
    expect(await books(target.id)).toEqual({ balance: 900, ledger: 900, entries: 2 });
    // The key names one charge: another amount under it is CONFLICT.
    expect(errorCodes(await reserve(target.id, 200, key))).toEqual(['CONFLICT']);
  }, 30_000);
});

describe('mandates at reserve time', () => {
  it('50 concurrent reserves of 100 against a daily cap of 1,000: exactly 10 succeed', async () => {
    const user = await createUser(identity, { role: 'customer_user' });
    await identity.query(
      `mutation ($input: GrantCreditsInput!) { grantCredits(input: $input) { id } }`,
      { input: { userId: user.id, amountCents: 9000, reason: 'enough for more than the cap' } },
      ADMIN,
    );
    const created = await identity.query(MANDATE, { input: { dailyLimitCents: 1000 } }, user.principal);
    expect(created.body.errors).toBeUndefined();
    const results = await Promise.all(Array.from({ length: 50 }, () => reserve(user.id, 100)));
    expect(results.filter((r) => r.body.data?.reserveCredits)).toHaveLength(10);
    expect(results.filter((r) => reasonsOf(r)[0] === 'MANDATE_CAP_EXCEEDED')).toHaveLength(40);
    expect(await books(user.id)).toMatchObject({ balance: 9000, ledger: 9000 });
  }, 60_000);

  it('refuses above the per-execution cap, for the agents a mandate covers only', async () => {
    const user = await createUser(identity, { role: 'customer_user' });
    await identity.query(MANDATE, { input: { maxAmountCents: 50, agentIds: ['agent-a'] } }, user.principal);
    const over = await reserve(user.id, 51, randomUUID(), 'agent-a');
    expect(reasonsOf(over)).toEqual(['MANDATE_CAP_EXCEEDED']);
    expect((await reserve(user.id, 50, randomUUID(), 'agent-a')).body.data?.reserveCredits.mandateId).toBeTruthy();
    // agent-b is not covered by any mandate: only the balance limits it.
    expect((await reserve(user.id, 500, randomUUID(), 'agent-b')).body.data?.reserveCredits.mandateId).toBeNull();
  });

  it('refuses once the mandate has expired (MANDATE_EXPIRED) or was revoked (MANDATE_REVOKED)', async () => {
    const user = await createUser(identity, { role: 'customer_user' });
    const expiring = await identity.query<{ createMandate: { id: string } }>(
      MANDATE,
      { input: { agentIds: ['agent-x'], expiresAt: new Date(Date.now() + 3_600_000).toISOString() } },
      user.principal,
    );
    expect((await reserve(user.id, 10, randomUUID(), 'agent-x')).body.errors).toBeUndefined();
    // Time passes: the mandate's expiry is now behind us.
    await identity.dataSource.query(
      `UPDATE identity.mandates SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [expiring.body.data!.createMandate.id],
    );
    expect(reasonsOf(await reserve(user.id, 10, randomUUID(), 'agent-x'))).toEqual(['MANDATE_EXPIRED']);

    const revocable = await identity.query<{ createMandate: { id: string } }>(
      MANDATE,
      { input: { agentIds: ['agent-y'] } },
      user.principal,
    );
    expect((await reserve(user.id, 10, randomUUID(), 'agent-y')).body.errors).toBeUndefined();
    const revoked = await identity.query(
      `mutation ($id: ID!) { revokeMandate(id: $id) { status revokedBy } }`,
      { id: revocable.body.data!.createMandate.id },
      user.principal,
    );
    expect(revoked.body.data).toEqual({ revokeMandate: { status: 'REVOKED', revokedBy: user.username } });
    expect(reasonsOf(await reserve(user.id, 10, randomUUID(), 'agent-y'))).toEqual(['MANDATE_REVOKED']);
  });
});
