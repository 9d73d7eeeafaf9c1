import {
  and,
  badUserInput,
  ConditionBuilder,
  conflict,
  optionalText,
  orNotFound,
  paginate,
  runNamed,
  ScopedService,
  type Connection,
  type ConnectionArgs,
  type SqlCondition,
} from '@socgraph/shared';
import type { SurveillanceContext } from '../context';
import {
  SurveillanceAlertEntity,
  type AlertStatusValue,
  type SeverityValue,
  type SurveillanceAlertRow,
} from '../entities';
import { ID_RULE, words } from './inputs';
import { T, requireWriter, underVisibleCamera } from './visibility';

export interface SurveillanceAlertFilter {
  status?: AlertStatusValue[] | null;
  severity?: (SeverityValue | 'informational')[] | null;
  cameraId?: string | null;
  ruleId?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

export const alertOrder = [
  {
    column: 'a.created_at',
    direction: 'DESC' as const,
    value: (a: SurveillanceAlertRow) => a.createdAt.toISOString(),
  },
  { column: 'a.id', direction: 'DESC' as const, value: (a: SurveillanceAlertRow) => a.id },
];

/** Which lifecycle moves are allowed: a dismissed alert stays dismissed. */
const TRANSITIONS: Record<'acknowledged' | 'dismissed' | 'delivered', AlertStatusValue[]> = {
  delivered: ['pending'],
  acknowledged: ['pending', 'delivered'],
  dismissed: ['pending', 'delivered', 'acknowledged'],
};

function filterCondition(filter: SurveillanceAlertFilter | null | undefined): SqlCondition {
  const ruleId = optionalText(filter?.ruleId, 'filter.ruleId', { max: 36 });
  if (ruleId !== null && !isUuid(ruleId)) throw badUserInput('filter.ruleId is not a rule id', 'filter.ruleId');
  // The columns are enums; the values arrive as text.
  return new ConditionBuilder('a')
    .anyOf('status::text', filter?.status)
    .anyOf('severity::text', filter?.severity)
    .equals('camera_id', filter?.cameraId, 'filter.cameraId', ID_RULE)
    .equals('rule_id', ruleId, 'filter.ruleId', 36)
    .build();
}

export class AlertService extends ScopedService<SurveillanceContext> {
  list(args: ConnectionArgs, filter?: SurveillanceAlertFilter | null): Promise<Connection<SurveillanceAlertRow>> {
    const condition = and(underVisibleCamera(this.principal, 'a.camera_id'), filterCondition(filter));
    const query = this.dataSource
      .getRepository(SurveillanceAlertEntity)
      .createQueryBuilder('a')
      .where(condition.sql, condition.params);
    return paginate(query, args, alertOrder);
  }

  byId(id: string): Promise<SurveillanceAlertRow | null> {
    return isUuid(id) ? this.scope.loaders.alertById.load(id) : Promise.resolve(null);
  }

  acknowledge(id: string, version: number) {
    return this.move(id, version, 'acknowledged');
  }

  dismiss(id: string, version: number) {
    return this.move(id, version, 'dismissed');
  }

  markDelivered(id: string, version: number, channels: string[]) {
    return this.move(id, version, 'delivered', words(channels, 'channels', 20) ?? []);
  }

  /**
   * One guarded UPDATE on (id, version): a caller holding a stale version changes nothing and
   * gets CONFLICT; the version goes up by one on every change.
   */
  private async move(
    id: string,
    version: number,
    status: keyof typeof TRANSITIONS,
    channels?: string[],
  ): Promise<SurveillanceAlertRow> {
    requireWriter(this.principal);
    const alert = orNotFound(await this.byId(id), 'SurveillanceAlert', id);
    if (!Number.isInteger(version) || version < 1) throw badUserInput('version must be a positive integer', 'version');
    if (alert.version !== version)
      throw conflict(`SurveillanceAlert ${id} is at version ${alert.version}, not ${version}; reload and retry`);
    if (!TRANSITIONS[status].includes(alert.status))
      throw badUserInput(`Cannot change status from ${alert.status} to ${status}`, 'status');
    const rows = await runNamed<{ id: string }>(
      this.dataSource,
      `WITH changed AS (UPDATE ${T.alert} SET status = :status, version_id = version_id + 1, updated_at = now()` +
        (channels ? `, delivered_at = now(), channels = CAST(:channels AS json)` : '') +
        ` WHERE id = :id AND version_id = :version RETURNING id) SELECT id FROM changed`,
      { status, id: alert.id, version, channels: JSON.stringify(channels ?? []) },
    );
    if (rows.length === 0) throw conflict(`SurveillanceAlert ${id} changed meanwhile; reload and retry`);
    this.scope.loaders.alertById.clear(alert.id);
    return this.dataSource.getRepository(SurveillanceAlertEntity).findOneByOrFail({ id: alert.id });
  }
}
