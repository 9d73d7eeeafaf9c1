import type { Principal } from '@socgraph/shared';
import { testPrincipal, type TestSubgraph } from '@socgraph/testkit';
import {
  ADMIN,
  ANALYST_TAG1,
  AUDITOR,
  CUSTOMER_USER,
  createCamera,
  createRule,
  detection,
  errorCodes,
  errorFields,
  ingest,
  ok,
  RBAC_ON,
  startSurveillance,
} from './support';

/**
 * Cameras follow the incident-alert rule through the shared policy; everything under a camera
 * follows it. Every read path is checked: lists (and their totalCount), single fetches, nested
 * fields and `_entities`; an invisible row looks missing, never FORBIDDEN.
 */
let subgraph: TestSubgraph;
let visible: string; // tag 1, customer C1
let hidden: string; // tag 2, customer C1
let otherCustomer: string; // tag 1, customer C2
let visibleEvent: string;
let hiddenEvent: string;
let hiddenAlert: { id: string; version: number };

const ALL = `query {
  cameras(first: 100) { totalCount edges { node { id } } }
  events(first: 100) { totalCount edges { node { id camera { id } } } }
  detections(first: 100) { totalCount edges { node { camera { id } } } }
  surveillanceAlerts(first: 100) { totalCount edges { node { id camera { id } } } }
}`;

interface All {
  cameras: { totalCount: number; edges: { node: { id: string } }[] };
  events: { totalCount: number; edges: { node: { camera: { id: string } } }[] };
  detections: { totalCount: number; edges: { node: { camera: { id: string } } }[] };
  surveillanceAlerts: { totalCount: number; edges: { node: { id: string; camera: { id: string } } }[] };
}

beforeAll(async () => {
  subgraph = await startSurveillance();
  visible = await createCamera(subgraph, 'Rbac Visible', 'C1', ['1']);
  hidden = await createCamera(subgraph, 'Rbac Hidden', 'C1', ['2']);
  otherCustomer = await createCamera(subgraph, 'Rbac Other', 'C2', ['1']);
  await createRule(subgraph, { name: 'everything', cooldownSeconds: 0 });
  for (const camera of [visible, hidden, otherCustomer]) {
    await ok(
      subgraph,
      `mutation ($c: ID!) { recordWeatherReading(input: { cameraId: $c, temperatureC: 20 }) { id } }`,
      {
        c: camera,
      },
    );
  }
  const a = await ingest(subgraph, visible, [detection()]);
  const b = await ingest(subgraph, hidden, [detection()]);
  await ingest(subgraph, otherCustomer, [detection()]);
  visibleEvent = a.ingestDetections.event.id;
  hiddenEvent = b.ingestDetections.event.id;
  hiddenAlert = b.ingestDetections.alertsCreated[0]!;
});
afterAll(() => subgraph.stop());

const cameraIdsOf = (data: All) => ({
  cameras: data.cameras.edges.map((e) => e.node.id).sort(),
  events: data.events.edges.map((e) => e.node.camera.id).sort(),
  detections: data.detections.edges.map((e) => e.node.camera.id).sort(),
  alerts: data.surveillanceAlerts.edges.map((e) => e.node.camera.id).sort(),
  counts: [
    data.cameras.totalCount,
    data.events.totalCount,
    data.detections.totalCount,
    data.surveillanceAlerts.totalCount,
  ],
});

describe('lists', () => {
  it('admin sees every camera and everything under them', async () => {
    const seen = cameraIdsOf(await ok<All>(subgraph, ALL));
    expect(seen.cameras).toEqual([hidden, otherCustomer, visible].sort());
    expect(seen.counts).toEqual([3, 3, 3, 3]);
  });

  it('an analyst with tag 1 sees only tag-1 cameras, in lists and counts alike', async () => {
    const seen = cameraIdsOf(await ok<All>(subgraph, ALL, {}, ANALYST_TAG1));
    const expected = [otherCustomer, visible].sort();
    expect(seen).toEqual({
      cameras: expected,
      events: expected,
      detections: expected,
      alerts: expected,
      counts: [2, 2, 2, 2],
    });
  });

  it('an analyst limited to customer C1 and tag 1 sees one camera', async () => {
    const analyst = testPrincipal({ ...ANALYST_TAG1, customerCodes: ['C1'] });
    const seen = cameraIdsOf(await ok<All>(subgraph, ALL, {}, analyst));
    expect(seen.cameras).toEqual([visible]);
    expect(seen.counts).toEqual([1, 1, 1, 1]);
  });

  it('an analyst with no tags sees only untagged cameras (none here); ADMIN_ONLY hides untagged ones', async () => {
    const untagged = await createCamera(subgraph, 'Rbac Untagged', 'C1');
    const none = testPrincipal({ ...ANALYST_TAG1, tagIds: [] });
    expect(cameraIdsOf(await ok<All>(subgraph, ALL, {}, none)).cameras).toEqual([untagged]);
    const adminOnly = testPrincipal({ ...none, tagAccess: { ...RBAC_ON, untaggedAlertBehavior: 'ADMIN_ONLY' } });
    expect(cameraIdsOf(await ok<All>(subgraph, ALL, {}, adminOnly)).counts).toEqual([0, 0, 0, 0]);
    await ok(subgraph, `mutation ($id: ID!) { deleteCamera(id: $id) { id } }`, { id: untagged });
  });

  it('a customer user sees its customers only; an auditor sees nothing', async () => {
    const customer = cameraIdsOf(await ok<All>(subgraph, ALL, {}, CUSTOMER_USER));
    expect(customer.cameras).toEqual([hidden, visible].sort());
    expect(cameraIdsOf(await ok<All>(subgraph, ALL, {}, AUDITOR)).counts).toEqual([0, 0, 0, 0]);
  });
});

describe('single fetches, nested fields and entity references', () => {
  const SINGLE = `query ($camera: ID!, $event: ID!, $alert: ID!) {
    camera(id: $camera) { id zones { id } events { totalCount } activityBaselines { hour } classBaselines { hour } weatherReadings { id } }
    event(id: $event) { id detections { id } alerts { id } }
    surveillanceAlert(id: $alert) { id }
  }`;

  it('an invisible camera, its event and alert are null, without an error', async () => {
    const result = await subgraph.query(
      SINGLE,
      { camera: hidden, event: hiddenEvent, alert: hiddenAlert.id },
      ANALYST_TAG1,
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({ camera: null, event: null, surveillanceAlert: null });
  });

  it('a visible camera shows its nested rows', async () => {
    const data = await ok<{
      camera: { events: { totalCount: number }; activityBaselines: unknown[]; weatherReadings: unknown[] };
      event: { detections: unknown[]; alerts: unknown[] };
    }>(subgraph, SINGLE, { camera: visible, event: visibleEvent, alert: hiddenAlert.id }, ANALYST_TAG1);
    expect(data.camera.events.totalCount).toBe(1);
    expect(data.camera.activityBaselines).toHaveLength(1);
    expect(data.camera.weatherReadings).toHaveLength(1);
    expect(data.event.detections).toHaveLength(1);
    expect(data.event.alerts).toHaveLength(1);
  });

  it('_entities resolves invisible cameras and events to null', async () => {
    const data = await ok<{ _entities: ({ id: string } | null)[] }>(
      subgraph,
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Camera { id } ... on Event { id } } }`,
      {
        reps: [
          { __typename: 'Camera', id: visible },
          { __typename: 'Camera', id: hidden },
          { __typename: 'Event', id: visibleEvent },
          { __typename: 'Event', id: hiddenEvent },
        ],
      },
      ANALYST_TAG1,
    );
    expect(data._entities).toEqual([{ id: visible }, null, { id: visibleEvent }, null]);
  });

  it('rules list only camera ids the reader can see', async () => {
    await createRule(subgraph, { name: 'two cameras', cameraIds: [visible, hidden], enabled: false });
    const data = await ok<{ alertRules: { name: string; cameraIds: string[] | null }[] }>(
      subgraph,
      `{ alertRules { name cameraIds } }`,
      {},
      ANALYST_TAG1,
    );
    expect(data.alertRules.find((r) => r.name === 'two cameras')!.cameraIds).toEqual([visible]);
    expect(
      (await ok<{ alertRules: unknown[] }>(subgraph, `{ alertRules { id } }`, {}, CUSTOMER_USER)).alertRules,
    ).toEqual([]);
  });
});

describe('writes', () => {
  const ACK = `mutation ($id: ID!, $v: Int!) { acknowledgeSurveillanceAlert(id: $id, version: $v) { id } }`;

  it('an analyst cannot act on a camera it cannot see: NOT_FOUND, or the input field', async () => {
    expect(errorCodes(await subgraph.query(ACK, { id: hiddenAlert.id, v: 1 }, ANALYST_TAG1))).toEqual(['NOT_FOUND']);
    expect(
      errorCodes(
        await subgraph.query(`mutation ($id: ID!) { deleteCamera(id: $id) { id } }`, { id: hidden }, ANALYST_TAG1),
      ),
    ).toEqual(['NOT_FOUND']);
    const ingestHidden = await subgraph.query(
      `mutation ($c: ID!, $d: [DetectionInput!]!) { ingestDetections(input: { cameraId: $c, batchId: "x", detections: $d }) { suppressed } }`,
      { c: hidden, d: [detection()] },
      ANALYST_TAG1,
    );
    expect(errorCodes(ingestHidden)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(ingestHidden)).toEqual(['input.cameraId']);
  });

  it('an analyst ingests into a camera it can see', async () => {
    const result = await ingest(subgraph, visible, [detection()], 'analyst-batch', ANALYST_TAG1);
    expect(result.ingestDetections.event.riskScore).toBeGreaterThan(0);
  });

  it.each<[string, Principal]>([
    ['customer_user', CUSTOMER_USER],
    ['auditor', AUDITOR],
  ])('a %s is FORBIDDEN on every write', async (_, principal) => {
    const writes = [
      subgraph.query(
        `mutation { createCamera(input: { name: "X", folderPath: "/x", customerCode: "C1" }) { id } }`,
        {},
        principal,
      ),
      subgraph.query(
        `mutation ($c: ID!) { ingestDetections(input: { cameraId: $c, batchId: "x", detections: [] }) { suppressed } }`,
        { c: visible },
        principal,
      ),
      subgraph.query(ACK, { id: hiddenAlert.id, v: 1 }, principal),
      subgraph.query(`mutation { createAlertRule(input: { name: "x" }) { id } }`, {}, principal),
      subgraph.query(
        `mutation ($e: ID!) { submitEventFeedback(eventId: $e, input: { feedbackType: ACCURATE }) { id } }`,
        { e: visibleEvent },
        principal,
      ),
    ];
    for (const result of await Promise.all(writes)) expect(errorCodes(result)).toEqual(['FORBIDDEN']);
  });

  it('a soft-deleted camera disappears with its data, and comes back on restore', async () => {
    await ok(subgraph, `mutation ($id: ID!) { deleteCamera(id: $id) { deletedAt } }`, { id: otherCustomer });
    const gone = cameraIdsOf(await ok<All>(subgraph, ALL));
    expect(gone.cameras).not.toContain(otherCustomer);
    expect([...gone.events, ...gone.detections, ...gone.alerts]).not.toContain(otherCustomer);
    const deleted = await ok<{ cameras: { edges: { node: { id: string } }[] } }>(
      subgraph,
      `{ cameras(filter: { deleted: true }) { edges { node { id } } } }`,
    );
    expect(deleted.cameras.edges.map((e) => e.node.id)).toContain(otherCustomer);
    await ok(subgraph, `mutation ($id: ID!) { restoreCamera(id: $id) { id deletedAt } }`, { id: otherCustomer });
    expect(cameraIdsOf(await ok<All>(subgraph, ALL)).alerts).toContain(otherCustomer);
  });

  it('an analyst’s rule must name cameras it can see', async () => {
    const RULE = `mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { cameraIds } }`;
    const unnamed = await subgraph.query(RULE, { input: { name: 'mine' } }, ANALYST_TAG1);
    expect([errorCodes(unnamed), errorFields(unnamed)]).toEqual([['BAD_USER_INPUT'], ['input.cameraIds']]);
    const hiddenOne = await subgraph.query(RULE, { input: { name: 'mine', cameraIds: [hidden] } }, ANALYST_TAG1);
    expect([errorCodes(hiddenOne), errorFields(hiddenOne)]).toEqual([['BAD_USER_INPUT'], ['input.cameraIds']]);
    const own = await subgraph.query(RULE, { input: { name: 'mine', cameraIds: [visible] } }, ANALYST_TAG1);
    expect(own.body.data).toEqual({ createAlertRule: { cameraIds: [visible] } });
  });

  it('analysts may hand out only tags they hold', async () => {
    const result = await subgraph.query(
      `mutation { createCamera(input: { name: "Analyst Cam", folderPath: "/ac", customerCode: "C1", tagIds: ["2"] }) { id } }`,
      {},
      ANALYST_TAG1,
    );
    expect(errorCodes(result)).toEqual(['FORBIDDEN']);
    expect(ADMIN.role).toBe('admin');
  });
});
