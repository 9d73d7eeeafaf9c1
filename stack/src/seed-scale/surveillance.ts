import type { SeedDb } from './db';
import { DAY_MS, pad, type SeedWorld, WINDOW_MS } from './plan';
import type { Rand } from './prng';

/**
 * surveillance's share: cameras (half of them tagged), events of `detectionsPerEvent`
 * detections each on one camera, every detection linked to its event, and an alert for every
 * high-risk event.
 */
const S = 'surveillance';
const OBJECTS = ['person', 'person', 'person', 'car', 'truck', 'dog', 'cat', 'bicycle', 'package'];
const LOCATIONS = ['Front door', 'Driveway', 'Back yard', 'Loading dock', 'Lobby', 'Parking lot', 'Gate'];

const iso = (ms: number): string => new Date(ms).toISOString();

export async function seedSurveillance(db: SeedDb, world: SeedWorld, rand: Rand): Promise<void> {
  const { plan, anchor } = world;
  const start = anchor - WINDOW_MS;
  const cameraIds = Array.from({ length: plan.cameras }, (_, i) => `cam_${pad(i + 1)}`);
  const staff = world.analysts.map((u) => u.username);

  await db.insert(
    `${S}.cameras`,
    [
      ['id', 'text'],
      ['name', 'text'],
      ['folder_path', 'text'],
      ['location', 'text'],
      ['status', 'text'],
      ['customer_code', 'text'],
      ['created_at', 'timestamptz'],
      ['last_seen_at', 'timestamptz'],
    ],
    cameraIds.length,
    (i) => [
      cameraIds[i],
      `Camera ${pad(i + 1)}`,
      `/srv/cameras/${cameraIds[i]}`,
      rand.pick(LOCATIONS),
      rand.chance(0.9) ? 'online' : 'offline',
      world.customerCodes[i % world.customerCodes.length],
      iso(start),
      iso(anchor - rand.int(0, 3_600_000)),
    ],
  );
  const cameraTags = cameraIds.filter(() => rand.chance(0.5)).map((camera) => [camera, rand.pick(world.tagIds)]);
  await db.insert(
    `${S}.camera_tags`,
    [
      ['camera_id', 'text'],
      ['tag_id', 'int'],
    ],
    cameraTags.length,
    (i) => cameraTags[i]!,
  );

  // ----- events, then their detections -----
  const events = Math.ceil(plan.detections / plan.detectionsPerEvent);
  const eventCamera: string[] = new Array<string>(events);
  const eventStart: number[] = new Array<number>(events);
  const alerting: [event: number, level: string, at: number][] = [];
  await db.insert(
    `${S}.events`,
    [
      ['id', 'int'],
      ['batch_id', 'text'],
      ['camera_id', 'text'],
      ['started_at', 'timestamptz'],
      ['ended_at', 'timestamptz'],
      ['risk_score', 'int'],
      ['risk_level', 'text'],
      ['summary', 'text'],
      ['reasoning', 'text'],
      ['reviewed', 'bool'],
      ['object_types', 'text'],
    ],
    events,
    (i) => {
      const camera = rand.pick(cameraIds);
      const started = start + rand.int(0, WINDOW_MS - DAY_MS);
      const risk = rand.int(0, 100);
      const level = risk >= 85 ? 'critical' : risk >= 70 ? 'high' : risk >= 40 ? 'medium' : 'low';
      eventCamera[i] = camera;
      eventStart[i] = started;
      if (risk >= 70) alerting.push([i + 1, level, started]);
      const object = rand.pick(OBJECTS);
      return [
        i + 1,
        `batch-${pad(i + 1, 8)}`,
        camera,
        iso(started),
        iso(started + 60_000),
        risk,
        level,
        `${object} seen at ${camera}`,
        `Risk ${risk}: ${object} activity`,
        rand.chance(0.3),
        object,
      ];
    },
  );
  await db.syncSequence(`${S}.events`);

  await db.insert(
    `${S}.detections`,
    [
      ['id', 'int'],
      ['camera_id', 'text'],
      ['file_path', 'text'],
      ['file_type', 'text'],
      ['detected_at', 'timestamptz'],
      ['object_type', 'text'],
      ['confidence', 'float8'],
      ['bbox_x', 'float8'],
      ['bbox_y', 'float8'],
      ['bbox_width', 'float8'],
      ['bbox_height', 'float8'],
      ['thumbnail_path', 'text'],
      ['media_type', 'text'],
    ],
    plan.detections,
    (i) => {
      const event = Math.floor(i / plan.detectionsPerEvent);
      const camera = eventCamera[event]!;
      const x = rand.between(0, 0.8);
      const y = rand.between(0, 0.8);
      return [
        i + 1,
        camera,
        `/srv/cameras/${camera}/det_${pad(i + 1, 8)}.jpg`,
        'jpg',
        iso(eventStart[event]! + (i % plan.detectionsPerEvent) * 3000),
        rand.pick(OBJECTS),
        rand.between(0.3, 1),
        x,
        y,
        rand.between(0.02, 1 - x),
        rand.between(0.02, 1 - y),
        `/srv/cameras/${camera}/thumb_${pad(i + 1, 8)}.jpg`,
        'image',
      ];
    },
  );
  await db.syncSequence(`${S}.detections`);
  await db.insert(
    `${S}.event_detections`,
    [
      ['event_id', 'int'],
      ['detection_id', 'int'],
      ['created_at', 'timestamptz'],
    ],
    plan.detections,
    (i) => {
      const event = Math.floor(i / plan.detectionsPerEvent);
      return [event + 1, i + 1, iso(eventStart[event]! + 60_000)];
    },
  );

  await db.insert(
    `${S}.alerts`,
    [
      ['id', 'uuid'],
      ['event_id', 'int'],
      ['camera_id', 'text'],
      ['severity', `${S}.alert_severity`],
      ['status', `${S}.alert_status`],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
      ['delivered_at', 'timestamptz'],
      ['dedup_key', 'text'],
      ['metadata', 'json'],
    ],
    alerting.length,
    (i) => {
      const [event, level, at] = alerting[i]!;
      const status = rand.pick(['pending', 'delivered', 'acknowledged', 'dismissed']);
      return [
        rand.uuid(),
        event,
        eventCamera[event - 1],
        level === 'critical' ? 'critical' : 'high',
        status,
        iso(at + 60_000),
        iso(at + 120_000),
        status === 'pending' ? null : iso(at + 90_000),
        `${eventCamera[event - 1]}:risk`,
        JSON.stringify({ reviewer: rand.pick(staff) }),
      ];
    },
  );
}
