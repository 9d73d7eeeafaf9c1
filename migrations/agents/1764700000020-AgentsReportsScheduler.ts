import { auditCaptureTriggerSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Seed 004's endpoint-agent reports and artefacts, and its scheduler metadata:
 *
 * - `vulnerability_reports` and `sca_reports`: generated report files of one customer (object
 *   store pointer, hash, counters, status), optionally about one of its endpoint agents;
 * - `agent_datastore`: artefacts collected from an endpoint agent (Velociraptor flows), stored
 *   in the object store;
 * - `scheduled_job_metadata` (what runs, how often, enabled, last success) and `schedulerjob`
 *   (when it runs next): the scheduler enqueues a job into `agents.jobs` when one falls due.
 *
 * Customers are identity's: referred to by code, no cross-schema foreign key.
 */
export class AgentsReportsScheduler1764700000020 implements MigrationInterface {
  name = 'AgentsReportsScheduler1764700000020';

  async up(q: QueryRunner): Promise<void> {
    // A report about one agent must be about an agent of the report's customer.
    await q.query(
      `ALTER TABLE agents.agents ADD CONSTRAINT agents_agent_customer_key UNIQUE (agent_id, customer_code)`,
    );
    // The object-store pointer every stored file has (seed 004's "storage columns").
    const storage = `
        bucket_name varchar(255) NOT NULL CHECK (bucket_name ~ '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$'),
        object_key varchar(1024) NOT NULL CHECK (length(object_key) > 0),
        file_name varchar(255) NOT NULL CHECK (length(file_name) > 0),
        content_type varchar(255),
        file_size bigint NOT NULL CHECK (file_size >= 0),
        file_hash varchar(64) NOT NULL CHECK (file_hash ~ '^[0-9a-f]{64}$')`;
    const reportStatus = `status varchar(20) NOT NULL DEFAULT 'completed'
          CHECK (status IN ('pending', 'generating', 'completed', 'failed'))`;

    await q.query(`
      CREATE TABLE agents.vulnerability_reports (
        id serial PRIMARY KEY,
        report_name varchar(255) NOT NULL CHECK (length(report_name) > 0),
        customer_code varchar(50) NOT NULL,
        agent_id varchar(255),
        ${storage},
        generated_at timestamptz(3) NOT NULL DEFAULT now(),
        generated_by varchar(150) NOT NULL,
        severity_filter varchar(20)
          CHECK (severity_filter IN ('Critical', 'High', 'Medium', 'Low', 'Informational')),
        total_vulnerabilities integer NOT NULL DEFAULT 0 CHECK (total_vulnerabilities >= 0),
        critical_count integer NOT NULL DEFAULT 0 CHECK (critical_count >= 0),
        high_count integer NOT NULL DEFAULT 0 CHECK (high_count >= 0),
        medium_count integer NOT NULL DEFAULT 0 CHECK (medium_count >= 0),
        low_count integer NOT NULL DEFAULT 0 CHECK (low_count >= 0),
        ${reportStatus},
        error_message text,
        CONSTRAINT vulnerability_reports_counts CHECK (critical_count + high_count + medium_count + low_count <= total_vulnerabilities),
        CONSTRAINT vulnerability_reports_failed_reason CHECK (status <> 'failed' OR error_message IS NOT NULL),
        CONSTRAINT vulnerability_reports_object UNIQUE (bucket_name, object_key),
        CONSTRAINT vulnerability_reports_agent FOREIGN KEY (agent_id, customer_code)
          REFERENCES agents.agents (agent_id, customer_code) ON DELETE SET NULL (agent_id)
      )`);
    await q.query(
      `CREATE INDEX vulnerability_reports_customer_idx ON agents.vulnerability_reports (customer_code, generated_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX vulnerability_reports_agent_idx ON agents.vulnerability_reports (agent_id, generated_at DESC, id DESC) WHERE agent_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE agents.sca_reports (
        id serial PRIMARY KEY,
        report_name varchar(255) NOT NULL CHECK (length(report_name) > 0),
        customer_code varchar(50) NOT NULL,
        agent_id varchar(255),
        ${storage},
        generated_at timestamptz(3) NOT NULL DEFAULT now(),
        generated_by varchar(150) NOT NULL,
        policy_filter varchar(255),
        total_policies integer NOT NULL DEFAULT 0 CHECK (total_policies >= 0),
        total_checks integer NOT NULL DEFAULT 0 CHECK (total_checks >= 0),
        passed_count integer NOT NULL DEFAULT 0 CHECK (passed_count >= 0),
        failed_count integer NOT NULL DEFAULT 0 CHECK (failed_count >= 0),
        not_applicable_count integer NOT NULL DEFAULT 0 CHECK (not_applicable_count >= 0),
        average_score numeric(5, 2) CHECK (average_score BETWEEN 0 AND 100),
        ${reportStatus},
        error_message text,
        CONSTRAINT sca_reports_counts CHECK (passed_count + failed_count + not_applicable_count <= total_checks),
        CONSTRAINT sca_reports_failed_reason CHECK (status <> 'failed' OR error_message IS NOT NULL),
        CONSTRAINT sca_reports_object UNIQUE (bucket_name, object_key),
        CONSTRAINT sca_reports_agent FOREIGN KEY (agent_id, customer_code)
          REFERENCES agents.agents (agent_id, customer_code) ON DELETE SET NULL (agent_id)
      )`);
    await q.query(
      `CREATE INDEX sca_reports_customer_idx ON agents.sca_reports (customer_code, generated_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX sca_reports_agent_idx ON agents.sca_reports (agent_id, generated_at DESC, id DESC) WHERE agent_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE agents.agent_datastore (
        id serial PRIMARY KEY,
        agent_id varchar(255) NOT NULL REFERENCES agents.agents (agent_id) ON DELETE CASCADE,
        velociraptor_id varchar(255),
        artifact_name varchar(255) NOT NULL CHECK (length(artifact_name) > 0),
        flow_id varchar(255),
        ${storage},
        status varchar(20) NOT NULL DEFAULT 'completed'
          CHECK (status IN ('pending', 'collecting', 'completed', 'failed')),
        collected_by varchar(150) NOT NULL,
        upload_time timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT agent_datastore_object UNIQUE (bucket_name, object_key),
        -- a Velociraptor flow's artefact is stored once
        CONSTRAINT agent_datastore_flow UNIQUE (agent_id, flow_id, artifact_name)
      )`);
    await q.query(
      `CREATE INDEX agent_datastore_agent_idx ON agents.agent_datastore (agent_id, upload_time DESC, id DESC)`,
    );

    await q.query(`
      CREATE TABLE agents.scheduled_job_metadata (
        id serial PRIMARY KEY,
        job_id varchar(50) NOT NULL UNIQUE CHECK (job_id ~ '^[a-z][a-z0-9-]*$'),
        job_description text,
        -- seconds between runs
        time_interval integer NOT NULL CHECK (time_interval BETWEEN 1 AND 2592000),
        enabled boolean NOT NULL DEFAULT true,
        extra_data jsonb NOT NULL DEFAULT '{}',
        last_success timestamptz(3),
        last_enqueued_at timestamptz(3),
        last_job_id varchar(36) REFERENCES agents.jobs (id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE agents.schedulerjob (
        id varchar(50) PRIMARY KEY REFERENCES agents.scheduled_job_metadata (job_id) ON DELETE CASCADE ON UPDATE CASCADE,
        next_run_time timestamptz(3) NOT NULL,
        job_state jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX schedulerjob_next_run_idx ON agents.schedulerjob (next_run_time)`);

    // User.agentExecutions pages one user's executions newest first (a LATERAL page per user).
    await q.query(
      `CREATE INDEX agent_execution_user_started_idx ON agents.agent_execution (user_id, started_at DESC, id DESC)`,
    );

    for (const table of [
      'vulnerability_reports',
      'sca_reports',
      'agent_datastore',
      'scheduled_job_metadata',
      'schedulerjob',
    ]) {
      await q.query(auditCaptureTriggerSql('agents', table));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS agents.agent_execution_user_started_idx`);
    for (const table of [
      'schedulerjob',
      'scheduled_job_metadata',
      'agent_datastore',
      'sca_reports',
      'vulnerability_reports',
    ]) {
      await q.query(`DROP TABLE IF EXISTS agents.${table}`);
    }
    await q.query(`ALTER TABLE agents.agents DROP CONSTRAINT IF EXISTS agents_agent_customer_key`);
  }
}
