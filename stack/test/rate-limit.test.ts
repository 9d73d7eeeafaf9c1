import { randomBytes } from 'node:crypto';
import { anonymousPrincipal } from '@socgraph/shared';
import { testPrincipal } from '@socgraph/testkit';
import { Redis } from 'ioredis';
import { MemoryAuditSink } from '@socgraph/gateway';
import { createRateLimiter, MemoryBucketStore, RedisBucketStore } from '@socgraph/gateway';
import { type RunningGateway } from '@socgraph/gateway';
import { startTestStack, type TestStack } from '../src/testing';
import { deleteRedisKeys, errorCodes, postJson, redisReachableSync, TEST_REDIS_URL } from './support';

/** Token buckets per user (by role) and per API key; refusals reported as violations. */
let graph: TestStack;
const sink = new MemoryAuditSink();
const PASSWORD = 'correct horse battery staple';
let anaId: string;

beforeAll(async () => {
  graph = await startTestStack({
    env: { RATE_LIMITS: 'analyst=0.2/3,default=10000/10000', ACCESS_LOG_FLUSH_MS: '50' },
    gatewayOptions: { auditSink: sink, defaultMetrics: false },
  });
  await graph.seedAdmin(PASSWORD);
  anaId = await graph.seedUser({ username: 'ana', password: PASSWORD, role: 'analyst' });
});
afterAll(async () => graph?.stop());

const ME = `query Me { me { username } }`;

describe('per-user buckets', () => {
  it("answers RATE_LIMITED with retry-after once the role's burst is spent, and reports the violation", async () => {
    const ana = { authorization: `Bearer ${await graph.login('ana', PASSWORD)}` };
    for (let i = 0; i < 3; i += 1) expect((await graph.gql(ME, {}, ana)).body.errors).toBeUndefined();
    const limited = await graph.gql(ME, {}, ana);
    const requestId = limited.headers.get('x-request-id');
    expect(limited.status).toBe(429);
    // (1 - tokens left) / 0.2 per second, rounded up: 5 s unless the requests above took over a second.
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(5);
    expect(errorCodes(limited)).toEqual(['RATE_LIMITED']);
    expect(limited.body.errors?.[0]?.extensions).toMatchObject({ retryAfter, requestId });
    // Other users have their own buckets.
    const admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
    expect((await graph.gql(ME, {}, admin)).status).toBe(200);

    await graph.stack.gateway.violations.flush();
    expect(sink.violations).toEqual([
      expect.objectContaining({
        requestId,
        bucket: `user:${anaId}`,
        username: 'ana',
        role: 'analyst',
        limitPerSecond: 0.2,
        burst: 3,
        retryAfterSeconds: retryAfter,
      }),
    ]);
    await graph.stack.gateway.accessLog.flush();
    expect(sink.apiAccess.find((e) => e.requestId === requestId)).toMatchObject({
      httpStatus: 429,
      errorCodes: ['RATE_LIMITED'],
      username: 'ana',
    });
  });
});

describe('per-key limits', () => {
  it('apply to an API key by its id', async () => {
    const admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
    const created = await graph.gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      `mutation { createApiKey(input: { clientName: "siem", persistedOnly: false }) { secret apiKey { id } } }`,
      {},
      admin,
    );
    const { secret, apiKey } = created.body.data!.createApiKey;
    const gateway = await graph.startGateway({ API_KEY_RATE_LIMITS: `default=10000/10000,${apiKey.id}=1/2` });
    try {
      const codes: string[][] = [];
      for (let i = 0; i < 3; i += 1) {
        codes.push(errorCodes(await postJson(gateway.graphqlUrl, { query: ME }, { 'x-api-key': secret })));
      }
      expect(codes).toEqual([[], [], ['RATE_LIMITED']]);
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(metrics).toMatch(/rate_limited_total\{[^}]*bucket="key"[^}]*\} 1/);
    } finally {
      await gateway.stop();
    }
  });
});

describe("a user's API keys", () => {
  it("share their owner's budget: four keys do not make four buckets", async () => {
    const cuId = await graph.seedUser({ username: 'keys', password: PASSWORD, role: 'customer_user' });
    const cu = { authorization: `Bearer ${await graph.login('keys', PASSWORD)}` };
    const secrets: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const created = await graph.gql<{ createApiKey: { secret: string } }>(
        `mutation ($name: String!) { createApiKey(input: { clientName: $name, persistedOnly: false }) { secret } }`,
        { name: `bulk-${i}` },
        cu,
      );
      secrets.push(created.body.data!.createApiKey.secret);
    }
    const violations = new MemoryAuditSink();
    // Each key alone could spend 10; the owner's role allows 10 over all its keys.
    const gateway = await graph.startGateway(
      { RATE_LIMITS: 'customer_user=0.001/10,default=10000/10000', API_KEY_RATE_LIMITS: 'default=0.001/10' },
      { defaultMetrics: false, auditSink: violations },
    );
    try {
      const codes: string[] = [];
      for (let round = 0; round < 5; round += 1) {
        for (const secret of secrets) {
          const result = await postJson(gateway.graphqlUrl, { query: ME }, { 'x-api-key': secret });
          codes.push(result.status === 429 ? 'RATE_LIMITED' : String(result.status));
        }
      }
      expect(codes.filter((c) => c === '200')).toHaveLength(10);
      expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(10);
      await gateway.violations.flush();
      expect(new Set(violations.violations.map((v) => v.bucket))).toEqual(new Set([`user:${cuId}`]));
    } finally {
      await gateway.stop();
    }
  });
});

describe('login', () => {
  it('pays from the client address whatever credentials come with it', async () => {
    const admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
    const created = await graph.gql<{ createApiKey: { secret: string } }>(
      `mutation { createApiKey(input: { clientName: "login-flood", persistedOnly: false }) { secret } }`,
      {},
      admin,
    );
    const key = { 'x-api-key': created.body.data!.createApiKey.secret };
    const sink = new MemoryAuditSink();
    const gateway = await graph.startGateway(
      { RATE_LIMITS: 'anonymous=0.001/3,default=10000/10000', API_KEY_RATE_LIMITS: 'default=10000/10000' },
      { defaultMetrics: false, auditSink: sink },
    );
    try {
      const login = { query: `mutation Guess { login(username: "nobody", password: "guess") { token } }` };
      const attempt = async (headers: Record<string, string>) => {
        const result = await postJson(gateway.graphqlUrl, login, headers);
        return { status: result.status, codes: errorCodes(result), retryAfter: result.headers.get('retry-after') };
      };
      const attempts = [await attempt(key), await attempt(key), await attempt(key), await attempt(key)];
      expect(attempts.map((a) => a.codes)).toEqual([
        ['UNAUTHENTICATED'],
        ['UNAUTHENTICATED'],
        ['UNAUTHENTICATED'],
        ['RATE_LIMITED'],
      ]);
      expect(attempts[3]).toMatchObject({ status: 429 });
      expect(Number(attempts[3]?.retryAfter)).toBeGreaterThanOrEqual(1);
      // The same address bucket, with a token or with nothing at all.
      const bearer = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
      expect((await attempt(bearer)).codes).toEqual(['RATE_LIMITED']);
      expect((await attempt({})).codes).toEqual(['RATE_LIMITED']);
      // Other operations of the key's owner are not held by the login limit.
      expect(errorCodes(await postJson(gateway.graphqlUrl, { query: ME }, key))).toEqual([]);
      await gateway.violations.flush();
      expect(sink.violations.map((v) => [v.bucket, v.operationName])).toEqual([
        ['ip:127.0.0.1', 'Guess'],
        ['ip:127.0.0.1', 'Guess'],
        ['ip:127.0.0.1', null],
      ]);
    } finally {
      await gateway.stop();
    }
  });
});

describe('refused credentials', () => {
  it('pay from the client address: guessing keys is RATE_LIMITED, and once dry no guess reaches identity', async () => {
    const sink = new MemoryAuditSink();
    const gateway = await graph.startGateway(
      { RATE_LIMITS: 'anonymous=0.001/3,default=10000/10000' },
      { defaultMetrics: false, auditSink: sink },
    );
    try {
      const guess = async () => {
        const key = `sgk_${randomBytes(32).toString('base64url')}`;
        const result = await postJson(gateway.graphqlUrl, { query: ME }, { 'x-api-key': key });
        return { status: result.status, codes: errorCodes(result) };
      };
      const guesses = [];
      for (let i = 0; i < 6; i += 1) guesses.push(await guess());
      expect(guesses.map((g) => g.status)).toEqual([401, 401, 401, 429, 429, 429]);
      expect(guesses[3]?.codes).toEqual(['RATE_LIMITED']);
      // A dead bearer token pays from the same bucket.
      const dead = await postJson(gateway.graphqlUrl, { query: ME }, { authorization: 'Bearer not.a.token' });
      expect(dead.status).toBe(429);

      // Identity was asked about the first four keys only: the fourth ran it dry, the rest
      // paid up front and were refused before any lookup.
      await gateway.authEvents.flush();
      const keyLookups = sink.authEvents.filter((e) => e.eventType === 'API_KEY_USED' && e.status === 'FAILURE');
      expect(keyLookups).toHaveLength(4);
      await gateway.violations.flush();
      expect(sink.violations.every((v) => v.bucket === 'ip:127.0.0.1')).toBe(true);
      expect(sink.violations).toHaveLength(4);
    } finally {
      await gateway.stop();
    }
  });

  it('cost nothing while the address has tokens, and valid credentials never pay', async () => {
    const gateway = await graph.startGateway(
      { RATE_LIMITS: 'anonymous=0.001/2,default=10000/10000' },
      { defaultMetrics: false },
    );
    try {
      const admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
      for (let i = 0; i < 5; i += 1)
        expect((await postJson(gateway.graphqlUrl, { query: ME }, admin)).status).toBe(200);
      const bad = { 'x-api-key': 'sgk_wrong' };
      expect((await postJson(gateway.graphqlUrl, { query: ME }, bad)).status).toBe(401);
      expect((await postJson(gateway.graphqlUrl, { query: ME }, bad)).status).toBe(401);
      expect((await postJson(gateway.graphqlUrl, { query: ME }, admin)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });
});

describe('buckets', () => {
  it('refill at the configured rate and stay bounded', async () => {
    let now = 0;
    const store = new MemoryBucketStore(2, () => now);
    const limit = { rate: 2, burst: 2 };
    expect((await store.take('a', limit)).allowed).toBe(true);
    expect((await store.take('a', limit)).allowed).toBe(true);
    expect(await store.take('a', limit)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 500;
    expect((await store.take('a', limit)).allowed).toBe(true);
    await store.take('b', limit);
    await store.take('c', limit);
    expect(store.size).toBe(2);
  });

  it('key anonymous callers by address, API keys by key and owner, and skip service principals', () => {
    const limiter = createRateLimiter({
      store: new MemoryBucketStore(),
      roleLimits: { anonymous: { rate: 1, burst: 5 }, default: { rate: 10, burst: 10 } },
      apiKeyLimits: { default: { rate: 2, burst: 4 } },
    });
    expect(limiter.limitsFor(anonymousPrincipal(), '10.0.0.1')).toEqual([
      { bucket: 'ip:10.0.0.1', limit: { rate: 1, burst: 5 } },
    ]);
    expect(limiter.limitsFor(testPrincipal({ userId: '7', apiKeyId: '3' }), null).map((l) => l.bucket)).toEqual([
      'key:3',
      'user:7',
    ]);
    expect(limiter.limitsFor(testPrincipal({ kind: 'service' }), null)).toEqual([]);
  });
});

const withRedis = redisReachableSync() ? describe : describe.skip;
withRedis('buckets in Redis (REDIS_URL)', () => {
  const prefix = `socgraph-test-${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(TEST_REDIS_URL);
  afterAll(async () => {
    await deleteRedisKeys(redis, prefix);
    redis.disconnect();
  });

  it('are shared by replicas and expire', async () => {
    const a = new RedisBucketStore(redis, prefix);
    const b = new RedisBucketStore(redis, prefix);
    const limit = { rate: 1, burst: 3 };
    const results = [await a.take('user:1', limit), await b.take('user:1', limit), await a.take('user:1', limit)];
    expect(results.every((r) => r.allowed)).toBe(true);
    expect(await b.take('user:1', limit)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(await redis.pttl(`${prefix}user:1`)).toBeGreaterThan(0);
  });

  it('limit through a gateway started with REDIS_URL', async () => {
    let gateway: RunningGateway | null = null;
    try {
      gateway = await graph.startGateway({
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        RATE_LIMITS: 'anonymous=0.1/2',
      });
      const login = { query: `mutation { login(username: "nobody", password: "x") { token } }` };
      const codes = [];
      for (let i = 0; i < 3; i += 1) codes.push(errorCodes(await postJson(gateway.graphqlUrl, login)));
      expect(codes).toEqual([['UNAUTHENTICATED'], ['UNAUTHENTICATED'], ['RATE_LIMITED']]);
      expect(await redis.exists(`${prefix}rl:ip:127.0.0.1`)).toBe(1);
    } finally {
      await gateway?.stop();
    }
  });
});
