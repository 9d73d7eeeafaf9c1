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
  sql,
  startSurveillance,
} from './support';

let subgraph: TestSubgraph;
let camera: string;

beforeAll(async () => {
  subgraph = await startSurveillance();
  camera = await createCamera(subgraph, 'Lifecycle Cam');
  await createRule(subgraph, { name: 'any', cooldownSeconds: 0, channels: ['email'] });
});
afterAll(() => subgraph.stop());

const ACK = `mutation ($id: ID!, $v: Int!) { acknowledgeSurveillanceAlert(id: $id, version: $v) { status version } }`;
const DISMISS = `mutation ($id: ID!, $v: Int!) { dismissSurveillanceAlert(id: $id, version: $v) { status version } }`;
const DELIVER = `mutation ($id: ID!, $v: Int!) { markSurveillanceAlertDelivered(id: $id, version: $v, channels: ["email"]) { status version deliveredAt channels } }`;

describe('alert lifecycle with optimistic locking', () => {
  it('moves on the current version and refuses a stale one with CONFLICT, changing nothing', async () => {
    const { ingestDetections } = await ingest(subgraph, camera, [detection()]);
    const alert = ingestDetections.alertsCreated[0]!;
    const delivered = await ok<{
      markSurveillanceAlertDelivered: { status: string; version: number; deliveredAt: string };
    }>(subgraph, DELIVER, { id: alert.id, v: 1 });
    expect(delivered.markSurveillanceAlertDelivered).toMatchObject({ status: 'DELIVERED', version: 2 });
    expect(delivered.markSurveillanceAlertDelivered.deliveredAt).toBeTruthy();
    const acked = await ok<{ acknowledgeSurveillanceAlert: { status: string; version: number } }>(subgraph, ACK, {
      id: alert.id,
      v: 2,
    });
    expect(acked.acknowledgeSurveillanceAlert).toEqual({ status: 'ACKNOWLEDGED', version: 3 });

    const before = await sql(subgraph, `SELECT status, version_id, updated_at FROM surveillance.alerts WHERE id = $1`, [
      alert.id,
    ]);
    const stale = await subgraph.query(DISMISS, { id: alert.id, v: 2 }, ADMIN);
    expect(errorCodes(stale)).toEqual(['CONFLICT']);
    expect(
      await sql(subgraph, `SELECT status, version_id, updated_at FROM surveillance.alerts WHERE id = $1`, [alert.id]),
    ).toEqual(before);
    const dismissed = await ok<{ dismissSurveillanceAlert: { status: string } }>(subgraph, DISMISS, {
      id: alert.id,
      v: 3,
    });
    expect(dismissed.dismissSurveillanceAlert.status).toBe('DISMISSED');
  });

  it('two racing acknowledgements of one version: one wins, the other is CONFLICT', async () => {
    const { ingestDetections } = await ingest(subgraph, camera, [detection()]);
    const id = ingestDetections.alertsCreated[0]!.id;
    const results = await Promise.all([1, 2, 3].map(() => subgraph.query(ACK, { id, v: 1 }, ADMIN)));
    const codes = results.map((r) => errorCodes(r)[0] ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'CONFLICT', 'OK']);
  });

  it('an unknown alert is NOT_FOUND', async () => {
    const result = await subgraph.query(ACK, { id: '00000000-0000-4000-8000-000000000000', v: 1 }, ADMIN);
    expect(errorCodes(result)).toEqual(['NOT_FOUND']);
  });
});

describe('event review, feedback and audits', () => {
  it('reviews with notes and snooze, and filters by reviewed and search', async () => {
    const { ingestDetections } = await ingest(subgraph, camera, [detection({ objectType: 'raccoon' })]);
    const id = ingestDetections.event.id;
    await ok(
      subgraph,
      `mutation ($input: ReviewEventInput!) { reviewEvent(input: $input) { reviewed notes snoozeUntil } }`,
      {
        input: { eventId: id, reviewed: true, notes: 'neighbour cat', snoozeUntil: '2030-01-01T00:00:00.000Z' },
      },
    );
    const data = await ok<{ reviewed: { edges: { node: { id: string } }[] }; found: { totalCount: number } }>(
      subgraph,
      `query ($c: ID!) {
        reviewed: events(filter: { cameraId: $c, reviewed: true }) { edges { node { id } } }
        found: events(filter: { search: "neighbour" }) { totalCount }
      }`,
      { c: camera },
    );
    expect(data.reviewed.edges.map((e) => e.node.id)).toEqual([id]);
    expect(data.found.totalCount).toBe(1);
  });

  it('takes one feedback per event, with the seed’s checks', async () => {
    const { ingestDetections } = await ingest(subgraph, camera, [detection()]);
    const FEEDBACK = `mutation ($e: ID!, $input: EventFeedbackInput!) { submitEventFeedback(eventId: $e, input: $input) { feedbackType expectedSeverity suggestedScore createdBy } }`;
    const e = ingestDetections.event.id;
    const bad = await subgraph.query(
      FEEDBACK,
      { e, input: { feedbackType: 'SEVERITY_WRONG', suggestedScore: 101 } },
      ADMIN,
    );
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(bad)).toEqual(['input.suggestedScore']);
    const first = await ok<{ submitEventFeedback: unknown }>(subgraph, FEEDBACK, {
      e,
      input: { feedbackType: 'SEVERITY_WRONG', expectedSeverity: 'LOW', suggestedScore: 10 },
    });
    expect(first.submitEventFeedback).toEqual({
      feedbackType: 'SEVERITY_WRONG',
      expectedSeverity: 'LOW',
      suggestedScore: 10,
      createdBy: 'admin',
    });
    expect(errorCodes(await subgraph.query(FEEDBACK, { e, input: { feedbackType: 'ACCURATE' } }, ADMIN))).toEqual([
      'CONFLICT',
    ]);
  });

  it('takes one audit per event, with scores 1–5 and utilisation 0–1', async () => {
    const { ingestDetections } = await ingest(subgraph, camera, [detection()]);
    const AUDIT = `mutation ($e: ID!, $input: EventAuditInput!) { recordEventAudit(eventId: $e, input: $input) { overallQualityScore consistencyDiff } }`;
    const e = ingestDetections.event.id;
    for (const [input, field] of [
      [{ enrichmentUtilization: 1.2 }, 'input.enrichmentUtilization'],
      [{ enrichmentUtilization: 0.5, overallQualityScore: 0.5 }, 'input.overallQualityScore'],
      [{ enrichmentUtilization: 0.5, consistencyScore: 6 }, 'input.consistencyScore'],
    ] as const) {
      const result = await subgraph.query(AUDIT, { e, input }, ADMIN);
      expect(errorFields(result)).toEqual([field]);
    }
    const data = await ok<{ recordEventAudit: { overallQualityScore: number; consistencyDiff: number } }>(
      subgraph,
      AUDIT,
      {
        e,
        input: {
          enrichmentUtilization: 0.5,
          overallQualityScore: 4,
          consistencyRiskScore: ingestDetections.event.riskScore + 5,
        },
      },
    );
    expect(data.recordEventAudit).toEqual({ overallQualityScore: 4, consistencyDiff: 5 });
    expect(errorCodes(await subgraph.query(AUDIT, { e, input: { enrichmentUtilization: 0.1 } }, ADMIN))).toEqual([
      'CONFLICT',
    ]);
  });

  it('refuses bad camera input naming the field', async () => {
    const CAMERA = `mutation ($input: CreateCameraInput!) { createCamera(input: $input) { id } }`;
    const dup = await subgraph.query(
      CAMERA,
      { input: { name: 'Lifecycle Cam', folderPath: '/new', customerCode: 'C1' } },
      ADMIN,
    );
    expect(errorFields(dup)).toEqual(['input.name']);
    const bad = await subgraph.query(CAMERA, { input: { name: '!!!', folderPath: '/x', customerCode: 'C1' } }, ADMIN);
    expect(errorFields(bad)).toEqual(['input.name']);
    const weather = await subgraph.query(
      `mutation ($c: ID!) { recordWeatherReading(input: { cameraId: $c, humidity: 120 }) { id } }`,
      { c: camera },
      ADMIN,
    );
    expect(errorFields(weather)).toEqual(['input.humidity']);
  });
});
