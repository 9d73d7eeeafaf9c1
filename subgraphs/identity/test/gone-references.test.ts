import { deletedMeanwhile, type TestSubgraph } from '@socgraph/testkit';
import { createCustomers, createUser, errorCodes, startIdentity, type CreatedUser } from './support';

/**
 * A foreign-key violation is a coded error, never INTERNAL_SERVER_ERROR (shared runAudited):
 * the caller's own user gone (deleted while the gateway still held its principal) is
 * UNAUTHENTICATED; a row the input names that is gone is BAD_USER_INPUT naming the argument.
 * Either way the mutation wrote nothing and its audit entry says the code.
 */
let identity: TestSubgraph;

beforeAll(async () => {
  identity = await startIdentity();
  await createCustomers(identity, ['ACME']);
});
afterAll(async () => identity?.stop());

const deleteUser = (id: string) => identity.dataSource.query(`DELETE FROM identity.users WHERE id = $1`, [id]);

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = (await identity.dataSource.query(`SELECT count(*)::int AS n FROM (${sql}) AS q`, params)) as {
    n: number;
  }[];
  return row?.n ?? 0;
}

/** The error summary of the last failed audit entry of `action`. */
async function auditedError(action: string): Promise<{ code: string; message?: string } | undefined> {
  const rows = (await identity.dataSource.query(
    `SELECT payload->'details'->'error' AS error FROM identity.audit_outbox
      WHERE payload->>'action' = $1 AND payload->>'status' = 'failure' ORDER BY id DESC LIMIT 1`,
    [action],
  )) as { error: { code: string; message?: string } }[];
  return rows[0]?.error;
}

function expectNoInternals(result: { body: { errors?: readonly { message: string }[] } }): void {
  const text = JSON.stringify(result.body.errors);
  expect(text).not.toMatch(/foreign key|violates|constraint|_fkey|identity\./i);
  expect(text).not.toMatch(/INSERT|UPDATE|DELETE/);
}

describe('the acting user no longer exists', () => {
  let gone: CreatedUser;
  beforeEach(async () => {
    gone = await createUser(identity, { role: 'admin' });
    await deleteUser(gone.id);
  });

  it('a settings mutation that records the actor answers UNAUTHENTICATED and writes nothing', async () => {
    const result = await identity.query(
      `mutation ($i: SmtpSettingsInput!) { updateSmtpSettings(input: $i) { email } }`,
      { i: { email: 'soc@example.com', server: 'smtp.example.com', port: 587, password: 'pw' } },
      gone.principal,
    );
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
    expect(result.body.errors?.[0]?.message).toMatch(/no longer exists; sign in again/);
    expectNoInternals(result);
    expect(await count(`SELECT 1 FROM identity.smtp`)).toBe(0);
    expect((await auditedError('updateSmtpSettings'))?.code).toBe('UNAUTHENTICATED');
  });

  it('creating an API key for oneself answers UNAUTHENTICATED and writes no key', async () => {
    const result = await identity.query(
      `mutation { createApiKey(input: { clientName: "orphan", persistedOnly: false }) { secret } }`,
      {},
      gone.principal,
    );
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
    expectNoInternals(result);
    expect(await count(`SELECT 1 FROM identity.api_keys WHERE client_name = 'orphan'`)).toBe(0);
  });

  it('a mandate or a checkout for oneself (checked under the user lock) answers UNAUTHENTICATED too', async () => {
    const mandate = await identity.query(
      `mutation { createMandate(input: { maxAmountCents: 100 }) { id } }`,
      {},
      gone.principal,
    );
    expect(errorCodes(mandate)).toEqual(['UNAUTHENTICATED']);
    const checkout = await identity.query(
      `mutation { createCheckoutSession(input: { amountCents: 500, currency: "USD", credits: 500 }, idempotencyKey: "k1") { id } }`,
      {},
      gone.principal,
    );
    expect(errorCodes(checkout)).toEqual(['UNAUTHENTICATED']);
    expect(await count(`SELECT 1 FROM identity.mandates WHERE user_id = $1`, [gone.id])).toBe(0);
    expect(await count(`SELECT 1 FROM identity.checkout_sessions WHERE user_id = $1`, [gone.id])).toBe(0);
  });

  it("another user's missing row stays NOT_FOUND for an admin", async () => {
    const admin = await createUser(identity, { role: 'admin' });
    const result = await identity.query(
      `mutation ($u: ID!) { createMandate(input: { userId: $u, maxAmountCents: 100 }) { id } }`,
      { u: gone.id },
      admin.principal,
    );
    expect(errorCodes(result)).toEqual(['NOT_FOUND']);
  });
});

describe('a row the input names is deleted meanwhile', () => {
  let admin: CreatedUser;
  beforeAll(async () => {
    admin = await createUser(identity, { role: 'admin' });
  });

  const setCustomerAccess = (userId: string, customerCodes: string[]) =>
    identity.query(
      `mutation ($u: ID!, $c: [String!]!) { setUserCustomerAccess(userId: $u, customerCodes: $c) { id } }`,
      { u: userId, c: customerCodes },
      admin.principal,
    );

  it('the user being changed: BAD_USER_INPUT naming userId, nothing written', async () => {
    const target = await createUser(identity, { role: 'analyst' });
    const result = await deletedMeanwhile(
      identity.dataSource,
      `DELETE FROM identity.users WHERE id = $1`,
      [target.id],
      () => setCustomerAccess(target.id, ['ACME']),
    );
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.body.errors?.[0]?.extensions?.field).toBe('userId');
    expectNoInternals(result);
    expect(await count(`SELECT 1 FROM identity.user_customer_access WHERE user_id = $1`, [target.id])).toBe(0);
    expect((await auditedError('setUserCustomerAccess'))?.code).toBe('BAD_USER_INPUT');
  });

  it('a customer granted: BAD_USER_INPUT naming customerCodes, the old access kept', async () => {
    await createCustomers(identity, ['DOOMED']);
    const target = await createUser(identity, { role: 'analyst', customerCodes: ['ACME'] });
    const result = await deletedMeanwhile(
      identity.dataSource,
      `DELETE FROM identity.customers WHERE customer_code = 'DOOMED'`,
      [],
      () => setCustomerAccess(target.id, ['ACME', 'DOOMED']),
    );
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.body.errors?.[0]?.extensions?.field).toBe('customerCodes');
    expectNoInternals(result);
    // Rolled back: the replaced set is still there.
    const rows = (await identity.dataSource.query(
      `SELECT customer_code FROM identity.user_customer_access WHERE user_id = $1`,
      [target.id],
    )) as { customer_code: string }[];
    expect(rows.map((r) => r.customer_code)).toEqual(['ACME']);
  });
});
