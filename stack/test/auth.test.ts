import { randomBytes } from 'node:crypto';
import { requestScope, signUserToken } from '@socgraph/shared';
import { startTestStack, type GraphQLResponse, type TestStack } from '../src/testing';
import { errorCodes, expectNoLeaks } from './support';

let graph: TestStack;
const PASSWORD = 'correct horse battery staple';
const seen: GraphQLResponse<unknown>[] = [];

beforeAll(async () => {
  graph = await startTestStack();
  await graph.seedAdmin(PASSWORD);
  await graph.seedUser({ username: 'ana', password: PASSWORD, role: 'analyst' });
});
afterAll(async () => graph?.stop());

/** Every response is also checked for leaks at the end. */
async function gql<T = Record<string, unknown>>(
  query: string,
  variables?: Record<string, unknown>,
  headers?: Record<string, string>,
) {
  const result = await graph.gql<T>(query, variables, headers);
  seen.push(result);
  return result;
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ME = `{ me { username role { name } } }`;

function claimsOf(token: string): { sub: string; sid: string } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    sub: string;
    sid: string;
  };
}

describe('anonymous callers', () => {
  it('may not run anything but login and introspection', async () => {
    for (const query of [ME, `{ users { totalCount } }`, `mutation { logout }`, `{ __typename me { username } }`]) {
      const result = await gql(query);
      expect(result.status).toBe(401);
      expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
      expect(result.body.data ?? null).toBeNull();
    }
  });

  it('cannot hide a field behind a fragment', async () => {
    const result = await gql(`query { ...Q } fragment Q on Query { me { username } }`);
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
  });

  it('may introspect, and the internal fields are not in the public graph', async () => {
    const result = await gql<{ __schema: { queryType: { name: string } }; __type: { fields: { name: string }[] } }>(
      `{ __typename __schema { queryType { name } } __type(name: "Query") { fields { name } } }`,
    );
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?.__schema.queryType.name).toBe('Query');
    const fields = result.body.data?.__type.fields.map((f) => f.name) ?? [];
    expect(fields).toContain('me');
    expect(fields.filter((f) => f.startsWith('_'))).toEqual([]);
  });
});

describe('login', () => {
  it('returns a token that works for me', async () => {
    const token = await graph.login('admin', PASSWORD);
    const me = await gql<{ me: { username: string; role: { name: string } } }>(ME, {}, bearer(token));
    expect(me.status).toBe(200);
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data?.me).toEqual({ username: 'admin', role: { name: 'admin' } });
  });

  it('fails alike for a wrong password and an unknown user', async () => {
    const LOGIN = `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`;
    const wrong = await gql(LOGIN, { u: 'admin', p: 'not the password' });
    const unknown = await gql(LOGIN, { u: 'nobody-here', p: 'not the password' });
    expect(errorCodes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(unknown)).toEqual(['UNAUTHENTICATED']);
    expect(wrong.body.errors?.[0]?.message).toBe(unknown.body.errors?.[0]?.message);
    expect(wrong.status).toBe(unknown.status);
    expect(wrong.body.data ?? null).toEqual(unknown.body.data ?? null);
  });
});

describe('what the gateway forwards to subgraphs', () => {
  it("passes its own request id (never the client's) and the client's address and user agent", async () => {
    const result = await gql<{ login: { token: string } }>(
      `mutation { login(username: "admin", password: "${PASSWORD}") { token } }`,
      {},
      { 'user-agent': 'soc-dashboard/1.0', 'x-request-id': 'req-forward-1' },
    );
    const requestId = String(result.headers.get('x-request-id'));
    expect(requestId).not.toBe('req-forward-1');
    const { sid } = claimsOf(result.body.data!.login.token);
    const rows = (await graph
      .dataSource('identity')
      .query(`SELECT host(ip_address) AS ip, user_agent FROM identity.user_sessions WHERE session_id = $1`, [sid])) as {
      ip: string;
      user_agent: string;
    }[];
    expect(rows).toEqual([{ ip: '127.0.0.1', user_agent: 'soc-dashboard/1.0' }]);
    // Subgraphs run in this process: their statements were counted under the gateway's request id.
    expect(requestScope.statementsFor(requestId)).toBeGreaterThan(0);
    expect(requestScope.statementsFor('req-forward-1')).toBe(0);
  });
});

describe('bad credentials are refused, never downgraded to anonymous', () => {
  it('refuses an expired token', async () => {
    const live = claimsOf(await graph.login('admin', PASSWORD));
    const expired = await signUserToken(
      { userId: live.sub, sessionId: live.sid, expiresAt: new Date(Date.now() - 60_000) },
      graph.jwtSecret,
    );
    const result = await gql(ME, {}, bearer(expired));
    expect(result.status).toBe(401);
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a token signed with another secret', async () => {
    const live = claimsOf(await graph.login('admin', PASSWORD));
    const forged = await signUserToken(
      { userId: live.sub, sessionId: live.sid, expiresAt: new Date(Date.now() + 3_600_000) },
      randomBytes(32).toString('hex'),
    );
    const result = await gql(ME, {}, bearer(forged));
    expect(result.status).toBe(401);
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
    // Refused even for operations an anonymous caller could run.
    expect(errorCodes(await gql(`{ __typename }`, {}, bearer(forged)))).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a well-signed token for a session that does not exist', async () => {
    const live = claimsOf(await graph.login('admin', PASSWORD));
    const token = await signUserToken(
      { userId: live.sub, sessionId: 'no-such-session', expiresAt: new Date(Date.now() + 3_600_000) },
      graph.jwtSecret,
    );
    expect(errorCodes(await gql(ME, {}, bearer(token)))).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a token at once after logout, even though its principal was cached', async () => {
    const token = await graph.login('ana', PASSWORD);
    expect((await gql(ME, {}, bearer(token))).body.data).toEqual({
      me: { username: 'ana', role: { name: 'analyst' } },
    });
    const logout = await gql<{ logout: boolean }>(`mutation { logout }`, {}, bearer(token));
    expect(logout.body).toEqual({ data: { logout: true } });
    const after = await gql(ME, {}, bearer(token));
    expect(after.status).toBe(401);
    expect(errorCodes(after)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses malformed authorization headers and mixed credentials', async () => {
    expect(errorCodes(await gql(ME, {}, { authorization: 'Basic YWRtaW46YWRtaW4=' }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await gql(ME, {}, { authorization: 'Bearer not-a-jwt' }))).toEqual(['UNAUTHENTICATED']);
    const token = await graph.login('admin', PASSWORD);
    expect(errorCodes(await gql(ME, {}, { ...bearer(token), 'x-api-key': 'sgk_whatever' }))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });
});

describe('API keys', () => {
  it("authenticate as their owner's role until revoked", async () => {
    const admin = bearer(await graph.login('admin', PASSWORD));
    const ana = await gql<{ users: { edges: { node: { id: string; username: string } }[] } }>(
      `{ users(filter: { search: "ana" }) { edges { node { id username } } } }`,
      {},
      admin,
    );
    const anaId = ana.body.data?.users.edges.find((e) => e.node.username === 'ana')?.node.id;
    expect(anaId).toBeDefined();

    const created = await gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }`,
      { input: { clientName: 'partner-siem', persistedOnly: false, userId: anaId } },
      admin,
    );
    expect(created.body.errors).toBeUndefined();
    const { secret, apiKey } = created.body.data!.createApiKey;

    const me = await gql(ME, {}, { 'x-api-key': secret });
    expect(me.body).toEqual({ data: { me: { username: 'ana', role: { name: 'analyst' } } } });

    const revoked = await gql(
      `mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`,
      { id: apiKey.id },
      admin,
    );
    expect(revoked.body.errors).toBeUndefined();
    // Refused on the very next request, although the key's principal was cached a moment ago.
    const after = await gql(ME, {}, { 'x-api-key': secret });
    expect(after.status).toBe(401);
    expect(errorCodes(after)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses unknown keys', async () => {
    expect(errorCodes(await gql(ME, {}, { 'x-api-key': 'sgk_unknown' }))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('errors', () => {
  it('carry no stack traces or SQL', () => {
    expect(seen.length).toBeGreaterThan(10);
    for (const result of seen) expectNoLeaks(result);
  });
});
