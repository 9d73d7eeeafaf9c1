import { badUserInput, notFound, optionalText, requireAdmin, rowLoader, ScopedService, text } from '@socgraph/shared';
import type { RequestScope } from '../context';
import { CUSTOMER_CODE_RULE } from './customer.service';
import { sealSecret } from './stored-secrets';

/**
 * Seed 004's `customersmeta`: where each customer lives in the SOC's tools. Admins only, read
 * and write; the Wazuh enrolment password is sealed on write and never read back.
 */

export interface CustomerMetaInput {
  graylogIndex?: string | null;
  graylogStream?: string | null;
  grafanaOrgId?: string | null;
  grafanaDashboardFolderId?: string | null;
  wazuhGroup?: string | null;
  indexRetentionDays?: number | null;
  wazuhRegistrationPort?: number | null;
  wazuhLogIngestionPort?: number | null;
  wazuhAuthPassword?: string | null;
  irisCustomerId?: string | null;
  office365OrganizationId?: string | null;
  portainerStackId?: number | null;
}

interface RawCustomerMeta {
  customer_code: string;
  customer_meta_graylog_index: string | null;
  customer_meta_graylog_stream: string | null;
  customer_meta_grafana_org_id: string | null;
  customer_meta_grafana_dashboard_folder_id: string | null;
  customer_meta_wazuh_group: string | null;
  customer_meta_index_retention: number | null;
  customer_meta_wazuh_registration_port: number | null;
  customer_meta_wazuh_log_ingestion_port: number | null;
  has_wazuh_auth_password: boolean;
  customer_meta_iris_customer_id: string | null;
  customer_meta_office365_organization_id: string | null;
  customer_meta_portainer_stack_id: number | null;
  updated_at: Date;
  updated_by: string | null;
}

const COLUMNS = `customer_code, customer_meta_graylog_index, customer_meta_graylog_stream, customer_meta_grafana_org_id,
  customer_meta_grafana_dashboard_folder_id, customer_meta_wazuh_group, customer_meta_index_retention,
  customer_meta_wazuh_registration_port, customer_meta_wazuh_log_ingestion_port,
  customer_meta_wazuh_auth_password IS NOT NULL AS has_wazuh_auth_password, customer_meta_iris_customer_id,
  customer_meta_office365_organization_id, customer_meta_portainer_stack_id, updated_at, updated_by`;

const metaOut = (r: RawCustomerMeta) => ({
  customerCode: r.customer_code,
  graylogIndex: r.customer_meta_graylog_index,
  graylogStream: r.customer_meta_graylog_stream,
  grafanaOrgId: r.customer_meta_grafana_org_id,
  grafanaDashboardFolderId: r.customer_meta_grafana_dashboard_folder_id,
  wazuhGroup: r.customer_meta_wazuh_group,
  indexRetentionDays: r.customer_meta_index_retention,
  wazuhRegistrationPort: r.customer_meta_wazuh_registration_port,
  wazuhLogIngestionPort: r.customer_meta_wazuh_log_ingestion_port,
  hasWazuhAuthPassword: r.has_wazuh_auth_password,
  irisCustomerId: r.customer_meta_iris_customer_id,
  office365OrganizationId: r.customer_meta_office365_organization_id,
  portainerStackId: r.customer_meta_portainer_stack_id,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});
export type CustomerMetaOut = ReturnType<typeof metaOut>;

type TextField =
  | 'graylogIndex'
  | 'graylogStream'
  | 'grafanaOrgId'
  | 'grafanaDashboardFolderId'
  | 'wazuhGroup'
  | 'irisCustomerId'
  | 'office365OrganizationId';
type IntField = 'indexRetentionDays' | 'wazuhRegistrationPort' | 'wazuhLogIngestionPort' | 'portainerStackId';

/** Input field → column and rule; one table drives validation and the upsert alike. */
const TEXT_FIELDS: Record<TextField, { column: string; max: number }> = {
  graylogIndex: { column: 'customer_meta_graylog_index', max: 255 },
  graylogStream: { column: 'customer_meta_graylog_stream', max: 255 },
  grafanaOrgId: { column: 'customer_meta_grafana_org_id', max: 100 },
  grafanaDashboardFolderId: { column: 'customer_meta_grafana_dashboard_folder_id', max: 100 },
  wazuhGroup: { column: 'customer_meta_wazuh_group', max: 100 },
  irisCustomerId: { column: 'customer_meta_iris_customer_id', max: 100 },
  office365OrganizationId: { column: 'customer_meta_office365_organization_id', max: 100 },
};
const INT_FIELDS: Record<IntField, { column: string; min: number; max: number }> = {
  indexRetentionDays: { column: 'customer_meta_index_retention', min: 1, max: 36_500 },
  wazuhRegistrationPort: { column: 'customer_meta_wazuh_registration_port', min: 1, max: 65_535 },
  wazuhLogIngestionPort: { column: 'customer_meta_wazuh_log_ingestion_port', min: 1, max: 65_535 },
  portainerStackId: { column: 'customer_meta_portainer_stack_id', min: 0, max: 2_147_483_647 },
};

export class CustomerMetaService extends ScopedService<RequestScope> {
  /** Many customers' metadata in one statement (`customers { meta }`). */
  private readonly byCode = rowLoader(
    async (codes: readonly string[]) =>
      (await this.dataSource.query(
        `SELECT ${COLUMNS} FROM identity.customersmeta WHERE customer_code = ANY($1::text[])`,
        [[...codes]],
      )) as RawCustomerMeta[],
    (row) => row.customer_code,
  );

  async of(customerCode: string): Promise<CustomerMetaOut | null> {
    requireAdmin(this.principal);
    const row = await this.byCode.load(customerCode);
    return row ? metaOut(row) : null;
  }

  async update(customerCode: string, input: CustomerMetaInput): Promise<CustomerMetaOut> {
    requireAdmin(this.principal);
    const code = text(customerCode, 'customerCode', CUSTOMER_CODE_RULE);
    const changes = new Map<string, unknown>();
    for (const [field, rule] of Object.entries(TEXT_FIELDS) as [TextField, (typeof TEXT_FIELDS)[TextField]][]) {
      if (input[field] !== undefined) changes.set(rule.column, optionalText(input[field], `input.${field}`, rule));
    }
    for (const [field, rule] of Object.entries(INT_FIELDS) as [IntField, (typeof INT_FIELDS)[IntField]][]) {
      const value = input[field];
      if (value === undefined) continue;
      if (value !== null && (value < rule.min || value > rule.max)) {
        throw badUserInput(`input.${field} must be between ${rule.min} and ${rule.max}`, `input.${field}`);
      }
      changes.set(rule.column, value);
    }
    const password = sealSecret(
      this.scope.deps.config,
      input.wazuhAuthPassword,
      'customersmeta',
      'customer_meta_wazuh_auth_password',
      'input.wazuhAuthPassword',
    );
    if (password !== undefined) changes.set('customer_meta_wazuh_auth_password', password);

    const [customer] = (await this.dataSource.query(
      `SELECT customer_code FROM identity.customers WHERE customer_code = $1 FOR KEY SHARE`,
      [code],
    )) as { customer_code: string }[];
    if (!customer) throw notFound('Customer', code);

    const columns = [...changes.keys(), 'updated_by'];
    const values = [...changes.values(), (this.principal.username ?? this.principal.kind).slice(0, 64)];
    const placeholders = columns.map((_, i) => `$${i + 2}`);
    const set = columns.map((c) => `${c} = EXCLUDED.${c}`);
    await this.dataSource.query(
      `INSERT INTO identity.customersmeta (customer_code, ${columns.join(', ')}) VALUES ($1, ${placeholders.join(', ')})
       ON CONFLICT (customer_code) DO UPDATE SET ${set.join(', ')}, updated_at = now()`,
      [code, ...values],
    );
    this.byCode.clear(code);
    return (await this.of(code))!;
  }
}
