import { Headers, signInternalToken, type Principal } from '@socgraph/shared';
import { testPrincipal } from '@socgraph/testkit';
import type { GraphQLResponse } from '../../src/testing';
import {
  createCustomers,
  createTags,
  createUser,
  errorCodes,
  setTagAccess,
  startGraph,
  type Graph,
} from '../incidents/support';

/**
 * Surveillance through the gateway: Camera.tags resolved by incidents and Camera.customer by
 * identity; camera RBAC by every path for real logins; the ingestion pipeline; optimistic
 * locking; and input the database would refuse coming back as BAD_USER_INPUT naming the field.
 */
jest.setTimeout(120_000);

let graph: Graph;
let tags: Record<string, string>;
let analyst: string; // holds T1, all customers
let customerUser: string; // C1
let auditor: string;
let ruleId: string;
const events: Record<string, string> = {};
const alerts: Record<string, { id: string; version: number }> = {};

const INGEST = `mutation ($input: IngestDetectionsInput!) {
  ingestDetections(input: $input) { event { id riskScore riskLevel } alertsCreated { id dedupKey version status } suppressed }
}`;
type Ingested = {
  ingestDetections: {
    event: { id: string; riskScore: number; riskLevel: string };
    alertsCreated: { id: string; dedupKey: string; version: number; status: string }[];
    suppressed: number;
  };
};
const detection = (overrides: Record<string, unknown> = {}) => ({
  objectType: 'person',
  confidence: 0.9,
  bbox: { x: 0.3, y: 0.3, width: 0.2, height: 0.4 },
  detectedAt: '2026-06-01T22:30:00.000Z',
  filePath: '/export/frame.jpg',
  ...overrides,
});

const fieldsOf = (response: GraphQLResponse) =>
  (response.body.errors ?? []).map((e) => (e.extensions as { field?: string } | undefined)?.field);

async function toSurveillance(principal: Principal, query: string, variables: Record<string, unknown>) {
  const token = await signInternalToken(principal, graph.stack.internalTokenSecret, 60);
  const response = await fetch(graph.stack.subgraphUrl('surveillance'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', [Headers.INTERNAL_TOKEN]: token },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

beforeAll(async () => {
  graph = await startGraph();
  await createCustomers(graph, ['C1', 'C2']);
  tags = await createTags(graph, ['T1', 'T2']);
  await setTagAccess(graph, { enabled: true, untaggedAlertBehavior: 'VISIBLE_TO_ALL' });
  analyst = (await createUser(graph, { username: 'surv.analyst', role: 'analyst', tagIds: [tags.T1!] })).token;
  customerUser = (await createUser(graph, { username: 'surv.customer', role: 'customer_user', customerCodes: ['C1'] }))
    .token;
  auditor = (await createUser(graph, { username: 'surv.auditor', role: 'auditor' })).token;
  for (const [name, customerCode, tagIds] of [
    ['Front Door', 'C1', [tags.T1!]],
    ['Back Yard', 'C1', [tags.T2!]],
    ['Warehouse', 'C2', [tags.T1!]],
  ] as const) {
    await graph.admin(`mutation ($input: CreateCameraInput!) { createCamera(input: $input) { id } }`, {
      input: { name, folderPath: `/export/${name}`, customerCode, tagIds },
    });
  }
  const rule = await graph.admin<{ createAlertRule: { id: string } }>(
    `mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`,
    {
      input: {
        name: 'People at night',
        severity: 'HIGH',
        objectTypes: ['person'],
        schedule: { start_time: '22:00', end_time: '06:00', timezone: 'UTC' },
        cooldownSeconds: 3600,
      },
    },
  );
  ruleId = rule.createAlertRule.id;
  for (const camera of ['front_door', 'back_yard', 'warehouse']) {
    const data = await graph.admin<Ingested>(INGEST, {
      input: { cameraId: camera, batchId: 'b1', detections: [detection()] },
    });
    events[camera] = data.ingestDetections.event.id;
    alerts[camera] = data.ingestDetections.alertsCreated[0]!;
  }
});
afterAll(() => graph.stack.stop());

describe('entity references across subgraphs', () => {
  it('Camera.tags are resolved by incidents and Camera.customer by identity', async () => {
    const data = await graph.admin<{
      camera: { tags: { id: string; name: string }[]; customer: { code: string; name: string } };
    }>(`{ camera(id: "front_door") { tags { id name } customer { code name } } }`);
    expect(data.camera).toEqual({ tags: [{ id: tags.T1, name: 'T1' }], customer: { code: 'C1', name: 'C1' } });
  });
});

describe('ingestion through the gateway', () => {
  it('scores the event and raises one alert per dedup key inside the cooldown', async () => {
    expect(alerts.front_door).toMatchObject({ dedupKey: `front_door:${ruleId}`, version: 1, status: 'PENDING' });
    const again = await graph.admin<Ingested>(INGEST, {
      input: { cameraId: 'front_door', batchId: 'b2', detections: [detection()] },
    });
    expect(again.ingestDetections).toMatchObject({ alertsCreated: [], suppressed: 1 });
    expect(again.ingestDetections.event.riskLevel).toBe('MEDIUM');
  });

  it('a stale acknowledge is CONFLICT and changes nothing', async () => {
    const ACK = `mutation ($id: ID!, $v: Int!) { acknowledgeSurveillanceAlert(id: $id, version: $v) { status version } }`;
    const { id } = alerts.warehouse!;
    const first = await graph.as<{ acknowledgeSurveillanceAlert: { version: number } }>(analyst, ACK, { id, v: 1 });
    expect(first.body.data?.acknowledgeSurveillanceAlert).toEqual({ status: 'ACKNOWLEDGED', version: 2 });
    const stale = await graph.as(
      graph.adminToken,
      `mutation ($id: ID!, $v: Int!) { dismissSurveillanceAlert(id: $id, version: $v) { id } }`,
      {
        id,
        v: 1,
      },
    );
    expect(errorCodes(stale)).toEqual(['CONFLICT']);
    const now = await graph.admin<{
      surveillanceAlerts: { edges: { node: { id: string; status: string; version: number } }[] };
    }>(`{ surveillanceAlerts(filter: { cameraId: "warehouse" }) { edges { node { id status version } } } }`);
    expect(now.surveillanceAlerts.edges.map((e) => e.node)).toEqual([{ id, status: 'ACKNOWLEDGED', version: 2 }]);
  });

  it.each<[string, string, Record<string, unknown>, string]>([
    [
      'confidence 1.5',
      INGEST,
      { input: { cameraId: 'front_door', batchId: 'x', detections: [detection({ confidence: 1.5 })] } },
      'input.detections.0.confidence',
    ],
    [
      'a bbox outside 0–1',
      INGEST,
      {
        input: {
          cameraId: 'front_door',
          batchId: 'x',
          detections: [detection({ bbox: { x: 0.8, y: 0.1, width: 0.5, height: 0.1 } })],
        },
      },
      'input.detections.0.bbox',
    ],
    [
      'an unknown camera',
      INGEST,
      { input: { cameraId: 'atlantis', batchId: 'x', detections: [detection()] } },
      'input.cameraId',
    ],
    [
      'risk 101',
      `mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`,
      { input: { name: 'r', riskThreshold: 101 } },
      'input.riskThreshold',
    ],
    [
      'a malformed schedule',
      `mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`,
      { input: { name: 'r', schedule: { start_time: '7pm', end_time: '06:00' } } },
      'input.schedule.start_time',
    ],
    [
      'a bad hex colour',
      `mutation ($input: CreateCameraZoneInput!) { createCameraZone(input: $input) { id } }`,
      {
        input: {
          cameraId: 'front_door',
          name: 'z',
          coordinates: [
            [0, 0],
            [0.5, 0.5],
          ],
          color: '#GGGGGG',
        },
      },
      'input.color',
    ],
    [
      'bad coordinates',
      `mutation ($input: CreateCameraZoneInput!) { createCameraZone(input: $input) { id } }`,
      {
        input: {
          cameraId: 'front_door',
          name: 'z',
          coordinates: [
            [0, 0],
            [2, 0.5],
          ],
        },
      },
      'input.coordinates.1',
    ],
  ])('%s is BAD_USER_INPUT naming the field', async (_, query, variables, field) => {
    const response = await graph.as(graph.adminToken, query, variables);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(fieldsOf(response)).toEqual([field]);
  });
});

describe('RBAC by every path, for real logins', () => {
  const ALL = `query ($hiddenCamera: ID!, $hiddenEvent: ID!) {
    cameras { totalCount edges { node { id } } }
    events { totalCount edges { node { camera { id } detections { id } alerts { id } } } }
    detections { totalCount edges { node { camera { id } } } }
    surveillanceAlerts { totalCount edges { node { camera { id } event { id } } } }
    camera(id: $hiddenCamera) { id }
    event(id: $hiddenEvent) { id }
  }`;
  type All = {
    cameras: { totalCount: number; edges: { node: { id: string } }[] };
    events: { totalCount: number; edges: { node: { camera: { id: string } } }[] };
    detections: { totalCount: number; edges: { node: { camera: { id: string } } }[] };
    surveillanceAlerts: { totalCount: number; edges: { node: { camera: { id: string } } }[] };
    camera: unknown;
    event: unknown;
  };
  const seen = (data: All) => ({
    cameras: data.cameras.edges.map((e) => e.node.id).sort(),
    events: [...new Set(data.events.edges.map((e) => e.node.camera.id))].sort(),
    detections: [...new Set(data.detections.edges.map((e) => e.node.camera.id))].sort(),
    alerts: data.surveillanceAlerts.edges.map((e) => e.node.camera.id).sort(),
    cameraCount: data.cameras.totalCount,
    single: [data.camera, data.event],
  });

  it('an analyst without the Back Yard tag sees none of it, by any path', async () => {
    const response = await graph.as<All>(analyst, ALL, { hiddenCamera: 'back_yard', hiddenEvent: events.back_yard });
    expect(response.body.errors).toBeUndefined();
    expect(seen(response.body.data!)).toEqual({
      cameras: ['front_door', 'warehouse'],
      events: ['front_door', 'warehouse'],
      detections: ['front_door', 'warehouse'],
      alerts: ['front_door', 'warehouse'],
      cameraCount: 2,
      single: [null, null],
    });
    const refs = await toSurveillance(
      testPrincipal({
        role: 'analyst',
        username: 'surv.analyst',
        tagIds: [tags.T1!],
        tagAccess: { enabled: true, untaggedAlertBehavior: 'VISIBLE_TO_ALL', defaultTagId: null },
      }),
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Camera { id } ... on Event { id } } }`,
      {
        reps: [
          { __typename: 'Camera', id: 'back_yard' },
          { __typename: 'Event', id: events.back_yard },
          { __typename: 'Camera', id: 'front_door' },
        ],
      },
    );
    expect(refs.data?._entities).toEqual([null, null, { id: 'front_door' }]);
  });

  it('a customer user sees its customer’s cameras only; an auditor sees none', async () => {
    const customer = await graph.as<All>(customerUser, ALL, {
      hiddenCamera: 'warehouse',
      hiddenEvent: events.warehouse,
    });
    expect(seen(customer.body.data!)).toMatchObject({ cameras: ['back_yard', 'front_door'], single: [null, null] });
    const audit = await graph.as<All>(auditor, ALL, { hiddenCamera: 'front_door', hiddenEvent: events.front_door });
    expect(seen(audit.body.data!)).toMatchObject({ cameras: [], events: [], alerts: [], cameraCount: 0 });
  });

  it('customer users and auditors may not write; analysts may not act on hidden cameras', async () => {
    for (const token of [customerUser, auditor]) {
      const response = await graph.as(token, INGEST, {
        input: { cameraId: 'front_door', batchId: 'x', detections: [detection()] },
      });
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    }
    const hidden = await graph.as(
      analyst,
      `mutation ($id: ID!) { acknowledgeSurveillanceAlert(id: $id, version: 1) { id } }`,
      {
        id: alerts.back_yard!.id,
      },
    );
    expect(errorCodes(hidden)).toEqual(['NOT_FOUND']);
  });
});
