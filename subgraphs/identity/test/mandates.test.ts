import { randomUUID } from 'node:crypto';
import type { TestSubgraph } from '@socgraph/testkit';
import { ADMIN, createUser, errorCodes, SERVICE, startIdentity, type CreatedUser } from './support';

let identity: TestSubgraph;
let owner: CreatedUser;
let other: CreatedUser;

beforeAll(async () => {
  identity = await startIdentity();
  owner = await createUser(identity, { role: 'customer_user' });
  other = await createUser(identity, { role: 'analyst' });
});
afterAll(async () => identity?.stop());

const FIELDS = `id status createdBy revokedBy user { id } agents { id }
  rules { maxAmountCents dailyLimitCents monthlyLimitCents agentIds expiresAt }
  history { action field oldValue newValue changedBy }`;
const CREATE = `mutation ($input: CreateMandateInput!) { createMandate(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateMandateInput!) { updateMandate(id: $id, input: $input) { ${FIELDS} } }`;
const REVOKE = `mutation ($id: ID!) { revokeMandate(id: $id) { ${FIELDS} } }`;

interface MandateResult {
  id: string;
  status: string;
  rules: Record<string, unknown>;
  history: { action: string; field: string; oldValue: unknown; newValue: unknown; changedBy: string }[];
}

async function create(input: Record<string, unknown>, principal = owner.principal): Promise<MandateResult> {
  const result = await identity.query<{ createMandate: MandateResult }>(CREATE, { input }, principal);
  if (!result.body.data) throw new Error(JSON.stringify(result.body.errors));
  return result.body.data.createMandate;
}

describe('mandate changes', () => {
  it('creates, updates and revokes, recording every changed field with its actor', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const mandate = await create({ maxAmountCents: 100, dailyLimitCents: 500, agentIds: ['b', 'a', 'a'], expiresAt });
    expect(mandate).toMatchObject({
      status: 'ACTIVE',
      rules: { maxAmountCents: 100, dailyLimitCents: 500, monthlyLimitCents: null, agentIds: ['a', 'b'] },
    });
    expect(mandate.history.map((h) => [h.action, h.field, h.changedBy])).toEqual([
      ['created', 'maxAmountCents', owner.username],
      ['created', 'dailyLimitCents', owner.username],
      ['created', 'agentIds', owner.username],
      ['created', 'expiresAt', owner.username],
    ]);

    // The admin changes one limit and clears another; unchanged fields leave no row.
    const updated = await identity.query<{ updateMandate: MandateResult }>(
      UPDATE,
      { id: mandate.id, input: { dailyLimitCents: 400, maxAmountCents: null, agentIds: ['a', 'b'] } },
      ADMIN,
    );
    expect(updated.body.errors).toBeUndefined();
    expect(updated.body.data?.updateMandate.rules).toMatchObject({ dailyLimitCents: 400, maxAmountCents: null });
    expect(updated.body.data?.updateMandate.history.slice(4)).toEqual([
      { action: 'updated', field: 'maxAmountCents', oldValue: 100, newValue: null, changedBy: 'admin' },
      { action: 'updated', field: 'dailyLimitCents', oldValue: 500, newValue: 400, changedBy: 'admin' },
    ]);

    const revoked = await identity.query<{ revokeMandate: MandateResult & { revokedBy: string } }>(
      REVOKE,
      { id: mandate.id },
      owner.principal,
    );
    expect(revoked.body.data?.revokeMandate).toMatchObject({ status: 'REVOKED', revokedBy: owner.username });
    expect(revoked.body.data?.revokeMandate.history.at(-1)).toEqual({
      action: 'revoked',
      field: 'status',
      oldValue: 'active',
      newValue: 'revoked',
      changedBy: owner.username,
    });
    expect(errorCodes(await identity.query(UPDATE, { id: mandate.id, input: { dailyLimitCents: 1 } }, ADMIN))).toEqual([
      'CONFLICT',
    ]);
  });

  it.each([
    ['a daily limit above the monthly one', { dailyLimitCents: 2000, monthlyLimitCents: 1000 }],
    ['a zero limit', { maxAmountCents: 0 }],
    ['a negative limit', { monthlyLimitCents: -1 }],
    ['an expiry in the past', { expiresAt: '2001-01-01T00:00:00Z' }],
    ['too many agents', { agentIds: Array.from({ length: 101 }, (_, i) => `a${i}`) }],
    ['an oversized agent id', { agentIds: ['x'.repeat(65)] }],
  ])('is BAD_USER_INPUT for %s, writing nothing', async (_label, input) => {
    const before = await identity.dataSource.query(`SELECT count(*)::int AS n FROM identity.mandates`);
    expect(errorCodes(await identity.query(CREATE, { input }, owner.principal))).toEqual(['BAD_USER_INPUT']);
    expect(await identity.dataSource.query(`SELECT count(*)::int AS n FROM identity.mandates`)).toEqual(before);
  });

  it('checks the day limit against the monthly limit already set when only one is changed', async () => {
    const mandate = await create({ monthlyLimitCents: 1000 });
    expect(
      errorCodes(await identity.query(UPDATE, { id: mandate.id, input: { dailyLimitCents: 1001 } }, owner.principal)),
    ).toEqual(['BAD_USER_INPUT']);
  });

  it('is its user’s or an admin’s: others get NOT_FOUND on change, FORBIDDEN creating for someone else', async () => {
    const mandate = await create({ maxAmountCents: 10 });
    for (const mutation of [UPDATE, REVOKE]) {
      const result = await identity.query(mutation, { id: mandate.id, input: { maxAmountCents: 5 } }, other.principal);
      expect(errorCodes(result)).toEqual(['NOT_FOUND']);
    }
    expect(errorCodes(await identity.query(CREATE, { input: { userId: owner.id } }, other.principal))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await identity.query(CREATE, { input: {} }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await identity.query(REVOKE, { id: randomUUID() }, ADMIN))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await identity.query(REVOKE, { id: 'not-a-uuid' }, ADMIN))).toEqual(['NOT_FOUND']);
    // An admin creates one for the user.
    const forOwner = await identity.query<{ createMandate: { user: { id: string } } }>(
      CREATE,
      { input: { userId: owner.id, maxAmountCents: 1 } },
      ADMIN,
    );
    expect(forOwner.body.data?.createMandate.user.id).toBe(owner.id);
  });

  it('shows a mandate past its expiry as EXPIRED', async () => {
    const mandate = await create({ expiresAt: new Date(Date.now() + 60_000).toISOString() });
    await identity.dataSource.query(
      `UPDATE identity.mandates SET expires_at = now() - interval '1 minute' WHERE id = $1`,
      [mandate.id],
    );
    const read = await identity.query<{ user: { mandates: { id: string; status: string }[] } }>(
      `query ($id: ID!) { user(id: $id) { mandates { id status } } }`,
      { id: owner.id },
      owner.principal,
    );
    expect(read.body.data?.user.mandates.find((m) => m.id === mandate.id)?.status).toBe('EXPIRED');
  });
});

describe('reading billing data', () => {
  const READ = `query ($id: ID!) { user(id: $id) { id creditBalance mandates { id } transactions { totalCount }
    usage(from: "2020-01-01", to: "2020-12-31") { day } } }`;

  it('is for the user itself, admins and services; other users get FORBIDDEN on each private field', async () => {
    for (const principal of [owner.principal, ADMIN, SERVICE]) {
      const result = await identity.query(READ, { id: owner.id }, principal);
      expect(result.body.errors).toBeUndefined();
    }
    for (const field of [
      'creditBalance',
      'mandates { id }',
      'transactions { totalCount }',
      'usage(from: "2020-01-01", to: "2020-12-31") { day }',
    ]) {
      const result = await identity.query(
        `query ($id: ID!) { user(id: $id) { id ${field} } }`,
        { id: owner.id },
        other.principal,
      );
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
    }
  });

  it('resolves User references through _entities with the same rule', async () => {
    const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id creditBalance } } }`;
    const mine = await identity.query(ENTITIES, { r: [{ __typename: 'User', id: owner.id }] }, owner.principal);
    expect(mine.body.data?._entities).toEqual([{ id: owner.id, creditBalance: 1000 }]);
    const theirs = await identity.query(ENTITIES, { r: [{ __typename: 'User', id: owner.id }] }, other.principal);
    expect(errorCodes(theirs)).toEqual(['FORBIDDEN']);
  });

  it('is BAD_USER_INPUT for a reversed or over-long usage range, a bad page size or cursor', async () => {
    const usage = (from: string, to: string) =>
      identity.query(
        `query ($id: ID!, $f: Date!, $t: Date!) { user(id: $id) { usage(from: $f, to: $t) { day } } }`,
        {
          id: owner.id,
          f: from,
          t: to,
        },
        owner.principal,
      );
    expect(errorCodes(await usage('2024-02-01', '2024-01-01'))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await usage('2020-01-01', '2024-01-01'))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await usage('2024-13-01', '2024-01-01'))).toEqual(['BAD_USER_INPUT']);
    for (const args of ['first: 101', 'first: -1', 'after: "garbage"']) {
      const result = await identity.query(
        `query ($id: ID!) { user(id: $id) { transactions(${args}) { totalCount } } }`,
        {
          id: owner.id,
        },
        owner.principal,
      );
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    }
  });
});
