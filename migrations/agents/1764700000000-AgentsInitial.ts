import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * agents (seed 002's AI agent marketplace, seed 004's endpoint agents, domain.md's details):
 * the agent registry and its change log, executions, logs, per-user interactions, hourly and
 * daily metric rollups; endpoint agents and their vulnerabilities. Users and customers are
 * identity's and are referred to by value: no cross-schema foreign keys.
 */
export class AgentsInitial1764700000000 implements MigrationInterface {
  name = 'AgentsInitial1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agents.agent (
        id varchar(64) PRIMARY KEY,
        name varchar(200) NOT NULL,
        description text,
        run_url varchar(2048) NOT NULL,
        quote_url varchar(2048),
        type varchar(50) NOT NULL DEFAULT 'general',
        is_active boolean NOT NULL DEFAULT true,
        metadata jsonb NOT NULL DEFAULT '{}',
        config jsonb NOT NULL DEFAULT '{}',
        pricing jsonb NOT NULL DEFAULT '{}',
        stats jsonb NOT NULL DEFAULT '{}',
        input_schema jsonb,
        output_schema jsonb,
        price_per_execution_cents integer NOT NULL CHECK (price_per_execution_cents >= 0),
        owner_id varchar(64) NOT NULL,
        last_executed_at timestamptz,
        total_executions integer NOT NULL DEFAULT 0 CHECK (total_executions >= 0),
        avg_rating numeric(3, 2) CHECK (avg_rating BETWEEN 1 AND 5),
        total_users integer NOT NULL DEFAULT 0 CHECK (total_users >= 0),
        -- millisecond precision: lists page by (created_at, id) keyset cursors
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        deactivated_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX agent_name_lower_key ON agents.agent (lower(name))`);
    await q.query(`CREATE INDEX agent_created_idx ON agents.agent (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX agent_owner_idx ON agents.agent (owner_id)`);
    await q.query(`CREATE INDEX agent_type_active_idx ON agents.agent (type, is_active)`);

    await q.query(`
      CREATE TABLE agents.agent_audit_log (
        id bigserial PRIMARY KEY,
        agent_id varchar(64) NOT NULL REFERENCES agents.agent (id) ON DELETE CASCADE,
        field varchar(64) NOT NULL,
        old_value jsonb,
        new_value jsonb,
        changed_by varchar(100) NOT NULL,
        changed_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX agent_audit_log_agent_idx ON agents.agent_audit_log (agent_id, changed_at DESC, id DESC)`,
    );

    await q.query(`
      CREATE TABLE agents.agent_execution (
        id varchar(64) PRIMARY KEY,
        execution_id varchar(64) NOT NULL UNIQUE,
        agent_id varchar(64) NOT NULL REFERENCES agents.agent (id) ON DELETE CASCADE,
        user_id varchar(64) NOT NULL,
        idempotency_key varchar(128) NOT NULL,
        -- sha256 of the agent id and input: a key reused for another request is a conflict
        request_hash varchar(64) NOT NULL,
        status varchar(20) NOT NULL CHECK (status IN ('running', 'success', 'failed', 'timeout', 'error')),
        duration_ms integer CHECK (duration_ms >= 0),
        credits_consumed integer NOT NULL DEFAULT 0 CHECK (credits_consumed >= 0),
        price_cents integer NOT NULL CHECK (price_cents >= 0),
        http_status integer CHECK (http_status BETWEEN 100 AND 599),
        error_code varchar(64),
        error_message text,
        input_size integer CHECK (input_size >= 0),
        output_size integer CHECK (output_size >= 0),
        input_type varchar(50),
        output_type varchar(50),
        output jsonb,
        response_time_ms integer CHECK (response_time_ms >= 0),
        processing_time_ms integer CHECK (processing_time_ms >= 0),
        queue_time_ms integer CHECK (queue_time_ms >= 0),
        session_id varchar(128),
        user_agent varchar(1000),
        ip_address varchar(64),
        hold_id varchar(64),
        balance_before integer,
        balance_after integer,
        started_at timestamptz(3) NOT NULL DEFAULT now(),
        completed_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT agent_execution_completed_after_start CHECK (completed_at IS NULL OR completed_at >= started_at),
        -- one execution (and one charge) per caller and idempotency key, however many calls race
        CONSTRAINT agent_execution_idempotency_key UNIQUE (user_id, idempotency_key)
      )`);
    await q.query(`CREATE INDEX agent_execution_agent_idx ON agents.agent_execution (agent_id, created_at)`);
    await q.query(`CREATE INDEX agent_execution_user_idx ON agents.agent_execution (user_id, created_at)`);
    await q.query(`CREATE INDEX agent_execution_status_idx ON agents.agent_execution (status, created_at)`);

    await q.query(`
      CREATE TABLE agents.agent_metrics (
        id bigserial PRIMARY KEY,
        agent_id varchar(64) NOT NULL REFERENCES agents.agent (id) ON DELETE CASCADE,
        period varchar(10) NOT NULL CHECK (period IN ('hourly', 'daily')),
        date date NOT NULL,
        -- 0..23 for hourly rows, null for the daily row
        hour smallint CHECK (hour BETWEEN 0 AND 23),
        bucket_start timestamptz NOT NULL,
        total_executions integer NOT NULL DEFAULT 0 CHECK (total_executions >= 0),
        successful_executions integer NOT NULL DEFAULT 0 CHECK (successful_executions >= 0),
        failed_executions integer NOT NULL DEFAULT 0 CHECK (failed_executions >= 0),
        timeout_executions integer NOT NULL DEFAULT 0 CHECK (timeout_executions >= 0),
        error_executions integer NOT NULL DEFAULT 0 CHECK (error_executions >= 0),
        avg_duration_ms double precision,
        min_duration_ms integer,
        max_duration_ms integer,
        p95_duration_ms double precision,
        p99_duration_ms double precision,
        unique_users integer NOT NULL DEFAULT 0 CHECK (unique_users >= 0),
        total_credits_consumed integer NOT NULL DEFAULT 0 CHECK (total_credits_consumed >= 0),
        avg_credits_per_execution double precision,
        error_counts jsonb NOT NULL DEFAULT '{}',
        computed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT agent_metrics_period_hour CHECK ((period = 'hourly') = (hour IS NOT NULL)),
        CONSTRAINT agent_metrics_bucket UNIQUE NULLS NOT DISTINCT (agent_id, date, hour)
      )`);
    await q.query(`CREATE INDEX agent_metrics_range_idx ON agents.agent_metrics (agent_id, period, bucket_start)`);

    await q.query(`
      CREATE TABLE agents.agent_log (
        id bigserial PRIMARY KEY,
        agent_id varchar(64) NOT NULL REFERENCES agents.agent (id) ON DELETE CASCADE,
        user_id varchar(64),
        execution_id varchar(64) REFERENCES agents.agent_execution (id) ON DELETE CASCADE,
        category varchar(20) NOT NULL CHECK (category IN ('execution', 'error', 'performance', 'user_action')),
        level varchar(10) NOT NULL CHECK (level IN ('info', 'warn', 'error', 'debug')),
        message text NOT NULL,
        context jsonb NOT NULL DEFAULT '{}',
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX agent_log_agent_idx ON agents.agent_log (agent_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX agent_log_execution_idx ON agents.agent_log (execution_id)`);

    await q.query(`
      CREATE TABLE agents.user_agent_interaction (
        id bigserial PRIMARY KEY,
        user_id varchar(64) NOT NULL,
        agent_id varchar(64) NOT NULL REFERENCES agents.agent (id) ON DELETE CASCADE,
        total_executions integer NOT NULL DEFAULT 0 CHECK (total_executions >= 0),
        successful_executions integer NOT NULL DEFAULT 0 CHECK (successful_executions >= 0),
        rating smallint CHECK (rating BETWEEN 1 AND 5),
        feedback text,
        is_favorite boolean NOT NULL DEFAULT false,
        avg_executions_per_day double precision,
        preferred_time_of_day varchar(10) CHECK (preferred_time_of_day IN ('morning', 'afternoon', 'evening', 'night')),
        first_used_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT user_agent_interaction_pair UNIQUE (user_id, agent_id),
        CONSTRAINT user_agent_interaction_success_le_total CHECK (successful_executions <= total_executions)
      )`);
    await q.query(`CREATE INDEX user_agent_interaction_agent_idx ON agents.user_agent_interaction (agent_id)`);

    // Endpoint agents (seed 004): hosts running a collection agent, per customer.
    await q.query(`
      CREATE TABLE agents.agents (
        id serial PRIMARY KEY,
        agent_id varchar(255) NOT NULL UNIQUE,
        hostname varchar(255) NOT NULL,
        ip_address varchar(64),
        os varchar(255),
        label varchar(255),
        status varchar(20) NOT NULL DEFAULT 'unknown' CHECK (status IN ('active', 'disconnected', 'never_connected', 'pending', 'unknown')),
        last_seen timestamptz,
        critical_asset boolean NOT NULL DEFAULT false,
        velociraptor_id varchar(255),
        velociraptor_last_reported timestamptz,
        velociraptor_agent_version varchar(100),
        velociraptor_org varchar(100),
        customer_code varchar(50) NOT NULL,
        quarantined boolean NOT NULL DEFAULT false,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX agents_customer_idx ON agents.agents (customer_code, agent_id)`);

    await q.query(`
      CREATE TABLE agents.agent_vulnerabilities (
        id serial PRIMARY KEY,
        cve_id varchar(50) NOT NULL,
        severity varchar(20) NOT NULL CHECK (severity IN ('Critical', 'High', 'Medium', 'Low', 'Informational')),
        title varchar(1024) NOT NULL,
        status varchar(20) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'resolved', 'ignored')),
        discovered_at timestamptz(3) NOT NULL DEFAULT now(),
        agent_id varchar(255) NOT NULL REFERENCES agents.agents (agent_id) ON DELETE CASCADE,
        customer_code varchar(50) NOT NULL,
        CONSTRAINT agent_vulnerabilities_once UNIQUE (agent_id, cve_id)
      )`);
    await q.query(
      `CREATE INDEX agent_vulnerabilities_agent_idx ON agents.agent_vulnerabilities (agent_id, discovered_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX agent_vulnerabilities_customer_idx ON agents.agent_vulnerabilities (customer_code, severity)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'agent_vulnerabilities',
      'agents',
      'user_agent_interaction',
      'agent_log',
      'agent_metrics',
      'agent_execution',
      'agent_audit_log',
      'agent',
    ]) {
      await q.query(`DROP TABLE IF EXISTS agents.${table}`);
    }
  }
}
