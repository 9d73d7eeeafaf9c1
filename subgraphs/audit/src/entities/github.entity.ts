import { EntitySchema } from 'typeorm';

/** A GitHub organisation audited for a customer; the token is write-only (never selected). */
export interface GithubAuditConfigRow {
  id: number;
  customerCode: string;
  organization: string;
  githubToken?: string;
  filters: Record<string, unknown>;
  notifyOnCritical: boolean;
  minimumScoreThreshold: number;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const GithubAuditConfigEntity = new EntitySchema<GithubAuditConfigRow>({
  name: 'GithubAuditConfig',
  tableName: 'github_audit_config',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
    organization: { type: 'varchar', length: 255 },
    // select: false keeps the token out of every read; only writes name it.
    githubToken: { name: 'github_token', type: 'text', select: false },
    filters: { type: 'jsonb' },
    notifyOnCritical: { name: 'notify_on_critical', type: 'boolean' },
    minimumScoreThreshold: { name: 'minimum_score_threshold', type: 'int' },
    enabled: { type: 'boolean' },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3, createDate: true },
    updatedAt: { name: 'updated_at', type: 'timestamptz', precision: 3, updateDate: true },
  },
});

/** One audit run's results for an organisation. */
export interface GithubAuditReportRow {
  id: number;
  configId: number;
  organization: string;
  status: string;
  totalChecks: number;
  passedChecks: number;
  failedChecks: number;
  criticalFindings: number;
  score: number | null;
  summary: Record<string, unknown> | null;
  findings: unknown;
  createdAt: Date;
  completedAt: Date | null;
}

export const GithubAuditReportEntity = new EntitySchema<GithubAuditReportRow>({
  name: 'GithubAuditReport',
  tableName: 'github_audit_report',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    configId: { name: 'config_id', type: 'int' },
    organization: { type: 'varchar', length: 255 },
    status: { type: 'varchar', length: 20 },
    totalChecks: { name: 'total_checks', type: 'int' },
    passedChecks: { name: 'passed_checks', type: 'int' },
    failedChecks: { name: 'failed_checks', type: 'int' },
    criticalFindings: { name: 'critical_findings', type: 'int' },
    score: { type: 'int', nullable: true },
    summary: { type: 'jsonb', nullable: true },
    findings: { type: 'jsonb', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3, createDate: true },
    completedAt: { name: 'completed_at', type: 'timestamptz', precision: 3, nullable: true },
  },
});

/** A check excluded from an organisation's audits, with who approved it and until when. */
export interface GithubAuditCheckExclusionRow {
  id: number;
  configId: number | null;
  customerCode: string;
  checkId: string;
  resourceType: string | null;
  resourceName: string | null;
  reason: string;
  approvedBy: string | null;
  expiresAt: Date | null;
  enabled: boolean;
  createdAt: Date;
}

export const GithubAuditCheckExclusionEntity = new EntitySchema<GithubAuditCheckExclusionRow>({
  name: 'GithubAuditCheckExclusion',
  tableName: 'github_audit_check_exclusion',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    configId: { name: 'config_id', type: 'int', nullable: true },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
    checkId: { name: 'check_id', type: 'varchar', length: 100 },
    resourceType: { name: 'resource_type', type: 'varchar', length: 50, nullable: true },
    resourceName: { name: 'resource_name', type: 'varchar', length: 255, nullable: true },
    reason: { type: 'text' },
    approvedBy: { name: 'approved_by', type: 'varchar', length: 150, nullable: true },
    expiresAt: { name: 'expires_at', type: 'timestamptz', precision: 3, nullable: true },
    enabled: { type: 'boolean' },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3, createDate: true },
  },
});

/** The expected state of an organisation's checks, optionally taken from a report. */
export interface GithubAuditBaselineRow {
  id: number;
  configId: number;
  customerCode: string;
  name: string;
  description: string | null;
  expectedChecks: unknown;
  baselineReportId: number | null;
  isActive: boolean;
  createdAt: Date;
}

export const GithubAuditBaselineEntity = new EntitySchema<GithubAuditBaselineRow>({
  name: 'GithubAuditBaseline',
  tableName: 'github_audit_baseline',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    configId: { name: 'config_id', type: 'int' },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
    name: { type: 'varchar', length: 255 },
    description: { type: 'text', nullable: true },
    expectedChecks: { name: 'expected_checks', type: 'jsonb' },
    baselineReportId: { name: 'baseline_report_id', type: 'int', nullable: true },
    isActive: { name: 'is_active', type: 'boolean' },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3, createDate: true },
  },
});

export const githubEntities = [
  GithubAuditConfigEntity,
  GithubAuditReportEntity,
  GithubAuditCheckExclusionEntity,
  GithubAuditBaselineEntity,
];
