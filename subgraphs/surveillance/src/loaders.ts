import {
  groupLoader,
  nestedPages,
  rowLoader,
  rowsAsEntities,
  runNamed,
  type Connection,
  type ConnectionArgs,
  type Principal,
} from '@socgraph/shared';
import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import {
  AlertRuleEntity,
  CameraEntity,
  CameraZoneEntity,
  DetectionEntity,
  EventEntity,
  SurveillanceAlertEntity,
  type AlertRuleRow,
  type CameraRow,
  type CameraZoneRow,
  type DetectionRow,
  type EventRow,
  type SurveillanceAlertRow,
} from './entities';
import { eventOrder } from './services/event.service';
import { camel } from './services/rows';
import {
  T,
  cameraVisibility,
  canReadRules,
  eventVisibility,
  readableRules,
  underVisibleCamera,
} from './services/visibility';

type Row = Record<string, unknown>;

/** Rows of a child table for many parents in one statement, each parent's rows visible through its camera. */
function childLoader<K extends string | number>(
  dataSource: DataSource,
  sql: (keys: string) => string,
  params: Record<string, unknown>,
  keyColumn: string,
) {
  return groupLoader(
    async (keys: readonly K[]) =>
      (await runNamed<Row>(dataSource, sql(':parent_keys'), { ...params, parent_keys: [...keys] })).map((r) =>
        camel(r),
      ),
    (row: Row) => row[keyColumn] as K,
  );
}

/**
 * Per-request DataLoaders. Every loader applies the caller's visibility in SQL (cameras by the
 * shared policy, everything else through its camera), so a nested field or entity reference
 * never shows a row a list hides; each runs one statement per batch, whatever the page size.
 */
export function createSurveillanceLoaders(dataSource: DataSource, principal: Principal) {
  const cameras = cameraVisibility(principal, 'c');
  const events = eventVisibility(principal, 'e');
  const underDetectionCamera = underVisibleCamera(principal, 'd.camera_id');
  const underAlertCamera = underVisibleCamera(principal, 'a.camera_id');
  const underZoneCamera = underVisibleCamera(principal, 'z.camera_id');
  const underSlotCamera = underVisibleCamera(principal, 'b.camera_id');
  const underReadingCamera = underVisibleCamera(principal, 'r.camera_id');

  const byEventDetection = (table: string) =>
    childLoader<number>(
      dataSource,
      (keys) =>
        `SELECT x.* FROM ${table} x JOIN ${T.detection} d ON d.id = x.detection_id
          WHERE x.detection_id = ANY(${keys}) AND ${underDetectionCamera.sql} ORDER BY x.id`,
      underDetectionCamera.params,
      'detectionId',
    );

  return {
    cameraById: rowLoader(
      (ids: readonly string[]) =>
        dataSource
          .getRepository(CameraEntity)
          .createQueryBuilder('c')
          .where('c.id = ANY(:ids)', { ids: [...ids] })
          .andWhere(cameras.sql, cameras.params)
          .getMany(),
      (c: CameraRow) => c.id,
    ),
    tagsByCamera: groupLoader(
      (ids: readonly string[]) =>
        runNamed<{ camera_id: string; tag_id: number }>(
          dataSource,
          `SELECT camera_id, tag_id FROM ${T.cameraTag} WHERE camera_id = ANY(:ids) ORDER BY tag_id`,
          { ids: [...ids] },
        ),
      (row) => row.camera_id,
    ),
    zonesByCamera: groupLoader(
      async (ids: readonly string[]) =>
        rowsAsEntities<CameraZoneRow>(
          dataSource,
          CameraZoneEntity,
          await runNamed(
            dataSource,
            `SELECT z.* FROM ${T.zone} z WHERE z.camera_id = ANY(:ids) AND ${underZoneCamera.sql}
              ORDER BY z.priority DESC, z.id`,
            { ...underZoneCamera.params, ids: [...ids] },
          ),
        ),
      (row: CameraZoneRow) => row.cameraId,
    ),
    eventById: rowLoader(
      (ids: readonly number[]) =>
        dataSource
          .getRepository(EventEntity)
          .createQueryBuilder('e')
          .where('e.id = ANY(:ids)', { ids: [...ids] })
          .andWhere(events.sql, events.params)
          .getMany(),
      (e: EventRow) => e.id,
    ),
    detectionsByEvent: groupLoader(
      async (ids: readonly number[]) =>
        rowsAsEntities<DetectionRow & { parent_event_id: number }>(
          dataSource,
          DetectionEntity,
          await runNamed(
            dataSource,
            `SELECT ed.event_id AS parent_event_id, d.* FROM ${T.eventDetection} ed JOIN ${T.detection} d ON d.id = ed.detection_id
              WHERE ed.event_id = ANY(:ids) AND ${underDetectionCamera.sql} ORDER BY d.detected_at, d.id`,
            { ...underDetectionCamera.params, ids: [...ids] },
          ),
        ),
      (row) => row.parent_event_id,
    ),
    poseByDetection: byEventDetection(T.pose),
    threatsByDetection: byEventDetection(T.threat),
    demographicsByDetection: byEventDetection(T.demographics),
    reidByDetection: childLoader<number>(
      dataSource,
      (keys) =>
        `SELECT x.detection_id, x.embedding_hash, jsonb_array_length(x.embedding) AS dimensions FROM ${T.reid} x
          JOIN ${T.detection} d ON d.id = x.detection_id WHERE x.detection_id = ANY(${keys}) AND ${underDetectionCamera.sql}`,
      underDetectionCamera.params,
      'detectionId',
    ),
    actionByDetection: byEventDetection(T.action),
    alertsByEvent: groupLoader(
      async (ids: readonly number[]) =>
        rowsAsEntities<SurveillanceAlertRow>(
          dataSource,
          SurveillanceAlertEntity,
          await runNamed(
            dataSource,
            `SELECT a.* FROM ${T.alert} a WHERE a.event_id = ANY(:ids) AND ${underAlertCamera.sql}
              ORDER BY a.created_at DESC, a.id DESC`,
            { ...underAlertCamera.params, ids: [...ids] },
          ),
        ),
      (row: SurveillanceAlertRow) => row.eventId,
    ),
    alertById: rowLoader(
      (ids: readonly string[]) =>
        dataSource
          .getRepository(SurveillanceAlertEntity)
          .createQueryBuilder('a')
          .where('a.id = ANY(CAST(:ids AS uuid[]))', { ids: [...ids] })
          .andWhere(underAlertCamera.sql, underAlertCamera.params)
          .getMany(),
      (a: SurveillanceAlertRow) => a.id,
    ),
    // An alert's rule, as the rule list shows it to the caller (null for roles that read no rules).
    ruleById: rowLoader(
      async (ids: readonly string[]) =>
        canReadRules(principal)
          ? readableRules(
              dataSource,
              principal,
              await dataSource
                .getRepository(AlertRuleEntity)
                .createQueryBuilder('r')
                .where('r.id = ANY(CAST(:ids AS uuid[]))', { ids: [...ids] })
                .getMany(),
            )
          : [],
      (r: AlertRuleRow) => r.id,
    ),
    // Feedback and audits hang off events that were already checked visible.
    feedbackByEvent: childLoader<number>(
      dataSource,
      (keys) => `SELECT * FROM ${T.feedback} WHERE event_id = ANY(${keys})`,
      {},
      'eventId',
    ),
    auditByEvent: childLoader<number>(
      dataSource,
      (keys) => `SELECT * FROM ${T.eventAudit} WHERE event_id = ANY(${keys})`,
      {},
      'eventId',
    ),
    activityByCamera: childLoader<string>(
      dataSource,
      (keys) =>
        `SELECT b.* FROM ${T.activityBaseline} b WHERE b.camera_id = ANY(${keys}) AND ${underSlotCamera.sql}
          ORDER BY b.day_of_week, b.hour`,
      underSlotCamera.params,
      'cameraId',
    ),
    classesByCamera: childLoader<string>(
      dataSource,
      (keys) =>
        `SELECT b.* FROM ${T.classBaseline} b WHERE b.camera_id = ANY(${keys}) AND ${underSlotCamera.sql}
          ORDER BY b.detection_class, b.hour`,
      underSlotCamera.params,
      'cameraId',
    ),
    weatherByCamera: readingsLoader(dataSource, T.weather, underReadingCamera),
    airQualityByCamera: readingsLoader(dataSource, T.airQuality, underReadingCamera),
    /** Camera.events for many cameras in one statement. */
    eventsByCamera: new DataLoader<{ camera: string; args: ConnectionArgs }, Connection<EventRow>, string>(
      async (keys) => {
        const results = new Map<string, Connection<EventRow>>();
        const bySignature = new Map<string, string[]>();
        for (const key of keys) {
          const signature = JSON.stringify(key.args);
          bySignature.set(signature, [...(bySignature.get(signature) ?? []), key.camera]);
        }
        for (const [signature, cameraIds] of bySignature) {
          const pages = await nestedPages(cameraIds, {
            dataSource,
            entity: EventEntity,
            table: T.event,
            alias: 'e',
            parentColumn: 'camera_id',
            where: events,
            order: eventOrder(),
            args: JSON.parse(signature) as ConnectionArgs,
          });
          for (const [camera, page] of pages) results.set(`${signature}|${camera}`, page);
        }
        return keys.map((key) => results.get(`${JSON.stringify(key.args)}|${key.camera}`)!);
      },
      { cacheKeyFn: (key) => JSON.stringify([key.camera, key.args]) },
    ),
  };
}

/** The latest `last` readings per camera, for many cameras in one statement. */
function readingsLoader(
  dataSource: DataSource,
  table: string,
  visible: { sql: string; params: Record<string, unknown> },
) {
  return new DataLoader<{ camera: string; last: number }, Row[], string>(
    async (keys) => {
      const limit = Math.max(...keys.map((k) => k.last));
      const rows = await runNamed<Row>(
        dataSource,
        `SELECT page.* FROM unnest(CAST(:cameras AS text[])) AS cam(id) CROSS JOIN LATERAL (
           SELECT r.* FROM ${table} r WHERE r.camera_id = cam.id AND ${visible.sql}
            ORDER BY r.recorded_at DESC, r.id DESC LIMIT ${limit}) page`,
        { ...visible.params, cameras: [...new Set(keys.map((k) => k.camera))] },
      );
      const byCamera = new Map<string, Row[]>();
      for (const row of rows.map((r) => camel(r))) {
        const camera = String(row.cameraId);
        byCamera.set(camera, [...(byCamera.get(camera) ?? []), row]);
      }
      return keys.map((k) => (byCamera.get(k.camera) ?? []).slice(0, k.last));
    },
    { cacheKeyFn: (key) => `${key.camera}|${key.last}` },
  );
}

export type SurveillanceLoaders = ReturnType<typeof createSurveillanceLoaders>;
