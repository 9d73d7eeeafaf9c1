import { Roles, type Principal } from '../auth/principal';
import { forbidden, unauthenticated } from '../errors';

/**
 * The one access policy of architecture.md: customer scoping ANDed with tag RBAC.
 * Pure functions decide single rows; sql.ts turns the same decisions into SQL conditions
 * for lists, so a page, its cursor and its totalCount always agree with a single fetch.
 */

/** Roles that see every row of the domains they read (no customer or tag filter). */
const UNRESTRICTED_ROLES = new Set<string>([Roles.ADMIN, Roles.SCHEDULER]);

export const isUnrestricted = (p: Principal): boolean => p.role !== null && UNRESTRICTED_ROLES.has(p.role);
export const isAdmin = (p: Principal): boolean => p.role === Roles.ADMIN;

export type CustomerScope = { kind: 'all' } | { kind: 'only'; codes: readonly string[] };

/**
 * admin/scheduler: all customers; analyst: its customers, or all when it has none;
 * customer_user (and any other role): only its customers, none when it has none.
 * The auditor reads the audit domain only, so it sees no customer rows.
 */
export function customerScope(p: Principal): CustomerScope {
  if (p.kind === 'anonymous') return { kind: 'only', codes: [] };
  if (isUnrestricted(p)) return { kind: 'all' };
  if (p.role === Roles.AUDITOR) return { kind: 'only', codes: [] };
  if (p.role === Roles.ANALYST && p.customerCodes.length === 0) return { kind: 'all' };
  return { kind: 'only', codes: p.customerCodes };
}

/** A row without a customer code is visible only to callers who see all customers. */
export function canSeeCustomer(p: Principal, customerCode: string | null | undefined): boolean {
  const scope = customerScope(p);
  if (scope.kind === 'all') return true;
  return customerCode != null && scope.codes.includes(customerCode);
}

export type TagVisibility =
  | { kind: 'all' }
  /** Rows sharing a tag with `tagIds` are visible; untagged rows when `untaggedVisible`. */
  | { kind: 'tags'; tagIds: readonly string[]; untaggedVisible: boolean };

/** Tag filtering applies to analysts alone, and only while tag RBAC is enabled. */
export function tagVisibility(p: Principal): TagVisibility {
  const settings = p.tagAccess;
  if (!settings.enabled || p.role !== Roles.ANALYST) return { kind: 'all' };
  const tagIds = p.tagIds;
  switch (settings.untaggedAlertBehavior) {
    case 'VISIBLE_TO_ALL':
      return { kind: 'tags', tagIds, untaggedVisible: true };
    case 'ADMIN_ONLY':
      return { kind: 'tags', tagIds, untaggedVisible: false };
    case 'DEFAULT_TAG':
      // An untagged row is treated as carrying the default tag.
      return {
        kind: 'tags',
        tagIds,
        untaggedVisible: settings.defaultTagId !== null && tagIds.includes(settings.defaultTagId),
      };
  }
}

export function canSeeTags(p: Principal, rowTagIds: readonly string[]): boolean {
  const v = tagVisibility(p);
  if (v.kind === 'all') return true;
  if (rowTagIds.length === 0) return v.untaggedVisible;
  return rowTagIds.some((t) => v.tagIds.includes(t));
}

/** A tag-protected row (alert, camera): customer scope AND tags. */
export function canSeeTaggedRow(
  p: Principal,
  row: { customerCode: string | null; tagIds: readonly string[] },
): boolean {
  return canSeeCustomer(p, row.customerCode) && canSeeTags(p, row.tagIds);
}

/** SOC staff see every user's profile (so assignees and comment authors resolve); anyone else only itself. */
const USER_DIRECTORY_ROLES = new Set<string>([Roles.ADMIN, Roles.ANALYST, Roles.AUDITOR, Roles.SCHEDULER]);

/**
 * Whether the caller may see a user at all, by id or username: identity's `user(id)` and User
 * reference resolution, and every subgraph that names a user (an alert's assignee), decide alike.
 */
export function canSeeUserProfile(
  p: Principal,
  user: { id?: string | number | null; username?: string | null },
): boolean {
  if (p.kind === 'anonymous') return false;
  if (p.kind === 'service' || (p.role !== null && USER_DIRECTORY_ROLES.has(p.role))) return true;
  if (user.id !== undefined && user.id !== null) return p.userId !== null && p.userId === String(user.id);
  return (
    user.username !== undefined &&
    user.username !== null &&
    p.username !== null &&
    p.username.toLowerCase() === user.username.toLowerCase()
  );
}

/** What a customer user sees instead of a SOC staff member's name (a comment's author, a verdict's giver). */
export const STAFF_NAME_LABEL = 'SOC analyst';

/**
 * A person's name stored on a row (a comment's author, who gave a verdict) as the caller may
 * see it. Whoever may see the user's profile sees the name (staff roles, services, the person
 * itself). Anyone else, i.e. a customer user, also sees the names of customer users, who wrote
 * on rows of customers it shares and so belong to its organisation, and a neutral label for SOC
 * staff. `role` is the person's role when it acted; null (unknown) counts as staff.
 */
export function visibleActorName(p: Principal, actor: { username: string; role: string | null }): string {
  if (p.kind === 'anonymous') return STAFF_NAME_LABEL;
  if (canSeeUserProfile(p, { username: actor.username }) || actor.role === Roles.CUSTOMER_USER) return actor.username;
  return STAFF_NAME_LABEL;
}

// ----- guards: raise the shared errors, used by services before they act -----

/**
 * A list filter naming a user (alerts assigned to X) tells whoever runs it whether X exists and
 * what X works on: only a caller who may see X's profile may name X. Anyone else (a customer
 * user) may name only itself; another name is FORBIDDEN, alike whether that user exists or not.
 */
export function requireUserFilter(p: Principal, username: string | null | undefined, field: string): void {
  const given = username?.trim();
  if (!given || canSeeUserProfile(p, { username: given })) return;
  throw forbidden(`${field} may only name yourself`, { field });
}

export function requireAuthenticated(p: Principal): void {
  if (p.kind === 'anonymous') throw unauthenticated();
}

export function requireRole(p: Principal, ...roles: string[]): void {
  requireAuthenticated(p);
  if (p.role === null || !roles.includes(p.role)) throw forbidden(`Requires role ${roles.join(' or ')}`);
}

export const requireAdmin = (p: Principal): void => requireRole(p, Roles.ADMIN);

/** Internal fields: open to the service principal only. */
export function requireService(p: Principal): void {
  if (p.kind !== 'service' || p.role !== Roles.SCHEDULER) throw forbidden('Internal field');
}
