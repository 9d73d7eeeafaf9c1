import { auditOutboxMigrationSql, dropAuditOutboxSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * agents' audit trail: the outbox the relay delivers to audit, and change capture on every
 * table, so each mutation's entry (registerAgent, executeAgent, ...) carries the rows it changed.
 * An execution's output is left out: it is the agent's answer, not a change anyone made.
 */
export class AgentsAuditOutbox1764700000001 implements MigrationInterface {
  name = 'AgentsAuditOutbox1764700000001';

  async up(q: QueryRunner): Promise<void> {
    const tables = [
      'agent',
      'agent_audit_log',
      'agent_metrics',
      'agent_log',
      'user_agent_interaction',
      'agents',
      'agent_vulnerabilities',
    ];
    const statements = auditOutboxMigrationSql('agents', {
      agent_execution: { omit: ['output'] },
      ...Object.fromEntries(tables.map((table) => [table, {}])),
    });
    for (const statement of statements) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of dropAuditOutboxSql('agents')) await q.query(statement);
  }
}
