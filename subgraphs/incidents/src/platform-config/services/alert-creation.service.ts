import {
  badUserInput,
  canSeeCustomer,
  customerCondition,
  optionalText,
  orNotFound,
  paginate,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { IncidentsContext } from '../../context';
import {
  AlertCreationConditionEntity,
  AlertCreationEventConfigEntity,
  AlertCreationEventOrderEntity,
  AlertCreationSettingsEntity,
  type AlertCreationConditionRow,
  type AlertCreationEventConfigRow,
  type AlertCreationSettingsRow,
} from '../entities';
import {
  boundedList,
  CUSTOMER_CODE_RULE,
  jsonObject,
  qualified,
  requireConfigReader,
  requireConfigWriter,
  requireCustomerInScope,
  writeTransaction,
} from './common';

export interface AlertCreationConditionInput {
  fieldName: string;
  fieldValue: string;
}

export interface AlertCreationEventConfigInput {
  eventId: string;
  field: string;
  value: string;
}

export interface AlertCreationEventOrderInput {
  orderLabel: string;
  conditions?: AlertCreationConditionInput[] | null;
  eventConfigs?: AlertCreationEventConfigInput[] | null;
}

export interface AlertCreationSettingsInput {
  customerCode: string;
  excludedWazuhRules?: string | null;
  office365OrganizationId?: string | null;
  nvdUrl?: string | null;
  customIntegrationUrls?: Record<string, unknown> | null;
  eventOrders?: AlertCreationEventOrderInput[] | null;
}

const MAX_EVENT_ORDERS = 50;
const MAX_CHILDREN = 100;
const URL_RULE = { max: 1024, pattern: /^https?:\/\/\S+$/, patternHint: 'must be an http(s) URL' };

const ORDER = [
  { column: 'customer_code', direction: 'ASC', value: (s: AlertCreationSettingsRow) => s.customerCode },
  { column: 'id', direction: 'ASC', value: (s: AlertCreationSettingsRow) => s.id },
] as const;

type CheckedOrder = {
  orderLabel: string;
  conditions: Omit<AlertCreationConditionRow, 'id' | 'eventOrderId'>[];
  eventConfigs: Omit<AlertCreationEventConfigRow, 'id' | 'eventOrderId'>[];
};

/** Names integrations to the URLs alerts are created from: string values only. */
function integrationUrls(value: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const urls = jsonObject(value, 'input.customIntegrationUrls');
  for (const [name, url] of Object.entries(urls)) {
    if (typeof url !== 'string' || url.length > 1024)
      throw badUserInput(
        `customIntegrationUrls.${name} must be a string of at most 1024 characters`,
        'input.customIntegrationUrls',
      );
  }
  return urls;
}

/** Every string of the tree checked against its column before anything is written. */
function checkOrders(orders: AlertCreationSettingsInput['eventOrders']): CheckedOrder[] {
  return boundedList(orders, 'input.eventOrders', MAX_EVENT_ORDERS).map((order, i) => {
    const at = `input.eventOrders.${i}`;
    return {
      orderLabel: text(order.orderLabel, `${at}.orderLabel`, { max: 255 }),
      conditions: boundedList(order.conditions, `${at}.conditions`, MAX_CHILDREN).map((c, j) => ({
        fieldName: text(c.fieldName, `${at}.conditions.${j}.fieldName`, { max: 255 }),
        fieldValue: text(c.fieldValue, `${at}.conditions.${j}.fieldValue`, { max: 1024 }),
      })),
      eventConfigs: boundedList(order.eventConfigs, `${at}.eventConfigs`, MAX_CHILDREN).map((c, j) => ({
        eventId: text(c.eventId, `${at}.eventConfigs.${j}.eventId`, { max: 255 }),
        field: text(c.field, `${at}.eventConfigs.${j}.field`, { max: 255 }),
        value: text(c.value, `${at}.eventConfigs.${j}.value`, { max: 1024 }),
      })),
    };
  });
}

/** Per-customer alert-creation settings with their nested event orders, conditions and event configs. */
export class AlertCreationService extends ScopedService<IncidentsContext> {
  async list(args: ConnectionArgs): Promise<Connection<AlertCreationSettingsRow>> {
    requireConfigReader(this.principal);
    const visible = customerCondition(this.principal, 'acs.customer_code');
    const query = this.dataSource
      .getRepository(AlertCreationSettingsEntity)
      .createQueryBuilder('acs')
      .where(visible.sql, visible.params);
    return paginate(query, args, qualified('acs', ORDER));
  }

  async byCustomer(customerCode: string): Promise<AlertCreationSettingsRow | null> {
    requireConfigReader(this.principal);
    if (!canSeeCustomer(this.principal, customerCode)) return null;
    return this.scope.socConfig.loaders.alertCreationSettingsByCustomer.load(customerCode);
  }

  /**
   * Creates or replaces a customer's settings as a whole: omitted fields become empty and the
   * event-order tree is deleted and rewritten, all in one transaction, so readers see the old
   * tree or the new one, never a mix.
   */
  async upsert(input: AlertCreationSettingsInput): Promise<AlertCreationSettingsRow> {
    requireConfigWriter(this.principal);
    const customerCode = text(input.customerCode, 'input.customerCode', CUSTOMER_CODE_RULE);
    const values = [
      customerCode,
      optionalText(input.excludedWazuhRules, 'input.excludedWazuhRules', { max: 10_000 }),
      optionalText(input.office365OrganizationId, 'input.office365OrganizationId', { max: 255 }),
      optionalText(input.nvdUrl, 'input.nvdUrl', URL_RULE),
      JSON.stringify(integrationUrls(input.customIntegrationUrls)),
    ];
    const orders = checkOrders(input.eventOrders);
    requireCustomerInScope(this.principal, customerCode);

    const saved = await writeTransaction(
      this.dataSource,
      `Settings of ${customerCode} changed meanwhile`,
      async (tx) => {
        // The upsert locks the customer's row, so concurrent replacements run one after the other.
        const [row] = (await tx.query(
          `INSERT INTO incidents.custom_alert_creation_settings
           (customer_code, excluded_wazuh_rules, office365_organization_id, nvd_url, custom_integration_urls)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (customer_code) DO UPDATE SET excluded_wazuh_rules = EXCLUDED.excluded_wazuh_rules,
           office365_organization_id = EXCLUDED.office365_organization_id, nvd_url = EXCLUDED.nvd_url,
           custom_integration_urls = EXCLUDED.custom_integration_urls, updated_at = now()
         RETURNING id`,
          values,
        )) as { id: number }[];
        const settingsId = row!.id;
        // Conditions and event configs cascade with their event orders.
        await tx.getRepository(AlertCreationEventOrderEntity).delete({ settingsId });
        const conditions: Omit<AlertCreationConditionRow, 'id'>[] = [];
        const eventConfigs: Omit<AlertCreationEventConfigRow, 'id'>[] = [];
        // One order at a time, so each child is attached to the id its own insert returned.
        for (const order of orders) {
          const { id: eventOrderId } = await tx
            .getRepository(AlertCreationEventOrderEntity)
            .save({ settingsId, orderLabel: order.orderLabel });
          conditions.push(...order.conditions.map((c) => ({ ...c, eventOrderId })));
          eventConfigs.push(...order.eventConfigs.map((c) => ({ ...c, eventOrderId })));
        }
        if (conditions.length) await tx.getRepository(AlertCreationConditionEntity).insert(conditions);
        if (eventConfigs.length) await tx.getRepository(AlertCreationEventConfigEntity).insert(eventConfigs);
        return tx.getRepository(AlertCreationSettingsEntity).findOneByOrFail({ id: settingsId });
      },
    );
    this.scope.socConfig.loaders.alertCreationSettingsByCustomer.clear(customerCode);
    this.scope.socConfig.loaders.eventOrdersBySettingsId.clear(saved.id);
    return saved;
  }

  async delete(customerCode: string): Promise<number> {
    requireConfigWriter(this.principal);
    const deleted = await writeTransaction(
      this.dataSource,
      `Settings of ${customerCode} changed meanwhile`,
      async (tx) => {
        const found = await tx
          .getRepository(AlertCreationSettingsEntity)
          .createQueryBuilder('acs')
          .where('acs.customer_code = :code', { code: customerCode })
          .setLock('pessimistic_write')
          .getOne();
        const visible = found && canSeeCustomer(this.principal, found.customerCode) ? found : null;
        const row = orNotFound(visible, 'AlertCreationSettings', customerCode);
        await tx.getRepository(AlertCreationSettingsEntity).delete({ id: row.id });
        return row;
      },
    );
    this.scope.socConfig.loaders.alertCreationSettingsByCustomer.clear(deleted.customerCode);
    return deleted.id;
  }
}
