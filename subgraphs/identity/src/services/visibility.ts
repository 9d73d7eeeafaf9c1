import { canSeeUserProfile, forbidden, isAdmin, type Principal } from '@socgraph/shared';
import type { UserRow } from '../entities';

/**
 * Who may see whom in identity: the shared rule (SOC staff see every user's profile, a
 * customer user only itself), so other subgraphs naming a user decide alike. Private fields
 * (access lists, credit, keys) are for the user itself and admins.
 */
export function canSeeUser(p: Principal, user: Pick<UserRow, 'id'>): boolean {
  return canSeeUserProfile(p, { id: user.id });
}

export function isSelfOrAdmin(p: Principal, userId: number): boolean {
  return isAdmin(p) || p.kind === 'service' || p.userId === String(userId);
}

export function requireSelfOrAdmin(p: Principal, userId: number, what: string): void {
  if (!isSelfOrAdmin(p, userId)) throw forbidden(`Only the user or an admin may read ${what}`);
}
