import type { TestSubgraph } from '@socgraph/testkit';
import {
  ANALYST_TAG1,
  countStatements,
  createCamera,
  createRule,
  detection,
  ingest,
  startSurveillance,
} from './support';

/**
 * Project rule: a page costs the same number of SQL statements whatever its size. Every list
 * is read at 10 and at 100 rows, with every nested field selected, as admin and as an analyst
 * under tag RBAC (the policy's conditions must not add per-row statements).
 */
let subgraph: TestSubgraph;
const ROWS = 110;

const enriched = (i: number) =>
  detection({
    detectedAt: new Date(Date.UTC(2026, 5, 1, i % 24, i % 60)).toISOString(),
    pose: { poseClass: 'standing', confidence: 0.8 },
    threats: [{ threatType: 'knife', confidence: 0.4, severity: 'low' }],
    demographics: { ageRange: '21-30', ageConfidence: 0.7, gender: 'female', genderConfidence: 0.6 },
    reid: { embedding: [0.1, 0.2] },
    action: { action: 'walking', confidence: 0.6 },
  });

beforeAll(async () => {
  subgraph = await startSurveillance();
  const cameras: string[] = [];
  for (let c = 0; c < ROWS; c++) cameras.push(await createCamera(subgraph, `Count Cam ${c}`, 'C1', ['1']));
  await createRule(subgraph, { name: 'all', cooldownSeconds: 0 });
  for (let i = 0; i < ROWS; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, k) =>
        ingest(subgraph, cameras[(i + k) % 5]!, [enriched(i + k), enriched(i + k + 1)]),
      ),
    );
  }
  // Readings and zones on every camera, so the camera list's nested fields have rows.
  for (const camera of cameras) {
    await subgraph.dataSource.query(
      `INSERT INTO surveillance.weather_data (camera_id, temperature_c) VALUES ($1, 20)`,
      [camera],
    );
    await subgraph.dataSource.query(`INSERT INTO surveillance.air_quality_data (camera_id, aqi) VALUES ($1, 40)`, [
      camera,
    ]);
    await subgraph.dataSource.query(
      `INSERT INTO surveillance.camera_zones (id, camera_id, name, coordinates) VALUES ($1 || '_z', $1, 'z', '[[0,0],[1,1]]')`,
      [camera],
    );
  }
}, 120_000);
afterAll(() => subgraph.stop());

const EVENT_FIELDS = `id riskScore riskLevel objectTypes feedback { id } audit { id }
  camera { id tags { id } customer { code } }
  detections { id bbox { x } pose { poseClass } threats { threatType } demographics { gender } reid { dimensions } action { action } }
  alerts { id rule { id name } event { id } }`;

const LISTS: Record<string, string> = {
  events: `query ($n: Int) { events(first: $n) { totalCount edges { node { ${EVENT_FIELDS} } } } }`,
  detections: `query ($n: Int) { detections(first: $n) { totalCount edges { node { id camera { id } pose { poseClass } threats { id } demographics { gender } reid { dimensions } action { action } } } } }`,
  surveillanceAlerts: `query ($n: Int) { surveillanceAlerts(first: $n) { totalCount edges { node { id camera { id } rule { id } event { ${EVENT_FIELDS} } } } } }`,
  cameras: `query ($n: Int) { cameras(first: $n) { totalCount edges { node { id tags { id } zones { id camera { id } }
    events(first: 3) { totalCount edges { node { id detections { id } } } }
    activityBaselines { hour } classBaselines { hour } weatherReadings { id } airQualityReadings { id } } } } }`,
};

describe.each([
  ['admin', undefined],
  ['analyst', ANALYST_TAG1],
])('as %s', (_, principal) => {
  it.each(Object.keys(LISTS))('%s costs the same at 10 and 100 rows', async (name) => {
    const small = await countStatements(subgraph, LISTS[name]!, { n: 10 }, principal);
    const large = await countStatements(subgraph, LISTS[name]!, { n: 100 }, principal);
    expect(small.result.body.errors).toBeUndefined();
    expect(large.result.body.errors).toBeUndefined();
    const data = large.result.body.data as Record<string, { edges: unknown[] }>;
    expect(data[name]!.edges).toHaveLength(100);
    expect(large.statements).toBe(small.statements);
  });
});
