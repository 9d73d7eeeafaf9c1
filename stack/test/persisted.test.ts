import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { DEFAULT_MANIFEST_PATH } from '@socgraph/gateway';
import { readManifest } from '@socgraph/gateway';
import { type RunningGateway } from '@socgraph/gateway';
import { startTestStack, type TestStack } from '../src/testing';
import {
  deleteRedisKeys,
  errorCodes,
  persistedBody,
  postJson,
  redisReachableSync,
  sha256,
  TEST_REDIS_URL,
} from './support';

/** Automatic persisted queries, the safelist for partner keys, and the global safelist switch. */
let graph: TestStack;
let admin: Record<string, string>;
let partnerKey: Record<string, string>;
let analystKey: Record<string, string>;
const PASSWORD = 'correct horse battery staple';
const manifest = readManifest(DEFAULT_MANIFEST_PATH);
const idOf = (name: string): string => {
  const found = manifest.operations.find((o) => o.name === name);
  if (!found) throw new Error(`${name} is not in the manifest`);
  return found.id;
};

async function createKey(persistedOnly: boolean, userId?: string): Promise<string> {
  const result = await graph.gql<{ createApiKey: { secret: string } }>(
    `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
    { input: { clientName: 'partner-siem', persistedOnly, ...(userId ? { userId } : {}) } },
    admin,
  );
  const secret = result.body.data?.createApiKey.secret;
  if (!secret) throw new Error(`createApiKey failed: ${JSON.stringify(result.body.errors)}`);
  return secret;
}

beforeAll(async () => {
  graph = await startTestStack();
  await graph.seedAdmin(PASSWORD);
  const anaId = await graph.seedUser({ username: 'ana', password: PASSWORD, role: 'analyst' });
  await graph.seedUser({ username: 'carla', password: PASSWORD, role: 'customer_user', customerCodes: ['ACME'] });
  admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
  partnerKey = { 'x-api-key': await createKey(true) };
  analystKey = { 'x-api-key': await createKey(false, anaId) };
});
afterAll(async () => graph?.stop());

const post = (body: unknown, headers: Record<string, string>, url = graph.stack.gateway.graphqlUrl) =>
  postJson(url, body, headers);

describe('automatic persisted queries', () => {
  const query = `query ApqCustomers { customers(first: 1) { totalCount } }`;
  const hash = sha256(query);

  it('misses, registers, then hits', async () => {
    const miss = await post(persistedBody(hash), admin);
    expect(miss.status).toBe(200);
    expect(errorCodes(miss)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    const register = await post(persistedBody(hash, { query }), admin);
    expect(register.body).toEqual({ data: { customers: { totalCount: 1 } } });

    const hit = await post(persistedBody(hash), admin);
    expect(hit.body).toEqual({ data: { customers: { totalCount: 1 } } });
  });

  it('refuses a hash that is not its query', async () => {
    const result = await post(persistedBody(hash, { query: `{ me { id } }` }), admin);
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'extensions.persistedQuery.sha256Hash',
    });
  });

  it('serves manifest operations by id, and APQ cannot replace one', async () => {
    const meId = idOf('Me');
    const hijack = await post(persistedBody(meId, { query: `{ users(first: 1) { totalCount } }` }), admin);
    expect(errorCodes(hijack)).toEqual(['BAD_USER_INPUT']);
    const me = await post(persistedBody(meId), admin);
    expect(me.body.data).toMatchObject({ me: { username: 'admin', role: { name: 'admin' } } });
  });
});

describe('a persisted-only partner key', () => {
  it('may not send a query of its own', async () => {
    const result = await post({ query: `{ me { username } }` }, partnerKey);
    expect(result.status).toBe(400);
    expect(errorCodes(result)).toEqual(['PERSISTED_QUERY_REQUIRED']);
    // Not even one that is in the manifest, sent as text.
    const asText = manifest.operations.find((o) => o.name === 'Me')?.body ?? '';
    expect(errorCodes(await post({ query: asText }, partnerKey))).toEqual(['PERSISTED_QUERY_REQUIRED']);
  });

  it('runs manifest operations by id, with variables', async () => {
    const me = await post(persistedBody(idOf('Me')), partnerKey);
    expect(me.body).toEqual({
      data: { me: expect.objectContaining({ username: 'admin' }) as unknown },
    });
    const customers = await post(persistedBody(idOf('Customers'), { variables: { first: 5 } }), partnerKey);
    expect(customers.body.errors).toBeUndefined();
    expect(customers.body.data).toMatchObject({ customers: { totalCount: 1, pageInfo: { hasNextPage: false } } });
  });

  it('gets PERSISTED_QUERY_NOT_FOUND for an unknown id, even one APQ knows', async () => {
    const unknown = await post(persistedBody(sha256('query Nope { me { id } }')), partnerKey);
    expect(unknown.status).toBe(200);
    expect(errorCodes(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    const query = `query Registered { me { id } }`;
    expect((await post(persistedBody(sha256(query), { query }), admin)).body.errors).toBeUndefined();
    expect(errorCodes(await post(persistedBody(sha256(query)), partnerKey))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(errorCodes(await post(persistedBody(sha256(query), { query }), partnerKey))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);
  });
});

describe('SAFELIST_MODE', () => {
  async function gatewayWith(mode: string): Promise<RunningGateway> {
    return graph.startGateway({ NODE_ENV: 'test', SAFELIST_MODE: mode, RATE_LIMIT_ENABLED: 'false' });
  }
  const ME = { query: `{ me { username } }` };

  it('enforce: only admins and signed-in analysts may send their own operations', async () => {
    const gateway = await gatewayWith('enforce');
    try {
      const url = gateway.graphqlUrl;
      const carla = { authorization: `Bearer ${await graph.login('carla', PASSWORD)}` };
      const ana = { authorization: `Bearer ${await graph.login('ana', PASSWORD)}` };
      expect(errorCodes(await post(ME, carla, url))).toEqual(['PERSISTED_QUERY_REQUIRED']);
      expect(errorCodes(await post(ME, analystKey, url))).toEqual(['PERSISTED_QUERY_REQUIRED']);
      expect((await post(ME, admin, url)).body).toEqual({ data: { me: { username: 'admin' } } });
      expect((await post(ME, ana, url)).body).toEqual({ data: { me: { username: 'ana' } } });
      expect((await post(persistedBody(idOf('Me')), carla, url)).body.data).toMatchObject({
        me: { username: 'carla' },
      });
      // Dashboards sign in through the persisted Login operation.
      const login = await post(
        persistedBody(idOf('Login'), { variables: { username: 'carla', password: PASSWORD } }),
        {},
        url,
      );
      expect(login.body.errors).toBeUndefined();
      expect(errorCodes(await post({ query: `mutation { logout }` }, {}, url))).toEqual(['PERSISTED_QUERY_REQUIRED']);
    } finally {
      await gateway.stop();
    }
  });

  it('log: serves everything and counts what enforce would refuse', async () => {
    const gateway = await gatewayWith('log');
    try {
      const carla = { authorization: `Bearer ${await graph.login('carla', PASSWORD)}` };
      expect((await post(ME, carla, gateway.graphqlUrl)).body).toEqual({ data: { me: { username: 'carla' } } });
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(metrics).toMatch(/safelist_would_refuse_total\{[^}]*code="PERSISTED_QUERY_REQUIRED"[^}]*\} 1/);
    } finally {
      await gateway.stop();
    }
  });
});

const withRedis = redisReachableSync() ? describe : describe.skip;
withRedis('APQ in Redis (REDIS_URL)', () => {
  const prefix = `socgraph-test-${randomBytes(4).toString('hex')}:`;
  const gateways: RunningGateway[] = [];
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await redis.connect().catch(() => undefined);
    await deleteRedisKeys(redis, prefix);
    redis.disconnect();
  });

  it('is shared by gateway replicas', async () => {
    for (let i = 0; i < 2; i += 1) {
      gateways.push(await graph.startGateway({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }));
    }
    const [first, second] = gateways as [RunningGateway, RunningGateway];
    const query = `query RedisApq { me { username } }`;
    const hash = sha256(query);
    expect(errorCodes(await post(persistedBody(hash), admin, second.graphqlUrl))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);
    expect((await post(persistedBody(hash, { query }), admin, first.graphqlUrl)).body.errors).toBeUndefined();
    // Apollo writes the APQ entry after answering: give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await post(persistedBody(hash), admin, second.graphqlUrl)).body).toEqual({
      data: { me: { username: 'admin' } },
    });
    await redis.connect();
    expect(await redis.ttl(`${prefix}apq:${hash}`)).toBeGreaterThan(0);
  });
});
