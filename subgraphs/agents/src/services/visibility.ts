import { customerCondition, isUnrestricted, Roles, type Principal, type SqlCondition } from '@socgraph/shared';
import type { AgentRow, ExecutionRow } from '../entities';

/** Qualified tables of the agents schema. */
export const T = {
  agent: 'agents.agent',
  change: 'agents.agent_audit_log',
  execution: 'agents.agent_execution',
  log: 'agents.agent_log',
  metricsTable: 'agents.agent_metrics',
  interaction: 'agents.user_agent_interaction',
  endpoint: 'agents.agents',
  vulnerability: 'agents.agent_vulnerabilities',
  vulnerabilityReport: 'agents.vulnerability_reports',
  scaReport: 'agents.sca_reports',
  artifact: 'agents.agent_datastore',
  schedule: 'agents.scheduled_job_metadata',
  scheduleRun: 'agents.schedulerjob',
  snapshotSchedule: 'agents.index_snapshot_schedules',
} as const;

/** Roles that use the marketplace (browse and execute); the auditor reads the audit domain only. */
export const MARKETPLACE_ROLES = [Roles.ADMIN, Roles.ANALYST, Roles.CUSTOMER_USER] as const;

const usesMarketplace = (p: Principal): boolean =>
  p.kind !== 'anonymous' && (isUnrestricted(p) || (MARKETPLACE_ROLES as readonly string[]).includes(p.role ?? ''));

/** Admins (and background work) manage every agent; an owner its own. */
export function canManageAgent(p: Principal, agent: Pick<AgentRow, 'ownerId'>): boolean {
  return isUnrestricted(p) || (p.kind === 'user' && p.userId !== null && p.userId === agent.ownerId);
}

/** Active agents are visible to every marketplace user; inactive ones to admins and their owners. */
export function canSeeAgent(p: Principal, agent: Pick<AgentRow, 'ownerId' | 'isActive'>): boolean {
  if (!usesMarketplace(p)) return false;
  return agent.isActive || canManageAgent(p, agent);
}

/** The SQL form of `canSeeAgent` on alias `a`. */
export function agentVisibility(p: Principal, alias: string): SqlCondition {
  if (!usesMarketplace(p)) return { sql: 'FALSE', params: {} };
  if (isUnrestricted(p)) return { sql: 'TRUE', params: {} };
  if (p.userId === null) return { sql: `${alias}.is_active`, params: {} };
  return { sql: `(${alias}.is_active OR ${alias}.owner_id = :agent_viewer)`, params: { agent_viewer: p.userId } };
}

/** An execution: its user's, and admins'. (An agent's owner sees them through `Agent.executions`.) */
export function canSeeExecution(p: Principal, execution: Pick<ExecutionRow, 'userId'>): boolean {
  if (isUnrestricted(p)) return true;
  return p.kind === 'user' && p.userId !== null && p.userId === execution.userId && usesMarketplace(p);
}

/**
 * Executions listed under an agent: all of them for admins and the agent's owner, else the
 * caller's own. `alias` is the execution table's; the agent's owner is checked by EXISTS.
 */
export function executionVisibility(p: Principal, alias: string): SqlCondition {
  if (isUnrestricted(p)) return { sql: 'TRUE', params: {} };
  if (p.kind !== 'user' || p.userId === null || !usesMarketplace(p)) return { sql: 'FALSE', params: {} };
  return {
    sql:
      `(${alias}.user_id = :execution_viewer OR EXISTS (SELECT 1 FROM ${T.agent} owned ` +
      `WHERE owned.id = ${alias}.agent_id AND owned.owner_id = :execution_viewer))`,
    params: { execution_viewer: p.userId },
  };
}

/** An agent's change log: admins and its owner. */
export function changeVisibility(p: Principal, alias: string): SqlCondition {
  if (isUnrestricted(p)) return { sql: 'TRUE', params: {} };
  if (p.kind !== 'user' || p.userId === null || !usesMarketplace(p)) return { sql: 'FALSE', params: {} };
  return {
    sql: `EXISTS (SELECT 1 FROM ${T.agent} owned WHERE owned.id = ${alias}.agent_id AND owned.owner_id = :change_viewer)`,
    params: { change_viewer: p.userId },
  };
}

/** Endpoint agents and their vulnerabilities: the shared customer scope on `customer_code`. */
export const endpointVisibility = (p: Principal, alias: string): SqlCondition =>
  customerCondition(p, `${alias}.customer_code`);

/** An endpoint agent's artefacts follow their agent's customer (the datastore row has no customer of its own). */
export function artifactVisibility(p: Principal, alias: string): SqlCondition {
  const condition = endpointVisibility(p, 'art_agent');
  if (condition.sql === 'TRUE' || condition.sql === 'FALSE') return condition;
  return {
    sql: `EXISTS (SELECT 1 FROM ${T.endpoint} art_agent WHERE art_agent.agent_id = ${alias}.agent_id AND ${condition.sql})`,
    params: condition.params,
  };
}
