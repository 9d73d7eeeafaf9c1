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
 * Surveillance list filters through the gateway: a filter only ever narrows what the caller may
 * see (customer scope and tag RBAC hold on every list, and on the events nested under a
 * camera), and a filter value out of range is BAD_USER_INPUT naming the field.
 */
jest.setTimeout(120_000);

let graph: Graph;
let tags: Record<string, string>;
let analyst: string; // holds T1, all customers
let customerUser: string; // C1
let ruleId: string;

const detection = (objectType: string) => ({
  objectType,
  confidence: 0.9,
  bbox: { x: 0.3, y: 0.3, width: 0.2, height: 0.4 },
  detectedAt: '2026-06-01T22:30:00.000Z',
  filePath: '/export/frame.jpg',
});

const fieldsOf = (response: GraphQLResponse) =>
  (response.body.errors ?? []).map((e) => (e.extensions as { field?: string } | undefined)?.field);

beforeAll(async () => {
  graph = await startGraph();
  await createCustomers(graph, ['C1', 'C2']);
  tags = await createTags(graph, ['T1', 'T2']);
  await setTagAccess(graph, { enabled: true, untaggedAlertBehavior: 'VISIBLE_TO_ALL' });
  analyst = (await createUser(graph, { username: 'filter.analyst', role: 'analyst', tagIds: [tags.T1!] })).token;
  customerUser = (
    await createUser(graph, { username: 'filter.customer', role: 'customer_user', customerCodes: ['C1'] })
  ).token;
  const cameras = [
    ['Front Door', 'C1', [tags.T1!]],
    ['Back Yard', 'C1', [tags.T2!]],
    ['Warehouse', 'C2', [tags.T1!]],
    ['Old Gate', 'C1', [tags.T1!]],
    ['Old Shed', 'C1', [tags.T2!]],
  ] as const;
  for (const [name, customerCode, tagIds] of cameras) {
    await graph.admin(`mutation ($input: CreateCameraInput!) { createCamera(input: $input) { id } }`, {
      input: { name, folderPath: `/export/${name}`, customerCode, tagIds },
    });
  }
  for (const cameraId of ['front_door', 'back_yard']) {
    await graph.admin(`mutation ($input: CreateCameraZoneInput!) { createCameraZone(input: $input) { id } }`, {
      input: {
        cameraId,
        id: `${cameraId}_all`,
        name: 'all',
        coordinates: [
          [0, 0],
          [1, 1],
        ],
      },
    });
  }
  const RULE = `mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`;
  const rule = await graph.admin<{ createAlertRule: { id: string } }>(RULE, {
    input: { name: 'Any person', severity: 'HIGH', objectTypes: ['person'], cooldownSeconds: 0 },
  });
  ruleId = rule.createAlertRule.id;
  await graph.admin(RULE, {
    input: {
      name: 'Two doors',
      severity: 'LOW',
      cameraIds: ['front_door', 'back_yard'],
      zoneIds: ['front_door_all', 'back_yard_all'],
      cooldownSeconds: 0,
    },
  });
  for (const cameraId of ['front_door', 'back_yard', 'warehouse', 'old_gate', 'old_shed']) {
    await graph.admin(`mutation ($input: IngestDetectionsInput!) { ingestDetections(input: $input) { suppressed } }`, {
      input: { cameraId, batchId: 'b1', detections: [detection('person')] },
    });
  }
  for (const id of ['old_gate', 'old_shed'])
    await graph.admin(`mutation ($id: ID!) { deleteCamera(id: $id) { id } }`, { id });
});
afterAll(() => graph.stack.stop());

const SCOPED = `query ($rule: ID!, $t1: [ID!], $t2: [ID!], $other: String!, $hidden: ID!) {
  byHiddenTag: cameras(filter: { tagIds: $t2 }) { totalCount }
  byTag: cameras(filter: { tagIds: $t1 }) {
    totalCount edges { node { id events { totalCount edges { node { camera { id } } } } } }
  }
  byCustomer: cameras(filter: { customerCode: $other }) { totalCount }
  onlineOrUnknown: cameras(filter: { status: [ONLINE, UNKNOWN] }) { edges { node { id } } }
  hiddenEvents: events(filter: { cameraId: $hidden }) { totalCount }
  hiddenDetections: detections(filter: { cameraId: $hidden }) { totalCount }
  hiddenAlerts: surveillanceAlerts(filter: { cameraId: $hidden }) { totalCount }
  searched: events(filter: { search: "person", riskLevel: [LOW, MEDIUM, HIGH, CRITICAL] }) { edges { node { camera { id } } } }
  people: detections(filter: { objectTypes: ["Person"], minConfidence: 0.5 }) { edges { node { camera { id } } } }
  byRule: surveillanceAlerts(filter: { ruleId: $rule, status: [PENDING], severity: [HIGH] }) { edges { node { camera { id } } } }
}`;
type Ids = { edges: { node: { camera: { id: string } } }[] };
type Scoped = {
  byHiddenTag: { totalCount: number };
  byTag: { totalCount: number; edges: { node: { id: string; events: { totalCount: number } & Ids } }[] };
  byCustomer: { totalCount: number };
  onlineOrUnknown: { edges: { node: { id: string } }[] };
  hiddenEvents: { totalCount: number };
  hiddenDetections: { totalCount: number };
  hiddenAlerts: { totalCount: number };
  searched: Ids;
  people: Ids;
  byRule: Ids;
};
const cameraIds = (data: Ids) => [...new Set(data.edges.map((e) => e.node.camera.id))].sort();
const summary = (data: Scoped) => ({
  byHiddenTag: data.byHiddenTag.totalCount,
  byTag: data.byTag.edges.map((e) => [e.node.id, cameraIds(e.node.events)]).sort(),
  byCustomer: data.byCustomer.totalCount,
  onlineOrUnknown: data.onlineOrUnknown.edges.map((e) => e.node.id).sort(),
  hidden: [data.hiddenEvents.totalCount, data.hiddenDetections.totalCount, data.hiddenAlerts.totalCount],
  searched: cameraIds(data.searched),
  people: cameraIds(data.people),
  byRule: cameraIds(data.byRule),
});

describe('a filter only narrows what the caller may see', () => {
  it.each([
    [
      'an analyst (T1) filtering for a tag, camera or customer it may not see',
      () => analyst,
      'back_yard',
      {
        byHiddenTag: 0,
        byTag: [
          ['front_door', ['front_door']],
          ['warehouse', ['warehouse']],
        ],
        byCustomer: 1,
        seen: ['front_door', 'warehouse'],
      },
    ],
    [
      'a customer user (C1) filtering for another customer or its camera',
      () => customerUser,
      'warehouse',
      {
        byHiddenTag: 1,
        byTag: [['front_door', ['front_door']]],
        byCustomer: 0,
        seen: ['back_yard', 'front_door'],
      },
    ],
  ] as const)('%s gets nothing of it', async (_, token, hidden, expected) => {
    const response = await graph.as<Scoped>(token(), SCOPED, {
      rule: ruleId,
      t1: [tags.T1],
      t2: [tags.T2],
      other: 'C2',
      hidden,
    });
    expect(response.body.errors).toBeUndefined();
    const { seen, ...counts } = expected;
    expect(summary(response.body.data!)).toEqual({
      ...counts,
      onlineOrUnknown: seen,
      hidden: [0, 0, 0],
      searched: seen,
      people: seen,
      byRule: seen,
    });
  });

  it('the deleted-camera filter keeps tag RBAC and stays for writers', async () => {
    const DELETED = `{ cameras(filter: { deleted: true }) { edges { node { id } } } }`;
    const ids = (r: GraphQLResponse<{ cameras: { edges: { node: { id: string } }[] } }>) =>
      r.body.data?.cameras.edges.map((e) => e.node.id).sort();
    expect(ids(await graph.as(graph.adminToken, DELETED))).toEqual(['old_gate', 'old_shed']);
    expect(ids(await graph.as(analyst, DELETED))).toEqual(['old_gate']);
    expect(errorCodes(await graph.as(customerUser, DELETED))).toEqual(['FORBIDDEN']);
  });
});

describe('alert rules name only what the caller may see', () => {
  const RULES = `{
    alertRules { name cameraIds zoneIds }
    surveillanceAlerts(filter: { cameraId: "front_door" }) { edges { node { rule { name cameraIds zoneIds } } } }
  }`;
  type Rule = { name: string; cameraIds: string[] | null; zoneIds: string[] | null };
  type Rules = { alertRules: Rule[]; surveillanceAlerts: { edges: { node: { rule: Rule | null } }[] } };
  const twoDoors = (r: GraphQLResponse<Rules>) => ({
    listed: r.body.data?.alertRules.filter((rule) => rule.name === 'Two doors'),
    underAlerts: [
      ...new Set(
        r.body.data?.surveillanceAlerts.edges
          .map((e) => e.node.rule)
          .filter((rule) => rule === null || rule.name === 'Two doors')
          .map((rule) => JSON.stringify(rule)),
      ),
    ].map((json) => JSON.parse(json) as Rule | null),
  });

  it('as the rule list does, an alert’s rule shows an analyst only its visible cameras and zones', async () => {
    const all = {
      name: 'Two doors',
      cameraIds: ['front_door', 'back_yard'],
      zoneIds: ['front_door_all', 'back_yard_all'],
    };
    expect(twoDoors(await graph.as<Rules>(graph.adminToken, RULES))).toEqual({ listed: [all], underAlerts: [all] });
    const mine = { name: 'Two doors', cameraIds: ['front_door'], zoneIds: ['front_door_all'] };
    expect(twoDoors(await graph.as<Rules>(analyst, RULES))).toEqual({ listed: [mine], underAlerts: [mine] });
  });

  it('a customer user reads no rules, neither listed nor under its alerts', async () => {
    const response = await graph.as<Rules>(customerUser, RULES);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.alertRules).toEqual([]);
    expect(response.body.data!.surveillanceAlerts.edges.length).toBeGreaterThan(0);
    expect(response.body.data!.surveillanceAlerts.edges.map((e) => e.node.rule)).toEqual(
      response.body.data!.surveillanceAlerts.edges.map(() => null),
    );
  });
});

describe('filter values out of range are BAD_USER_INPUT naming the field', () => {
  const CAMERAS = `query ($f: CameraFilter, $first: Int) { cameras(first: $first, filter: $f) { totalCount } }`;
  const EVENTS = `query ($f: EventFilter, $first: Int) { events(first: $first, filter: $f) { totalCount } }`;
  const DETECTIONS = `query ($f: DetectionFilter, $first: Int) { detections(first: $first, filter: $f) { totalCount } }`;
  const ALERTS = `query ($f: SurveillanceAlertFilter, $first: Int) {
    surveillanceAlerts(first: $first, filter: $f) { totalCount } }`;
  const NESTED = `query ($first: Int) { camera(id: "front_door") { events(first: $first) { totalCount } } }`;
  const june = (day: number) => `2026-06-0${day}T00:00:00.000Z`;
  // Values the schema itself refuses (enums, DateTime) are refused while the variables are
  // coerced, so the field named is the path inside the caller's variable ($f), as everywhere.

  it.each<[string, string, Record<string, unknown>, string]>([
    ['a camera status that is no status', CAMERAS, { f: { status: ['BROKEN'] } }, 'f.status[0]'],
    ['a 51-character customer code', CAMERAS, { f: { customerCode: 'C'.repeat(51) } }, 'filter.customerCode'],
    ['a customer code with a space', CAMERAS, { f: { customerCode: 'C 1' } }, 'filter.customerCode'],
    ['a tag id that is no id', CAMERAS, { f: { tagIds: ['T1'] } }, 'filter.tagIds'],
    ['101 cameras a page', CAMERAS, { first: 101 }, 'first'],
    ['-1 cameras a page', CAMERAS, { first: -1 }, 'first'],
    ['a risk level that is no level', EVENTS, { f: { riskLevel: ['SEVERE'] } }, 'f.riskLevel[0]'],
    ['a 101-character camera id', EVENTS, { f: { cameraId: 'a'.repeat(101) } }, 'filter.cameraId'],
    ['a 201-character search', EVENTS, { f: { search: 'x'.repeat(201) } }, 'filter.search'],
    ['events from after to', EVENTS, { f: { from: june(5), to: june(1) } }, 'filter.from'],
    ['a time that is no time', EVENTS, { f: { to: '2026-13-01T00:00:00Z' } }, 'f.to'],
    ['101 events a page', EVENTS, { first: 101 }, 'first'],
    ['101 events a page under a camera', NESTED, { first: 101 }, 'first'],
    ['detections from after to', DETECTIONS, { f: { from: june(5), to: june(1) } }, 'filter.from'],
    ['confidence 1.5', DETECTIONS, { f: { minConfidence: 1.5 } }, 'filter.minConfidence'],
    ['a 51-character class', DETECTIONS, { f: { objectTypes: ['x'.repeat(51)] } }, 'filter.objectTypes.0'],
    [
      '51 classes',
      DETECTIONS,
      { f: { objectTypes: Array.from({ length: 51 }, (_, i) => `c${i}`) } },
      'filter.objectTypes',
    ],
    ['101 detections a page', DETECTIONS, { first: 101 }, 'first'],
    ['an alert status that is no status', ALERTS, { f: { status: ['OPEN'] } }, 'f.status[0]'],
    ['a severity that is no severity', ALERTS, { f: { severity: ['URGENT'] } }, 'f.severity[0]'],
    ['a rule id that is no rule id', ALERTS, { f: { ruleId: 'nope' } }, 'filter.ruleId'],
    ['a camera id that is no camera id', ALERTS, { f: { cameraId: 'Front Door' } }, 'filter.cameraId'],
    ['101 alerts a page', ALERTS, { first: 101 }, 'first'],
  ])('%s', async (_, query, variables, field) => {
    const response = await graph.as(analyst, query, variables);
    expect([errorCodes(response), fieldsOf(response)]).toEqual([['BAD_USER_INPUT'], [field]]);
  });
});
