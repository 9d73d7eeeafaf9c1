import { createTestDatabase, type TestDatabase } from '@socgraph/testkit';
import { startTcpProxy, type TcpProxy } from '../../src/faults/tcp-proxy';
import { startTestStack, type TestStack } from '../../src/testing';

/**
 * Postgres down (every subgraph's connections cut, new ones refused): one coded, retryable
 * SERVICE_UNAVAILABLE with retry-after, not INTERNAL_SERVER_ERROR; back without a restart.
 */
let database: TestDatabase;
let proxy: TcpProxy;
let graph: TestStack;
let auth: Record<string, string>;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  database = await createTestDatabase('dbdown');
  const url = new URL(database.url);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
  graph = await startTestStack({ databaseUrl: proxy.urlFor(database.url), env: { PRINCIPAL_CACHE_SECONDS: '60' } });
  await graph.seedAdmin(PASSWORD);
  auth = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
});
afterAll(async () => {
  await proxy?.restore();
  await graph?.stop();
  await proxy?.close();
  await database?.drop();
});

it('answers SERVICE_UNAVAILABLE (database) with retry-after while Postgres is down, and recovers', async () => {
  const query = `{ me { username } alerts { totalCount } }`;
  expect((await graph.gql(query, {}, auth)).body.errors).toBeUndefined();

  await proxy.cut();
  const down = await graph.gql(query, {}, auth);
  expect(down.status).toBe(200);
  const codes = (down.body.errors ?? []).map((e) => e.extensions?.code);
  expect(codes.length).toBeGreaterThan(0);
  expect(new Set(codes)).toEqual(new Set(['SERVICE_UNAVAILABLE']));
  expect(down.body.errors?.[0]?.extensions).toMatchObject({ reason: 'database', retryAfter: expect.any(Number) });
  expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(JSON.stringify(down.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|INTERNAL_SERVER_ERROR/);

  await proxy.restore();
  let recovered = false;
  for (let i = 0; i < 50 && !recovered; i += 1) {
    recovered = (await graph.gql(query, {}, auth)).body.errors === undefined;
    if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(recovered).toBe(true);
});

it('answers 503 SERVICE_UNAVAILABLE (authentication) with retry-after when identity cannot look a session up', async () => {
  const gateway = await graph.startGateway({ PRINCIPAL_CACHE_SECONDS: '0' });
  try {
    await proxy.cut();
    const response = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ query: '{ me { username } }' }),
    });
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'authentication' });
  } finally {
    await proxy.restore();
    await gateway.stop();
  }
});
