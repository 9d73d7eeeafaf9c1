import { Roles, type MutationAccess } from '@socgraph/shared';
import { MARKETPLACE_ROLES } from '../services/visibility';

/** The registry is the admins'. */
const REGISTRY = [Roles.ADMIN] as const;
/** Marketplace users run, rate and mark agents for themselves; the auditor writes nothing. */
const USERS = MARKETPLACE_ROLES;

/** Who may run agents' mutations (api.md "Roles"). */
export const mutationAccess: MutationAccess = {
  registerAgent: REGISTRY,
  updateAgent: REGISTRY,
  deactivateAgent: REGISTRY,
  executeAgent: USERS,
  rateAgent: USERS,
  setAgentFavorite: USERS,
};
