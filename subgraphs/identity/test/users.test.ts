import { randomUUID } from 'node:crypto';
import { Headers, signInternalToken } from '@socgraph/shared';
import type { TestSubgraph } from '@socgraph/testkit';
import { ADMIN, createCustomers, createUser, errorCodes, startIdentity, type CreatedUser } from './support';

let identity: TestSubgraph;
let analyst: CreatedUser;
let customerUser: CreatedUser;

beforeAll(async () => {
  identity = await startIdentity();
  await createCustomers(identity, ['C1', 'C2', 'C3']);
  analyst = await createUser(identity, { role: 'analyst', customerCodes: ['C1'], tagIds: ['1'] });
  customerUser = await createUser(identity, { role: 'customer_user', customerCodes: ['C2'] });
});
afterAll(async () => identity?.stop());

const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) { id username email role { name } customers { code } tagAccess { id } } }`;
const validInput = (username: string) => ({
  username,
  email: `${username}@example.com`,
  password: 'long enough pw',
  role: 'analyst',
});

describe('createUser', () => {
  it('creates the user with its access lists, and never stores the password in clear', async () => {
    const result = await identity.query<{ createUser: Record<string, unknown> }>(
      CREATE_USER,
      { input: { ...validInput('new.analyst'), customerCodes: ['C1', 'C3'], tagIds: ['4', '2'] } },
      ADMIN,
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?.createUser).toMatchObject({
      username: 'new.analyst',
      role: { name: 'analyst' },
      customers: [{ code: 'C1' }, { code: 'C3' }],
      tagAccess: [{ id: '2' }, { id: '4' }],
    });
    const [row] = await identity.dataSource.query(
      `SELECT password_hash FROM identity.users WHERE username = 'new.analyst'`,
    );
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain('long enough pw');
  });

  it('is CONFLICT for a taken username, whatever its case, and writes nothing', async () => {
    await identity.query(CREATE_USER, { input: validInput('dupe') }, ADMIN);
    const again = await identity.query(CREATE_USER, { input: validInput('DUPE') }, ADMIN);
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    const [{ count }] = await identity.dataSource.query(
      `SELECT count(*)::int AS count FROM identity.users WHERE lower(username) = 'dupe'`,
    );
    expect(count).toBe(1);
  });

  it.each([
    ['a bad email', { email: 'not-an-email' }],
    ['a short password', { password: 'short' }],
    ['an unknown role', { role: 'overlord' }],
    ['an unknown customer', { customerCodes: ['NOPE'] }],
    ['a malformed tag id', { tagIds: ['abc'] }],
    ['a username with spaces', { username: 'two words' }],
    ['an oversized username', { username: 'x'.repeat(65) }],
  ])('is BAD_USER_INPUT for %s, writing nothing', async (_label, override) => {
    const before = await identity.dataSource.query(`SELECT count(*)::int AS n FROM identity.users`);
    const result = await identity.query(
      CREATE_USER,
      { input: { ...validInput(`bad_${randomUUID().slice(0, 8)}`), ...override } },
      ADMIN,
    );
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    const after = await identity.dataSource.query(`SELECT count(*)::int AS n FROM identity.users`);
    expect(after).toEqual(before);
  });

  it('is FORBIDDEN for every role but admin, and for anonymous callers', async () => {
    for (const principal of [analyst.principal, customerUser.principal]) {
      const result = await identity.query(
        CREATE_USER,
        { input: validInput(`x${randomUUID().slice(0, 6)}`) },
        principal,
      );
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
    }
    const anonymous = await identity.query(CREATE_USER, { input: validInput('anon_try') });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('admin-only mutations', () => {
  it.each([
    ['setUserTagAccess', `mutation ($id: ID!) { setUserTagAccess(userId: $id, tagIds: ["1"]) { id } }`],
    [
      'setUserCustomerAccess',
      `mutation ($id: ID!) { setUserCustomerAccess(userId: $id, customerCodes: ["C1"]) { id } }`,
    ],
    ['setRoleTagAccess', `mutation { setRoleTagAccess(role: "analyst", tagIds: ["1"]) { id } }`],
    ['createCustomer', `mutation { createCustomer(input: { code: "ZZ", name: "Z" }) { code } }`],
  ])('%s is FORBIDDEN for an analyst', async (_name, mutation) => {
    const result = await identity.query(mutation, { id: analyst.id }, analyst.principal);
    expect(errorCodes(result)).toEqual(['FORBIDDEN']);
  });

  it('replaces access lists, and NOT_FOUND for an unknown user', async () => {
    const user = await createUser(identity, { role: 'analyst', customerCodes: ['C1'], tagIds: ['1', '2'] });
    const set = await identity.query<{
      setUserTagAccess: { tagAccess: { id: string }[] };
      setUserCustomerAccess: { customers: { code: string }[] };
    }>(
      `mutation ($id: ID!) {
         setUserTagAccess(userId: $id, tagIds: ["5"]) { tagAccess { id } }
         setUserCustomerAccess(userId: $id, customerCodes: ["C2", "C3"]) { customers { code } }
       }`,
      { id: user.id },
      ADMIN,
    );
    expect(set.body.data?.setUserTagAccess.tagAccess).toEqual([{ id: '5' }]);
    expect(set.body.data?.setUserCustomerAccess.customers).toEqual([{ code: 'C2' }, { code: 'C3' }]);
    const missing = await identity.query(
      `mutation { setUserTagAccess(userId: "999999", tagIds: []) { id } }`,
      {},
      ADMIN,
    );
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
  });
});

describe('reading users', () => {
  const USERS = `query ($first: Int, $after: String, $filter: UserFilter) { users(first: $first, after: $after, filter: $filter) { totalCount edges { cursor node { id username } } pageInfo { hasNextPage endCursor } } }`;

  it('lists users for admins only, with bounded page sizes and checked cursors', async () => {
    const ok = await identity.query(USERS, { first: 2 }, ADMIN);
    expect(ok.body.errors).toBeUndefined();
    expect(errorCodes(await identity.query(USERS, {}, analyst.principal))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await identity.query(USERS, { first: 101 }, ADMIN))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await identity.query(USERS, { first: -1 }, ADMIN))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await identity.query(USERS, { after: 'not-a-cursor!' }, ADMIN))).toEqual(['BAD_USER_INPUT']);
    expect(
      errorCodes(await identity.query(USERS, { after: Buffer.from('{"x":1}').toString('base64url') }, ADMIN)),
    ).toEqual(['BAD_USER_INPUT']);
  });

  it('walks every page exactly once, and filters by role, customer and search', async () => {
    const all = await identity.query<{ users: { totalCount: number } }>(USERS, { first: 100 }, ADMIN);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<
        ReturnType<
          typeof identity.query<{
            users: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
          }>
        >
      > = await identity.query(USERS, { first: 2, after }, ADMIN);
      seen.push(...page.body.data!.users.edges.map((e) => e.node.id));
      if (!page.body.data!.users.pageInfo.hasNextPage) break;
      after = page.body.data!.users.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(all.body.data!.users.totalCount);
    expect(new Set(seen).size).toBe(seen.length);

    const filtered = await identity.query<{ users: { edges: { node: { username: string } }[] } }>(
      USERS,
      { filter: { role: 'customer_user', customerCode: 'C2' } },
      ADMIN,
    );
    expect(filtered.body.data?.users.edges.map((e) => e.node.username)).toEqual([customerUser.username]);
    const search = await identity.query<{ users: { totalCount: number } }>(
      USERS,
      { filter: { search: customerUser.username.toUpperCase() } },
      ADMIN,
    );
    expect(search.body.data?.users.totalCount).toBe(1);
  });

  it('shows staff every profile, a customer user only itself, and private fields only to self or admin', async () => {
    const USER = `query ($id: ID!) { user(id: $id) { username } }`;
    expect((await identity.query(USER, { id: customerUser.id }, analyst.principal)).body.data?.user).toEqual({
      username: customerUser.username,
    });
    expect((await identity.query(USER, { id: analyst.id }, customerUser.principal)).body.data?.user).toBeNull();
    expect((await identity.query(USER, { id: customerUser.id }, customerUser.principal)).body.data?.user).toEqual({
      username: customerUser.username,
    });
    expect((await identity.query(USER, { id: 'abc' }, ADMIN)).body.data?.user).toBeNull();

    const privateField = await identity.query(
      `query ($id: ID!) { user(id: $id) { tagAccess { id } } }`,
      { id: customerUser.id },
      analyst.principal,
    );
    expect(errorCodes(privateField)).toEqual(['FORBIDDEN']);
    const me = await identity.query<{ me: { username: string; creditBalance: number; customers: { code: string }[] } }>(
      `{ me { username creditBalance customers { code } transactions { totalCount } mandates { id } apiKeys { id } } }`,
      {},
      customerUser.principal,
    );
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data?.me).toMatchObject({
      username: customerUser.username,
      creditBalance: 1000,
      customers: [{ code: 'C2' }],
    });
    expect((await identity.query(`{ me { id } }`)).body.data?.me).toBeNull();
  });

  it('resolves User references by id and by username, and an invisible one to null', async () => {
    const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id username } } }`;
    const reps = [
      { __typename: 'User', id: analyst.id },
      { __typename: 'User', username: customerUser.username },
      { __typename: 'User', id: '987654' },
    ];
    const asAdmin = await identity.query<{ _entities: unknown[] }>(ENTITIES, { r: reps }, ADMIN);
    expect(asAdmin.body.data?._entities).toEqual([
      { id: analyst.id, username: analyst.username },
      { id: customerUser.id, username: customerUser.username },
      null,
    ]);
    const asCustomer = await identity.query<{ _entities: unknown[] }>(ENTITIES, { r: reps }, customerUser.principal);
    expect(asCustomer.body.data?._entities).toEqual([
      null,
      { id: customerUser.id, username: customerUser.username },
      null,
    ]);
  });
});

describe('statement counts', () => {
  it('users(first: 5) and users(first: 50) with role, customers and tagAccess run the same number of statements', async () => {
    for (let i = 0; i < 50; i++)
      await createUser(identity, {
        role: i % 2 ? 'analyst' : 'customer_user',
        customerCodes: ['C1', 'C2'],
        tagIds: ['1', String(i + 2)],
      });
    const QUERY = `query ($first: Int) { users(first: $first) { totalCount edges { node { id role { name tagAccess { id } } customers { code } tagAccess { id } } } } }`;
    const counts: number[] = [];
    for (const first of [5, 50]) {
      const requestId = randomUUID();
      const token = await signInternalToken(ADMIN, identity.internalTokenSecret, 60);
      const result = await identity.post(
        { query: QUERY, variables: { first } },
        { [Headers.INTERNAL_TOKEN]: token, [Headers.REQUEST_ID]: requestId },
      );
      expect(result.body.errors).toBeUndefined();
      expect((result.body.data as { users: { edges: unknown[] } }).users.edges).toHaveLength(first);
      counts.push(identity.statementsFor(requestId));
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBe(counts[0]);
  });
});
