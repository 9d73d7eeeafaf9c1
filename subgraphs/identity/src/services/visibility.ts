import { forbidden, isAdmin, Roles, type Principal } from '@socgraph/shared';
import type { UserRow } from '../entities';

/**
 * Who may see whom in identity. SOC staff (admin, analyst, auditor, scheduler) see every
 * user's profile, so assignees and comment authors resolve; a customer user sees only
 * itself. Private fields (access lists, credit, keys) are for the user itself and admins.
 */
const STAFF = new Set<string>([Roles.ADMIN, Roles.ANALYST, Roles.AUDITOR, Roles.SCHEDULER]);

export function canSeeUser(p: Principal, user: Pick<UserRow, 'id'>): boolean {
  if (p.kind === 'anonymous') return false;
  if (p.role !== null && STAFF.has(p.role)) return true;
  return p.userId === String(user.id);
}

export function isSelfOrAdmin(p: Principal, userId: number): boolean {
  return isAdmin(p) || p.kind === 'service' || p.userId === String(userId);
}

export function requireSelfOrAdmin(p: Principal, userId: number, what: string): void {
  if (!isSelfOrAdmin(p, userId)) throw forbidden(`Only the user or an admin may read ${what}`);
}
