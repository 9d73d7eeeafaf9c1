import { EntitySchema } from 'typeorm';

/** An investigation grouping security events (security_incidents). */
export interface SecurityIncidentRow {
  id: string;
  title: string;
  description: string | null;
  severity: string;
  status: string;
  incidentType: string | null;
  affectedResources: unknown;
  securityEventIds: string[];
  assignedTo: string | null;
  falsePositive: boolean;
  analystNotes: string | null;
  detectedAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export const SecurityIncidentEntity = new EntitySchema<SecurityIncidentRow>({
  name: 'SecurityIncident',
  tableName: 'security_incidents',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    title: { type: 'varchar', length: 255 },
    description: { type: 'text', nullable: true },
    severity: { type: 'varchar', length: 20 },
    status: { type: 'varchar', length: 20 },
    incidentType: { name: 'incident_type', type: 'varchar', length: 50, nullable: true },
    affectedResources: { name: 'affected_resources', type: 'jsonb' },
    securityEventIds: { name: 'security_event_ids', type: 'bigint', array: true },
    assignedTo: { name: 'assigned_to', type: 'varchar', length: 150, nullable: true },
    falsePositive: { name: 'false_positive', type: 'boolean' },
    analystNotes: { name: 'analyst_notes', type: 'text', nullable: true },
    detectedAt: { name: 'detected_at', type: 'timestamptz', precision: 3 },
    resolvedAt: { name: 'resolved_at', type: 'timestamptz', precision: 3, nullable: true },
    resolvedBy: { name: 'resolved_by', type: 'varchar', length: 150, nullable: true },
  },
});

/** One observed network flow (network_traffic). */
export interface NetworkFlowRow {
  id: string;
  sourceIp: string;
  destinationIp: string;
  sourcePort: number | null;
  destinationPort: number | null;
  protocol: string;
  bytesTransferred: string;
  packets: number;
  durationMs: number | null;
  isSuspicious: boolean;
  threatIndicators: Record<string, unknown> | null;
  falsePositive: boolean;
  analystNotes: string | null;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  createdAt: Date;
}

export const NetworkFlowEntity = new EntitySchema<NetworkFlowRow>({
  name: 'NetworkFlow',
  tableName: 'network_traffic',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    sourceIp: { name: 'source_ip', type: 'inet' },
    destinationIp: { name: 'destination_ip', type: 'inet' },
    sourcePort: { name: 'source_port', type: 'int', nullable: true },
    destinationPort: { name: 'destination_port', type: 'int', nullable: true },
    protocol: { type: 'varchar', length: 20 },
    bytesTransferred: { name: 'bytes_transferred', type: 'bigint' },
    packets: { type: 'int' },
    durationMs: { name: 'duration_ms', type: 'int', nullable: true },
    isSuspicious: { name: 'is_suspicious', type: 'boolean' },
    threatIndicators: { name: 'threat_indicators', type: 'jsonb', nullable: true },
    falsePositive: { name: 'false_positive', type: 'boolean' },
    analystNotes: { name: 'analyst_notes', type: 'text', nullable: true },
    reviewedBy: { name: 'reviewed_by', type: 'varchar', length: 150, nullable: true },
    reviewedAt: { name: 'reviewed_at', type: 'timestamptz', precision: 3, nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
  },
});

/** A data-quality problem a service found (data_validation_log). */
export interface DataValidationIssueRow {
  id: string;
  source: string;
  tableName: string | null;
  recordId: string | null;
  validationType: string;
  severity: string;
  message: string;
  details: Record<string, unknown> | null;
  isResolved: boolean;
  falsePositive: boolean;
  analystNotes: string | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  createdAt: Date;
}

export const DataValidationIssueEntity = new EntitySchema<DataValidationIssueRow>({
  name: 'DataValidationIssue',
  tableName: 'data_validation_log',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    source: { type: 'varchar', length: 100 },
    tableName: { name: 'table_name', type: 'varchar', length: 100, nullable: true },
    recordId: { name: 'record_id', type: 'varchar', length: 255, nullable: true },
    validationType: { name: 'validation_type', type: 'varchar', length: 50 },
    severity: { type: 'varchar', length: 20 },
    message: { type: 'text' },
    details: { type: 'jsonb', nullable: true },
    isResolved: { name: 'is_resolved', type: 'boolean' },
    falsePositive: { name: 'false_positive', type: 'boolean' },
    analystNotes: { name: 'analyst_notes', type: 'text', nullable: true },
    resolvedBy: { name: 'resolved_by', type: 'varchar', length: 150, nullable: true },
    resolvedAt: { name: 'resolved_at', type: 'timestamptz', precision: 3, nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
  },
});
