import { Writable } from 'node:stream';
import {
  BatchReporter,
  createLogger,
  createServiceClient,
  startSubgraphServer,
  type SubgraphContext,
} from '@socgraph/shared';
import { randomSecret } from '@socgraph/testkit';
import { parse } from 'graphql';
import {
  graphqlAuditSink,
  MemoryAuditSink,
  type ApiAccessEntry,
  type RateLimitViolationEntry,
} from '@socgraph/gateway';
import { startTestStack, type TestStack } from '../src/testing';

/** Logs, metrics, the access log on its way to audit, and the headers browsers get. */
let graph: TestStack;
const sink = new MemoryAuditSink();
const lines: Record<string, unknown>[] = [];
const PASSWORD = 'correct horse battery staple';
let auth: Record<string, string>;

beforeAll(async () => {
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  graph = await startTestStack({
    logger: createLogger('stack', 'info', capture),
    env: { CORS_ORIGINS: 'https://soc.example.com', METRICS_TOKEN: 'metrics-token-0123456789' },
    gatewayOptions: { auditSink: sink, defaultMetrics: false },
  });
  await graph.seedAdmin(PASSWORD);
  auth = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
});
afterAll(async () => graph?.stop());

describe('per-request log line and access log', () => {
  it("records request id (the gateway's, the client's beside it), principal, operation, status and duration", async () => {
    const observed = await graph.gql(
      `query DashboardMe { me { username } }`,
      {},
      { ...auth, 'x-request-id': 'req-observed' },
    );
    const refused = await graph.gql(
      `{ me { username } }`,
      {},
      { authorization: 'Bearer nonsense', 'x-request-id': 'req-refused' },
    );
    const observedId = String(observed.headers.get('x-request-id'));
    const refusedId = String(refused.headers.get('x-request-id'));
    const line = lines.find((l) => l.requestId === observedId && l.msg === 'graphql request');
    expect(line).toMatchObject({
      service: 'gateway',
      clientRequestId: 'req-observed',
      principal: { kind: 'user', username: 'admin', role: 'admin' },
      operation: { name: 'DashboardMe', type: 'query' },
      status: 200,
      errorCodes: [],
    });
    expect(typeof line?.durationMs).toBe('number');

    await graph.stack.gateway.accessLog.flush();
    expect(sink.apiAccess.find((e) => e.requestId === observedId)).toMatchObject({
      username: 'admin',
      operationName: 'DashboardMe',
      operationType: 'query',
      httpStatus: 200,
      errorCodes: [],
      clientIp: '127.0.0.1',
    });
    expect(sink.apiAccess.find((e) => e.requestId === refusedId)).toMatchObject({
      username: null,
      httpStatus: 401,
      errorCodes: ['UNAUTHENTICATED'],
    });
  });
});

describe('/metrics', () => {
  it('on the gateway: durations by operation, errors by code, subgraph fetches, report buffers', async () => {
    expect((await fetch(`${graph.url}/metrics`)).status).toBe(401);
    const response = await fetch(`${graph.url}/metrics`, {
      headers: { authorization: 'Bearer metrics-token-0123456789' },
    });
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/graphql_request_duration_seconds_bucket\{[^}]*operation_name="DashboardMe"/);
    expect(text).toMatch(/graphql_errors_total\{[^}]*code="UNAUTHENTICATED"[^}]*\} \d+/);
    expect(text).toMatch(/subgraph_fetch_duration_seconds_count\{[^}]*subgraph="identity",outcome="ok"[^}]*\} [1-9]/);
    expect(text).toMatch(/report_buffer_size\{[^}]*reporter="access_log"[^}]*\} \d+/);
    expect(text).toMatch(/# TYPE report_dropped_total counter/);
  });

  it('on each subgraph: durations, errors and database pool usage', async () => {
    const identity = new URL(graph.subgraphUrl('identity'));
    // METRICS_TOKEN is every service's setting: the subgraphs want it too.
    expect((await fetch(`${identity.origin}/metrics`)).status).toBe(401);
    const text = await (
      await fetch(`${identity.origin}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } })
    ).text();
    expect(text).toMatch(/graphql_request_duration_seconds_count\{[^}]*service="subgraph-identity"[^}]*\} [1-9]/);
    expect(text).toMatch(/db_pool_connections\{[^}]*state="total"[^}]*\} [1-9]/);
    expect(text).toMatch(/db_pool_connections\{[^}]*state="waiting"[^}]*\} 0/);
  });
});

describe('browser headers', () => {
  it('allows configured dashboard origins with credentials, and no others', async () => {
    const preflight = await fetch(graph.stack.gateway.graphqlUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://soc.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://soc.example.com');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);

    const other = await fetch(graph.stack.gateway.graphqlUrl, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('x-content-type-options')).toBe('nosniff');
    expect(other.headers.get('x-frame-options')).toBe('DENY');
    expect(other.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(other.headers.get('x-request-id')).toBeTruthy();
  });
});

describe('BatchReporter', () => {
  const entry = (n: number) => ({ n });

  it('batches, retries a failed batch, and counts what it must drop', async () => {
    const sent: number[][] = [];
    let failures = 2;
    const drops: string[] = [];
    const reporter = new BatchReporter<{ n: number }>({
      name: 'test',
      maxBuffer: 5,
      batchSize: 2,
      flushIntervalMs: 10_000,
      retryBaseMs: 5,
      send: async (batch) => {
        if (failures-- > 0) throw new Error('down');
        sent.push(batch.map((e) => e.n));
      },
      onDrop: (count, reason) => drops.push(`${count}:${reason}`),
    });
    for (let i = 0; i < 7; i += 1) reporter.add(entry(i));
    // Full: the oldest waiting records make room for the newest.
    expect(reporter.dropped).toBe(2);
    await reporter.flush();
    expect(sent).toEqual([[2, 3], [4, 5], [6]]);
    expect(reporter.delivered).toBe(5);
    expect(drops).toEqual(['1:buffer_full', '1:buffer_full']);
    await reporter.stop();
  });

  it('gives a batch up after its retries, and sends on a timer off the request path', async () => {
    const failing = new BatchReporter<{ n: number }>({
      name: 'failing',
      maxBuffer: 10,
      batchSize: 10,
      flushIntervalMs: 5,
      maxRetries: 1,
      retryBaseMs: 1,
      send: async () => {
        throw new Error('down');
      },
    });
    failing.add(entry(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(failing.dropped).toBe(1);
    expect(failing.size).toBe(0);
    await failing.stop();
  });
});

describe('delivery to the audit subgraph', () => {
  it('posts batches with the assumed mutations, as the gateway service principal', async () => {
    const secret = randomSecret();
    const received: { kind: string; who: string | null; entries: unknown[] }[] = [];
    // A stand-in for the audit subgraph's internal fields (architecture.md, requests §6).
    const audit = await startSubgraphServer<SubgraphContext>(
      {
        name: 'audit',
        typeDefs: parse(`
          extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@inaccessible"])
          "Stand-in."
          type Query { "Stand-in." ok: Boolean }
          "Stand-in."
          type Mutation {
            "Stores API access entries."
            _recordApiAccess(entries: [ApiAccessInput!]!): Int! @inaccessible
            "Stores rate-limit violations."
            _recordRateLimitViolations(entries: [RateLimitViolationInput!]!): Int! @inaccessible
          }
          input ApiAccessInput {
            requestId: String! occurredAt: String! durationMs: Int! userId: ID username: String role: String
            apiKeyId: ID clientName: String operationName: String operationType: String persistedQueryId: String
            httpStatus: Int! errorCodes: [String!]! clientIp: String userAgent: String clientRequestId: String
          }
          input RateLimitViolationInput {
            requestId: String! occurredAt: String! bucket: String! userId: ID username: String role: String
            apiKeyId: ID clientName: String clientIp: String operationName: String limitPerSecond: Float!
            burst: Int! retryAfterSeconds: Int!
          }
        `),
        resolvers: {
          Mutation: {
            _recordApiAccess: (_p: unknown, args: { entries: unknown[] }, context: SubgraphContext) => {
              received.push({ kind: 'access', who: context.principal.username, entries: args.entries });
              return args.entries.length;
            },
            _recordRateLimitViolations: (_p: unknown, args: { entries: unknown[] }, context: SubgraphContext) => {
              received.push({ kind: 'violations', who: context.principal.username, entries: args.entries });
              return args.entries.length;
            },
          },
        },
        createContext: (base) => base,
      },
      { port: 0, internalTokenSecret: secret, logger: createLogger('audit', 'silent'), defaultMetrics: false },
    );
    try {
      const sinkToAudit = graphqlAuditSink({
        auditUrl: audit.graphqlUrl,
        client: createServiceClient({ caller: 'gateway', internalTokenSecret: secret }),
      });
      const access: ApiAccessEntry = {
        ...{ requestId: 'r1', occurredAt: new Date().toISOString(), durationMs: 3, httpStatus: 200, errorCodes: [] },
        ...{ userId: '1', username: 'admin', role: 'admin', apiKeyId: null, clientName: null },
        ...{ operationName: 'Me', operationType: 'query', persistedQueryId: null, clientIp: null, userAgent: null },
        clientRequestId: null,
      };
      const violation: RateLimitViolationEntry = {
        ...{ requestId: 'r2', occurredAt: new Date().toISOString(), bucket: 'user:1', userId: '1' },
        ...{ username: 'admin', role: 'admin', apiKeyId: null, clientName: null, clientIp: '127.0.0.1' },
        ...{ operationName: null, limitPerSecond: 0.5, burst: 3, retryAfterSeconds: 2 },
      };
      await sinkToAudit.recordApiAccess([access]);
      await sinkToAudit.recordRateLimitViolations([violation]);
      expect(received).toEqual([
        { kind: 'access', who: 'service:gateway', entries: [access] },
        { kind: 'violations', who: 'service:gateway', entries: [violation] },
      ]);
    } finally {
      await audit.stop();
    }
  });
});
