import type { TestSubgraph } from '@socgraph/testkit';
import {
  ADMIN,
  createCamera,
  createRule,
  detection,
  errorCodes,
  errorFields,
  ingest,
  ok,
  startSurveillance,
} from './support';

let subgraph: TestSubgraph;
let north: string;
let south: string;
let ruleId: string;

beforeAll(async () => {
  subgraph = await startSurveillance();
  north = await createCamera(subgraph, 'Query North');
  south = await createCamera(subgraph, 'Query South');
  ruleId = await createRule(subgraph, { name: 'cars', severity: 'LOW', objectTypes: ['car'], cooldownSeconds: 0 });
  await createRule(subgraph, { name: 'risky', severity: 'HIGH', riskThreshold: 60, cooldownSeconds: 0 });
  for (let i = 0; i < 6; i++) {
    await ingest(subgraph, i % 2 ? north : south, [
      detection({
        objectType: i % 3 ? 'person' : 'car',
        confidence: 0.5 + i / 20,
        detectedAt: `2026-06-0${i + 1}T10:00:00.000Z`,
      }),
      ...(i === 5
        ? [
            detection({
              detectedAt: '2026-06-06T10:00:00.000Z',
              threats: [{ threatType: 'gun', confidence: 1, severity: 'critical' }],
            }),
          ]
        : []),
    ]);
  }
});
afterAll(() => subgraph.stop());

const ids = (data: { edges: { node: { id: string } }[] }) => data.edges.map((e) => e.node.id);

describe('filters', () => {
  it('filters events by camera, risk level and time range', async () => {
    const data = await ok<Record<string, { totalCount: number }>>(
      subgraph,
      `query ($n: ID!) {
        byCamera: events(filter: { cameraId: $n }) { totalCount }
        critical: events(filter: { riskLevel: [CRITICAL] }) { totalCount }
        lowOrMedium: events(filter: { riskLevel: [LOW, MEDIUM] }) { totalCount }
        june2to4: events(filter: { from: "2026-06-02T00:00:00Z", to: "2026-06-05T00:00:00Z" }) { totalCount }
        unreviewed: events(filter: { reviewed: false }) { totalCount }
      }`,
      { n: north },
    );
    expect(data).toEqual({
      byCamera: { totalCount: 3 },
      critical: { totalCount: 1 },
      lowOrMedium: { totalCount: 5 },
      june2to4: { totalCount: 3 },
      unreviewed: { totalCount: 6 },
    });
  });

  it('filters detections by class, confidence and time', async () => {
    const data = await ok<Record<string, { totalCount: number }>>(
      subgraph,
      `{
        cars: detections(filter: { objectTypes: ["car"] }) { totalCount }
        confident: detections(filter: { minConfidence: 0.7 }) { totalCount }
        early: detections(filter: { to: "2026-06-03T00:00:00Z" }) { totalCount }
      }`,
    );
    // cars at i = 0, 3; confidence 0.5 + i/20 ≥ 0.7 for i = 4, 5, plus the 0.9 gun carrier; before June 3: i = 0, 1.
    expect(data).toEqual({ cars: { totalCount: 2 }, confident: { totalCount: 3 }, early: { totalCount: 2 } });
  });

  it('filters surveillance alerts by status, severity, camera and rule', async () => {
    const data = await ok<Record<string, { totalCount: number }>>(
      subgraph,
      `query ($rule: ID!, $s: ID!) {
        all: surveillanceAlerts { totalCount }
        byRule: surveillanceAlerts(filter: { ruleId: $rule }) { totalCount }
        high: surveillanceAlerts(filter: { severity: [HIGH] }) { totalCount }
        south: surveillanceAlerts(filter: { cameraId: $s }) { totalCount }
        pending: surveillanceAlerts(filter: { status: [PENDING] }) { totalCount }
        acked: surveillanceAlerts(filter: { status: [ACKNOWLEDGED] }) { totalCount }
      }`,
      { rule: ruleId, s: south },
    );
    expect(data).toEqual({
      all: { totalCount: 3 },
      byRule: { totalCount: 2 },
      high: { totalCount: 1 },
      south: { totalCount: 1 },
      pending: { totalCount: 3 },
      acked: { totalCount: 0 },
    });
  });
});

describe('connections', () => {
  it('pages by keyset cursors, newest first, without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: {
        events: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      } = await ok(
        subgraph,
        `query ($after: String) { events(first: 4, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        {
          after,
        },
      );
      seen.push(...ids(page.events));
      if (!page.events.pageInfo.hasNextPage) break;
      after = page.events.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect([...seen].map(Number)).toEqual([...seen].map(Number).sort((a, b) => b - a));
  });

  it.each([
    ['first above 100', { first: 101 }, 'first'],
    ['first below 0', { first: -1 }, 'first'],
    ['a malformed cursor', { after: 'not-a-cursor!' }, 'after'],
  ])('%s is BAD_USER_INPUT on every list', async (_, variables, field) => {
    for (const list of ['cameras', 'events', 'detections', 'surveillanceAlerts']) {
      const result = await subgraph.query(
        `query ($first: Int, $after: String) { ${list}(first: $first, after: $after) { totalCount } }`,
        variables,
        ADMIN,
      );
      expect([list, errorCodes(result), errorFields(result)]).toEqual([list, ['BAD_USER_INPUT'], [field]]);
    }
  });

  it('rejects bad filter values naming the field', async () => {
    const cases: [string, string][] = [
      [`{ detections(filter: { minConfidence: 1.5 }) { totalCount } }`, 'filter.minConfidence'],
      [`{ surveillanceAlerts(filter: { ruleId: "nope" }) { totalCount } }`, 'filter.ruleId'],
      [`{ events(filter: { cameraId: "Not An Id" }) { totalCount } }`, 'filter.cameraId'],
      [`{ events(filter: { search: "${'x'.repeat(201)}" }) { totalCount } }`, 'filter.search'],
    ];
    for (const [query, field] of cases) {
      const result = await subgraph.query(query, {}, ADMIN);
      expect([field, errorCodes(result)]).toEqual([field, ['BAD_USER_INPUT']]);
      expect(errorFields(result)).toEqual([field]);
    }
  });
});
