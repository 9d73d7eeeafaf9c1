import { Headers, requestScope, signInternalToken, type Principal } from '@socgraph/shared';
import { testPrincipal } from '@socgraph/testkit';
import { postGraphQL, startTestStack, type GraphQLResponse, type TestStack } from '../src/testing';
import { errorCodes, expectNoLeaks } from './support';

/**
 * `User.authEvents` and `User.auditEntries`, which audit adds to identity's User: a user's
 * security history for admins and auditors, FORBIDDEN to everyone else on every path, paged
 * like every connection, and batched so a page of 50 users costs audit what 5 do.
 */

const PASSWORD = 'correct horse battery staple';

let graph: TestStack;
const ids: Record<string, string> = {};
const headers: Record<string, Record<string, string>> = {};
/** Request ids (the gateway's) of the two admins' createTag calls, to tell their entries apart. */
const TAG_REQUEST = { admin: '', admin2: '' };

const LOGIN = `mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`;

interface EventNode {
  eventType: string;
  status: string;
  userId: string | null;
  username: string | null;
}
interface Page<T> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: T }[];
}
interface EntryNode {
  actor: string;
  action: string;
  requestId: string | null;
}

const AUTH_EVENTS = `query UserAuthEvents($id: ID!, $first: Int, $after: String, $filter: UserAuthEventFilter) {
  user(id: $id) {
    username
    authEvents(first: $first, after: $after, filter: $filter) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { eventType status userId username } }
    }
  }
}`;
const AUDIT_ENTRIES = `query UserAuditEntries($id: ID!, $first: Int, $after: String) {
  user(id: $id) {
    auditEntries(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { actor action requestId } } }
  }
}`;

async function as<T>(who: string, query: string, variables: Record<string, unknown> = {}) {
  return graph.gql<T>(query, variables, headers[who]);
}

/** Reads a user's auth events as `who`, failing on any error. */
async function authEventsOf(who: string, userId: string, variables: Record<string, unknown> = {}) {
  const result = await as<{ user: { authEvents: Page<EventNode> } | null }>(who, AUTH_EVENTS, {
    id: userId,
    ...variables,
  });
  if (result.body.errors) throw new Error(JSON.stringify(result.body.errors));
  const page = result.body.data?.user?.authEvents;
  if (!page) throw new Error(`no user ${userId}`);
  return page;
}

async function auditEntriesOf(who: string, userId: string, variables: Record<string, unknown> = {}) {
  const result = await as<{ user: { auditEntries: Page<EntryNode> } | null }>(who, AUDIT_ENTRIES, {
    id: userId,
    ...variables,
  });
  if (result.body.errors) throw new Error(JSON.stringify(result.body.errors));
  const page = result.body.data?.user?.auditEntries;
  if (!page) throw new Error(`no user ${userId}`);
  return page;
}

/** `_entities` straight to the audit subgraph, as the gateway would send it for `principal`. */
async function entitiesAs(principal: Principal, representations: Record<string, unknown>[]) {
  const token = await signInternalToken(principal, graph.internalTokenSecret, 60);
  return postGraphQL<{ _entities: ({ authEvents: Page<EventNode>; auditEntries: Page<EntryNode> } | null)[] }>(
    graph.subgraphUrl('audit'),
    `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User {
      authEvents(first: 10) { totalCount edges { node { eventType status } } }
      auditEntries(first: 10) { totalCount edges { node { actor action } } } } } }`,
    { r: representations },
    { [Headers.INTERNAL_TOKEN]: token },
  );
}

beforeAll(async () => {
  // The principal stays cached across the measured requests, so they differ only in their page size.
  graph = await startTestStack({ env: { PRINCIPAL_CACHE_SECONDS: '600' } });
  ids.admin = await graph.seedAdmin(PASSWORD);
  ids.admin2 = await graph.seedUser({ username: 'admin2', password: PASSWORD, role: 'admin' });
  ids.auditor = await graph.seedUser({ username: 'audrey', password: PASSWORD, role: 'auditor' });
  ids.analyst = await graph.seedUser({ username: 'ana', password: PASSWORD, role: 'analyst' });
  ids.customer = await graph.seedUser({
    username: 'cu',
    password: PASSWORD,
    role: 'customer_user',
    customerCodes: ['ACME'],
  });
  ids.tess = await graph.seedUser({ username: 'tess', password: PASSWORD, role: 'analyst' });
  for (const [who, username] of [
    ['admin', 'admin'],
    ['admin2', 'admin2'],
    ['auditor', 'audrey'],
    ['analyst', 'ana'],
    ['customer', 'cu'],
  ] as const) {
    headers[who] = { authorization: `Bearer ${await graph.login(username, PASSWORD)}` };
  }

  // tess: two wrong passwords, a sign-in, a sign-out.
  for (let i = 0; i < 2; i++) {
    const failed = await graph.gql(LOGIN, { u: 'tess', p: 'not the password' });
    expect(errorCodes(failed)).toEqual(['UNAUTHENTICATED']);
  }
  const token = await graph.login('tess', PASSWORD);
  const out = await graph.gql<{ logout: boolean }>(
    `mutation Logout { logout }`,
    {},
    { authorization: `Bearer ${token}` },
  );
  expect(out.body.data?.logout).toBe(true);

  for (const who of ['admin', 'admin2'] as const) {
    const tag = await graph.gql(
      `mutation NewTag($name: String!) { createTag(name: $name) { id } }`,
      { name: `by-${who}` },
      headers[who],
    );
    expect(tag.body.errors).toBeUndefined();
    TAG_REQUEST[who] = String(tag.headers.get('x-request-id'));
  }
  await graph.flushAudit();
});
afterAll(async () => graph?.stop());

describe("a user's auth events", () => {
  const TESS_HISTORY = [
    { eventType: 'LOGOUT', status: 'SUCCESS' },
    { eventType: 'LOGIN', status: 'SUCCESS' },
    { eventType: 'LOGIN', status: 'FAILURE' },
    { eventType: 'LOGIN', status: 'FAILURE' },
  ];

  it.each(['admin', 'auditor'])('are listed newest first for an %s', async (who) => {
    const page = await authEventsOf(who, ids.tess!, { first: 10 });
    expect(page.edges.map((e) => ({ eventType: e.node.eventType, status: e.node.status }))).toEqual(TESS_HISTORY);
    expect(new Set(page.edges.map((e) => `${e.node.userId}/${e.node.username}`))).toEqual(
      new Set([`${ids.tess}/tess`]),
    );
    expect(page.totalCount).toBe(4);
    expect(page.pageInfo.hasNextPage).toBe(false);
  });

  it("are the signed-in user's own under me", async () => {
    const result = await as<{ me: { authEvents: Page<EventNode> } }>(
      'auditor',
      `query MyEvents { me { authEvents(first: 10) { edges { node { eventType status userId } } } } }`,
    );
    expect(result.body.errors).toBeUndefined();
    const events = result.body.data?.me.authEvents.edges.map((e) => e.node) ?? [];
    expect(events).toEqual([{ eventType: 'LOGIN', status: 'SUCCESS', userId: ids.auditor }]);
  });

  it('narrow by status, type and period', async () => {
    const failed = await authEventsOf('admin', ids.tess!, { filter: { status: 'FAILURE' } });
    expect(failed.edges.map((e) => e.node.status)).toEqual(['FAILURE', 'FAILURE']);
    expect(failed.totalCount).toBe(2);
    const logouts = await authEventsOf('admin', ids.tess!, { filter: { eventType: 'LOGOUT' } });
    expect(logouts.edges.map((e) => e.node.eventType)).toEqual(['LOGOUT']);
    const future = await authEventsOf('admin', ids.tess!, { filter: { from: new Date(Date.now() + 60_000) } });
    expect(future).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false } });
  });

  it('page with first and after', async () => {
    const one = await authEventsOf('admin', ids.tess!, { first: 2 });
    expect(one.edges.map((e) => e.node.eventType)).toEqual(['LOGOUT', 'LOGIN']);
    expect(one.pageInfo).toEqual({ hasNextPage: true, endCursor: one.edges[1]?.cursor });
    const two = await authEventsOf('admin', ids.tess!, { first: 2, after: one.pageInfo.endCursor });
    expect(two.edges.map((e) => e.node.status)).toEqual(['FAILURE', 'FAILURE']);
    expect(two.pageInfo.hasNextPage).toBe(false);
    const three = await authEventsOf('admin', ids.tess!, { first: 2, after: two.pageInfo.endCursor });
    expect(three.edges).toEqual([]);
  });

  it.each([
    ['first above 100', { first: 101 }],
    ['negative first', { first: -1 }],
    ['a malformed cursor', { after: 'not a cursor!' }],
  ])('refuse %s as BAD_USER_INPUT', async (_, variables) => {
    for (const query of [AUTH_EVENTS, AUDIT_ENTRIES]) {
      const result = await as('admin', query, { id: ids.tess, ...variables });
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      expectNoLeaks(result);
    }
  });
});

describe("a user's audit entries", () => {
  it.each(['admin', 'auditor'])('are the changes that user made, for an %s', async (who) => {
    const admins = await auditEntriesOf(who, ids.admin!, { first: 100 });
    expect(new Set(admins.edges.map((e) => e.node.actor))).toEqual(new Set(['admin']));
    const requests = admins.edges.map((e) => e.node.requestId);
    expect(requests).toContain(TAG_REQUEST.admin);
    expect(requests).not.toContain(TAG_REQUEST.admin2);
    expect(admins.edges.find((e) => e.node.requestId === TAG_REQUEST.admin)?.node.action).toBe('createTag');
    expect(admins.totalCount).toBe(admins.edges.length);

    const other = await auditEntriesOf(who, ids.admin2!, { first: 100 });
    // Newest first: the tag came after admin2's sign-in.
    expect(other.edges.map((e) => [e.node.actor, e.node.action, e.node.requestId])).toEqual([
      ['admin2', 'createTag', TAG_REQUEST.admin2],
      ['admin2', 'login', expect.any(String)],
    ]);
  });

  it('page with first and after', async () => {
    const one = await auditEntriesOf('admin', ids.admin2!, { first: 1 });
    expect(one.edges.map((e) => e.node.action)).toEqual(['createTag']);
    expect(one.pageInfo.hasNextPage).toBe(true);
    const two = await auditEntriesOf('admin', ids.admin2!, { first: 1, after: one.pageInfo.endCursor });
    expect(two.edges.map((e) => e.node.action)).toEqual(['login']);
    expect(two.pageInfo.hasNextPage).toBe(false);
  });
});

describe('everyone but admins and auditors', () => {
  const FIELDS = {
    authEvents: 'authEvents { totalCount edges { node { eventType } } }',
    auditEntries: 'auditEntries { totalCount edges { node { action } } }',
  };

  describe.each(['analyst', 'customer'])('a signed-in %s', (who) => {
    it.each(Object.entries(FIELDS))('is FORBIDDEN %s under me, users and user(id)', async (_, selection) => {
      // A customer user sees no other user, so it asks for itself; an analyst sees staff profiles.
      const target = who === 'customer' ? ids.customer : ids.tess;
      for (const query of [
        `query Mine { me { id ${selection} } }`,
        `query Everyone { users(first: 5) { edges { node { id ${selection} } } } }`,
        `query One($id: ID!) { user(id: $id) { id ${selection} } }`,
      ]) {
        const result = await as<Record<string, unknown>>(who, query, { id: target });
        expect({ query, codes: errorCodes(result) }).toEqual({ query, codes: ['FORBIDDEN'] });
        // Nothing of the history reaches the client: the parent is nulled (users is refused outright).
        expect(JSON.stringify(result.body.data ?? null)).not.toMatch(/totalCount|eventType|action/);
        expectNoLeaks(result);
      }
    });
  });

  it.each([
    ['an analyst', () => testPrincipal({ userId: ids.analyst, username: 'ana', role: 'analyst' })],
    [
      'a customer user',
      () => testPrincipal({ userId: ids.customer, username: 'cu', role: 'customer_user', customerCodes: ['ACME'] }),
    ],
  ])('is FORBIDDEN as %s calling _entities on audit directly', async (_, principal) => {
    const result = await entitiesAs(principal(), [
      { __typename: 'User', id: ids.tess, username: 'tess' },
      { __typename: 'User', id: ids.admin, username: 'admin' },
    ]);
    expect(new Set(errorCodes(result))).toEqual(new Set(['FORBIDDEN']));
    // The fields audit adds to User are nullable (api.md): each refused field is null, nothing else leaks.
    expect(result.body.data?._entities).toEqual([
      { auditEntries: null, authEvents: null },
      { auditEntries: null, authEvents: null },
    ]);
  });

  it('is not refused to an admin or auditor principal on _entities', async () => {
    for (const principal of [
      testPrincipal({ userId: ids.admin, username: 'admin', role: 'admin' }),
      testPrincipal({ userId: ids.auditor, username: 'audrey', role: 'auditor' }),
    ]) {
      const result = await entitiesAs(principal, [{ __typename: 'User', id: ids.tess, username: 'tess' }]);
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data?._entities[0]?.authEvents.totalCount).toBe(4);
      expect(result.body.data?._entities[0]?.auditEntries.edges.map((e) => e.node.action)).toEqual([
        'logout',
        'login',
        'login',
        'login',
      ]);
    }
  });
});

describe('statement counts', () => {
  it('users(first: 5) and users(first: 50) with both histories cost the same', async () => {
    for (let i = 0; i < 50; i++) {
      await graph.seedUser({ username: `bulk${String(i).padStart(2, '0')}`, password: PASSWORD, role: 'analyst' });
    }
    const history = `authEvents(first: 3) { totalCount pageInfo { hasNextPage } edges { cursor node { id eventType } } }
      auditEntries(first: 3) { totalCount pageInfo { hasNextPage } edges { cursor node { id action } } }`;
    const measure = async (first: number, withHistory: boolean): Promise<number> => {
      const result: GraphQLResponse<{ users: { edges: unknown[] } }> = await graph.gql(
        `query Batch($first: Int!) { users(first: $first) { edges { node { id username ${withHistory ? history : ''} } } } }`,
        { first },
        headers.admin,
      );
      const requestId = String(result.headers.get('x-request-id'));
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data?.users.edges).toHaveLength(first);
      return requestScope.statementsFor(requestId);
    };
    await measure(5, true); // warms the principal cache
    const small = await measure(5, true);
    const large = await measure(50, true);
    const without = await measure(50, false);
    expect(large).toBe(small);
    // The histories are measured: audit's statements are part of the count.
    expect(large).toBeGreaterThan(without);
  });
});
