import { auditOutboxMigrationSql, dropAuditOutboxSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * surveillance's audit trail: the outbox the relay delivers to audit, and change capture on
 * every table. Generated search vectors and the bulky re-id vectors and keypoints are left
 * out: they restate other columns or carry no reviewable meaning.
 */
export class SurveillanceAuditOutbox1764600000001 implements MigrationInterface {
  name = 'SurveillanceAuditOutbox1764600000001';

  async up(q: QueryRunner): Promise<void> {
    const tables = [
      'cameras',
      'camera_tags',
      'camera_zones',
      'event_detections',
      'threat_detections',
      'demographics_results',
      'action_results',
      'alert_rules',
      'alerts',
      'activity_baselines',
      'class_baselines',
      'event_feedback',
      'event_audits',
      'weather_data',
      'air_quality_data',
    ];
    const statements = auditOutboxMigrationSql('surveillance', {
      events: { omit: ['search_vector'] },
      detections: { omit: ['search_vector'] },
      pose_results: { omit: ['keypoints'] },
      reid_embeddings: { omit: ['embedding'] },
      ...Object.fromEntries(tables.map((table) => [table, {}])),
    });
    for (const statement of statements) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of dropAuditOutboxSql('surveillance')) await q.query(statement);
  }
}
