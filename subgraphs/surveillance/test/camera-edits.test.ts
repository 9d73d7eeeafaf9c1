import type { TestSubgraph } from '@socgraph/testkit';
import {
  ADMIN,
  ANALYST_TAG1,
  CUSTOMER_USER,
  createCamera,
  createRule,
  errorCodes,
  errorFields,
  ok,
  sql,
  startSurveillance,
} from './support';

/** Editing cameras and zones: updateCamera, updateCameraZone, deleteCameraZone. */
let subgraph: TestSubgraph;
let camera: string;
let other: string;
let hidden: string;

beforeAll(async () => {
  subgraph = await startSurveillance();
  camera = await createCamera(subgraph, 'Edit Cam', 'C1', ['1']);
  other = await createCamera(subgraph, 'Other Cam', 'C1', ['1']);
  hidden = await createCamera(subgraph, 'Hidden Cam', 'C1', ['2']);
});
afterAll(() => subgraph.stop());

const UPDATE_CAMERA = `mutation ($id: ID!, $input: UpdateCameraInput!) {
  updateCamera(id: $id, input: $input) { id name folderPath location status }
}`;
const CREATE_ZONE = `mutation ($input: CreateCameraZoneInput!) { createCameraZone(input: $input) { id } }`;
const UPDATE_ZONE = `mutation ($id: ID!, $input: UpdateCameraZoneInput!) {
  updateCameraZone(id: $id, input: $input) { id name zoneType shape coordinates color priority enabled }
}`;
const DELETE_ZONE = `mutation ($id: ID!) { deleteCameraZone(id: $id) { id } }`;

async function zone(cameraId: string, name: string): Promise<string> {
  const data = await ok<{ createCameraZone: { id: string } }>(subgraph, CREATE_ZONE, {
    input: {
      cameraId,
      name,
      coordinates: [
        [0.1, 0.1],
        [0.5, 0.5],
      ],
    },
  });
  return data.createCameraZone.id;
}

describe('updateCamera', () => {
  it('changes the given fields only; the id stays', async () => {
    const renamed = await ok<{ updateCamera: Record<string, unknown> }>(subgraph, UPDATE_CAMERA, {
      id: camera,
      input: { name: 'Front Gate', location: 'North wall', status: 'OFFLINE' },
    });
    expect(renamed.updateCamera).toEqual({
      id: camera,
      name: 'Front Gate',
      folderPath: '/srv/Edit Cam',
      location: 'North wall',
      status: 'OFFLINE',
    });
    const cleared = await ok<{ updateCamera: Record<string, unknown> }>(subgraph, UPDATE_CAMERA, {
      id: camera,
      input: { location: null },
    });
    expect(cleared.updateCamera).toMatchObject({ name: 'Front Gate', location: null, status: 'OFFLINE' });
  });

  it("refuses another camera's name or folder with BAD_USER_INPUT, changing nothing", async () => {
    const before = await sql(subgraph, `SELECT * FROM surveillance.cameras WHERE id = $1`, [other]);
    const name = await subgraph.query(UPDATE_CAMERA, { id: other, input: { name: 'Front Gate' } }, ADMIN);
    expect(errorCodes(name)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(name)).toEqual(['input.name']);
    const folder = await subgraph.query(UPDATE_CAMERA, { id: other, input: { folderPath: '/srv/Edit Cam' } }, ADMIN);
    expect(errorFields(folder)).toEqual(['input.folderPath']);
    expect(await sql(subgraph, `SELECT * FROM surveillance.cameras WHERE id = $1`, [other])).toEqual(before);
  });

  it('is NOT_FOUND for a camera the analyst cannot see and FORBIDDEN for read-only roles', async () => {
    const invisible = await subgraph.query(UPDATE_CAMERA, { id: hidden, input: { name: 'Mine' } }, ANALYST_TAG1);
    expect(errorCodes(invisible)).toEqual(['NOT_FOUND']);
    const visible = await subgraph.query(UPDATE_CAMERA, { id: other, input: { location: 'Lobby' } }, ANALYST_TAG1);
    expect(errorCodes(visible)).toEqual([]);
    const customer = await subgraph.query(UPDATE_CAMERA, { id: other, input: { name: 'x' } }, CUSTOMER_USER);
    expect(errorCodes(customer)).toEqual(['FORBIDDEN']);
  });
});

describe('updateCameraZone and deleteCameraZone', () => {
  it('change a zone; a new shape must fit the coordinates it will have', async () => {
    const id = await zone(camera, 'Door');
    const changed = await ok<{ updateCameraZone: Record<string, unknown> }>(subgraph, UPDATE_ZONE, {
      id,
      input: { name: 'Front door', zoneType: 'ENTRY_POINT', color: '#FF0000', priority: 5, enabled: false },
    });
    expect(changed.updateCameraZone).toMatchObject({
      id,
      name: 'Front door',
      zoneType: 'ENTRY_POINT',
      shape: 'RECTANGLE',
      color: '#FF0000',
      priority: 5,
      enabled: false,
    });
    const polygon = await ok<{ updateCameraZone: { shape: string; coordinates: unknown } }>(subgraph, UPDATE_ZONE, {
      id,
      input: {
        shape: 'POLYGON',
        coordinates: [
          [0.1, 0.1],
          [0.9, 0.1],
          [0.5, 0.8],
        ],
      },
    });
    expect(polygon.updateCameraZone).toMatchObject({ shape: 'POLYGON' });

    const before = await sql(subgraph, `SELECT * FROM surveillance.camera_zones WHERE id = $1`, [id]);
    for (const [input, field] of [
      [
        {
          coordinates: [
            [0.1, 0.1],
            [2, 2],
            [0.3, 0.3],
          ],
        },
        'input.coordinates',
      ],
      [{ color: 'red' }, 'input.color'],
      [{ priority: -1 }, 'input.priority'],
    ] as const) {
      const refused = await subgraph.query(UPDATE_ZONE, { id, input }, ADMIN);
      expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
      expect(errorFields(refused)[0]?.startsWith(field)).toBe(true);
    }
    expect(await sql(subgraph, `SELECT * FROM surveillance.camera_zones WHERE id = $1`, [id])).toEqual(before);
  });

  it('a zone an alert rule names cannot be deleted (CONFLICT); otherwise it goes', async () => {
    const watched = await zone(camera, 'Watched');
    const free = await zone(camera, 'Free');
    await createRule(subgraph, { name: 'watch', zoneIds: [watched], channels: ['email'] });
    const refused = await subgraph.query(DELETE_ZONE, { id: watched }, ADMIN);
    expect(errorCodes(refused)).toEqual(['CONFLICT']);
    expect(refused.body.errors?.[0]?.message).toMatch(/alert rule/);
    expect(await ok(subgraph, DELETE_ZONE, { id: free })).toEqual({ deleteCameraZone: { id: free } });
    const zones = await ok<{ camera: { zones: { id: string }[] } }>(
      subgraph,
      `query ($id: ID!) { camera(id: $id) { zones { id } } }`,
      { id: camera },
    );
    expect(zones.camera.zones.map((z) => z.id)).not.toContain(free);
    expect(zones.camera.zones.map((z) => z.id)).toContain(watched);
  });

  it('are NOT_FOUND for a zone of a camera the analyst cannot see', async () => {
    const secret = await zone(hidden, 'Secret');
    expect(errorCodes(await subgraph.query(UPDATE_ZONE, { id: secret, input: { name: 'x' } }, ANALYST_TAG1))).toEqual([
      'NOT_FOUND',
    ]);
    expect(errorCodes(await subgraph.query(DELETE_ZONE, { id: secret }, ANALYST_TAG1))).toEqual(['NOT_FOUND']);
    expect(await sql(subgraph, `SELECT name FROM surveillance.camera_zones WHERE id = $1`, [secret])).toEqual([
      { name: 'Secret' },
    ]);
  });
});
