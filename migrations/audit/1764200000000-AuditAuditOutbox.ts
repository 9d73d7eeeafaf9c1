import { auditOutboxMigrationSql, dropAuditOutboxSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * audit's own mutations are audited like everyone else's (issue #4). Captured: the tables
 * people change (findings, policies, reports, GitHub configs). Not captured: the chains, the
 * access log, violations and logs — written only by internal deliveries, and pruned in bulk.
 */
export class AuditAuditOutbox1764200000000 implements MigrationInterface {
  name = 'AuditAuditOutbox1764200000000';

  async up(q: QueryRunner): Promise<void> {
    const statements = auditOutboxMigrationSql('audit', {
      security_events: {},
      security_incidents: {},
      network_traffic: {},
      data_validation_log: {},
      data_retention_policies: {},
      compliance_reports: { omit: ['report_data'] },
      github_audit_config: { redact: ['github_token'] },
      github_audit_check_exclusion: {},
      github_audit_report: { omit: ['findings'] },
      github_audit_baseline: {},
    });
    for (const statement of statements) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of dropAuditOutboxSql('audit')) await q.query(statement);
  }
}
