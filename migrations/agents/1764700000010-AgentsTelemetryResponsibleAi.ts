import { auditCaptureTriggerSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Telemetry and responsible-AI records.
 *
 * - `gpu_stats` (seed 003, every column of it with its BRIN index on recorded_at) and
 *   `system_metrics` (seed 000's table in seed 002's shape: metric, value, component, time):
 *   time series of endpoint agents' hosts (`system_metrics` rows without an agent are the
 *   platform's own). They are ingested in bulk by the scheduler, so they have no change capture:
 *   the ingesting mutation's audit entry reports the counts instead (like audit's access log).
 * - `ai_decision_audit`, `bias_detection_log`, `fairness_metrics_log`, `ethics_reports`
 *   (seed 000's responsible-AI tables): decisions of marketplace agents with their explanation
 *   and human review, detected biases, fairness metrics per agent and period, and ethics
 *   reports with their review workflow (draft → in_review → approved | rejected, reviewed by
 *   someone other than the author). Every change to them is captured for the audit trail.
 */
export class AgentsTelemetryResponsibleAi1764700000010 implements MigrationInterface {
  name = 'AgentsTelemetryResponsibleAi1764700000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agents.gpu_stats (
        id bigserial PRIMARY KEY,
        agent_id varchar(255) NOT NULL REFERENCES agents.agents (agent_id) ON DELETE CASCADE,
        gpu_index smallint NOT NULL DEFAULT 0 CHECK (gpu_index BETWEEN 0 AND 63),
        recorded_at timestamptz(3) NOT NULL DEFAULT now(),
        gpu_name varchar(255),
        gpu_utilization double precision CHECK (gpu_utilization BETWEEN 0 AND 100),
        memory_used integer CHECK (memory_used >= 0),
        memory_total integer CHECK (memory_total >= 0),
        temperature double precision CHECK (temperature BETWEEN -50 AND 150),
        power_usage double precision CHECK (power_usage >= 0),
        inference_fps double precision CHECK (inference_fps >= 0),
        fan_speed integer CHECK (fan_speed BETWEEN 0 AND 100),
        sm_clock integer CHECK (sm_clock >= 0),
        memory_bandwidth_utilization double precision CHECK (memory_bandwidth_utilization BETWEEN 0 AND 100),
        pstate integer CHECK (pstate BETWEEN 0 AND 15),
        throttle_reasons integer CHECK (throttle_reasons >= 0),
        power_limit double precision CHECK (power_limit >= 0),
        sm_clock_max integer CHECK (sm_clock_max >= 0),
        compute_processes_count integer CHECK (compute_processes_count >= 0),
        pcie_replay_counter integer CHECK (pcie_replay_counter >= 0),
        temp_slowdown_threshold double precision CHECK (temp_slowdown_threshold BETWEEN -50 AND 150),
        memory_clock integer CHECK (memory_clock >= 0),
        memory_clock_max integer CHECK (memory_clock_max >= 0),
        pcie_link_gen integer CHECK (pcie_link_gen BETWEEN 1 AND 7),
        pcie_link_width integer CHECK (pcie_link_width BETWEEN 1 AND 32),
        pcie_tx_throughput integer CHECK (pcie_tx_throughput >= 0),
        pcie_rx_throughput integer CHECK (pcie_rx_throughput >= 0),
        encoder_utilization integer CHECK (encoder_utilization BETWEEN 0 AND 100),
        decoder_utilization integer CHECK (decoder_utilization BETWEEN 0 AND 100),
        bar1_used integer CHECK (bar1_used >= 0),
        CONSTRAINT gpu_stats_memory_within_total CHECK (memory_used IS NULL OR memory_total IS NULL OR memory_used <= memory_total)
      )`);
    await q.query(`CREATE INDEX ix_gpu_stats_recorded_at_brin ON agents.gpu_stats USING brin (recorded_at)`);
    // What a range query reads: one host's samples in time order.
    await q.query(`CREATE INDEX gpu_stats_agent_time_idx ON agents.gpu_stats (agent_id, recorded_at)`);

    await q.query(`
      CREATE TABLE agents.system_metrics (
        id bigserial PRIMARY KEY,
        -- null: a metric of the platform itself (admins and the scheduler only)
        agent_id varchar(255) REFERENCES agents.agents (agent_id) ON DELETE CASCADE,
        component varchar(100) NOT NULL,
        metric varchar(100) NOT NULL CHECK (metric ~ '^[a-z][a-z0-9_.]*$'),
        value double precision NOT NULL CHECK (value > '-Infinity' AND value < 'Infinity'),
        unit varchar(20),
        recorded_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT system_metrics_percent_range CHECK (unit IS DISTINCT FROM 'percent' OR value BETWEEN 0 AND 100)
      )`);
    await q.query(`CREATE INDEX ix_system_metrics_recorded_at_brin ON agents.system_metrics USING brin (recorded_at)`);
    await q.query(
      `CREATE INDEX system_metrics_agent_metric_time_idx ON agents.system_metrics (agent_id, metric, recorded_at)`,
    );

    await q.query(`
      CREATE TABLE agents.ai_decision_audit (
        id bigserial PRIMARY KEY,
        agent_id varchar(64) NOT NULL REFERENCES agents.agent (id) ON DELETE CASCADE,
        execution_id varchar(64) NOT NULL REFERENCES agents.agent_execution (id) ON DELETE CASCADE,
        decision_type varchar(100) NOT NULL,
        decision varchar(500) NOT NULL,
        confidence double precision CHECK (confidence BETWEEN 0 AND 1),
        explanation text,
        factors jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(factors) = 'object'),
        model_version varchar(100),
        review_status varchar(20) NOT NULL DEFAULT 'not_required'
          CHECK (review_status IN ('not_required', 'pending', 'approved', 'overridden')),
        reviewed_by varchar(100),
        reviewed_at timestamptz(3),
        review_notes text,
        overridden_decision varchar(500),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT ai_decision_audit_reviewed CHECK
          ((review_status IN ('approved', 'overridden')) = (reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL)),
        CONSTRAINT ai_decision_audit_override CHECK ((review_status = 'overridden') = (overridden_decision IS NOT NULL)),
        CONSTRAINT ai_decision_audit_reviewed_after CHECK (reviewed_at IS NULL OR reviewed_at >= created_at)
      )`);
    await q.query(
      `CREATE INDEX ai_decision_audit_execution_idx ON agents.ai_decision_audit (execution_id, created_at, id)`,
    );
    await q.query(
      `CREATE INDEX ai_decision_audit_agent_idx ON agents.ai_decision_audit (agent_id, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX ai_decision_audit_pending_idx ON agents.ai_decision_audit (created_at) WHERE review_status = 'pending'`,
    );

    await q.query(`
      CREATE TABLE agents.bias_detection_log (
        id bigserial PRIMARY KEY,
        agent_id varchar(64) NOT NULL REFERENCES agents.agent (id) ON DELETE CASCADE,
        execution_id varchar(64) REFERENCES agents.agent_execution (id) ON DELETE SET NULL,
        bias_type varchar(50) NOT NULL CHECK (bias_type ~ '^[a-z][a-z0-9_]*$'),
        protected_attribute varchar(100),
        severity varchar(10) NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
        bias_score double precision NOT NULL CHECK (bias_score BETWEEN 0 AND 1),
        threshold double precision CHECK (threshold BETWEEN 0 AND 1),
        details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
        status varchar(20) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'mitigated', 'accepted', 'false_positive')),
        mitigation text,
        resolved_by varchar(100),
        resolved_at timestamptz(3),
        detected_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT bias_detection_log_resolved CHECK
          ((status = 'open') = (resolved_at IS NULL AND resolved_by IS NULL)),
        CONSTRAINT bias_detection_log_resolved_after CHECK (resolved_at IS NULL OR resolved_at >= detected_at)
      )`);
    await q.query(
      `CREATE INDEX bias_detection_log_agent_idx ON agents.bias_detection_log (agent_id, detected_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX bias_detection_log_status_idx ON agents.bias_detection_log (status, severity)`);

    await q.query(`
      CREATE TABLE agents.fairness_metrics_log (
        id bigserial PRIMARY KEY,
        agent_id varchar(64) NOT NULL REFERENCES agents.agent (id) ON DELETE CASCADE,
        metric_name varchar(100) NOT NULL CHECK (metric_name ~ '^[a-z][a-z0-9_]*$'),
        protected_attribute varchar(100) NOT NULL,
        privileged_group varchar(100),
        unprivileged_group varchar(100),
        value double precision NOT NULL CHECK (value > '-Infinity' AND value < 'Infinity'),
        threshold double precision CHECK (threshold > '-Infinity' AND threshold < 'Infinity'),
        passed boolean NOT NULL,
        sample_size integer NOT NULL CHECK (sample_size >= 0),
        period_start timestamptz(3) NOT NULL,
        period_end timestamptz(3) NOT NULL,
        computed_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT fairness_metrics_log_period CHECK (period_end > period_start),
        -- one value per agent, metric, attribute and period: recomputing replaces it
        CONSTRAINT fairness_metrics_log_once UNIQUE (agent_id, metric_name, protected_attribute, period_start, period_end)
      )`);
    await q.query(
      `CREATE INDEX fairness_metrics_log_agent_period_idx ON agents.fairness_metrics_log (agent_id, period_start, id)`,
    );

    await q.query(`
      CREATE TABLE agents.ethics_reports (
        id varchar(36) PRIMARY KEY,
        agent_id varchar(64) NOT NULL REFERENCES agents.agent (id) ON DELETE CASCADE,
        title varchar(300) NOT NULL,
        summary text,
        findings jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(findings) = 'array'),
        recommendations text,
        risk_level varchar(10) NOT NULL CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
        status varchar(20) NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'approved', 'rejected')),
        period_start timestamptz(3),
        period_end timestamptz(3),
        created_by varchar(100) NOT NULL,
        submitted_at timestamptz(3),
        reviewed_by varchar(100),
        reviewed_at timestamptz(3),
        review_notes text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT ethics_reports_period CHECK (period_start IS NULL OR period_end IS NULL OR period_end > period_start),
        CONSTRAINT ethics_reports_submitted CHECK ((status = 'draft') = (submitted_at IS NULL)),
        CONSTRAINT ethics_reports_reviewed CHECK
          ((status IN ('approved', 'rejected')) = (reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL)),
        -- four eyes: the author does not approve their own report
        CONSTRAINT ethics_reports_reviewer_not_author CHECK (reviewed_by IS NULL OR reviewed_by <> created_by)
      )`);
    await q.query(
      `CREATE INDEX ethics_reports_agent_idx ON agents.ethics_reports (agent_id, created_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX ethics_reports_status_idx ON agents.ethics_reports (status, created_at DESC, id DESC)`);

    for (const table of ['ai_decision_audit', 'bias_detection_log', 'fairness_metrics_log', 'ethics_reports']) {
      await q.query(auditCaptureTriggerSql('agents', table));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'ethics_reports',
      'fairness_metrics_log',
      'bias_detection_log',
      'ai_decision_audit',
      'system_metrics',
      'gpu_stats',
    ]) {
      await q.query(`DROP TABLE IF EXISTS agents.${table}`);
    }
  }
}
