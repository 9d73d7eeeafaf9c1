import { EntitySchema } from 'typeorm';

/** A decision a marketplace agent made in one execution, with its explanation and human review. */
export interface DecisionAuditRow {
  id: string;
  agentId: string;
  executionId: string;
  decisionType: string;
  decision: string;
  confidence: number | null;
  explanation: string | null;
  factors: Record<string, unknown>;
  modelVersion: string | null;
  reviewStatus: string;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  reviewNotes: string | null;
  overriddenDecision: string | null;
  createdAt: Date;
}

export const DecisionAuditEntity = new EntitySchema<DecisionAuditRow>({
  name: 'AiDecisionAudit',
  tableName: 'ai_decision_audit',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    agentId: { name: 'agent_id', type: 'varchar', length: 64 },
    executionId: { name: 'execution_id', type: 'varchar', length: 64 },
    decisionType: { name: 'decision_type', type: 'varchar', length: 100 },
    decision: { type: 'varchar', length: 500 },
    confidence: { type: 'double precision', nullable: true },
    explanation: { type: 'text', nullable: true },
    factors: { type: 'jsonb' },
    modelVersion: { name: 'model_version', type: 'varchar', length: 100, nullable: true },
    reviewStatus: { name: 'review_status', type: 'varchar', length: 20 },
    reviewedBy: { name: 'reviewed_by', type: 'varchar', length: 100, nullable: true },
    reviewedAt: { name: 'reviewed_at', type: 'timestamptz', precision: 3, nullable: true },
    reviewNotes: { name: 'review_notes', type: 'text', nullable: true },
    overriddenDecision: { name: 'overridden_decision', type: 'varchar', length: 500, nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
  },
});

/** A bias found in an agent's behaviour (seed 000's `bias_detection_log`). */
export interface BiasDetectionRow {
  id: string;
  agentId: string;
  executionId: string | null;
  biasType: string;
  protectedAttribute: string | null;
  severity: string;
  biasScore: number;
  threshold: number | null;
  details: Record<string, unknown>;
  status: string;
  mitigation: string | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  detectedAt: Date;
}

export const BiasDetectionEntity = new EntitySchema<BiasDetectionRow>({
  name: 'BiasDetection',
  tableName: 'bias_detection_log',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    agentId: { name: 'agent_id', type: 'varchar', length: 64 },
    executionId: { name: 'execution_id', type: 'varchar', length: 64, nullable: true },
    biasType: { name: 'bias_type', type: 'varchar', length: 50 },
    protectedAttribute: { name: 'protected_attribute', type: 'varchar', length: 100, nullable: true },
    severity: { type: 'varchar', length: 10 },
    biasScore: { name: 'bias_score', type: 'double precision' },
    threshold: { type: 'double precision', nullable: true },
    details: { type: 'jsonb' },
    status: { type: 'varchar', length: 20 },
    mitigation: { type: 'text', nullable: true },
    resolvedBy: { name: 'resolved_by', type: 'varchar', length: 100, nullable: true },
    resolvedAt: { name: 'resolved_at', type: 'timestamptz', precision: 3, nullable: true },
    detectedAt: { name: 'detected_at', type: 'timestamptz', precision: 3 },
  },
});

/** A fairness metric of an agent over one period (seed 000's `fairness_metrics_log`). */
export interface FairnessMetricRow {
  id: string;
  agentId: string;
  metricName: string;
  protectedAttribute: string;
  privilegedGroup: string | null;
  unprivilegedGroup: string | null;
  value: number;
  threshold: number | null;
  passed: boolean;
  sampleSize: number;
  periodStart: Date;
  periodEnd: Date;
  computedAt: Date;
}

export const FairnessMetricEntity = new EntitySchema<FairnessMetricRow>({
  name: 'FairnessMetric',
  tableName: 'fairness_metrics_log',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    agentId: { name: 'agent_id', type: 'varchar', length: 64 },
    metricName: { name: 'metric_name', type: 'varchar', length: 100 },
    protectedAttribute: { name: 'protected_attribute', type: 'varchar', length: 100 },
    privilegedGroup: { name: 'privileged_group', type: 'varchar', length: 100, nullable: true },
    unprivilegedGroup: { name: 'unprivileged_group', type: 'varchar', length: 100, nullable: true },
    value: { type: 'double precision' },
    threshold: { type: 'double precision', nullable: true },
    passed: { type: 'boolean' },
    sampleSize: { name: 'sample_size', type: 'int' },
    periodStart: { name: 'period_start', type: 'timestamptz', precision: 3 },
    periodEnd: { name: 'period_end', type: 'timestamptz', precision: 3 },
    computedAt: { name: 'computed_at', type: 'timestamptz', precision: 3 },
  },
});

/** An ethics report on an agent and its review (seed 000's `ethics_reports`). */
export interface EthicsReportRow {
  id: string;
  agentId: string;
  title: string;
  summary: string | null;
  findings: unknown[];
  recommendations: string | null;
  riskLevel: string;
  status: string;
  periodStart: Date | null;
  periodEnd: Date | null;
  createdBy: string;
  submittedAt: Date | null;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  reviewNotes: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const EthicsReportEntity = new EntitySchema<EthicsReportRow>({
  name: 'EthicsReport',
  tableName: 'ethics_reports',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    agentId: { name: 'agent_id', type: 'varchar', length: 64 },
    title: { type: 'varchar', length: 300 },
    summary: { type: 'text', nullable: true },
    findings: { type: 'jsonb' },
    recommendations: { type: 'text', nullable: true },
    riskLevel: { name: 'risk_level', type: 'varchar', length: 10 },
    status: { type: 'varchar', length: 20 },
    periodStart: { name: 'period_start', type: 'timestamptz', precision: 3, nullable: true },
    periodEnd: { name: 'period_end', type: 'timestamptz', precision: 3, nullable: true },
    createdBy: { name: 'created_by', type: 'varchar', length: 100 },
    submittedAt: { name: 'submitted_at', type: 'timestamptz', precision: 3, nullable: true },
    reviewedBy: { name: 'reviewed_by', type: 'varchar', length: 100, nullable: true },
    reviewedAt: { name: 'reviewed_at', type: 'timestamptz', precision: 3, nullable: true },
    reviewNotes: { name: 'review_notes', type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
    updatedAt: { name: 'updated_at', type: 'timestamptz', precision: 3 },
  },
});
