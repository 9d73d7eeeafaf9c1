import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * incidents (seed 004 and domain.md's details): alerts, tags, IoCs, assets, comments, cases,
 * case files and report templates, tag access settings, notifications, sigma exclusions, field
 * mappings, alert-creation settings, monitoring alerts and sigma queries. Customer codes and
 * usernames point at identity by value: no cross-schema foreign keys.
 */
export class IncidentsInitial1763900000000 implements MigrationInterface {
  name = 'IncidentsInitial1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE incidents.incident_management_alerttag (
        id serial PRIMARY KEY,
        tag varchar(50) NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX alerttag_tag_lower_key ON incidents.incident_management_alerttag (lower(tag))`);

    await q.query(`
      CREATE TABLE incidents.incident_management_alert (
        id serial PRIMARY KEY,
        alert_name text NOT NULL,
        alert_description text,
        status varchar(50) NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'IN_PROGRESS', 'CLOSED')),
        -- millisecond precision: lists page by (alert_creation_time, id) keyset cursors
        alert_creation_time timestamptz(3) NOT NULL DEFAULT now(),
        customer_code varchar(50) NOT NULL,
        source varchar(50) NOT NULL,
        assigned_to varchar(64),
        escalated boolean NOT NULL DEFAULT false,
        severity varchar(20) NOT NULL DEFAULT 'Medium'
          CHECK (severity IN ('Informational', 'Low', 'Medium', 'High', 'Critical')),
        time_closed timestamptz(3),
        verdict varchar(20) CHECK (verdict IN ('TRUE_POSITIVE', 'FALSE_POSITIVE')),
        verdict_reason varchar(30) CHECK (verdict_reason IN
          ('EXPECTED_ACTIVITY', 'KNOWN_APPLICATION', 'AUTHORIZED_USER', 'RULE_TOO_SENSITIVE', 'OTHER')),
        verdict_note text,
        verdict_by varchar(64),
        verdict_at timestamptz,
        search_vector tsvector GENERATED ALWAYS AS
          (to_tsvector('simple', coalesce(alert_name, '') || ' ' || coalesce(alert_description, ''))) STORED,
        CONSTRAINT alert_false_positive_needs_reason CHECK (verdict IS DISTINCT FROM 'FALSE_POSITIVE' OR verdict_reason IS NOT NULL),
        CONSTRAINT alert_closed_has_time CHECK ((status = 'CLOSED') = (time_closed IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX alert_created_idx ON incidents.incident_management_alert (alert_creation_time DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX alert_customer_idx ON incidents.incident_management_alert (customer_code, alert_creation_time DESC)`,
    );
    await q.query(`CREATE INDEX alert_status_idx ON incidents.incident_management_alert (status)`);
    await q.query(`CREATE INDEX alert_severity_idx ON incidents.incident_management_alert (severity)`);
    await q.query(`CREATE INDEX alert_assigned_idx ON incidents.incident_management_alert (assigned_to)`);
    await q.query(`CREATE INDEX alert_search_idx ON incidents.incident_management_alert USING gin (search_vector)`);

    await q.query(`
      CREATE TABLE incidents.incident_management_alert_to_tag (
        alert_id integer NOT NULL REFERENCES incidents.incident_management_alert (id) ON DELETE CASCADE,
        tag_id integer NOT NULL REFERENCES incidents.incident_management_alerttag (id) ON DELETE CASCADE,
        PRIMARY KEY (alert_id, tag_id)
      )`);
    await q.query(`CREATE INDEX alert_to_tag_tag_idx ON incidents.incident_management_alert_to_tag (tag_id, alert_id)`);

    await q.query(`
      CREATE TABLE incidents.incident_management_ioc (
        id serial PRIMARY KEY,
        value varchar(1024) NOT NULL,
        type varchar(50) NOT NULL,
        description text,
        CONSTRAINT ioc_value_type_key UNIQUE (value, type)
      )`);
    await q.query(`
      CREATE TABLE incidents.incident_management_alert_to_ioc (
        alert_id integer NOT NULL REFERENCES incidents.incident_management_alert (id) ON DELETE CASCADE,
        ioc_id integer NOT NULL REFERENCES incidents.incident_management_ioc (id) ON DELETE CASCADE,
        PRIMARY KEY (alert_id, ioc_id)
      )`);
    await q.query(`CREATE INDEX alert_to_ioc_ioc_idx ON incidents.incident_management_alert_to_ioc (ioc_id)`);

    await q.query(`
      CREATE TABLE incidents.incident_management_alertcontext (
        id serial PRIMARY KEY,
        source varchar(50) NOT NULL,
        context jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`
      CREATE TABLE incidents.incident_management_asset (
        id serial PRIMARY KEY,
        alert_linked integer NOT NULL REFERENCES incidents.incident_management_alert (id) ON DELETE CASCADE,
        asset_name varchar(255) NOT NULL,
        alert_context_id integer REFERENCES incidents.incident_management_alertcontext (id) ON DELETE SET NULL,
        agent_id varchar(255),
        velociraptor_id varchar(255),
        customer_code varchar(50) NOT NULL,
        index_name varchar(255),
        index_id varchar(255)
      )`);
    await q.query(`CREATE INDEX asset_alert_idx ON incidents.incident_management_asset (alert_linked)`);

    await q.query(`
      CREATE TABLE incidents.incident_management_comment (
        id serial PRIMARY KEY,
        alert_id integer NOT NULL REFERENCES incidents.incident_management_alert (id) ON DELETE CASCADE,
        comment text NOT NULL,
        user_name varchar(64) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX comment_alert_idx ON incidents.incident_management_comment (alert_id, created_at)`);

    await q.query(`
      CREATE TABLE incidents.incident_management_case (
        id serial PRIMARY KEY,
        case_name varchar(255) NOT NULL,
        case_description text,
        case_creation_time timestamptz(3) NOT NULL DEFAULT now(),
        case_status varchar(50) NOT NULL DEFAULT 'OPEN' CHECK (case_status IN ('OPEN', 'IN_PROGRESS', 'CLOSED')),
        case_closed_time timestamptz(3),
        assigned_to varchar(64),
        customer_code varchar(50) NOT NULL,
        notification_invoked_number integer NOT NULL DEFAULT 0,
        escalated boolean NOT NULL DEFAULT false,
        CONSTRAINT case_closed_has_time CHECK ((case_status = 'CLOSED') = (case_closed_time IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX case_created_idx ON incidents.incident_management_case (case_creation_time DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX case_customer_idx ON incidents.incident_management_case (customer_code)`);
    await q.query(`
      CREATE TABLE incidents.incident_management_casealertlink (
        case_id integer NOT NULL REFERENCES incidents.incident_management_case (id) ON DELETE CASCADE,
        alert_id integer NOT NULL REFERENCES incidents.incident_management_alert (id) ON DELETE CASCADE,
        PRIMARY KEY (case_id, alert_id)
      )`);
    await q.query(`CREATE INDEX casealertlink_alert_idx ON incidents.incident_management_casealertlink (alert_id)`);
    await q.query(`
      CREATE TABLE incidents.incident_management_case_comment (
        id serial PRIMARY KEY,
        case_id integer NOT NULL REFERENCES incidents.incident_management_case (id) ON DELETE CASCADE,
        comment text NOT NULL,
        user_name varchar(64) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX case_comment_case_idx ON incidents.incident_management_case_comment (case_id, created_at)`,
    );
    await q.query(`
      CREATE TABLE incidents.incident_management_case_datastore (
        id serial PRIMARY KEY,
        case_id integer NOT NULL REFERENCES incidents.incident_management_case (id) ON DELETE CASCADE,
        bucket_name varchar(255) NOT NULL,
        object_key varchar(1024) NOT NULL,
        file_name varchar(255) NOT NULL,
        content_type varchar(255),
        file_size bigint NOT NULL DEFAULT 0 CHECK (file_size >= 0),
        upload_time timestamptz(3) NOT NULL DEFAULT now(),
        file_hash varchar(128) NOT NULL,
        UNIQUE (bucket_name, object_key)
      )`);
    await q.query(`CREATE INDEX case_datastore_case_idx ON incidents.incident_management_case_datastore (case_id)`);
    await q.query(`
      CREATE TABLE incidents.incident_management_case_report_template_datastore (
        id serial PRIMARY KEY,
        report_template_name varchar(255) NOT NULL UNIQUE,
        bucket_name varchar(255) NOT NULL,
        object_key varchar(1024) NOT NULL,
        file_name varchar(255) NOT NULL,
        content_type varchar(255),
        file_size bigint NOT NULL DEFAULT 0 CHECK (file_size >= 0),
        upload_time timestamptz(3) NOT NULL DEFAULT now(),
        file_hash varchar(128) NOT NULL
      )`);

    await q.query(`
      CREATE TABLE incidents.incident_management_tag_access_settings (
        id serial PRIMARY KEY,
        enabled boolean NOT NULL DEFAULT false,
        untagged_alert_behavior varchar(20) NOT NULL DEFAULT 'VISIBLE_TO_ALL'
          CHECK (untagged_alert_behavior IN ('VISIBLE_TO_ALL', 'ADMIN_ONLY', 'DEFAULT_TAG')),
        default_tag_id integer REFERENCES incidents.incident_management_alerttag (id) ON DELETE RESTRICT,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by varchar(64),
        -- one global row
        singleton boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
        CONSTRAINT default_tag_required CHECK (untagged_alert_behavior <> 'DEFAULT_TAG' OR default_tag_id IS NOT NULL)
      )`);

    await q.query(`
      CREATE TABLE incidents.incident_management_notification (
        id serial PRIMARY KEY,
        customer_code varchar(50) NOT NULL,
        shuffle_workflow_id varchar(255) NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        UNIQUE (customer_code, shuffle_workflow_id)
      )`);
    await q.query(`
      CREATE TABLE incidents.incident_management_velo_sigma_exclusion (
        id serial PRIMARY KEY,
        name varchar(255) NOT NULL,
        description text,
        channel varchar(255),
        title varchar(255),
        field_matches jsonb NOT NULL DEFAULT '{}',
        customer_code varchar(50),
        created_by varchar(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_matched_at timestamptz,
        match_count integer NOT NULL DEFAULT 0 CHECK (match_count >= 0),
        enabled boolean NOT NULL DEFAULT true
      )`);
    await q.query(
      `CREATE INDEX sigma_exclusion_customer_idx ON incidents.incident_management_velo_sigma_exclusion (customer_code)`,
    );

    // Per-source field names used to read alerts out of SIEM documents (six kinds, one shape).
    for (const table of [
      'fieldname',
      'assetfieldname',
      'timestampfieldname',
      'alerttitlefieldname',
      'iocfieldname',
      'customercodefieldname',
    ]) {
      await q.query(`
        CREATE TABLE incidents.incident_management_${table} (
          id serial PRIMARY KEY,
          source varchar(50) NOT NULL,
          field_name varchar(255) NOT NULL,
          UNIQUE (source, field_name)
        )`);
    }

    await q.query(`
      CREATE TABLE incidents.custom_alert_creation_settings (
        id serial PRIMARY KEY,
        customer_code varchar(50) NOT NULL UNIQUE,
        excluded_wazuh_rules text,
        office365_organization_id varchar(255),
        nvd_url varchar(1024),
        custom_integration_urls jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE incidents.custom_alert_creation_event_order (
        id serial PRIMARY KEY,
        alert_creation_settings_id integer NOT NULL REFERENCES incidents.custom_alert_creation_settings (id) ON DELETE CASCADE,
        order_label varchar(255) NOT NULL
      )`);
    await q.query(`
      CREATE TABLE incidents.custom_alert_creation_condition (
        id serial PRIMARY KEY,
        event_order_id integer NOT NULL REFERENCES incidents.custom_alert_creation_event_order (id) ON DELETE CASCADE,
        field_name varchar(255) NOT NULL,
        field_value varchar(1024) NOT NULL
      )`);
    await q.query(`
      CREATE TABLE incidents.custom_alert_creation_event_config (
        id serial PRIMARY KEY,
        event_order_id integer NOT NULL REFERENCES incidents.custom_alert_creation_event_order (id) ON DELETE CASCADE,
        event_id varchar(255) NOT NULL,
        field varchar(255) NOT NULL,
        value varchar(1024) NOT NULL
      )`);
    await q.query(`
      CREATE TABLE incidents.monitoring_alerts (
        id serial PRIMARY KEY,
        alert_id varchar(255) NOT NULL,
        alert_index varchar(255) NOT NULL,
        customer_code varchar(50) NOT NULL,
        alert_source varchar(50) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (alert_index, alert_id)
      )`);
    await q.query(`CREATE INDEX monitoring_alerts_customer_idx ON incidents.monitoring_alerts (customer_code)`);
    await q.query(`
      CREATE TABLE incidents.sigma_queries (
        id serial PRIMARY KEY,
        rule_name varchar(255) NOT NULL UNIQUE,
        rule_query text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        time_interval varchar(20) NOT NULL DEFAULT '5m',
        last_execution_time timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'sigma_queries',
      'monitoring_alerts',
      'custom_alert_creation_event_config',
      'custom_alert_creation_condition',
      'custom_alert_creation_event_order',
      'custom_alert_creation_settings',
      'incident_management_customercodefieldname',
      'incident_management_iocfieldname',
      'incident_management_alerttitlefieldname',
      'incident_management_timestampfieldname',
      'incident_management_assetfieldname',
      'incident_management_fieldname',
      'incident_management_velo_sigma_exclusion',
      'incident_management_notification',
      'incident_management_tag_access_settings',
      'incident_management_case_report_template_datastore',
      'incident_management_case_datastore',
      'incident_management_case_comment',
      'incident_management_casealertlink',
      'incident_management_case',
      'incident_management_comment',
      'incident_management_asset',
      'incident_management_alertcontext',
      'incident_management_alert_to_ioc',
      'incident_management_ioc',
      'incident_management_alert_to_tag',
      'incident_management_alert',
      'incident_management_alerttag',
    ]) {
      await q.query(`DROP TABLE IF EXISTS incidents.${table}`);
    }
  }
}
