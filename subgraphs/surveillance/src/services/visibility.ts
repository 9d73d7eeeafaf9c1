import {
  and,
  customerCondition,
  isUnrestricted,
  Roles,
  requireRole,
  runNamed,
  tagCondition,
  type Principal,
  type SqlCondition,
} from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { AlertRuleRow } from '../entities';

/**
 * The shared access policy applied to surveillance. Cameras follow the incident-alert rule
 * (customer scope AND tag RBAC over camera_tags); every row under a camera is visible exactly
 * when its camera is, through one EXISTS on the camera. Lists, single fetches, nested fields,
 * entity references and mutations' lookups all go through these conditions.
 */
export const T = {
  camera: 'surveillance.cameras',
  cameraTag: 'surveillance.camera_tags',
  zone: 'surveillance.camera_zones',
  event: 'surveillance.events',
  eventDetection: 'surveillance.event_detections',
  detection: 'surveillance.detections',
  pose: 'surveillance.pose_results',
  threat: 'surveillance.threat_detections',
  demographics: 'surveillance.demographics_results',
  reid: 'surveillance.reid_embeddings',
  action: 'surveillance.action_results',
  rule: 'surveillance.alert_rules',
  alert: 'surveillance.alerts',
  activityBaseline: 'surveillance.activity_baselines',
  classBaseline: 'surveillance.class_baselines',
  feedback: 'surveillance.event_feedback',
  eventAudit: 'surveillance.event_audits',
  weather: 'surveillance.weather_data',
  airQuality: 'surveillance.air_quality_data',
} as const;

/** A camera is visible when its customer is in scope and its tags pass tag RBAC; deleted ones only on request. */
export function cameraVisibility(p: Principal, alias: string, deleted = false): SqlCondition {
  return and(
    { sql: `${alias}.deleted_at IS ${deleted ? 'NOT ' : ''}NULL`, params: {} },
    customerCondition(p, `${alias}.customer_code`),
    tagCondition(p, {
      rowId: `${alias}.id`,
      linkTable: T.cameraTag,
      linkRowColumn: 'camera_id',
      linkTagColumn: 'tag_id',
    }),
  );
}

let aliasCounter = 0;

/** A row under a camera (`cameraColumn` holds its camera id) is visible when that camera is. */
export function underVisibleCamera(p: Principal, cameraColumn: string): SqlCondition {
  const alias = `vc${(aliasCounter = (aliasCounter + 1) % 1_000_000)}`;
  const camera = cameraVisibility(p, alias);
  return {
    sql: `EXISTS (SELECT 1 FROM ${T.camera} ${alias} WHERE ${alias}.id = ${cameraColumn} AND ${camera.sql})`,
    params: camera.params,
  };
}

/** Events: not deleted, and their camera visible. */
export function eventVisibility(p: Principal, alias: string): SqlCondition {
  return and({ sql: `${alias}.deleted_at IS NULL`, params: {} }, underVisibleCamera(p, `${alias}.camera_id`));
}

// ----- who may change what (api.md "Roles") -----

/** Admins, analysts (on cameras they can see) and background work change surveillance rows. */
export const WRITER_ROLES = [Roles.ADMIN, Roles.ANALYST, Roles.SCHEDULER] as const;

/** The services' own check, the same list as the mutation gate's (resolvers/mutation-access.ts). */
export function requireWriter(p: Principal): void {
  requireRole(p, ...WRITER_ROLES);
}

/** Rules are configuration: admins, analysts and automation read them. */
export function canReadRules(p: Principal): boolean {
  return p.role === Roles.ADMIN || p.role === Roles.ANALYST || p.role === Roles.SCHEDULER;
}

/** Which of `ids` name cameras the caller can see (one statement). */
export async function visibleCameraIds(ds: DataSource, p: Principal, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const visible = cameraVisibility(p, 'c');
  const rows = await runNamed<{ id: string }>(
    ds,
    `SELECT c.id FROM ${T.camera} c WHERE c.id = ANY(:ids) AND ${visible.sql}`,
    { ...visible.params, ids: [...new Set(ids)] },
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * Rules as the caller may read them, listed or under an alert: none for roles that do not read
 * rules; for restricted callers only the camera and zone ids of cameras they can see (at most
 * two statements for any number of rules).
 */
export async function readableRules(ds: DataSource, p: Principal, rules: AlertRuleRow[]): Promise<AlertRuleRow[]> {
  if (!canReadRules(p)) return [];
  if (isUnrestricted(p)) return rules;
  const zoneIds = [...new Set(rules.flatMap((r) => r.zoneIds ?? []))];
  const zones = zoneIds.length
    ? await runNamed<{ id: string; camera_id: string }>(
        ds,
        `SELECT id, camera_id FROM ${T.zone} WHERE id = ANY(:ids)`,
        {
          ids: zoneIds,
        },
      )
    : [];
  const visible = await visibleCameraIds(ds, p, [
    ...rules.flatMap((r) => r.cameraIds ?? []),
    ...zones.map((z) => z.camera_id),
  ]);
  const visibleZones = new Set(zones.filter((z) => visible.has(z.camera_id)).map((z) => z.id));
  return rules.map((r) => ({
    ...r,
    cameraIds: r.cameraIds ? r.cameraIds.filter((id) => visible.has(id)) : null,
    zoneIds: r.zoneIds ? r.zoneIds.filter((id) => visibleZones.has(id)) : null,
  }));
}
