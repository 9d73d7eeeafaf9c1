import { auditOutboxMigrationSql, dropAuditOutboxSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * incidents' audit trail (issue #4): the outbox the relay delivers to audit, and change capture
 * on every table, so each mutation's entry carries the fields it changed. The alerts' generated
 * search vector is left out: it only restates name and description.
 */
export class IncidentsAuditOutbox1764200000000 implements MigrationInterface {
  name = 'IncidentsAuditOutbox1764200000000';

  async up(q: QueryRunner): Promise<void> {
    const tables = [
      'incident_management_alerttag',
      'incident_management_alert_to_tag',
      'incident_management_ioc',
      'incident_management_alert_to_ioc',
      'incident_management_alertcontext',
      'incident_management_asset',
      'incident_management_comment',
      'incident_management_case',
      'incident_management_casealertlink',
      'incident_management_case_comment',
      'incident_management_case_datastore',
      'incident_management_case_report_template_datastore',
      'incident_management_tag_access_settings',
      'incident_management_notification',
      'incident_management_velo_sigma_exclusion',
      'incident_management_fieldname',
      'incident_management_assetfieldname',
      'incident_management_timestampfieldname',
      'incident_management_alerttitlefieldname',
      'incident_management_iocfieldname',
      'incident_management_customercodefieldname',
      'custom_alert_creation_settings',
      'custom_alert_creation_event_order',
      'custom_alert_creation_condition',
      'custom_alert_creation_event_config',
      'monitoring_alerts',
      'sigma_queries',
    ];
    const statements = auditOutboxMigrationSql('incidents', {
      incident_management_alert: { omit: ['search_vector'] },
      ...Object.fromEntries(tables.map((table) => [table, {}])),
    });
    for (const statement of statements) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of dropAuditOutboxSql('incidents')) await q.query(statement);
  }
}
