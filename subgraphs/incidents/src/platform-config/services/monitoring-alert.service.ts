import {
  canSeeCustomer,
  conflict,
  customerCondition,
  paginate,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { IncidentsContext } from '../../context';
import { MonitoringAlertEntity, type MonitoringAlertRow } from '../entities';
import {
  CUSTOMER_CODE_RULE,
  lockVisible,
  qualified,
  requireConfigReader,
  requireConfigWriter,
  requireCustomerInScope,
  writeTransaction,
} from './common';

export interface MonitoringAlertFilter {
  customerCode?: string | null;
  alertSource?: string | null;
  alertIndex?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

export interface CreateMonitoringAlertInput {
  alertId: string;
  alertIndex: string;
  customerCode: string;
  alertSource: string;
}

/** Newest first; ids follow creation order (created_at has finer precision than a cursor keeps). */
const ORDER = [{ column: 'id', direction: 'DESC', value: (m: MonitoringAlertRow) => m.id }] as const;

/** SIEM alerts already picked up for incident creation, keyed by (alertIndex, alertId). */
export class MonitoringAlertService extends ScopedService<IncidentsContext> {
  async list(args: ConnectionArgs, filter?: MonitoringAlertFilter | null): Promise<Connection<MonitoringAlertRow>> {
    requireConfigReader(this.principal);
    const visible = customerCondition(this.principal, 'ma.customer_code');
    const query = this.dataSource
      .getRepository(MonitoringAlertEntity)
      .createQueryBuilder('ma')
      .where(visible.sql, visible.params);
    if (filter?.customerCode) query.andWhere('ma.customer_code = :ma_customer', { ma_customer: filter.customerCode });
    if (filter?.alertSource) query.andWhere('ma.alert_source = :ma_source', { ma_source: filter.alertSource });
    if (filter?.alertIndex) query.andWhere('ma.alert_index = :ma_index', { ma_index: filter.alertIndex });
    if (filter?.createdAfter) query.andWhere('ma.created_at >= :ma_after', { ma_after: filter.createdAfter });
    if (filter?.createdBefore) query.andWhere('ma.created_at < :ma_before', { ma_before: filter.createdBefore });
    return paginate(query, args, qualified('ma', ORDER));
  }

  /**
   * Idempotent on (alertIndex, alertId), because the SIEM side retries deliveries: the same
   * alert again returns the row already recorded (no second row); the same key with another
   * customer or source is CONFLICT, since one of the two deliveries is wrong.
   */
  async create(input: CreateMonitoringAlertInput): Promise<MonitoringAlertRow> {
    requireConfigWriter(this.principal);
    const row = {
      alertId: text(input.alertId, 'input.alertId', { max: 255 }),
      alertIndex: text(input.alertIndex, 'input.alertIndex', { max: 255 }),
      customerCode: text(input.customerCode, 'input.customerCode', CUSTOMER_CODE_RULE),
      alertSource: text(input.alertSource, 'input.alertSource', { max: 50 }),
    };
    requireCustomerInScope(this.principal, row.customerCode);
    const duplicate = `Alert ${row.alertId} of index ${row.alertIndex} is recorded with another customer or source`;
    return writeTransaction(this.dataSource, duplicate, async (tx) => {
      const inserted = (await tx.query(
        `INSERT INTO incidents.monitoring_alerts (alert_id, alert_index, customer_code, alert_source)
         VALUES ($1, $2, $3, $4) ON CONFLICT (alert_index, alert_id) DO NOTHING RETURNING id`,
        [row.alertId, row.alertIndex, row.customerCode, row.alertSource],
      )) as { id: number }[];
      const repo = tx.getRepository(MonitoringAlertEntity);
      if (inserted[0]) return repo.findOneByOrFail({ id: inserted[0].id });
      const existing = await repo.findOneByOrFail({ alertIndex: row.alertIndex, alertId: row.alertId });
      if (existing.customerCode !== row.customerCode || existing.alertSource !== row.alertSource) {
        throw conflict(duplicate);
      }
      return existing;
    });
  }

  async delete(id: string): Promise<number> {
    requireConfigWriter(this.principal);
    return writeTransaction(this.dataSource, 'Monitoring alert changed meanwhile', async (tx) => {
      const row = await lockVisible(tx, MonitoringAlertEntity, id, 'MonitoringAlert', (found) =>
        canSeeCustomer(this.principal, found.customerCode),
      );
      await tx.getRepository(MonitoringAlertEntity).delete({ id: row.id });
      return row.id;
    });
  }
}
