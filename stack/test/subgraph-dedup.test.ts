import type { GraphQLResponse } from '../src/testing';
import { tagRbacOffSource } from '@socgraph/gateway';
import { identityAndProbeSupergraph, startProbeGraph, type ProbeGraph } from './probe';
import {
  createAlert,
  createCustomers,
  createTags,
  createUser,
  errorCodes,
  setTagAccess,
  startGraph,
  type Graph,
} from './incidents/support';

/**
 * In-flight deduplication of identical subgraph fetches (SUBGRAPH_DEDUP, on by default): the
 * key holds the principal (its internal token), so callers share answers only with themselves;
 * answers with errors and mutations are never shared.
 */

const PASSWORD = 'dedup password 1';

/** Sums a counter's or histogram's samples for one subgraph (`count` samples for a histogram). */
async function metricTotal(
  metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown>; metricName?: string }[] }> },
  subgraph: string,
): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) => v.labels.subgraph === subgraph && (v.metricName === undefined || v.metricName.endsWith('_count')))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('deduplication of identical fetches of one principal (probe subgraph)', () => {
  let probeGraph: ProbeGraph;
  let admin: Record<string, string>;
  let other: Record<string, string>;
  beforeAll(async () => {
    probeGraph = await startProbeGraph({ env: { SUBGRAPH_TIMEOUTS: 'probe=15000' } });
    await probeGraph.graph.seedAdmin(PASSWORD);
    await probeGraph.graph.seedUser({ username: 'other', password: PASSWORD, role: 'analyst' });
    admin = { authorization: `Bearer ${await probeGraph.graph.login('admin', PASSWORD)}` };
    other = { authorization: `Bearer ${await probeGraph.graph.login('other', PASSWORD)}` };
  });
  afterAll(async () => probeGraph?.stop());

  const metrics = () => probeGraph.graph.stack.gateway.metrics;
  const deduplicated = () => metricTotal(metrics().subgraphFetchDeduplicated, 'probe');
  const fetches = () => probeGraph.probe.requests();

  it('sends concurrent identical queries of one principal once and gives each caller the answer', async () => {
    const [dedupBefore, fetchesBefore] = [await deduplicated(), fetches()];
    // The probe holds each answer 1.5 s, so the ten requests are in flight together.
    const results = await Promise.all(
      Array.from({ length: 10 }, () => probeGraph.graph.gql(`{ probeCaller(ms: 1500) }`, {}, admin)),
    );
    expect(results.map(errorCodes).flat()).toEqual([]);
    expect(results.map((r) => r.body.data?.probeCaller)).toEqual(Array(10).fill('admin'));
    const sent = fetches() - fetchesBefore;
    const shared = (await deduplicated()) - dedupBefore;
    expect(sent).toBeLessThan(10);
    expect(sent + shared).toBe(10);
    // Each caller keeps its own request id.
    expect(new Set(results.map((r) => r.headers.get('x-request-id'))).size).toBe(10);
  });

  it('never gives one principal the answer fetched for another', async () => {
    const fetchesBefore = fetches();
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        probeGraph.graph.gql<{ probeCaller: string }>(`{ probeCaller(ms: 1500) }`, {}, i % 2 ? other : admin),
      ),
    );
    expect(results.map(errorCodes).flat()).toEqual([]);
    results.forEach((r, i) => expect(r.body.data?.probeCaller).toBe(i % 2 ? 'other' : 'admin'));
    // At least one fetch per principal.
    expect(fetches() - fetchesBefore).toBeGreaterThanOrEqual(2);
  });

  it('does not share an answer with errors: each caller fetches and gets its own request id in the error', async () => {
    const [dedupBefore, fetchesBefore] = [await deduplicated(), fetches()];
    const results = await Promise.all(
      Array.from({ length: 6 }, () => probeGraph.graph.gql(`{ probeFailure(ms: 1000) }`, {}, admin)),
    );
    for (const result of results) {
      expect(errorCodes(result)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(result.body.errors?.[0]?.extensions?.requestId).toBe(result.headers.get('x-request-id'));
    }
    expect(fetches() - fetchesBefore).toBe(6);
    expect((await deduplicated()) - dedupBefore).toBe(0);
  });

  it('never deduplicates mutations', async () => {
    const [dedupBefore, fetchesBefore] = [await deduplicated(), fetches()];
    const results = await Promise.all(
      Array.from({ length: 5 }, () => probeGraph.graph.gql(`mutation { slowProbeWrite(ms: 1000) }`, {}, admin)),
    );
    expect(results.map(errorCodes).flat()).toEqual([]);
    expect(fetches() - fetchesBefore).toBe(5);
    expect((await deduplicated()) - dedupBefore).toBe(0);
  });

  it('SUBGRAPH_DEDUP=false sends every fetch', async () => {
    const gateway = await probeGraph.graph.startGateway(
      { SUBGRAPH_DEDUP: 'false', SUBGRAPH_TIMEOUTS: 'probe=15000' },
      {
        supergraphSdl: identityAndProbeSupergraph(),
        subgraphUrls: { probe: probeGraph.probe.url },
        tagAccessSettings: tagRbacOffSource,
      },
    );
    try {
      const fetchesBefore = fetches();
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          fetch(gateway.graphqlUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...admin },
            body: JSON.stringify({ query: `{ probeCaller(ms: 1000) }` }),
          }).then((r) => r.json() as Promise<GraphQLResponse['body']>),
        ),
      );
      expect(results.map((r) => r.data?.probeCaller)).toEqual(Array(5).fill('admin'));
      expect(fetches() - fetchesBefore).toBe(5);
      expect(await metricTotal(gateway.metrics.subgraphFetchDeduplicated, 'probe')).toBe(0);
    } finally {
      await gateway.stop();
    }
  });
});

describe('deduplication keeps tag RBAC per principal (alerts through the whole graph)', () => {
  let graph: Graph;
  let analyst: { token: string };
  const visibleToAnalyst: string[] = [];
  const all: string[] = [];
  beforeAll(async () => {
    graph = await startGraph();
    await createCustomers(graph, ['ACME']);
    const tags = await createTags(graph, ['network', 'vip']);
    analyst = await createUser(graph, {
      username: 'ana',
      role: 'analyst',
      customerCodes: ['ACME'],
      tagIds: [tags.network!],
    });
    await setTagAccess(graph, { enabled: true, untaggedAlertBehavior: 'VISIBLE_TO_ALL' });
    for (let i = 0; i < 6; i += 1) {
      const network = i % 2 === 0;
      const id = await createAlert(graph, {
        name: `alert ${i}`,
        customerCode: 'ACME',
        tagIds: [network ? tags.network! : tags.vip!],
      });
      all.push(id);
      if (network) visibleToAnalyst.push(id);
    }
  });
  afterAll(async () => graph?.stack.stop());

  it('admin and a tag-restricted analyst asking the same query at once each get their own rows', async () => {
    const QUERY = `{ alerts(first: 50) { totalCount edges { node { id name tags { name } } } } }`;
    type Alerts = { alerts: { totalCount: number; edges: { node: { id: string } }[] } };
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => graph.as<Alerts>(i % 2 ? analyst.token : graph.adminToken, QUERY)),
    );
    results.forEach((result, i) => {
      expect(errorCodes(result)).toEqual([]);
      const ids = result.body.data!.alerts.edges.map((e) => e.node.id).sort();
      const expected = (i % 2 ? visibleToAnalyst : all).slice().sort();
      expect(ids).toEqual(expected);
      expect(result.body.data!.alerts.totalCount).toBe(expected.length);
    });
  });
});
