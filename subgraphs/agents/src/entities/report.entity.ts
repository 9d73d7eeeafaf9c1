import { EntitySchema, type EntitySchemaColumnOptions } from 'typeorm';

/** Where a stored file is in the object store (seed 004's storage columns). */
export interface StoredFile {
  bucketName: string;
  objectKey: string;
  fileName: string;
  contentType: string | null;
  fileSize: number;
  fileHash: string;
}

const storageColumns: Record<keyof StoredFile, EntitySchemaColumnOptions> = {
  bucketName: { name: 'bucket_name', type: 'varchar', length: 255 },
  objectKey: { name: 'object_key', type: 'varchar', length: 1024 },
  fileName: { name: 'file_name', type: 'varchar', length: 255 },
  contentType: { name: 'content_type', type: 'varchar', length: 255, nullable: true },
  // bigint arrives as a string; sizes stay far below 2^53
  fileSize: {
    name: 'file_size',
    type: 'bigint',
    transformer: { to: (v: number) => v, from: (v: string) => Number(v) },
  },
  fileHash: { name: 'file_hash', type: 'varchar', length: 64 },
};

interface ReportBase extends StoredFile {
  id: number;
  reportName: string;
  customerCode: string;
  agentId: string | null;
  generatedAt: Date;
  generatedBy: string;
  status: string;
  errorMessage: string | null;
}

const reportColumns = {
  id: { type: 'int', primary: true, generated: 'increment' },
  reportName: { name: 'report_name', type: 'varchar', length: 255 },
  customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
  agentId: { name: 'agent_id', type: 'varchar', length: 255, nullable: true },
  ...storageColumns,
  generatedAt: { name: 'generated_at', type: 'timestamptz', precision: 3 },
  generatedBy: { name: 'generated_by', type: 'varchar', length: 150 },
  status: { type: 'varchar', length: 20 },
  errorMessage: { name: 'error_message', type: 'text', nullable: true },
} satisfies Record<keyof ReportBase, EntitySchemaColumnOptions>;

/** A generated vulnerability report of one customer (seed 004's `vulnerability_reports`). */
export interface VulnerabilityReportRow extends ReportBase {
  severityFilter: string | null;
  totalVulnerabilities: number;
  criticalCount: number;
  highCount: number;
  mediumCount: number;
  lowCount: number;
}

export const VulnerabilityReportEntity = new EntitySchema<VulnerabilityReportRow>({
  name: 'VulnerabilityReport',
  tableName: 'vulnerability_reports',
  columns: {
    ...reportColumns,
    severityFilter: { name: 'severity_filter', type: 'varchar', length: 20, nullable: true },
    totalVulnerabilities: { name: 'total_vulnerabilities', type: 'int' },
    criticalCount: { name: 'critical_count', type: 'int' },
    highCount: { name: 'high_count', type: 'int' },
    mediumCount: { name: 'medium_count', type: 'int' },
    lowCount: { name: 'low_count', type: 'int' },
  },
});

/** A generated security configuration assessment (SCA) report (seed 004's `sca_reports`). */
export interface ScaReportRow extends ReportBase {
  policyFilter: string | null;
  totalPolicies: number;
  totalChecks: number;
  passedCount: number;
  failedCount: number;
  notApplicableCount: number;
  averageScore: string | null;
}

export const ScaReportEntity = new EntitySchema<ScaReportRow>({
  name: 'ScaReport',
  tableName: 'sca_reports',
  columns: {
    ...reportColumns,
    policyFilter: { name: 'policy_filter', type: 'varchar', length: 255, nullable: true },
    totalPolicies: { name: 'total_policies', type: 'int' },
    totalChecks: { name: 'total_checks', type: 'int' },
    passedCount: { name: 'passed_count', type: 'int' },
    failedCount: { name: 'failed_count', type: 'int' },
    notApplicableCount: { name: 'not_applicable_count', type: 'int' },
    averageScore: { name: 'average_score', type: 'numeric', precision: 5, scale: 2, nullable: true },
  },
});

/** An artefact collected from an endpoint agent, e.g. a Velociraptor flow's files (seed 004's `agent_datastore`). */
export interface EndpointArtifactRow extends StoredFile {
  id: number;
  agentId: string;
  velociraptorId: string | null;
  artifactName: string;
  flowId: string | null;
  status: string;
  collectedBy: string;
  uploadTime: Date;
}

export const EndpointArtifactEntity = new EntitySchema<EndpointArtifactRow>({
  name: 'EndpointArtifact',
  tableName: 'agent_datastore',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    agentId: { name: 'agent_id', type: 'varchar', length: 255 },
    velociraptorId: { name: 'velociraptor_id', type: 'varchar', length: 255, nullable: true },
    artifactName: { name: 'artifact_name', type: 'varchar', length: 255 },
    flowId: { name: 'flow_id', type: 'varchar', length: 255, nullable: true },
    ...storageColumns,
    status: { type: 'varchar', length: 20 },
    collectedBy: { name: 'collected_by', type: 'varchar', length: 150 },
    uploadTime: { name: 'upload_time', type: 'timestamptz', precision: 3 },
  },
});
