import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * audit (seeds 000, 001, 003, 004 and domain.md): the audit trail and auth events (both
 * hash-chained), API access log, rate-limit violations, security events and incidents, network
 * flows, data-validation issues, compliance reports, retention policies, chain checkpoints,
 * application logs and the GitHub audit tables. Users are stored by id and username as values:
 * no cross-schema foreign keys. Timestamps that page lists are timestamptz(3), so keyset cursors
 * (millisecond ISO strings) round-trip exactly.
 */
export class AuditInitial1764000000000 implements MigrationInterface {
  name = 'AuditInitial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    // One row per chain: appends lock it (SELECT ... FOR UPDATE), so a chain never forks.
    await q.query(`
      CREATE TABLE audit.audit_chain_heads (
        chain varchar(20) PRIMARY KEY CHECK (chain IN ('AUDIT_LOG', 'AUTH_EVENTS')),
        last_seq bigint NOT NULL DEFAULT 0,
        last_hash varchar(64) NOT NULL
      )`);
    await q.query(`
      INSERT INTO audit.audit_chain_heads (chain, last_hash)
      VALUES ('AUDIT_LOG', repeat('0', 64)), ('AUTH_EVENTS', repeat('0', 64))`);

    // Retention prunes a chain's oldest rows; the checkpoint keeps the rest verifiable.
    await q.query(`
      CREATE TABLE audit.audit_chain_checkpoints (
        id bigserial PRIMARY KEY,
        chain varchar(20) NOT NULL CHECK (chain IN ('AUDIT_LOG', 'AUTH_EVENTS')),
        pruned_through_seq bigint NOT NULL,
        last_pruned_hash varchar(64) NOT NULL,
        pruned_count integer NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX chain_checkpoint_idx ON audit.audit_chain_checkpoints (chain, pruned_through_seq DESC)`,
    );

    await q.query(`
      CREATE TABLE audit.audit_logs (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL UNIQUE,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        actor varchar(100) NOT NULL,
        action varchar(100) NOT NULL,
        resource_type varchar(50) NOT NULL,
        resource_id varchar(255),
        status varchar(20) NOT NULL DEFAULT 'success' CHECK (status IN ('success', 'failure')),
        before jsonb,
        after jsonb,
        details jsonb,
        ip_address inet,
        user_agent text,
        request_id varchar(64),
        source varchar(50) NOT NULL,
        previous_hash varchar(64),
        hash varchar(64),
        signature varchar(64)
      )`);
    await q.query(`CREATE INDEX idx_audit_logs_timestamp ON audit.audit_logs (created_at)`);
    await q.query(`CREATE INDEX idx_audit_logs_action ON audit.audit_logs (action)`);
    await q.query(`CREATE INDEX idx_audit_logs_resource_type ON audit.audit_logs (resource_type)`);
    await q.query(`CREATE INDEX idx_audit_logs_actor ON audit.audit_logs (actor)`);
    await q.query(`CREATE INDEX idx_audit_logs_status ON audit.audit_logs (status)`);
    await q.query(`CREATE INDEX idx_audit_logs_resource ON audit.audit_logs (resource_type, resource_id)`);
    await q.query(`CREATE INDEX ix_audit_logs_timestamp_brin ON audit.audit_logs USING brin (created_at)`);

    await q.query(`
      CREATE TABLE audit.auth_audit_log (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL UNIQUE,
        user_id varchar(64),
        username varchar(150),
        event_type varchar(50) NOT NULL,
        event_status varchar(20) NOT NULL DEFAULT 'SUCCESS' CHECK (event_status IN ('SUCCESS', 'FAILURE')),
        ip_address inet,
        user_agent text,
        device_fingerprint varchar(255),
        location jsonb,
        details jsonb NOT NULL DEFAULT '{}',
        risk_score integer NOT NULL DEFAULT 0,
        session_id varchar(255),
        correlation_id uuid NOT NULL DEFAULT gen_random_uuid(),
        source varchar(50) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        processed_at timestamptz(3) NOT NULL DEFAULT now(),
        previous_hash varchar(64),
        blockchain_hash varchar(64),
        signature varchar(64)
      )`);
    await q.query(`CREATE INDEX auth_audit_created_idx ON audit.auth_audit_log (created_at)`);
    await q.query(`CREATE INDEX auth_audit_user_idx ON audit.auth_audit_log (username, created_at)`);
    await q.query(`CREATE INDEX auth_audit_ip_idx ON audit.auth_audit_log (ip_address, created_at)`);
    await q.query(`CREATE INDEX auth_audit_type_idx ON audit.auth_audit_log (event_type, event_status)`);

    // Seed 001's columns merged with the gateway's ApiAccessInput; request_id makes redelivery a no-op.
    await q.query(`
      CREATE TABLE audit.api_access_log (
        id bigserial PRIMARY KEY,
        request_id varchar(64) NOT NULL UNIQUE,
        created_at timestamptz(3) NOT NULL,
        user_id varchar(64),
        username varchar(150),
        role varchar(50),
        api_key_id varchar(64),
        client_name varchar(100),
        client_version varchar(50),
        method varchar(10) NOT NULL DEFAULT 'POST',
        endpoint varchar(255) NOT NULL DEFAULT '/graphql',
        operation_name varchar(255),
        operation_type varchar(20),
        persisted_query_id varchar(128),
        request_headers jsonb,
        request_body_hash varchar(128),
        response_status integer NOT NULL,
        error_codes text[] NOT NULL DEFAULT '{}',
        response_time_ms integer NOT NULL,
        bytes_sent integer,
        bytes_received integer,
        ip_address inet,
        user_agent text,
        rate_limit_remaining integer
      )`);
    await q.query(`CREATE INDEX api_access_created_idx ON audit.api_access_log USING brin (created_at)`);
    await q.query(`CREATE INDEX api_access_user_idx ON audit.api_access_log (username, id)`);
    await q.query(`CREATE INDEX api_access_operation_idx ON audit.api_access_log (operation_name)`);

    await q.query(`
      CREATE TABLE audit.rate_limit_violations (
        id bigserial PRIMARY KEY,
        request_id varchar(64) NOT NULL,
        bucket varchar(200) NOT NULL,
        user_id varchar(64),
        username varchar(150),
        role varchar(50),
        api_key_id varchar(64),
        client_name varchar(100),
        ip_address inet,
        endpoint varchar(255) NOT NULL DEFAULT '/graphql',
        operation_name varchar(255),
        request_count integer,
        limit_threshold integer,
        time_window_minutes integer,
        limit_per_second double precision,
        burst integer,
        retry_after_seconds integer,
        violation_type varchar(50) NOT NULL DEFAULT 'RATE_LIMIT',
        user_agent text,
        blocked_duration_minutes integer NOT NULL DEFAULT 0,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        unblocked_at timestamptz(3),
        CONSTRAINT rate_limit_violation_once UNIQUE (request_id, bucket)
      )`);
    await q.query(`CREATE INDEX rate_limit_created_idx ON audit.rate_limit_violations (created_at)`);
    await q.query(`CREATE INDEX rate_limit_bucket_idx ON audit.rate_limit_violations (bucket)`);

    await q.query(`
      CREATE TABLE audit.security_events (
        id bigserial PRIMARY KEY,
        user_id varchar(64),
        username varchar(150),
        event_category varchar(50) NOT NULL,
        severity_level varchar(20) NOT NULL CHECK (severity_level IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
        threat_type varchar(50),
        source_ip inet,
        target_resource varchar(255),
        attack_vector varchar(100),
        detection_method varchar(100),
        mitigation_action varchar(255),
        details jsonb,
        is_resolved boolean NOT NULL DEFAULT false,
        false_positive boolean NOT NULL DEFAULT false,
        analyst_notes text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        resolved_at timestamptz(3),
        resolved_by varchar(150)
      )`);
    await q.query(`CREATE INDEX security_events_created_idx ON audit.security_events (created_at)`);
    await q.query(`CREATE INDEX security_events_open_idx ON audit.security_events (is_resolved, severity_level)`);
    await q.query(
      `CREATE INDEX security_events_threat_idx ON audit.security_events (threat_type, source_ip, username)`,
    );

    // Seed 000 names the table only: an incident groups security events under one investigation.
    await q.query(`
      CREATE TABLE audit.security_incidents (
        id bigserial PRIMARY KEY,
        title varchar(255) NOT NULL,
        description text,
        severity varchar(20) NOT NULL CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
        status varchar(20) NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'INVESTIGATING', 'CONTAINED', 'RESOLVED')),
        incident_type varchar(50),
        affected_resources jsonb NOT NULL DEFAULT '[]',
        security_event_ids bigint[] NOT NULL DEFAULT '{}',
        assigned_to varchar(150),
        false_positive boolean NOT NULL DEFAULT false,
        analyst_notes text,
        detected_at timestamptz(3) NOT NULL DEFAULT now(),
        resolved_at timestamptz(3),
        resolved_by varchar(150),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX security_incidents_status_idx ON audit.security_incidents (status, severity)`);

    await q.query(`
      CREATE TABLE audit.network_traffic (
        id bigserial PRIMARY KEY,
        source_ip inet NOT NULL,
        destination_ip inet NOT NULL,
        source_port integer CHECK (source_port BETWEEN 0 AND 65535),
        destination_port integer CHECK (destination_port BETWEEN 0 AND 65535),
        protocol varchar(20) NOT NULL,
        bytes_transferred bigint NOT NULL DEFAULT 0,
        packets integer NOT NULL DEFAULT 0,
        duration_ms integer,
        is_suspicious boolean NOT NULL DEFAULT false,
        threat_indicators jsonb,
        false_positive boolean NOT NULL DEFAULT false,
        analyst_notes text,
        reviewed_by varchar(150),
        reviewed_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX network_traffic_created_idx ON audit.network_traffic USING brin (created_at)`);
    await q.query(`CREATE INDEX network_traffic_suspicious_idx ON audit.network_traffic (is_suspicious, source_ip)`);

    await q.query(`
      CREATE TABLE audit.data_validation_log (
        id bigserial PRIMARY KEY,
        source varchar(100) NOT NULL,
        table_name varchar(100),
        record_id varchar(255),
        validation_type varchar(50) NOT NULL,
        severity varchar(20) NOT NULL DEFAULT 'MEDIUM' CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
        message text NOT NULL,
        details jsonb,
        is_resolved boolean NOT NULL DEFAULT false,
        false_positive boolean NOT NULL DEFAULT false,
        analyst_notes text,
        resolved_by varchar(150),
        resolved_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX data_validation_created_idx ON audit.data_validation_log (created_at)`);

    await q.query(`
      CREATE TABLE audit.data_retention_policies (
        id serial PRIMARY KEY,
        table_name varchar(100) NOT NULL UNIQUE,
        retention_period_days integer NOT NULL CHECK (retention_period_days > 0),
        archive_after_days integer CHECK (archive_after_days > 0),
        delete_after_days integer CHECK (delete_after_days > 0),
        last_cleanup_at timestamptz(3),
        is_active boolean NOT NULL DEFAULT true,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE audit.compliance_reports (
        id serial PRIMARY KEY,
        report_type varchar(50) NOT NULL,
        report_period_start timestamptz(3) NOT NULL,
        report_period_end timestamptz(3) NOT NULL,
        total_records integer NOT NULL DEFAULT 0,
        report_data jsonb NOT NULL,
        report_hash varchar(64) NOT NULL,
        retention_policy_id integer REFERENCES audit.data_retention_policies (id) ON DELETE SET NULL,
        generated_by varchar(150),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        submitted_to_authority boolean NOT NULL DEFAULT false,
        submission_date timestamptz(3),
        authority_acknowledgment varchar(255),
        CHECK (report_period_end > report_period_start)
      )`);
    await q.query(`CREATE INDEX compliance_reports_type_idx ON audit.compliance_reports (report_type, created_at)`);

    await q.query(`
      CREATE TABLE audit.logs (
        id bigserial PRIMARY KEY,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        level varchar(10) NOT NULL CHECK (level IN ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')),
        component varchar(50) NOT NULL,
        message text NOT NULL,
        camera_id varchar(100),
        event_id integer,
        request_id varchar(64),
        detection_id integer,
        duration_ms integer,
        extra jsonb,
        source varchar(10) NOT NULL DEFAULT 'backend' CHECK (source IN ('backend', 'frontend')),
        user_agent text,
        search_vector tsvector GENERATED ALWAYS AS
          (to_tsvector('simple', coalesce(component, '') || ' ' || coalesce(message, ''))) STORED
      )`);
    await q.query(`CREATE INDEX idx_logs_timestamp ON audit.logs (created_at)`);
    await q.query(`CREATE INDEX idx_logs_level ON audit.logs (level)`);
    await q.query(`CREATE INDEX idx_logs_component ON audit.logs (component)`);
    await q.query(`CREATE INDEX idx_logs_request_id ON audit.logs (request_id)`);
    await q.query(`CREATE INDEX idx_logs_search ON audit.logs USING gin (search_vector)`);

    // github_audit_* (seed 004): the token is write-only (never selected by any read path).
    await q.query(`
      CREATE TABLE audit.github_audit_config (
        id serial PRIMARY KEY,
        customer_code varchar(50) NOT NULL,
        organization varchar(255) NOT NULL,
        github_token text NOT NULL,
        filters jsonb NOT NULL DEFAULT '{}',
        notify_on_critical boolean NOT NULL DEFAULT true,
        minimum_score_threshold integer NOT NULL DEFAULT 0 CHECK (minimum_score_threshold BETWEEN 0 AND 100),
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (customer_code, organization)
      )`);
    await q.query(`
      CREATE TABLE audit.github_audit_check_exclusion (
        id serial PRIMARY KEY,
        config_id integer REFERENCES audit.github_audit_config (id) ON DELETE CASCADE,
        customer_code varchar(50) NOT NULL,
        check_id varchar(100) NOT NULL,
        resource_type varchar(50),
        resource_name varchar(255),
        reason text NOT NULL,
        approved_by varchar(150),
        expires_at timestamptz(3),
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE audit.github_audit_report (
        id serial PRIMARY KEY,
        config_id integer NOT NULL REFERENCES audit.github_audit_config (id) ON DELETE CASCADE,
        organization varchar(255) NOT NULL,
        status varchar(20) NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED')),
        total_checks integer NOT NULL DEFAULT 0,
        passed_checks integer NOT NULL DEFAULT 0,
        failed_checks integer NOT NULL DEFAULT 0,
        critical_findings integer NOT NULL DEFAULT 0,
        score integer CHECK (score BETWEEN 0 AND 100),
        summary jsonb,
        findings jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        completed_at timestamptz(3)
      )`);
    await q.query(`
      CREATE TABLE audit.github_audit_baseline (
        id serial PRIMARY KEY,
        config_id integer NOT NULL REFERENCES audit.github_audit_config (id) ON DELETE CASCADE,
        customer_code varchar(50) NOT NULL,
        name varchar(255) NOT NULL,
        description text,
        expected_checks jsonb NOT NULL DEFAULT '[]',
        baseline_report_id integer REFERENCES audit.github_audit_report (id) ON DELETE SET NULL,
        is_active boolean NOT NULL DEFAULT true,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'github_audit_baseline',
      'github_audit_report',
      'github_audit_check_exclusion',
      'github_audit_config',
      'logs',
      'compliance_reports',
      'data_retention_policies',
      'data_validation_log',
      'network_traffic',
      'security_incidents',
      'security_events',
      'rate_limit_violations',
      'api_access_log',
      'auth_audit_log',
      'audit_logs',
      'audit_chain_checkpoints',
      'audit_chain_heads',
    ]) {
      await q.query(`DROP TABLE IF EXISTS audit.${table}`);
    }
  }
}
