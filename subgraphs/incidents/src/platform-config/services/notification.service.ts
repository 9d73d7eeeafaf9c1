import {
  canSeeCustomer,
  customerCondition,
  paginate,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { EntityManager } from 'typeorm';
import type { IncidentsContext } from '../../context';
import { NotificationSettingEntity, type NotificationSettingRow } from '../entities';
import {
  CUSTOMER_CODE_RULE,
  lockVisible,
  qualified,
  requireConfigReader,
  requireConfigWriter,
  requireCustomerInScope,
  writeTransaction,
} from './common';

export interface NotificationSettingFilter {
  customerCode?: string | null;
  enabled?: boolean | null;
}

export interface CreateNotificationSettingInput {
  customerCode: string;
  shuffleWorkflowId: string;
  enabled?: boolean | null;
}

const ORDER = [
  { column: 'customer_code', direction: 'ASC', value: (n: NotificationSettingRow) => n.customerCode },
  { column: 'id', direction: 'ASC', value: (n: NotificationSettingRow) => n.id },
] as const;

/** Which Shuffle workflows a customer's alerts trigger. Customer-scoped like the alerts themselves. */
export class NotificationService extends ScopedService<IncidentsContext> {
  async list(
    args: ConnectionArgs,
    filter?: NotificationSettingFilter | null,
  ): Promise<Connection<NotificationSettingRow>> {
    requireConfigReader(this.principal);
    const visible = customerCondition(this.principal, 'ns.customer_code');
    const query = this.dataSource
      .getRepository(NotificationSettingEntity)
      .createQueryBuilder('ns')
      .where(visible.sql, visible.params);
    if (filter?.customerCode) query.andWhere('ns.customer_code = :ns_customer', { ns_customer: filter.customerCode });
    if (filter?.enabled !== null && filter?.enabled !== undefined)
      query.andWhere('ns.enabled = :ns_enabled', { ns_enabled: filter.enabled });
    return paginate(query, args, qualified('ns', ORDER));
  }

  async create(input: CreateNotificationSettingInput): Promise<NotificationSettingRow> {
    requireConfigWriter(this.principal);
    const customerCode = text(input.customerCode, 'input.customerCode', CUSTOMER_CODE_RULE);
    const shuffleWorkflowId = text(input.shuffleWorkflowId, 'input.shuffleWorkflowId', { max: 255 });
    requireCustomerInScope(this.principal, customerCode);
    return writeTransaction(
      this.dataSource,
      `Customer ${customerCode} already notifies workflow ${shuffleWorkflowId}`,
      async (tx) => {
        const saved = await tx
          .getRepository(NotificationSettingEntity)
          .save({ customerCode, shuffleWorkflowId, enabled: input.enabled ?? true });
        return tx.getRepository(NotificationSettingEntity).findOneByOrFail({ id: saved.id });
      },
    );
  }

  async setEnabled(id: string, enabled: boolean): Promise<NotificationSettingRow> {
    requireConfigWriter(this.principal);
    return writeTransaction(this.dataSource, 'Notification setting changed meanwhile', async (tx) => {
      const row = await this.lock(tx, id);
      await tx.getRepository(NotificationSettingEntity).update({ id: row.id }, { enabled });
      return tx.getRepository(NotificationSettingEntity).findOneByOrFail({ id: row.id });
    });
  }

  async delete(id: string): Promise<number> {
    requireConfigWriter(this.principal);
    return writeTransaction(this.dataSource, 'Notification setting changed meanwhile', async (tx) => {
      const row = await this.lock(tx, id);
      await tx.getRepository(NotificationSettingEntity).delete({ id: row.id });
      return row.id;
    });
  }

  /** A row outside the writer's customers looks exactly like a missing one. */
  private lock(tx: EntityManager, id: string): Promise<NotificationSettingRow> {
    return lockVisible(tx, NotificationSettingEntity, id, 'NotificationSetting', (row) =>
      canSeeCustomer(this.principal, row.customerCode),
    );
  }
}
