import { startTestStack, type TestStack } from '../../src/testing';

/**
 * The demo world's surveillance share as docs/rbac.md and docs/surveillance.md describe it:
 * cameras with incidents' demo tags and identity's demo customers, zones, rules, a day of
 * events with detections, enrichments and alerts; the analyst sees the tag-filtered view.
 */
jest.setTimeout(180_000);

const PASSWORD = 'demo-password-for-tests';
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ seedDemo: { password: PASSWORD } });
});
afterAll(() => stack?.stop());

const bearer = async (username: string) => ({ authorization: `Bearer ${await stack.login(username, PASSWORD)}` });

const QUERY = `{
  cameras { totalCount edges { node { id customer { code } tags { name } zones { shape } } } }
  events(first: 100) { totalCount edges { node { riskLevel detections { objectType pose { poseClass } } } } }
  surveillanceAlerts { totalCount }
  alertRules { name }
}`;
type Demo = {
  cameras: {
    totalCount: number;
    edges: { node: { id: string; customer: { code: string }; tags: { name: string }[]; zones: { shape: string }[] } }[];
  };
  events: { totalCount: number; edges: { node: { riskLevel: string; detections: { pose: unknown }[] } }[] };
  surveillanceAlerts: { totalCount: number };
  alertRules: { name: string }[];
};

it('seeds cameras with tags and customers, zones, rules and a day of events with alerts', async () => {
  const admin = await stack.gql<Demo>(QUERY, {}, await bearer('admin'));
  expect(admin.body.errors).toBeUndefined();
  const data = admin.body.data!;
  expect(data.cameras.edges.map((e) => [e.node.id, e.node.customer.code, e.node.tags.map((t) => t.name)])).toEqual([
    ['front_door', 'ACME', ['network']],
    ['loading_dock', 'ACME', ['endpoint']],
    ['lobby', 'GLOBEX', ['phishing', 'vip']],
    ['parking_garage', 'GLOBEX', []],
    ['server_room', 'INITECH', ['vip']],
  ]);
  expect(data.cameras.edges.flatMap((e) => e.node.zones.map((z) => z.shape)).sort()).toEqual(['POLYGON', 'RECTANGLE']);
  expect(data.events.totalCount).toBe(60);
  expect(data.events.edges.some((e) => e.node.detections.some((d) => d.pose !== null))).toBe(true);
  expect(data.surveillanceAlerts.totalCount).toBeGreaterThan(0);
  expect(data.alertRules).toHaveLength(2);

  const analyst = await stack.gql<Demo>(QUERY, {}, await bearer('analyst'));
  expect(analyst.body.data!.cameras.edges.map((e) => e.node.id)).toEqual(['front_door', 'lobby', 'parking_garage']);
  expect(analyst.body.data!.events.totalCount).toBe(36);
});

it('camera and zone edits through the gateway keep their codes: BAD_USER_INPUT, NOT_FOUND, CONFLICT', async () => {
  const admin = await bearer('admin');
  const analyst = await bearer('analyst');
  const UPDATE = `mutation ($id: ID!, $input: UpdateCameraInput!) { updateCamera(id: $id, input: $input) { id location } }`;
  const moved = await stack.gql(UPDATE, { id: 'lobby', input: { location: 'Ground floor' } }, analyst);
  expect(moved.body).toEqual({ data: { updateCamera: { id: 'lobby', location: 'Ground floor' } } });
  // loading_dock is outside the analyst's tags: as if it did not exist.
  const hidden = await stack.gql(UPDATE, { id: 'loading_dock', input: { location: 'x' } }, analyst);
  expect(hidden.body.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
  const taken = await stack.gql(UPDATE, { id: 'lobby', input: { name: 'Front Door' } }, admin);
  expect(taken.body.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
    ['BAD_USER_INPUT', 'input.name'],
  ]);

  const zones = await stack.gql<{ alertRules: { zoneIds: string[] | null }[] }>(
    `{ alertRules { zoneIds } }`,
    {},
    admin,
  );
  const watched = zones.body.data!.alertRules.flatMap((r) => r.zoneIds ?? [])[0];
  expect(watched).toBeDefined();
  const refused = await stack.gql(`mutation ($id: ID!) { deleteCameraZone(id: $id) { id } }`, { id: watched }, admin);
  expect(refused.body.errors?.map((e) => e.extensions?.code)).toEqual(['CONFLICT']);
});
