import type { TestSubgraph } from '@socgraph/testkit';
import { matchRule } from '../src/services/ingest.service';
import { parseSchedule, scheduleMatches } from '../src/services/schedule';
import {
  ADMIN,
  createCamera,
  createRule,
  CREATE_RULE,
  detection,
  errorCodes,
  errorFields,
  ingest,
  ok,
  startSurveillance,
} from './support';

const box = (x: number, y: number, width = 0.1, height = 0.1) => ({ x, y, width, height });
const det = (objectType: string, confidence: number, bbox = box(0.45, 0.45)) => ({ objectType, confidence, bbox });
const rule = (overrides: Record<string, unknown> = {}) => ({
  riskThreshold: null,
  objectTypes: null,
  minConfidence: null,
  zoneIds: null,
  schedule: null,
  ...overrides,
});
const NOON = new Date('2026-06-03T12:00:00Z'); // Wednesday
const triangle = {
  id: 'tri',
  shape: 'polygon' as const,
  enabled: true,
  coordinates: [
    [0, 0],
    [1, 0],
    [0, 1],
  ] as [number, number][],
};
const square = {
  id: 'sq',
  shape: 'rectangle' as const,
  enabled: true,
  coordinates: [
    [0.6, 0.6],
    [0.9, 0.9],
  ] as [number, number][],
};

describe('rule matching, one condition at a time', () => {
  it('risk threshold', () => {
    expect(matchRule(rule({ riskThreshold: 50 }), 49, NOON, [det('person', 1)], [])).toBeNull();
    expect(matchRule(rule({ riskThreshold: 50 }), 50, NOON, [det('person', 1)], [])).toHaveLength(1);
  });

  it('object types and minimum confidence must hold for the same detection', () => {
    const r = rule({ objectTypes: ['person'], minConfidence: 0.8 });
    expect(matchRule(r, 0, NOON, [det('person', 0.7), det('car', 0.9)], [])).toBeNull();
    expect(matchRule(r, 0, NOON, [det('person', 0.7), det('person', 0.85)], [])).toEqual([det('person', 0.85)]);
  });

  it('rectangle zones: the box centre inside the rectangle', () => {
    const r = rule({ zoneIds: ['sq'] });
    expect(matchRule(r, 0, NOON, [det('person', 1, box(0.1, 0.1))], [square])).toBeNull();
    expect(matchRule(r, 0, NOON, [det('person', 1, box(0.65, 0.65))], [square])).toHaveLength(1);
    expect(matchRule(r, 0, NOON, [det('person', 1, box(0.65, 0.65))], [{ ...square, enabled: false }])).toBeNull();
  });

  it('polygon zones: the box centre inside the polygon', () => {
    const r = rule({ zoneIds: ['tri'] });
    // centre (0.25, 0.25): below the diagonal x + y = 1; centre (0.75, 0.75): above it.
    expect(matchRule(r, 0, NOON, [det('person', 1, box(0.2, 0.2))], [triangle])).toHaveLength(1);
    expect(matchRule(r, 0, NOON, [det('person', 1, box(0.7, 0.7))], [triangle])).toBeNull();
  });

  it('schedules by day and hour, in the schedule’s time zone', () => {
    const weekdays = parseSchedule({ days: ['monday', 'wednesday'], start_time: '09:00', end_time: '17:00' }, 's');
    expect(scheduleMatches(weekdays, NOON)).toBe(true);
    expect(scheduleMatches(weekdays, new Date('2026-06-04T12:00:00Z'))).toBe(false); // Thursday
    expect(scheduleMatches(weekdays, new Date('2026-06-03T17:00:00Z'))).toBe(false); // end is exclusive
    // 12:00 UTC is 21:00 in Tokyo: outside 09–17 there.
    const tokyo = parseSchedule({ start_time: '09:00', end_time: '17:00', timezone: 'Asia/Tokyo' }, 's');
    expect(scheduleMatches(tokyo, NOON)).toBe(false);
    expect(scheduleMatches(tokyo, new Date('2026-06-03T01:00:00Z'))).toBe(true);
  });

  it('schedules across midnight belong to the day they open', () => {
    const fridayNight = parseSchedule({ days: ['friday'], start_time: '22:00', end_time: '06:00' }, 's');
    expect(scheduleMatches(fridayNight, new Date('2026-06-05T23:30:00Z'))).toBe(true); // Friday 23:30
    expect(scheduleMatches(fridayNight, new Date('2026-06-06T05:59:00Z'))).toBe(true); // Saturday 05:59
    expect(scheduleMatches(fridayNight, new Date('2026-06-06T06:00:00Z'))).toBe(false);
    expect(scheduleMatches(fridayNight, new Date('2026-06-05T05:00:00Z'))).toBe(false); // Friday early: Thursday's window
    expect(scheduleMatches(fridayNight, new Date('2026-06-06T23:00:00Z'))).toBe(false); // Saturday night
    // Across midnight in New York (UTC-4 in June): Friday 23:00 local is Saturday 03:00 UTC.
    const ny = parseSchedule(
      { days: ['friday'], start_time: '22:00', end_time: '06:00', timezone: 'America/New_York' },
      's',
    );
    expect(scheduleMatches(ny, new Date('2026-06-06T03:00:00Z'))).toBe(true);
    expect(
      matchRule(
        rule({ schedule: { days: ['friday'], start_time: '22:00', end_time: '06:00' } }),
        0,
        NOON,
        [det('x', 1)],
        [],
      ),
    ).toBeNull();
  });
});

describe('rules through ingestion', () => {
  let subgraph: TestSubgraph;
  beforeAll(async () => {
    subgraph = await startSurveillance();
  });
  afterAll(() => subgraph.stop());

  it('creates alerts for matching rules only, keyed by the template, and honours cameras and zones', async () => {
    const camera = await createCamera(subgraph, 'Rules Porch');
    const other = await createCamera(subgraph, 'Rules Other');
    const zone = await ok<{ createCameraZone: { id: string } }>(
      subgraph,
      `mutation ($input: CreateCameraZoneInput!) { createCameraZone(input: $input) { id } }`,
      {
        input: {
          cameraId: camera,
          name: 'Steps',
          shape: 'POLYGON',
          coordinates: [
            [0, 0],
            [1, 0],
            [0, 1],
          ],
          color: '#00FF00',
        },
      },
    );
    expect(zone.createCameraZone.id).toBe('rules_porch_steps');
    await createRule(subgraph, {
      name: 'person on the steps',
      severity: 'CRITICAL',
      objectTypes: ['person'],
      cameraIds: [camera],
      zoneIds: ['rules_porch_steps'],
      dedupKeyTemplate: 'steps:{camera_id}:{object_type}',
    });
    await createRule(subgraph, { name: 'cars only', objectTypes: ['car'] });

    const inZone = await ingest(subgraph, camera, [detection({ bbox: { x: 0.1, y: 0.1, width: 0.2, height: 0.2 } })]);
    expect(inZone.ingestDetections.alertsCreated).toEqual([
      expect.objectContaining({
        dedupKey: `steps:${camera}:person`,
        severity: 'CRITICAL',
        status: 'PENDING',
        version: 1,
      }),
    ]);
    const outside = await ingest(subgraph, camera, [detection({ bbox: { x: 0.7, y: 0.7, width: 0.2, height: 0.2 } })]);
    expect(outside.ingestDetections.alertsCreated).toEqual([]);
    const elsewhere = await ingest(subgraph, other, [detection({ bbox: { x: 0.1, y: 0.1, width: 0.2, height: 0.2 } })]);
    expect(elsewhere.ingestDetections.alertsCreated).toEqual([]);
    // The same key inside the cooldown: suppressed.
    const again = await ingest(subgraph, camera, [detection({ bbox: { x: 0.1, y: 0.1, width: 0.2, height: 0.2 } })]);
    expect(again.ingestDetections).toMatchObject({ alertsCreated: [], suppressed: 1 });
  });

  it('refuses malformed rules naming the field', async () => {
    const camera = await createCamera(subgraph, 'Rules Checks');
    const cases: [Record<string, unknown>, string][] = [
      [{ riskThreshold: 101 }, 'input.riskThreshold'],
      [{ minConfidence: 1.5 }, 'input.minConfidence'],
      [{ cooldownSeconds: -1 }, 'input.cooldownSeconds'],
      [{ schedule: { days: ['funday'] } }, 'input.schedule.days'],
      [{ schedule: { start_time: '25:00', end_time: '06:00' } }, 'input.schedule.start_time'],
      [{ schedule: { start_time: '22:00' } }, 'input.schedule'],
      [{ schedule: { timezone: 'Mars/Olympus' } }, 'input.schedule.timezone'],
      [{ schedule: { when: 'always' } }, 'input.schedule'],
      [{ schedule: 'nightly' }, 'input.schedule'],
      [{ dedupKeyTemplate: '{camera}:{rule_id}' }, 'input.dedupKeyTemplate'],
      [{ cameraIds: ['no_such_camera'] }, 'input.cameraIds'],
      [{ cameraIds: [camera], zoneIds: ['no_such_zone'] }, 'input.zoneIds'],
      [{ severity: 'INFORMATIONAL' }, 'input.severity'],
    ];
    for (const [overrides, field] of cases) {
      const result = await subgraph.query(CREATE_RULE, { input: { name: 'bad', ...overrides } }, ADMIN);
      expect([field, errorCodes(result)]).toEqual([field, ['BAD_USER_INPUT']]);
      expect(errorFields(result)).toEqual([field]);
    }
  });

  it('refuses malformed zones naming the field', async () => {
    const camera = await createCamera(subgraph, 'Zone Checks');
    const ZONE = `mutation ($input: CreateCameraZoneInput!) { createCameraZone(input: $input) { id } }`;
    const base = {
      cameraId: camera,
      name: 'Z',
      coordinates: [
        [0.1, 0.1],
        [0.5, 0.5],
      ],
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ color: 'red' }, 'input.color'],
      [{ color: '#12345G' }, 'input.color'],
      [{ priority: -1 }, 'input.priority'],
      [
        {
          coordinates: [
            [0.1, 0.1],
            [1.5, 0.5],
          ],
        },
        'input.coordinates.1',
      ],
      [{ coordinates: [[0.1, 0.1]] }, 'input.coordinates'],
      [
        {
          shape: 'POLYGON',
          coordinates: [
            [0.1, 0.1],
            [0.2, 0.2],
          ],
        },
        'input.coordinates',
      ],
      [{ coordinates: 'everywhere' }, 'input.coordinates'],
      [{ cameraId: 'nope' }, 'input.cameraId'],
    ];
    for (const [overrides, field] of cases) {
      const result = await subgraph.query(ZONE, { input: { ...base, ...overrides } }, ADMIN);
      expect([field, errorCodes(result)]).toEqual([field, ['BAD_USER_INPUT']]);
      expect(errorFields(result)).toEqual([field]);
    }
  });
});
