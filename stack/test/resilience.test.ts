import { tagRbacOffSource } from '@socgraph/gateway';
import { postGraphQL } from '../src/testing';
import { identityAndProbeSupergraph, startProbeGraph, type ProbeGraph } from './probe';
import { errorCodes } from './support';

/** A subgraph that goes down, slows down or comes back while the gateway keeps serving. */
let probeGraph: ProbeGraph;
let auth: Record<string, string>;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  probeGraph = await startProbeGraph({ env: { SUBGRAPH_TIMEOUTS: 'probe=400', SUBGRAPH_MAX_SOCKETS: '2' } });
  await probeGraph.graph.seedAdmin(PASSWORD);
  auth = { authorization: `Bearer ${await probeGraph.graph.login('admin', PASSWORD)}` };
});
afterAll(async () => probeGraph?.stop());

const BOTH = `query Both { me { username } probeStatus { value } }`;
const ready = async (path = '/ready') => {
  const response = await fetch(`${probeGraph.graph.url}${path}`);
  return { status: response.status, body: (await response.json()) as { failed: string[]; degraded: string[] } };
};

describe('one subgraph down', () => {
  it('answers in full while every subgraph is up', async () => {
    const result = await probeGraph.graph.gql(BOTH, {}, auth);
    expect(result.body).toEqual({ data: { me: { username: 'admin' }, probeStatus: { value: 'up' } } });
    expect((await ready()).status).toBe(200);
  });

  it('serves the rest, answers partial data naming the subgraph, and recovers without a restart', async () => {
    await probeGraph.probe.stop();

    const identityOnly = await probeGraph.graph.gql(`{ me { username } }`, {}, auth);
    expect(identityOnly.body).toEqual({ data: { me: { username: 'admin' } } });

    const partial = await probeGraph.graph.gql(BOTH, {}, auth);
    expect(partial.status).toBe(200);
    expect(partial.body.data).toEqual({ me: { username: 'admin' }, probeStatus: null });
    expect(partial.body.errors?.[0]?.extensions).toEqual({
      code: 'SUBGRAPH_UNAVAILABLE',
      subgraph: 'probe',
      reason: 'unreachable',
      requestId: partial.headers.get('x-request-id'),
    });
    expect(JSON.stringify(partial.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);

    // The gateway still serves, so it stays in the load balancer; the strict view tells monitors.
    const down = await ready();
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ failed: [], degraded: ['probe'] });
    expect((await ready('/ready/subgraphs')).status).toBe(503);

    await probeGraph.probe.restart();
    const again = await probeGraph.graph.gql(BOTH, {}, auth);
    expect(again.body).toEqual({ data: { me: { username: 'admin' }, probeStatus: { value: 'up' } } });
    expect((await ready('/ready/subgraphs')).status).toBe(200);
  });

  it('times a slow subgraph out (per-subgraph timeout) and still answers the rest', async () => {
    // The probe would sleep 5 s; the 400 ms timeout must answer well before that.
    const started = Date.now();
    const result = await probeGraph.graph.gql(`{ me { username } slowProbe(ms: 5000) }`, {}, auth);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.body.data).toEqual({ me: { username: 'admin' }, slowProbe: null });
    expect(result.body.errors?.[0]?.extensions).toMatchObject({
      code: 'SUBGRAPH_UNAVAILABLE',
      subgraph: 'probe',
      reason: 'timeout',
    });
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new ones, and turns readiness off first', async () => {
    const { graph, probe } = probeGraph;
    const gateway = await graph.startGateway(
      { SUBGRAPH_TIMEOUT_MS: '5000', SHUTDOWN_DELAY_MS: '200' },
      {
        supergraphSdl: identityAndProbeSupergraph(),
        subgraphUrls: { probe: probe.url },
        tagAccessSettings: tagRbacOffSource,
        defaultMetrics: false,
      },
    );
    const inFlight = postGraphQL(gateway.graphqlUrl, `{ slowProbe(ms: 600) }`, {}, auth);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = gateway.stop();
    // During the shutdown delay the port still answers, and says it is not ready.
    const readiness = await fetch(`${gateway.url}/ready`);
    expect(readiness.status).toBe(503);
    expect(((await readiness.json()) as { failed: string[] }).failed).toContain('draining');

    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(answered.body).toEqual({ data: { slowProbe: 'slept 600 ms' } });
    await stopping;
    await expect(fetch(`${gateway.url}/health`)).rejects.toThrow();
  });
});

describe('bounded subgraph connections', () => {
  // Its own graph with a generous timeout: 20 requests queue for 2 sockets, and on a loaded CI
  // machine the queue may take longer than the 400 ms the timeout tests above use.
  let bounded: ProbeGraph;
  let boundedAuth: Record<string, string>;
  beforeAll(async () => {
    bounded = await startProbeGraph({ env: { SUBGRAPH_TIMEOUTS: 'probe=15000', SUBGRAPH_MAX_SOCKETS: '2' } });
    await bounded.graph.seedAdmin(PASSWORD);
    boundedAuth = { authorization: `Bearer ${await bounded.graph.login('admin', PASSWORD)}` };
  });
  afterAll(async () => bounded?.stop());

  it('serves concurrent requests over at most SUBGRAPH_MAX_SOCKETS keep-alive connections', async () => {
    const before = bounded.probe.connections();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => bounded.graph.gql(`{ probeStatus { value } }`, {}, boundedAuth)),
    );
    expect(results.map(errorCodes).flat()).toEqual([]);
    expect(results.every((r) => (r.body.data?.probeStatus as { value: string }).value === 'up')).toBe(true);
    expect(bounded.probe.connections() - before).toBeLessThanOrEqual(2);
  });
});
