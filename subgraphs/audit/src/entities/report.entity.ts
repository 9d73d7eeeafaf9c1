import { EntitySchema } from 'typeorm';

/** A generated compliance report; `reportHash` is SHA-256 over the canonical report data. */
export interface ComplianceReportRow {
  id: number;
  reportType: string;
  periodStart: Date;
  periodEnd: Date;
  totalRecords: number;
  reportData: Record<string, unknown>;
  reportHash: string;
  generatedBy: string | null;
  createdAt: Date;
}

export const ComplianceReportEntity = new EntitySchema<ComplianceReportRow>({
  name: 'ComplianceReport',
  tableName: 'compliance_reports',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    reportType: { name: 'report_type', type: 'varchar', length: 50 },
    periodStart: { name: 'report_period_start', type: 'timestamptz', precision: 3 },
    periodEnd: { name: 'report_period_end', type: 'timestamptz', precision: 3 },
    totalRecords: { name: 'total_records', type: 'int' },
    reportData: { name: 'report_data', type: 'jsonb' },
    reportHash: { name: 'report_hash', type: 'varchar', length: 64 },
    generatedBy: { name: 'generated_by', type: 'varchar', length: 150, nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3, createDate: true },
  },
});

/** How long one table's rows are kept (data_retention_policies). */
export interface RetentionPolicyRow {
  id: number;
  tableName: string;
  retentionPeriodDays: number;
  archiveAfterDays: number | null;
  deleteAfterDays: number | null;
  lastCleanupAt: Date | null;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const RetentionPolicyEntity = new EntitySchema<RetentionPolicyRow>({
  name: 'RetentionPolicy',
  tableName: 'data_retention_policies',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    tableName: { name: 'table_name', type: 'varchar', length: 100 },
    retentionPeriodDays: { name: 'retention_period_days', type: 'int' },
    archiveAfterDays: { name: 'archive_after_days', type: 'int', nullable: true },
    deleteAfterDays: { name: 'delete_after_days', type: 'int', nullable: true },
    lastCleanupAt: { name: 'last_cleanup_at', type: 'timestamptz', precision: 3, nullable: true },
    isActive: { name: 'is_active', type: 'boolean' },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3, createDate: true },
    updatedAt: { name: 'updated_at', type: 'timestamptz', precision: 3, updateDate: true },
  },
});

/** One application log line (logs), searchable by full text. */
export interface LogEntryRow {
  id: string;
  createdAt: Date;
  level: string;
  component: string;
  message: string;
  requestId: string | null;
  durationMs: number | null;
  extra: Record<string, unknown> | null;
  source: string;
}

export const LogEntryEntity = new EntitySchema<LogEntryRow>({
  name: 'LogEntry',
  tableName: 'logs',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
    level: { type: 'varchar', length: 10 },
    component: { type: 'varchar', length: 50 },
    message: { type: 'text' },
    requestId: { name: 'request_id', type: 'varchar', length: 64, nullable: true },
    durationMs: { name: 'duration_ms', type: 'int', nullable: true },
    extra: { type: 'jsonb', nullable: true },
    source: { type: 'varchar', length: 10 },
  },
});
