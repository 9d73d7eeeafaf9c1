import { randomBytes } from 'node:crypto';
import { gatewayConfigFrom } from '@socgraph/gateway';
import { startGateway, type RunningGateway } from '@socgraph/gateway';
import { startTestStack, type TestStack } from '../src/testing';

let graph: TestStack;
beforeAll(async () => {
  graph = await startTestStack();
});
afterAll(async () => graph?.stop());

describe('health and readiness', () => {
  it('answers /health', async () => {
    const response = await fetch(`${graph.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when the supergraph is loaded and every subgraph answers', async () => {
    const response = await fetch(`${graph.url}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      ready: true,
      supergraphLoaded: true,
      subgraphs: { identity: 'ok' },
      failed: [],
      degraded: [],
    });
    expect((await fetch(`${graph.url}/ready/subgraphs`)).status).toBe(200);
  });

  describe('with a subgraph down', () => {
    let lonely: RunningGateway;
    beforeAll(async () => {
      const secret = randomBytes(32).toString('hex');
      // Port 9 (discard) on loopback: nothing listens there.
      const config = gatewayConfigFrom({
        PORT: '0',
        JWT_SECRET: secret,
        INTERNAL_TOKEN_SECRET: secret,
        IDENTITY_URL: 'http://127.0.0.1:9/graphql',
        INCIDENTS_URL: 'http://127.0.0.1:9/graphql',
        AUDIT_URL: 'http://127.0.0.1:9/graphql',
        LOG_LEVEL: 'silent',
      });
      lonely = await startGateway(config);
    });
    afterAll(async () => lonely?.stop());

    it('stays ready but degraded, naming the subgraphs; the strict view answers 503', async () => {
      const response = await fetch(`${lonely.url}/ready`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { ready: boolean; failed: string[]; degraded: string[] };
      expect(body.ready).toBe(true);
      expect(body.failed).toEqual([]);
      expect([...body.degraded].sort()).toEqual(['audit', 'identity', 'incidents']);
      const strict = await fetch(`${lonely.url}/ready/subgraphs`);
      expect(strict.status).toBe(503);
      expect([...((await strict.json()) as { degraded: string[] }).degraded].sort()).toEqual([
        'audit',
        'identity',
        'incidents',
      ]);
      expect((await fetch(`${lonely.url}/health`)).status).toBe(200);
    });

    it('names the failed subgraph, never its address', async () => {
      const response = await fetch(lonely.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-down-1' },
        body: JSON.stringify({ query: `mutation { login(username: "a", password: "b") { token } }` }),
      });
      const body = (await response.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
      expect(body.errors[0]?.extensions).toEqual({
        code: 'SUBGRAPH_UNAVAILABLE',
        subgraph: 'identity',
        reason: 'unreachable',
        requestId: response.headers.get('x-request-id'),
      });
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:9\//);
    });
  });
});

describe('Apollo Sandbox', () => {
  it('is the landing page at GET /', async () => {
    const response = await fetch(`${graph.url}/`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toMatch(/sandbox/i);
  });

  it('serves GraphQL at / too (what Sandbox posts to)', async () => {
    const response = await fetch(`${graph.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('introspection switches', () => {
  async function gatewayWith(env: Record<string, string>): Promise<RunningGateway> {
    return graph.startGateway({ ...env });
  }
  const introspect = (url: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { errors?: { extensions?: { code?: string } }[] },
    }));

  it('ALLOW_ANONYMOUS_INTROSPECTION=false makes anonymous introspection UNAUTHENTICATED', async () => {
    const gateway = await gatewayWith({ ALLOW_ANONYMOUS_INTROSPECTION: 'false' });
    try {
      const result = await introspect(gateway.graphqlUrl);
      expect(result.status).toBe(401);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await gateway.stop();
    }
  });

  it('INTROSPECTION=false turns introspection and Sandbox off', async () => {
    const gateway = await gatewayWith({ INTROSPECTION: 'false' });
    try {
      const result = await introspect(gateway.graphqlUrl);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const page = await fetch(`${gateway.url}/`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/sandbox/i);
    } finally {
      await gateway.stop();
    }
  });
});
