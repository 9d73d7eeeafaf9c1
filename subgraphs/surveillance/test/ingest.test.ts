import type { TestSubgraph } from '@socgraph/testkit';
import {
  ADMIN,
  createCamera,
  createRule,
  detection,
  errorCodes,
  errorFields,
  ingest,
  INGEST,
  ok,
  sql,
  startSurveillance,
} from './support';

let subgraph: TestSubgraph;

beforeAll(async () => {
  subgraph = await startSurveillance({ SURVEILLANCE_BASELINE_ALPHA: '0.5' });
});
afterAll(() => subgraph.stop());

describe('ingestDetections', () => {
  it('stores detections and enrichments, groups by batch, scores the event', async () => {
    const camera = await createCamera(subgraph, 'Ingest Basic');
    expect(camera).toBe('ingest_basic');
    const first = await ingest(
      subgraph,
      camera,
      [
        detection({
          pose: { poseClass: 'crouching', confidence: 0.8, isSuspicious: true },
          threats: [{ threatType: 'knife', confidence: 0.9, severity: 'high' }],
          demographics: { ageRange: '21-30', ageConfidence: 0.7, gender: 'male', genderConfidence: 0.8 },
          reid: { embedding: [0.1, 0.2, 0.3] },
          action: { action: 'running', confidence: 0.6, isSuspicious: true },
        }),
        detection({ objectType: 'car', confidence: 0.5 }),
      ],
      'batch-1',
    );
    // person 40·0.9 = 36, knife high 45·0.9 = 40.5, pose +10, action +10, 2 detections +2 → 98.5 → 99
    expect(first.ingestDetections.event).toMatchObject({ riskScore: 99, riskLevel: 'CRITICAL' });
    const again = await ingest(subgraph, camera, [detection({ objectType: 'dog', confidence: 0.3 })], 'batch-1');
    expect(again.ingestDetections.event.id).toBe(first.ingestDetections.event.id);
    expect(again.ingestDetections.event.riskScore).toBe(99);

    const data = await ok<{
      event: {
        objectTypes: string[];
        detections: {
          objectType: string;
          bbox: { x: number };
          pose: { poseClass: string } | null;
          threats: { threatType: string }[];
          demographics: { gender: string } | null;
          reid: { dimensions: number } | null;
          action: { action: string } | null;
        }[];
      };
    }>(
      subgraph,
      `query ($id: ID!) { event(id: $id) { objectTypes detections { objectType bbox { x }
         pose { poseClass } threats { threatType } demographics { gender } reid { dimensions } action { action } } } }`,
      { id: first.ingestDetections.event.id },
    );
    expect(data.event.objectTypes).toEqual(['car', 'dog', 'person']);
    expect(data.event.detections).toHaveLength(3);
    expect(data.event.detections[0]).toMatchObject({
      objectType: 'person',
      bbox: { x: 0.4 },
      pose: { poseClass: 'crouching' },
      threats: [{ threatType: 'knife' }],
      demographics: { gender: 'male' },
      reid: { dimensions: 3 },
      action: { action: 'running' },
    });
    expect(data.event.detections[1]).toMatchObject({ pose: null, threats: [], reid: null });
  });

  it('maps scores to levels: 0–29 low, 30–59 medium, 60–84 high, 85–100 critical', async () => {
    const camera = await createCamera(subgraph, 'Ingest Levels');
    const low = await ingest(subgraph, camera, [detection({ objectType: 'bird', confidence: 1 })]);
    expect(low.ingestDetections.event).toMatchObject({ riskScore: 2, riskLevel: 'LOW' });
    const medium = await ingest(subgraph, camera, [detection({ confidence: 0.75 })]);
    expect(medium.ingestDetections.event).toMatchObject({ riskScore: 30, riskLevel: 'MEDIUM' });
    const high = await ingest(subgraph, camera, [
      detection({ confidence: 0.5, threats: [{ threatType: 'gun', confidence: 0.7, severity: 'critical' }] }),
    ]);
    // 40·0.5 = 20, 60·0.7 = 42 → 62
    expect(high.ingestDetections.event).toMatchObject({ riskScore: 62, riskLevel: 'HIGH' });
  });

  it('keeps activity and class baselines as an EWMA per slot (α = 0.5)', async () => {
    const camera = await createCamera(subgraph, 'Ingest Baseline');
    const at = '2026-06-03T09:15:00.000Z'; // a Wednesday: day_of_week 2, hour 9
    const batch = (n: number, cls: string) =>
      Array.from({ length: n }, () => detection({ objectType: cls, detectedAt: at }));
    await ingest(subgraph, camera, batch(4, 'person'));
    await ingest(subgraph, camera, [...batch(2, 'person'), ...batch(1, 'car')]);
    await ingest(subgraph, camera, batch(6, 'car'));
    const [activity] = await sql<{ avg_count: number; sample_count: number; day_of_week: number; hour: number }>(
      subgraph,
      `SELECT avg_count, sample_count, day_of_week, hour FROM surveillance.activity_baselines WHERE camera_id = $1`,
      [camera],
    );
    // 4 → 0.5·3 + 0.5·4 = 3.5 → 0.5·6 + 0.5·3.5 = 4.75
    expect(activity).toEqual({ avg_count: 4.75, sample_count: 3, day_of_week: 2, hour: 9 });
    const classes = await sql<{ detection_class: string; frequency: number; sample_count: number }>(
      subgraph,
      `SELECT detection_class, frequency, sample_count FROM surveillance.class_baselines WHERE camera_id = $1 ORDER BY 1`,
      [camera],
    );
    // person: 4 → 0.5·2 + 0.5·4 = 3 → 0.5·0 + 0.5·3 = 1.5; car: 1 (first seen) → 0.5·6 + 0.5·1 = 3.5
    expect(classes).toEqual([
      { detection_class: 'car', frequency: 3.5, sample_count: 2 },
      { detection_class: 'person', frequency: 1.5, sample_count: 3 },
    ]);
    const view = await ok<{
      camera: { activityBaselines: { avgCount: number }[]; classBaselines: { frequency: number }[] };
    }>(
      subgraph,
      `query ($id: ID!) { camera(id: $id) { activityBaselines { avgCount } classBaselines { frequency } } }`,
      { id: camera },
    );
    expect(view.camera.activityBaselines).toEqual([{ avgCount: 4.75 }]);
    expect(view.camera.classBaselines).toEqual([{ frequency: 3.5 }, { frequency: 1.5 }]);
  });

  it('scores activity above the baseline, and classes rare at this hour, as unusual', async () => {
    const camera = await createCamera(subgraph, 'Ingest Unusual');
    const fresh = await createCamera(subgraph, 'Ingest Fresh');
    const at = '2026-06-03T02:00:00.000Z';
    for (let i = 0; i < 3; i++) await ingest(subgraph, camera, [detection({ detectedAt: at })]);
    const five = Array.from({ length: 5 }, () => detection({ detectedAt: at }));
    // person 40·0.9 = 36, 5 detections +8: 44 on a camera without history...
    expect((await ingest(subgraph, fresh, five)).ingestDetections.event.riskScore).toBe(44);
    // ...and +10·(5 / (1 + 1) − 1) = 15 where one detection per ingest is usual: 59.
    expect((await ingest(subgraph, camera, five)).ingestDetections.event.riskScore).toBe(59);
    // A truck never seen here at this hour: 25·0.9 = 22.5, +10 rare class → 33.
    const truck = await ingest(subgraph, camera, [detection({ detectedAt: at, objectType: 'truck' })]);
    expect(truck.ingestDetections.event).toMatchObject({ riskScore: 33, riskLevel: 'MEDIUM' });
  });

  it('counts concurrent ingests into one baseline slot exactly once each', async () => {
    const camera = await createCamera(subgraph, 'Ingest Concurrent Baseline');
    const at = '2026-06-04T03:00:00.000Z';
    await Promise.all(
      Array.from({ length: 10 }, () => ingest(subgraph, camera, [detection({ detectedAt: at, objectType: 'cat' })])),
    );
    const [activity] = await sql<{ avg_count: number; sample_count: number }>(
      subgraph,
      `SELECT avg_count, sample_count FROM surveillance.activity_baselines WHERE camera_id = $1`,
      [camera],
    );
    expect(activity).toEqual({ avg_count: 1, sample_count: 10 });
  });

  it('20 parallel ingests inside a cooldown create exactly one alert', async () => {
    const camera = await createCamera(subgraph, 'Ingest Dedup');
    const rule = await createRule(subgraph, { name: 'Any person', objectTypes: ['person'], cameraIds: [camera] });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ingest(subgraph, camera, [detection()], `dedup-${i}`)),
    );
    const created = results.flatMap((r) => r.ingestDetections.alertsCreated);
    expect(created).toHaveLength(1);
    expect(created[0]!.dedupKey).toBe(`${camera}:${rule}`);
    expect(results.reduce((n, r) => n + r.ingestDetections.suppressed, 0)).toBe(19);
    const [row] = await sql<{ n: number }>(
      subgraph,
      `SELECT count(*)::int AS n FROM surveillance.alerts WHERE camera_id = $1`,
      [camera],
    );
    expect(row!.n).toBe(1);
  });

  it('is all or nothing, and refuses bad input naming the field', async () => {
    const camera = await createCamera(subgraph, 'Ingest Invalid');
    const cases: [Record<string, unknown>, string][] = [
      [{ confidence: 1.5 }, 'input.detections.1.confidence'],
      [{ bbox: { x: 0.9, y: 0.1, width: 0.5, height: 0.1 } }, 'input.detections.1.bbox'],
      [{ bbox: { x: -0.1, y: 0.1, width: 0.5, height: 0.1 } }, 'input.detections.1.bbox.x'],
      [
        { threats: [{ threatType: 'gun', confidence: 2, severity: 'high' }] },
        'input.detections.1.threats.0.confidence',
      ],
      [{ pose: { poseClass: 'flying', confidence: 0.5 } }, 'input.detections.1.pose.poseClass'],
    ];
    for (const [overrides, field] of cases) {
      const result = await subgraph.query(
        INGEST,
        {
          input: { cameraId: camera, batchId: 'bad', detections: [detection(), detection(overrides)] },
        },
        ADMIN,
      );
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      expect(errorFields(result)).toEqual([field]);
    }
    const unknown = await subgraph.query(
      INGEST,
      { input: { cameraId: 'no_such_camera', batchId: 'b', detections: [detection()] } },
      ADMIN,
    );
    expect(errorCodes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(unknown)).toEqual(['input.cameraId']);
    const [row] = await sql<{ n: number }>(
      subgraph,
      `SELECT count(*)::int AS n FROM surveillance.detections WHERE camera_id = $1`,
      [camera],
    );
    expect(row!.n).toBe(0);
  });
});
