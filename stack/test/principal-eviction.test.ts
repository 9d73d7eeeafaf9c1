import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { type RunningGateway } from '@socgraph/gateway';
import { postGraphQL, startTestStack, type TestStack } from '../src/testing';
import { deleteRedisKeys, errorCodes, redisReachableSync, TEST_REDIS_URL } from './support';

/**
 * Logout, key revocation and tag-settings changes made through one gateway replica apply on
 * another at once, although both cache principals for a minute: evictions travel over Redis.
 */
const PASSWORD = 'correct horse battery staple';
let graph: TestStack;
let admin: Record<string, string>;

beforeAll(async () => {
  graph = await startTestStack();
  await graph.seedAdmin(PASSWORD);
  admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
  await graph.gql(`mutation { createCustomer(input: { code: "ACME", name: "Acme" }) { code } }`, {}, admin);
  await graph.seedUser({ username: 'ana', password: PASSWORD, role: 'analyst', customerCodes: ['ACME'] });
});
afterAll(async () => graph?.stop());

const me = (gateway: RunningGateway, headers: Record<string, string>) =>
  postGraphQL<{ me: { username: string } }>(gateway.graphqlUrl, `query { me { username } }`, {}, headers);

const withRedis = redisReachableSync() ? describe : describe.skip;
withRedis('principal evictions shared over Redis (REDIS_URL)', () => {
  const prefix = `socgraph-test-${randomBytes(4).toString('hex')}:`;
  let a: RunningGateway;
  let b: RunningGateway;

  beforeAll(async () => {
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, PRINCIPAL_CACHE_SECONDS: '60' };
    a = await graph.startGateway(env);
    b = await graph.startGateway(env);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    await redis.connect().catch(() => undefined);
    await deleteRedisKeys(redis, prefix);
    redis.disconnect();
  });

  /** Polls until `check` holds, for up to 2 s: the eviction crosses Redis asynchronously. */
  async function eventually(check: () => Promise<boolean>): Promise<boolean> {
    const deadline = Date.now() + 2_000;
    for (;;) {
      if (await check()) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('a logout through one replica refuses the token on the other', async () => {
    const ana = { authorization: `Bearer ${await graph.login('ana', PASSWORD)}` };
    // Both replicas now hold the session in their cache.
    expect((await me(a, ana)).body.data?.me.username).toBe('ana');
    expect((await me(b, ana)).body.data?.me.username).toBe('ana');

    const logout = await postGraphQL(a.graphqlUrl, `mutation { logout }`, {}, ana);
    expect(logout.body.errors).toBeUndefined();
    expect(await eventually(async () => errorCodes(await me(b, ana)).includes('UNAUTHENTICATED'))).toBe(true);
  });

  it('a key revoked through one replica is refused on the other', async () => {
    const created = await postGraphQL<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      a.graphqlUrl,
      `mutation { createApiKey(input: { clientName: "siem", persistedOnly: false }) { secret apiKey { id } } }`,
      {},
      admin,
    );
    const payload = created.body.data?.createApiKey;
    if (!payload) throw new Error(`createApiKey failed: ${JSON.stringify(created.body.errors)}`);
    const key = { 'x-api-key': payload.secret };
    expect((await me(b, key)).body.data?.me.username).toBe('admin');

    const revoke = await postGraphQL(
      a.graphqlUrl,
      `mutation ($id: ID!) { revokeApiKey(id: $id) { id } }`,
      { id: payload.apiKey.id },
      admin,
    );
    expect(revoke.body.errors).toBeUndefined();
    expect(await eventually(async () => errorCodes(await me(b, key)).includes('UNAUTHENTICATED'))).toBe(true);
  });

  it('tag-access settings changed through one replica apply on the other', async () => {
    const setTagAccess = async (untaggedAlertBehavior: string) => {
      const result = await postGraphQL(
        a.graphqlUrl,
        `mutation ($input: TagAccessSettingsInput!) { updateTagAccessSettings(input: $input) { enabled } }`,
        { input: { enabled: true, untaggedAlertBehavior } },
        admin,
      );
      expect(result.body.errors).toBeUndefined();
    };
    await setTagAccess('VISIBLE_TO_ALL');
    const created = await postGraphQL<{ createAlert: { id: string } }>(
      a.graphqlUrl,
      `mutation { createAlert(input: { name: "Untagged", customerCode: "ACME", source: "test" }) { id } }`,
      {},
      admin,
    );
    const alertId = created.body.data?.createAlert.id;
    if (!alertId) throw new Error(`createAlert failed: ${JSON.stringify(created.body.errors)}`);

    const ana = { authorization: `Bearer ${await graph.login('ana', PASSWORD)}` };
    const visible = async (): Promise<boolean> => {
      const result = await postGraphQL<{ alert: { id: string } | null }>(
        b.graphqlUrl,
        `query ($id: ID!) { alert(id: $id) { id } }`,
        { id: alertId },
        ana,
      );
      return result.body.data?.alert?.id === alertId;
    };
    // B now caches VISIBLE_TO_ALL for a minute.
    expect(await eventually(visible)).toBe(true);

    await setTagAccess('ADMIN_ONLY');
    expect(await eventually(async () => !(await visible()))).toBe(true);
  });
});

describe('with Redis unreachable', () => {
  it('still evicts locally, and stops cleanly', async () => {
    // Nothing listens on port 1: every Redis command fails.
    const gateway = await graph.startGateway({ REDIS_URL: 'redis://127.0.0.1:1', PRINCIPAL_CACHE_SECONDS: '60' });
    try {
      const ana = { authorization: `Bearer ${await graph.login('ana', PASSWORD)}` };
      expect((await me(gateway, ana)).body.data?.me.username).toBe('ana');
      const logout = await postGraphQL(gateway.graphqlUrl, `mutation { logout }`, {}, ana);
      expect(logout.body.errors).toBeUndefined();
      expect(errorCodes(await me(gateway, ana))).toEqual(['UNAUTHENTICATED']);
    } finally {
      await gateway.stop();
    }
  });
});
