import { Headers, signInternalToken } from '@socgraph/shared';
import { randomSecret, type TestSubgraph } from '@socgraph/testkit';
import { ADMIN, createUser, errorCodes, SERVICE, startIdentity } from './support';

let identity: TestSubgraph;
beforeAll(async () => {
  identity = await startIdentity();
});
afterAll(async () => identity?.stop());

const LOGIN = `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt user { id username role { name } customers { code } tagAccess { id } creditBalance } } }`;
const PRINCIPAL_FOR_SESSION = `query ($s: ID!) { _principalForSession(sessionId: $s) { userId username role customerCodes tagIds sessionId } }`;

function sessionIdOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sid: string };
  return payload.sid;
}

describe('login and sessions', () => {
  it('logs in, records a session, and the session resolves to a principal', async () => {
    const user = await createUser(identity, { role: 'analyst', tagIds: ['7', '3'] });
    await identity.query(`mutation { setRoleTagAccess(role: "analyst", tagIds: ["3", "9"]) { name } }`, {}, ADMIN);
    const login = await identity.query<{
      login: { token: string; user: { username: string; role: { name: string } } };
    }>(LOGIN, {
      u: user.username,
      p: 'correct horse battery',
    });
    expect(login.body.errors).toBeUndefined();
    // the payload is read as the signed-in user: its private fields are readable
    expect(login.body.data?.login.user).toEqual({
      id: user.id,
      username: user.username,
      role: { name: 'analyst' },
      customers: [],
      tagAccess: [{ id: '3' }, { id: '7' }],
      creditBalance: 1000,
    });
    const sessionId = sessionIdOf(login.body.data!.login.token);

    const resolved = await identity.query<{ _principalForSession: { tagIds: string[]; role: string } }>(
      PRINCIPAL_FOR_SESSION,
      { s: sessionId },
      SERVICE,
    );
    // user tags ∪ role tags, each once
    expect(resolved.body.data?._principalForSession).toMatchObject({
      role: 'analyst',
      tagIds: ['3', '7', '9'],
      sessionId,
    });

    const rows = await identity.dataSource.query(`SELECT is_active FROM identity.user_sessions WHERE session_id = $1`, [
      sessionId,
    ]);
    expect(rows).toEqual([{ is_active: true }]);
    await identity.query(`mutation { setRoleTagAccess(role: "analyst", tagIds: []) { name } }`, {}, ADMIN);
  });

  it('answers a wrong password and an unknown user with the same UNAUTHENTICATED error', async () => {
    const user = await createUser(identity, { role: 'analyst' });
    const wrong = await identity.query(LOGIN, { u: user.username, p: 'not the password' });
    const unknown = await identity.query(LOGIN, { u: 'nobody-here', p: 'not the password' });
    expect(errorCodes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(unknown)).toEqual(['UNAUTHENTICATED']);
    expect(wrong.body.errors?.[0]?.message).toBe(unknown.body.errors?.[0]?.message);
  });

  it('logout ends the session, after which it no longer resolves', async () => {
    const user = await createUser(identity, { role: 'customer_user' });
    const login = await identity.query<{ login: { token: string } }>(LOGIN, {
      u: user.username,
      p: 'correct horse battery',
    });
    const sessionId = sessionIdOf(login.body.data!.login.token);
    const logout = await identity.query<{ logout: boolean }>(
      `mutation { logout }`,
      {},
      { ...user.principal, sessionId },
    );
    expect(logout.body.data?.logout).toBe(true);
    const resolved = await identity.query(PRINCIPAL_FOR_SESSION, { s: sessionId }, SERVICE);
    expect(resolved.body.data?._principalForSession).toBeNull();
  });

  it('internal fields refuse every principal but the service', async () => {
    for (const principal of [ADMIN, undefined]) {
      const result = await identity.query(PRINCIPAL_FOR_SESSION, { s: 'x' }, principal);
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
    }
  });
});

describe('API keys', () => {
  const CREATE = `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id prefix persistedOnly clientName owner { username } } } }`;
  const FOR_KEY = `query ($s: String!) { _principalForApiKey(secret: $s) { userId role apiKeyId clientName persistedOnly } }`;

  it('authenticates as its owner with its flags, stores only a hash, and stops after revocation', async () => {
    const owner = await createUser(identity, { role: 'analyst' });
    const created = await identity.query<{ createApiKey: { secret: string; apiKey: { id: string; prefix: string } } }>(
      CREATE,
      { input: { clientName: 'partner-siem', persistedOnly: true } },
      owner.principal,
    );
    expect(created.body.errors).toBeUndefined();
    const { secret, apiKey } = created.body.data!.createApiKey;
    expect(secret.startsWith(apiKey.prefix)).toBe(true);

    const stored = await identity.dataSource.query(`SELECT secret_hash FROM identity.api_keys WHERE id = $1`, [
      apiKey.id,
    ]);
    expect(stored[0].secret_hash).not.toContain(secret);
    expect(stored[0].secret_hash).toHaveLength(64);

    const resolved = await identity.query(FOR_KEY, { s: secret }, SERVICE);
    expect(resolved.body.data?._principalForApiKey).toEqual({
      userId: owner.id,
      role: 'analyst',
      apiKeyId: apiKey.id,
      clientName: 'partner-siem',
      persistedOnly: true,
    });

    const revoke = await identity.query(
      `mutation ($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`,
      { id: apiKey.id },
      owner.principal,
    );
    expect(revoke.body.errors).toBeUndefined();
    const after = await identity.query(FOR_KEY, { s: secret }, SERVICE);
    expect(after.body.data?._principalForApiKey).toBeNull();
  });

  it("hides another user's key from a non-admin (NOT_FOUND) and lets admins create keys for others", async () => {
    const owner = await createUser(identity, { role: 'analyst' });
    const stranger = await createUser(identity, { role: 'analyst' });
    const created = await identity.query<{ createApiKey: { apiKey: { id: string; owner: { username: string } } } }>(
      CREATE,
      { input: { clientName: 'x', userId: owner.id } },
      ADMIN,
    );
    expect(created.body.data?.createApiKey.apiKey.owner.username).toBe(owner.username);
    const revoke = await identity.query(
      `mutation ($id: ID!) { revokeApiKey(id: $id) { id } }`,
      { id: created.body.data!.createApiKey.apiKey.id },
      stranger.principal,
    );
    expect(errorCodes(revoke)).toEqual(['NOT_FOUND']);
    const forOther = await identity.query(CREATE, { input: { clientName: 'x', userId: owner.id } }, stranger.principal);
    expect(errorCodes(forOther)).toEqual(['FORBIDDEN']);
  });
});

describe('calls that did not come through the gateway', () => {
  const ENTITIES = `query { _entities(representations: [{ __typename: "User", id: "1" }]) { ... on User { username } } }`;

  it('refuses requests without an internal token, _entities and _service included', async () => {
    for (const query of [`{ me { id } }`, ENTITIES, `{ _service { sdl } }`]) {
      const result = await identity.post({ query }, {});
      expect(result.status).toBe(401);
      expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
      expect(result.body.data).toBeUndefined();
    }
  });

  it('refuses a token signed with another secret', async () => {
    const forged = await signInternalToken(ADMIN, randomSecret(), 60);
    const result = await identity.post({ query: ENTITIES }, { [Headers.INTERNAL_TOKEN]: forged });
    expect(result.status).toBe(401);
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an expired internal token', async () => {
    const expired = await signInternalToken(ADMIN, identity.internalTokenSecret, -10);
    const result = await identity.post({ query: ENTITIES }, { [Headers.INTERNAL_TOKEN]: expired });
    expect(result.status).toBe(401);
  });
});
