import {
  and,
  canSeeUserProfile,
  customerCondition,
  forbidden,
  Roles,
  tagCondition,
  tagVisibility,
  TRUE_CONDITION,
  type Principal,
  type SqlCondition,
  type TagConditionOptions,
} from '@socgraph/shared';

/**
 * The shared access policy applied to incidents' tables. Every read path (lists, single
 * fetches, nested lists, entity references) and every mutation's lookup goes through these
 * conditions, so what one path shows, all show.
 */
export const T = {
  alert: 'incidents.incident_management_alert',
  alertTag: 'incidents.incident_management_alert_to_tag',
  alertIoc: 'incidents.incident_management_alert_to_ioc',
  tag: 'incidents.incident_management_alerttag',
  ioc: 'incidents.incident_management_ioc',
  case: 'incidents.incident_management_case',
  caseAlert: 'incidents.incident_management_casealertlink',
} as const;

/**
 * An alert is visible when its customer is in scope and its tags pass tag RBAC. `form`: the SQL
 * shape of the tag test (`probe` for keyset pages, `set` for counts; see `tagCondition`).
 */
export function alertVisibility(p: Principal, alias: string, form: TagConditionOptions['form'] = 'set'): SqlCondition {
  return and(
    customerCondition(p, `${alias}.customer_code`),
    tagCondition(
      p,
      { rowId: `${alias}.id`, linkTable: T.alertTag, linkRowColumn: 'alert_id', linkTagColumn: 'tag_id' },
      { form },
    ),
  );
}

/**
 * A case is visible when its customer is in scope and, under tag RBAC, at least one linked
 * alert is visible (a case without alerts follows the untagged rule). Alerts listed under a
 * visible case are still filtered one by one.
 */
export function caseVisibility(p: Principal, alias: string): SqlCondition {
  const customer = customerCondition(p, `${alias}.customer_code`);
  const tags = tagVisibility(p);
  if (tags.kind === 'all') return customer;
  const linked = alertVisibility(p, 'case_alert');
  const anyVisibleAlert =
    `EXISTS (SELECT 1 FROM ${T.caseAlert} cl JOIN ${T.alert} case_alert ON case_alert.id = cl.alert_id ` +
    `WHERE cl.case_id = ${alias}.id AND ${linked.sql})`;
  const noAlerts = `NOT EXISTS (SELECT 1 FROM ${T.caseAlert} cl0 WHERE cl0.case_id = ${alias}.id)`;
  return and(customer, {
    sql: tags.untaggedVisible ? `(${anyVisibleAlert} OR ${noAlerts})` : anyVisibleAlert,
    params: linked.params,
  });
}

export { TRUE_CONDITION };

// ----- who may change what (api.md "Roles") -----

/** Admins, analysts and background work triage alerts and cases they can see (mutation-access.ts gates on these). */
export const WORKER_ROLES = [Roles.ADMIN, Roles.ANALYST, Roles.SCHEDULER] as const;
/** Customer users may also comment on their customers' rows. */
export const COMMENTER_ROLES = [...WORKER_ROLES, Roles.CUSTOMER_USER] as const;
const WORKERS = new Set<string>(WORKER_ROLES);
const COMMENTERS = new Set<string>(COMMENTER_ROLES);

export function requireWorker(p: Principal): void {
  if (p.kind === 'anonymous' || p.role === null || !WORKERS.has(p.role))
    throw forbidden('Requires role admin or analyst');
}

export function requireCommenter(p: Principal): void {
  if (p.kind === 'anonymous' || p.role === null || !COMMENTERS.has(p.role)) throw forbidden('Not allowed to comment');
}

/** Readers of the incidents domain: everyone signed in but the auditor (audit domain only). */
export function canReadIncidents(p: Principal): boolean {
  return p.kind !== 'anonymous' && p.role !== Roles.AUDITOR;
}

/**
 * A stored username (assignee) as the caller may see it: identity's rule for `user(id)`, so a
 * customer user does not learn the names of staff it cannot look up.
 */
export function visibleUsername(p: Principal, username: string | null): string | null {
  return username !== null && canSeeUserProfile(p, { username }) ? username : null;
}
