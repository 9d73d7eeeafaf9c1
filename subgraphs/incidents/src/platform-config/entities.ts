import { EntitySchema } from 'typeorm';
import { storedFileColumns, type StoredFileRow } from '../entities/case.entity';

/**
 * Configuration of the SOC platform kept by incidents: notifications, sigma exclusions and
 * queries, field mappings, alert-creation settings and monitoring alerts. Report templates are
 * stored files, like case files.
 */

export interface ReportTemplateRow extends StoredFileRow {
  name: string;
}

export const ReportTemplateEntity = new EntitySchema<ReportTemplateRow>({
  name: 'ReportTemplate',
  tableName: 'incident_management_case_report_template_datastore',
  columns: { ...storedFileColumns, name: { name: 'report_template_name', type: 'varchar', length: 255 } },
});

/** Which Shuffle workflow fires for a customer's alerts. */
export interface NotificationSettingRow {
  id: number;
  customerCode: string;
  shuffleWorkflowId: string;
  enabled: boolean;
}

export const NotificationSettingEntity = new EntitySchema<NotificationSettingRow>({
  name: 'NotificationSetting',
  tableName: 'incident_management_notification',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
    shuffleWorkflowId: { name: 'shuffle_workflow_id', type: 'varchar', length: 255 },
    enabled: { type: 'boolean', default: true },
  },
});

/** A value a sigma match's field must equal. */
export type FieldMatchValue = string | number | boolean;

/** Velociraptor sigma matches to drop; a null customer applies to every customer. */
export interface SigmaExclusionRow {
  id: number;
  name: string;
  description: string | null;
  channel: string | null;
  title: string | null;
  fieldMatches: Record<string, FieldMatchValue>;
  customerCode: string | null;
  createdBy: string;
  createdAt: Date;
  lastMatchedAt: Date | null;
  matchCount: number;
  enabled: boolean;
}

export const SigmaExclusionEntity = new EntitySchema<SigmaExclusionRow>({
  name: 'SigmaExclusion',
  tableName: 'incident_management_velo_sigma_exclusion',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { type: 'varchar', length: 255 },
    description: { type: 'text', nullable: true },
    channel: { type: 'varchar', length: 255, nullable: true },
    title: { type: 'varchar', length: 255, nullable: true },
    fieldMatches: { name: 'field_matches', type: 'jsonb', default: {} },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50, nullable: true },
    createdBy: { name: 'created_by', type: 'varchar', length: 64 },
    createdAt: { name: 'created_at', type: 'timestamptz', default: () => 'now()' },
    lastMatchedAt: { name: 'last_matched_at', type: 'timestamptz', nullable: true },
    matchCount: { name: 'match_count', type: 'int', default: 0 },
    enabled: { type: 'boolean', default: true },
  },
});

/** The six kinds of per-source field names, and the table each lives in. */
export const FIELD_MAPPING_TABLES = {
  FIELD: 'incident_management_fieldname',
  ASSET: 'incident_management_assetfieldname',
  TIMESTAMP: 'incident_management_timestampfieldname',
  ALERT_TITLE: 'incident_management_alerttitlefieldname',
  IOC: 'incident_management_iocfieldname',
  CUSTOMER_CODE: 'incident_management_customercodefieldname',
} as const;
export type FieldMappingKind = keyof typeof FIELD_MAPPING_TABLES;
export const FIELD_MAPPING_KINDS = Object.keys(FIELD_MAPPING_TABLES) as FieldMappingKind[];

/** One row of any of the six tables; `kind` is which table it came from, not a column. */
export interface FieldMappingRow {
  id: number;
  source: string;
  fieldName: string;
}

/** The six tables share one shape, so one factory makes their entities. */
function fieldMappingEntity(kind: FieldMappingKind): EntitySchema<FieldMappingRow> {
  const pascal = kind
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
  return new EntitySchema<FieldMappingRow>({
    name: `${pascal}FieldMapping`,
    tableName: FIELD_MAPPING_TABLES[kind],
    columns: {
      id: { type: 'int', primary: true, generated: 'increment' },
      source: { type: 'varchar', length: 50 },
      fieldName: { name: 'field_name', type: 'varchar', length: 255 },
    },
  });
}

export const FieldMappingEntities = Object.fromEntries(
  FIELD_MAPPING_KINDS.map((kind) => [kind, fieldMappingEntity(kind)]),
) as Record<FieldMappingKind, EntitySchema<FieldMappingRow>>;

/** How alerts are created for one customer; the event orders below it are replaced as a whole. */
export interface AlertCreationSettingsRow {
  id: number;
  customerCode: string;
  excludedWazuhRules: string | null;
  office365OrganizationId: string | null;
  nvdUrl: string | null;
  customIntegrationUrls: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export const AlertCreationSettingsEntity = new EntitySchema<AlertCreationSettingsRow>({
  name: 'AlertCreationSettings',
  tableName: 'custom_alert_creation_settings',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
    excludedWazuhRules: { name: 'excluded_wazuh_rules', type: 'text', nullable: true },
    office365OrganizationId: { name: 'office365_organization_id', type: 'varchar', length: 255, nullable: true },
    nvdUrl: { name: 'nvd_url', type: 'varchar', length: 1024, nullable: true },
    customIntegrationUrls: { name: 'custom_integration_urls', type: 'jsonb', default: {} },
    createdAt: { name: 'created_at', type: 'timestamptz', default: () => 'now()' },
    updatedAt: { name: 'updated_at', type: 'timestamptz', default: () => 'now()' },
  },
});

export interface AlertCreationEventOrderRow {
  id: number;
  settingsId: number;
  orderLabel: string;
}

export const AlertCreationEventOrderEntity = new EntitySchema<AlertCreationEventOrderRow>({
  name: 'AlertCreationEventOrder',
  tableName: 'custom_alert_creation_event_order',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    settingsId: { name: 'alert_creation_settings_id', type: 'int' },
    orderLabel: { name: 'order_label', type: 'varchar', length: 255 },
  },
});

export interface AlertCreationConditionRow {
  id: number;
  eventOrderId: number;
  fieldName: string;
  fieldValue: string;
}

export const AlertCreationConditionEntity = new EntitySchema<AlertCreationConditionRow>({
  name: 'AlertCreationCondition',
  tableName: 'custom_alert_creation_condition',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    eventOrderId: { name: 'event_order_id', type: 'int' },
    fieldName: { name: 'field_name', type: 'varchar', length: 255 },
    fieldValue: { name: 'field_value', type: 'varchar', length: 1024 },
  },
});

export interface AlertCreationEventConfigRow {
  id: number;
  eventOrderId: number;
  eventId: string;
  field: string;
  value: string;
}

export const AlertCreationEventConfigEntity = new EntitySchema<AlertCreationEventConfigRow>({
  name: 'AlertCreationEventConfig',
  tableName: 'custom_alert_creation_event_config',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    eventOrderId: { name: 'event_order_id', type: 'int' },
    eventId: { name: 'event_id', type: 'varchar', length: 255 },
    field: { type: 'varchar', length: 255 },
    value: { type: 'varchar', length: 1024 },
  },
});

/** A SIEM alert already turned into an incident alert, keyed by where it came from. */
export interface MonitoringAlertRow {
  id: number;
  alertId: string;
  alertIndex: string;
  customerCode: string;
  alertSource: string;
  createdAt: Date;
}

export const MonitoringAlertEntity = new EntitySchema<MonitoringAlertRow>({
  name: 'MonitoringAlert',
  tableName: 'monitoring_alerts',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    alertId: { name: 'alert_id', type: 'varchar', length: 255 },
    alertIndex: { name: 'alert_index', type: 'varchar', length: 255 },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
    alertSource: { name: 'alert_source', type: 'varchar', length: 50 },
    createdAt: { name: 'created_at', type: 'timestamptz', default: () => 'now()' },
  },
});

/** A sigma rule run on a schedule against the SIEM. */
export interface SigmaQueryRow {
  id: number;
  ruleName: string;
  ruleQuery: string;
  active: boolean;
  timeInterval: string;
  lastExecutionTime: Date | null;
  createdAt: Date;
}

export const SigmaQueryEntity = new EntitySchema<SigmaQueryRow>({
  name: 'SigmaQuery',
  tableName: 'sigma_queries',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    ruleName: { name: 'rule_name', type: 'varchar', length: 255 },
    ruleQuery: { name: 'rule_query', type: 'text' },
    active: { type: 'boolean', default: true },
    timeInterval: { name: 'time_interval', type: 'varchar', length: 20, default: '5m' },
    lastExecutionTime: { name: 'last_execution_time', type: 'timestamptz', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', default: () => 'now()' },
  },
});

export const configEntities = [
  ReportTemplateEntity,
  NotificationSettingEntity,
  SigmaExclusionEntity,
  ...Object.values(FieldMappingEntities),
  AlertCreationSettingsEntity,
  AlertCreationEventOrderEntity,
  AlertCreationConditionEntity,
  AlertCreationEventConfigEntity,
  MonitoringAlertEntity,
  SigmaQueryEntity,
];
