import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * surveillance (seed 003 and domain.md's details): cameras and their tags, zones, events,
 * detections and their five enrichment tables, alert rules, alerts, activity and class
 * baselines, event feedback and audits, weather and air-quality readings.
 *
 * Tag ids and customer codes point at incidents and identity by value: no cross-schema
 * foreign keys. Additions to the seed, each for a reason: `alerts.camera_id` (alerts are
 * listed and access-checked by camera without a join through events), a unique
 * (camera_id, batch_id) on events (concurrent ingests of one batch share one event), and
 * camera_tags (cameras carry tags from the incidents catalogue).
 */
export class SurveillanceInitial1764600000000 implements MigrationInterface {
  name = 'SurveillanceInitial1764600000000';

  async up(q: QueryRunner): Promise<void> {
    const s = 'surveillance';
    await q.query(`CREATE TYPE ${s}.alert_severity AS ENUM ('low', 'medium', 'high', 'critical')`);
    await q.query(`CREATE TYPE ${s}.alert_status AS ENUM ('pending', 'delivered', 'acknowledged', 'dismissed')`);
    await q.query(
      `CREATE TYPE ${s}.camera_zone_type_enum AS ENUM ('entry_point', 'driveway', 'sidewalk', 'yard', 'other')`,
    );
    await q.query(`CREATE TYPE ${s}.camera_zone_shape_enum AS ENUM ('rectangle', 'polygon')`);

    await q.query(`
      CREATE TABLE ${s}.cameras (
        id varchar(100) PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(_[a-z0-9]+)*$'),
        name varchar(255) NOT NULL UNIQUE,
        folder_path varchar(500) NOT NULL UNIQUE,
        location varchar(255),
        status varchar(20) NOT NULL DEFAULT 'online' CHECK (status IN ('online', 'offline', 'error', 'unknown')),
        customer_code varchar(50) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_seen_at timestamptz(3),
        deleted_at timestamptz(3)
      )`);
    await q.query(`CREATE INDEX idx_cameras_customer_code ON ${s}.cameras (customer_code)`);
    await q.query(`CREATE INDEX idx_cameras_status ON ${s}.cameras (status)`);
    await q.query(`CREATE INDEX idx_cameras_deleted_at ON ${s}.cameras (deleted_at)`);

    await q.query(`
      CREATE TABLE ${s}.camera_tags (
        camera_id varchar(100) NOT NULL REFERENCES ${s}.cameras (id) ON DELETE CASCADE,
        tag_id integer NOT NULL CHECK (tag_id > 0),
        PRIMARY KEY (camera_id, tag_id)
      )`);
    await q.query(`CREATE INDEX idx_camera_tags_tag ON ${s}.camera_tags (tag_id, camera_id)`);

    await q.query(`
      CREATE TABLE ${s}.camera_zones (
        id varchar(100) PRIMARY KEY,
        camera_id varchar(100) NOT NULL REFERENCES ${s}.cameras (id) ON DELETE CASCADE,
        name varchar(255) NOT NULL,
        zone_type ${s}.camera_zone_type_enum NOT NULL DEFAULT 'other',
        coordinates jsonb NOT NULL,
        shape ${s}.camera_zone_shape_enum NOT NULL DEFAULT 'rectangle',
        color varchar(7) NOT NULL DEFAULT '#3B82F6',
        enabled boolean NOT NULL DEFAULT true,
        priority integer NOT NULL DEFAULT 0,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT ck_camera_zones_priority CHECK (priority >= 0),
        CONSTRAINT ck_camera_zones_color CHECK (color ~ '^#[0-9A-Fa-f]{6}$')
      )`);
    await q.query(`CREATE INDEX idx_camera_zones_camera_id ON ${s}.camera_zones (camera_id)`);
    await q.query(`CREATE INDEX idx_camera_zones_enabled ON ${s}.camera_zones (enabled)`);
    await q.query(`CREATE INDEX idx_camera_zones_camera_enabled ON ${s}.camera_zones (camera_id, enabled)`);

    await q.query(`
      CREATE TABLE ${s}.detections (
        id serial PRIMARY KEY,
        camera_id varchar(100) NOT NULL REFERENCES ${s}.cameras (id) ON DELETE CASCADE,
        file_path varchar(1000) NOT NULL,
        file_type varchar(50),
        detected_at timestamptz(3) NOT NULL DEFAULT now(),
        object_type varchar(50) NOT NULL,
        confidence double precision NOT NULL CHECK (confidence >= 0.0 AND confidence <= 1.0),
        bbox_x double precision NOT NULL CHECK (bbox_x >= 0.0 AND bbox_x <= 1.0),
        bbox_y double precision NOT NULL CHECK (bbox_y >= 0.0 AND bbox_y <= 1.0),
        bbox_width double precision NOT NULL CHECK (bbox_width >= 0.0 AND bbox_width <= 1.0),
        bbox_height double precision NOT NULL CHECK (bbox_height >= 0.0 AND bbox_height <= 1.0),
        thumbnail_path varchar(1000),
        media_type varchar(10) NOT NULL DEFAULT 'image' CHECK (media_type IN ('image', 'video')),
        duration double precision CHECK (duration IS NULL OR duration >= 0),
        video_codec varchar(50),
        video_width integer CHECK (video_width IS NULL OR video_width > 0),
        video_height integer CHECK (video_height IS NULL OR video_height > 0),
        enrichment_data jsonb,
        labels jsonb,
        search_vector tsvector GENERATED ALWAYS AS
          (to_tsvector('simple', coalesce(object_type, '') || ' ' || coalesce(file_path, ''))) STORED,
        track_id integer,
        track_confidence double precision CHECK (track_confidence IS NULL OR (track_confidence >= 0.0 AND track_confidence <= 1.0)),
        CONSTRAINT ck_detections_bbox_inside CHECK (bbox_x + bbox_width <= 1.000001 AND bbox_y + bbox_height <= 1.000001)
      )`);
    await q.query(`CREATE INDEX idx_detections_camera_time ON ${s}.detections (camera_id, detected_at DESC, id DESC)`);
    await q.query(`CREATE INDEX idx_detections_object_type ON ${s}.detections (object_type)`);
    await q.query(`CREATE INDEX idx_detections_confidence ON ${s}.detections (confidence)`);
    await q.query(`CREATE INDEX ix_detections_detected_at_brin ON ${s}.detections USING brin (detected_at)`);
    await q.query(`CREATE INDEX idx_detections_search_vector ON ${s}.detections USING gin (search_vector)`);

    await q.query(`
      CREATE TABLE ${s}.events (
        id serial PRIMARY KEY,
        batch_id varchar(100),
        camera_id varchar(100) NOT NULL REFERENCES ${s}.cameras (id) ON DELETE CASCADE,
        started_at timestamptz(3) NOT NULL,
        ended_at timestamptz(3),
        risk_score integer CHECK (risk_score IS NULL OR (risk_score >= 0 AND risk_score <= 100)),
        risk_level varchar(10) CHECK (risk_level IS NULL OR risk_level IN ('low', 'medium', 'high', 'critical')),
        summary text,
        reasoning text,
        reviewed boolean NOT NULL DEFAULT false,
        notes text,
        is_fast_path boolean NOT NULL DEFAULT false,
        object_types text,
        clip_path varchar(1000),
        search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple',
          coalesce(summary, '') || ' ' || coalesce(reasoning, '') || ' ' || coalesce(notes, '') || ' ' ||
          coalesce(object_types, ''))) STORED,
        deleted_at timestamptz(3),
        snooze_until timestamptz(3),
        CONSTRAINT ck_events_time_order CHECK (ended_at IS NULL OR ended_at >= started_at)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX uq_events_camera_batch ON ${s}.events (camera_id, batch_id) WHERE batch_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX idx_events_started ON ${s}.events (started_at DESC, id DESC)`);
    await q.query(`CREATE INDEX idx_events_camera_started ON ${s}.events (camera_id, started_at DESC, id DESC)`);
    await q.query(`CREATE INDEX idx_events_risk_level ON ${s}.events (risk_level)`);
    await q.query(`CREATE INDEX idx_events_reviewed ON ${s}.events (reviewed)`);
    await q.query(`CREATE INDEX ix_events_started_at_brin ON ${s}.events USING brin (started_at)`);
    await q.query(`CREATE INDEX idx_events_search_vector ON ${s}.events USING gin (search_vector)`);

    await q.query(`
      CREATE TABLE ${s}.event_detections (
        event_id integer NOT NULL REFERENCES ${s}.events (id) ON DELETE CASCADE,
        detection_id integer NOT NULL REFERENCES ${s}.detections (id) ON DELETE CASCADE,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, detection_id)
      )`);
    await q.query(`CREATE INDEX idx_event_detections_detection ON ${s}.event_detections (detection_id)`);

    // ----- enrichments -----
    await q.query(`
      CREATE TABLE ${s}.pose_results (
        id serial PRIMARY KEY,
        detection_id integer NOT NULL UNIQUE REFERENCES ${s}.detections (id) ON DELETE CASCADE,
        keypoints jsonb,
        pose_class varchar(20) NOT NULL CHECK (pose_class IN
          ('standing', 'crouching', 'bending_over', 'arms_raised', 'sitting', 'lying_down', 'unknown')),
        confidence double precision NOT NULL CHECK (confidence >= 0.0 AND confidence <= 1.0),
        is_suspicious boolean NOT NULL DEFAULT false,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX idx_pose_results_pose_class ON ${s}.pose_results (pose_class)`);
    await q.query(`CREATE INDEX idx_pose_results_suspicious ON ${s}.pose_results (is_suspicious)`);
    await q.query(`
      CREATE TABLE ${s}.threat_detections (
        id serial PRIMARY KEY,
        detection_id integer NOT NULL REFERENCES ${s}.detections (id) ON DELETE CASCADE,
        threat_type varchar(20) NOT NULL CHECK (threat_type IN ('gun', 'knife', 'grenade', 'explosive', 'weapon', 'other')),
        confidence double precision NOT NULL CHECK (confidence >= 0.0 AND confidence <= 1.0),
        severity varchar(10) NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
        bbox jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX idx_threat_detections_detection ON ${s}.threat_detections (detection_id)`);
    await q.query(`CREATE INDEX idx_threat_detections_type ON ${s}.threat_detections (threat_type)`);
    await q.query(`CREATE INDEX idx_threat_detections_severity ON ${s}.threat_detections (severity)`);
    await q.query(`
      CREATE TABLE ${s}.demographics_results (
        id serial PRIMARY KEY,
        detection_id integer NOT NULL UNIQUE REFERENCES ${s}.detections (id) ON DELETE CASCADE,
        age_range varchar(10) NOT NULL CHECK (age_range IN
          ('0-10', '11-20', '21-30', '31-40', '41-50', '51-60', '61-70', '71-80', '81+', 'unknown')),
        age_confidence double precision NOT NULL CHECK (age_confidence >= 0.0 AND age_confidence <= 1.0),
        gender varchar(10) NOT NULL CHECK (gender IN ('male', 'female', 'unknown')),
        gender_confidence double precision NOT NULL CHECK (gender_confidence >= 0.0 AND gender_confidence <= 1.0),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE ${s}.reid_embeddings (
        id serial PRIMARY KEY,
        detection_id integer NOT NULL UNIQUE REFERENCES ${s}.detections (id) ON DELETE CASCADE,
        embedding jsonb NOT NULL,
        embedding_hash varchar(64) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX idx_reid_embeddings_hash ON ${s}.reid_embeddings (embedding_hash)`);
    await q.query(`
      CREATE TABLE ${s}.action_results (
        id serial PRIMARY KEY,
        detection_id integer NOT NULL UNIQUE REFERENCES ${s}.detections (id) ON DELETE CASCADE,
        action varchar(50) NOT NULL,
        confidence double precision NOT NULL CHECK (confidence >= 0.0 AND confidence <= 1.0),
        is_suspicious boolean NOT NULL DEFAULT false,
        all_scores jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX idx_action_results_action ON ${s}.action_results (action)`);

    // ----- alerting -----
    await q.query(`
      CREATE TABLE ${s}.alert_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(255) NOT NULL,
        description text,
        enabled boolean NOT NULL DEFAULT true,
        severity ${s}.alert_severity NOT NULL DEFAULT 'medium',
        risk_threshold integer,
        object_types json,
        camera_ids json,
        zone_ids json,
        min_confidence double precision,
        schedule json,
        conditions json,
        dedup_key_template varchar(255) NOT NULL DEFAULT '{camera_id}:{rule_id}',
        cooldown_seconds integer NOT NULL DEFAULT 300,
        channels json,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT ck_alert_rules_risk_threshold CHECK (risk_threshold IS NULL OR (risk_threshold >= 0 AND risk_threshold <= 100)),
        CONSTRAINT ck_alert_rules_min_confidence CHECK (min_confidence IS NULL OR (min_confidence >= 0.0 AND min_confidence <= 1.0)),
        CONSTRAINT ck_alert_rules_cooldown CHECK (cooldown_seconds >= 0)
      )`);
    await q.query(`CREATE INDEX idx_alert_rules_name ON ${s}.alert_rules (name)`);
    await q.query(`CREATE INDEX idx_alert_rules_enabled ON ${s}.alert_rules (enabled)`);
    await q.query(`CREATE INDEX idx_alert_rules_severity ON ${s}.alert_rules (severity)`);

    await q.query(`
      CREATE TABLE ${s}.alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id integer NOT NULL REFERENCES ${s}.events (id) ON DELETE CASCADE,
        camera_id varchar(100) NOT NULL REFERENCES ${s}.cameras (id) ON DELETE CASCADE,
        rule_id uuid REFERENCES ${s}.alert_rules (id) ON DELETE SET NULL,
        severity ${s}.alert_severity NOT NULL DEFAULT 'medium',
        status ${s}.alert_status NOT NULL DEFAULT 'pending',
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        delivered_at timestamptz(3),
        channels json,
        dedup_key varchar(255) NOT NULL,
        metadata json,
        version_id integer NOT NULL DEFAULT 1 CHECK (version_id >= 1)
      )`);
    await q.query(`CREATE INDEX idx_alerts_event_id ON ${s}.alerts (event_id)`);
    await q.query(`CREATE INDEX idx_alerts_camera_created ON ${s}.alerts (camera_id, created_at DESC)`);
    await q.query(`CREATE INDEX idx_alerts_rule_id ON ${s}.alerts (rule_id)`);
    await q.query(`CREATE INDEX idx_alerts_severity ON ${s}.alerts (severity)`);
    await q.query(`CREATE INDEX idx_alerts_status ON ${s}.alerts (status)`);
    await q.query(`CREATE INDEX idx_alerts_created_at ON ${s}.alerts (created_at)`);
    await q.query(`CREATE INDEX idx_alerts_created_id ON ${s}.alerts (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX idx_alerts_dedup_key ON ${s}.alerts (dedup_key)`);
    await q.query(`CREATE INDEX idx_alerts_dedup_key_created_at ON ${s}.alerts (dedup_key, created_at)`);
    await q.query(`CREATE INDEX idx_alerts_delivered_at ON ${s}.alerts (delivered_at)`);
    await q.query(`CREATE INDEX idx_alerts_event_rule_delivered ON ${s}.alerts (event_id, rule_id, delivered_at)`);
    await q.query(`CREATE INDEX ix_alerts_created_at_brin ON ${s}.alerts USING brin (created_at)`);

    // ----- baselines -----
    await q.query(`
      CREATE TABLE ${s}.activity_baselines (
        id serial PRIMARY KEY,
        camera_id varchar(100) NOT NULL REFERENCES ${s}.cameras (id) ON DELETE CASCADE,
        hour integer NOT NULL,
        day_of_week integer NOT NULL,
        avg_count double precision NOT NULL DEFAULT 0.0,
        sample_count integer NOT NULL DEFAULT 0,
        last_updated timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT uq_activity_baseline_slot UNIQUE (camera_id, hour, day_of_week),
        CONSTRAINT ck_activity_baseline_hour CHECK (hour >= 0 AND hour <= 23),
        CONSTRAINT ck_activity_baseline_dow CHECK (day_of_week >= 0 AND day_of_week <= 6)
      )`);
    await q.query(`CREATE INDEX idx_activity_baseline_camera ON ${s}.activity_baselines (camera_id)`);
    await q.query(`CREATE INDEX idx_activity_baseline_slot ON ${s}.activity_baselines (camera_id, hour, day_of_week)`);
    await q.query(`
      CREATE TABLE ${s}.class_baselines (
        id serial PRIMARY KEY,
        camera_id varchar(100) NOT NULL REFERENCES ${s}.cameras (id) ON DELETE CASCADE,
        detection_class varchar(50) NOT NULL,
        hour integer NOT NULL,
        frequency double precision NOT NULL DEFAULT 0.0,
        sample_count integer NOT NULL DEFAULT 0,
        last_updated timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT uq_class_baseline_slot UNIQUE (camera_id, detection_class, hour),
        CONSTRAINT ck_class_baseline_hour CHECK (hour >= 0 AND hour <= 23)
      )`);
    await q.query(`CREATE INDEX idx_class_baseline_camera ON ${s}.class_baselines (camera_id)`);
    await q.query(`CREATE INDEX idx_class_baseline_class ON ${s}.class_baselines (camera_id, detection_class)`);
    await q.query(`CREATE INDEX idx_class_baseline_slot ON ${s}.class_baselines (camera_id, detection_class, hour)`);

    // ----- review -----
    await q.query(`
      CREATE TABLE ${s}.event_feedback (
        id serial PRIMARY KEY,
        event_id integer NOT NULL REFERENCES ${s}.events (id) ON DELETE CASCADE,
        feedback_type varchar(20) NOT NULL,
        notes text,
        expected_severity varchar(10),
        actual_threat_level varchar(20),
        suggested_score integer,
        what_was_wrong text,
        model_failures jsonb,
        created_by varchar(64),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT uq_event_feedback_event UNIQUE (event_id),
        CONSTRAINT ck_event_feedback_type CHECK (feedback_type IN
          ('accurate', 'correct', 'false_positive', 'missed_threat', 'severity_wrong')),
        CONSTRAINT ck_event_feedback_expected_severity CHECK (expected_severity IS NULL OR
          expected_severity IN ('low', 'medium', 'high', 'critical')),
        CONSTRAINT ck_event_feedback_threat_level CHECK (actual_threat_level IS NULL OR
          actual_threat_level IN ('no_threat', 'minor_concern', 'genuine_threat')),
        CONSTRAINT ck_event_feedback_suggested_score CHECK (suggested_score IS NULL OR
          (suggested_score >= 0 AND suggested_score <= 100))
      )`);
    await q.query(`CREATE INDEX idx_event_feedback_event_id ON ${s}.event_feedback (event_id)`);
    await q.query(`CREATE INDEX idx_event_feedback_type ON ${s}.event_feedback (feedback_type)`);
    await q.query(`CREATE INDEX idx_event_feedback_created_at ON ${s}.event_feedback (created_at)`);

    const score = (column: string) =>
      `CONSTRAINT ck_event_audits_${column} CHECK (${column} IS NULL OR (${column} >= 1.0 AND ${column} <= 5.0))`;
    await q.query(`
      CREATE TABLE ${s}.event_audits (
        id serial PRIMARY KEY,
        event_id integer NOT NULL REFERENCES ${s}.events (id) ON DELETE CASCADE,
        audited_at timestamptz(3) NOT NULL DEFAULT now(),
        has_yolo26 boolean NOT NULL DEFAULT false,
        has_florence boolean NOT NULL DEFAULT false,
        has_clip boolean NOT NULL DEFAULT false,
        has_violence boolean NOT NULL DEFAULT false,
        has_clothing boolean NOT NULL DEFAULT false,
        has_vehicle boolean NOT NULL DEFAULT false,
        has_pet boolean NOT NULL DEFAULT false,
        has_weather boolean NOT NULL DEFAULT false,
        has_image_quality boolean NOT NULL DEFAULT false,
        has_zones boolean NOT NULL DEFAULT false,
        has_baseline boolean NOT NULL DEFAULT false,
        has_cross_camera boolean NOT NULL DEFAULT false,
        prompt_length integer NOT NULL DEFAULT 0 CHECK (prompt_length >= 0),
        prompt_token_estimate integer NOT NULL DEFAULT 0 CHECK (prompt_token_estimate >= 0),
        enrichment_utilization double precision NOT NULL DEFAULT 0.0,
        context_usage_score double precision,
        reasoning_coherence_score double precision,
        risk_justification_score double precision,
        consistency_score double precision,
        overall_quality_score double precision,
        consistency_risk_score integer CHECK (consistency_risk_score IS NULL OR (consistency_risk_score >= 0 AND consistency_risk_score <= 100)),
        consistency_diff integer,
        self_eval_critique text,
        self_eval_prompt text,
        self_eval_response text,
        missing_context text,
        confusing_sections text,
        unused_data text,
        format_suggestions text,
        model_gaps text,
        CONSTRAINT uq_event_audits_event UNIQUE (event_id),
        CONSTRAINT ck_event_audits_enrichment_utilization CHECK (enrichment_utilization >= 0.0 AND enrichment_utilization <= 1.0),
        ${score('context_usage_score')},
        ${score('reasoning_coherence_score')},
        ${score('risk_justification_score')},
        ${score('consistency_score')},
        ${score('overall_quality_score')}
      )`);
    await q.query(`CREATE INDEX idx_event_audits_event_id ON ${s}.event_audits (event_id)`);
    await q.query(`CREATE INDEX idx_event_audits_audited_at ON ${s}.event_audits (audited_at)`);
    await q.query(`CREATE INDEX idx_event_audits_overall_score ON ${s}.event_audits (overall_quality_score)`);

    // ----- environment telemetry (seed 000), per camera -----
    await q.query(`
      CREATE TABLE ${s}.weather_data (
        id serial PRIMARY KEY,
        camera_id varchar(100) NOT NULL REFERENCES ${s}.cameras (id) ON DELETE CASCADE,
        recorded_at timestamptz(3) NOT NULL DEFAULT now(),
        temperature_c double precision CHECK (temperature_c IS NULL OR (temperature_c >= -90 AND temperature_c <= 60)),
        humidity double precision CHECK (humidity IS NULL OR (humidity >= 0 AND humidity <= 100)),
        wind_speed_ms double precision CHECK (wind_speed_ms IS NULL OR wind_speed_ms >= 0),
        precipitation_mm double precision CHECK (precipitation_mm IS NULL OR precipitation_mm >= 0),
        conditions varchar(50)
      )`);
    await q.query(
      `CREATE INDEX idx_weather_data_camera_time ON ${s}.weather_data (camera_id, recorded_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX ix_weather_data_recorded_at_brin ON ${s}.weather_data USING brin (recorded_at)`);
    await q.query(`
      CREATE TABLE ${s}.air_quality_data (
        id serial PRIMARY KEY,
        camera_id varchar(100) NOT NULL REFERENCES ${s}.cameras (id) ON DELETE CASCADE,
        recorded_at timestamptz(3) NOT NULL DEFAULT now(),
        aqi integer CHECK (aqi IS NULL OR (aqi >= 0 AND aqi <= 500)),
        pm25 double precision CHECK (pm25 IS NULL OR pm25 >= 0),
        pm10 double precision CHECK (pm10 IS NULL OR pm10 >= 0),
        o3 double precision CHECK (o3 IS NULL OR o3 >= 0),
        no2 double precision CHECK (no2 IS NULL OR no2 >= 0),
        co double precision CHECK (co IS NULL OR co >= 0)
      )`);
    await q.query(
      `CREATE INDEX idx_air_quality_data_camera_time ON ${s}.air_quality_data (camera_id, recorded_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX ix_air_quality_data_recorded_at_brin ON ${s}.air_quality_data USING brin (recorded_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const s = 'surveillance';
    for (const table of [
      'air_quality_data',
      'weather_data',
      'event_audits',
      'event_feedback',
      'class_baselines',
      'activity_baselines',
      'alerts',
      'alert_rules',
      'action_results',
      'reid_embeddings',
      'demographics_results',
      'threat_detections',
      'pose_results',
      'event_detections',
      'events',
      'detections',
      'camera_zones',
      'camera_tags',
      'cameras',
    ]) {
      await q.query(`DROP TABLE ${s}.${table}`);
    }
    for (const type of ['camera_zone_shape_enum', 'camera_zone_type_enum', 'alert_status', 'alert_severity']) {
      await q.query(`DROP TYPE ${s}.${type}`);
    }
  }
}
