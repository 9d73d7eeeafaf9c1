import { randomUUID } from 'node:crypto';
import { requestTransaction, servicePrincipal, type DemoSeedOptions } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import { surveillanceConfigFrom } from './config';
import { createSurveillanceContext } from './context';
import { CameraEntity } from './entities';
import type { DetectionInput } from './services/ingest.service';

/**
 * The demo world's surveillance share. Tag ids are incidents' demo tags (1 network,
 * 2 endpoint, 3 phishing, 4 vip, 5 cloud; identity grants the demo analyst 1 and 3), customers
 * identity's (ACME, GLOBEX, INITECH). Events are fed through the real ingestion pipeline, so
 * their scores, baselines and alerts are what production would compute.
 */
const CAMERAS: { name: string; customer: string; tags: string[]; location: string }[] = [
  { name: 'Front Door', customer: 'ACME', tags: ['1'], location: 'ACME HQ, main entrance' },
  { name: 'Loading Dock', customer: 'ACME', tags: ['2'], location: 'ACME HQ, rear' },
  { name: 'Lobby', customer: 'GLOBEX', tags: ['3', '4'], location: 'Globex tower, ground floor' },
  { name: 'Parking Garage', customer: 'GLOBEX', tags: [], location: 'Globex tower, level -1' },
  { name: 'Server Room', customer: 'INITECH', tags: ['4'], location: 'Initech office, basement' },
];

const CLASSES = ['person', 'person', 'car', 'dog', 'package', 'bicycle'];

function detectionsAt(at: Date, n: number, seed: number, threat: boolean): DetectionInput[] {
  return Array.from({ length: n }, (_, i) => {
    const k = (seed * 7 + i * 13) % 97;
    const objectType = CLASSES[(seed + i) % CLASSES.length]!;
    return {
      objectType,
      confidence: 0.55 + (k % 40) / 100,
      bbox: { x: (k % 60) / 100, y: ((k * 3) % 60) / 100, width: 0.2, height: 0.3 },
      detectedAt: new Date(at.getTime() + i * 1000),
      filePath: `/export/demo/${seed}_${i}.jpg`,
      ...(objectType === 'person'
        ? {
            pose: { poseClass: i % 3 === 0 ? 'crouching' : 'standing', confidence: 0.8, isSuspicious: i % 3 === 0 },
            demographics: { ageRange: '31-40', ageConfidence: 0.7, gender: 'unknown', genderConfidence: 0.5 },
            action: { action: i % 4 === 0 ? 'running' : 'walking', confidence: 0.75, isSuspicious: false },
            reid: { embedding: Array.from({ length: 8 }, (_, j) => ((k + j) % 10) / 10) },
          }
        : {}),
      ...(threat && i === 0 ? { threats: [{ threatType: 'knife', confidence: 0.85, severity: 'high' }] } : {}),
    };
  });
}

export async function seedSurveillanceDemo(dataSource: DataSource, options: DemoSeedOptions): Promise<string[]> {
  if ((await dataSource.getRepository(CameraEntity).count()) > 0) return [];
  const config = surveillanceConfigFrom({
    ...options.env,
    // The seed runs in-process with a service principal; the secret is never used to sign.
    INTERNAL_TOKEN_SECRET: options.env?.INTERNAL_TOKEN_SECRET ?? 'x'.repeat(32),
  });
  const context = createSurveillanceContext(
    { dataSource, config },
    { principal: servicePrincipal('surveillance-seed'), requestId: randomUUID(), clientIp: null, userAgent: null },
  );
  await requestTransaction.run(dataSource, async () => {
    for (const camera of CAMERAS) {
      await context.cameras.create({
        name: camera.name,
        folderPath: `/export/foscam/${camera.name.replace(/ /g, '')}`,
        customerCode: camera.customer,
        location: camera.location,
        tagIds: camera.tags,
      });
    }
    await context.cameras.createZone({
      cameraId: 'front_door',
      name: 'Porch',
      zoneType: 'entry_point',
      shape: 'rectangle',
      coordinates: [
        [0.2, 0.3],
        [0.7, 0.95],
      ],
      color: '#EF4444',
      priority: 10,
    });
    await context.cameras.createZone({
      cameraId: 'parking_garage',
      name: 'Exit Ramp',
      zoneType: 'driveway',
      shape: 'polygon',
      coordinates: [
        [0.1, 0.9],
        [0.5, 0.4],
        [0.9, 0.9],
      ],
    });
    await context.rules.create({
      name: 'High risk anywhere',
      severity: 'high',
      riskThreshold: 60,
      cooldownSeconds: 600,
      channels: ['email'],
    });
    await context.rules.create({
      name: 'Person at the porch after hours',
      severity: 'critical',
      objectTypes: ['person'],
      cameraIds: ['front_door'],
      zoneIds: ['front_door_porch'],
      minConfidence: 0.6,
      schedule: { start_time: '20:00', end_time: '06:00', timezone: 'UTC' },
      cooldownSeconds: 300,
      dedupKeyTemplate: '{camera_id}:{rule_id}:{object_type}',
      channels: ['push', 'email'],
    });
  });
  // A day of activity, one ingest per camera every two hours, some with threats.
  const start = new Date(Date.now() - 24 * 3600_000);
  let seed = 0;
  for (let hour = 0; hour < 24; hour += 2) {
    for (const [index, camera] of CAMERAS.entries()) {
      seed += 1;
      const at = new Date(start.getTime() + hour * 3600_000 + index * 60_000);
      await requestTransaction.run(dataSource, () =>
        context.ingest.ingest({
          cameraId: camera.name.toLowerCase().replace(/ /g, '_'),
          batchId: `demo-${hour}-${index}`,
          detections: detectionsAt(at, 1 + (seed % 4), seed, seed % 9 === 0),
        }),
      );
    }
  }
  return ['surveillance: 5 cameras (tags and customers), 2 zones, 2 rules, a day of events with alerts'];
}
