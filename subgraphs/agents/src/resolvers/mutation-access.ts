import { Roles, type MutationAccess } from '@socgraph/shared';
import { MARKETPLACE_ROLES } from '../services/visibility';

/** The registry is the admins'. */
const REGISTRY = [Roles.ADMIN] as const;
/** Marketplace users run, rate and mark agents for themselves; the auditor writes nothing. */
const USERS = MARKETPLACE_ROLES;
/** Admins and the service role (the scheduler role is the service principal's). */
const INGEST = [Roles.ADMIN, Roles.SCHEDULER] as const;

/** Who may run agents' mutations (api.md "Roles"). */
export const mutationAccess: MutationAccess = {
  registerAgent: REGISTRY,
  updateAgent: REGISTRY,
  deactivateAgent: REGISTRY,
  executeAgent: USERS,
  rateAgent: USERS,
  setAgentFavorite: USERS,
  // Reports and artefacts come from the collectors (the service principal) or an admin.
  recordVulnerabilityReport: INGEST,
  recordScaReport: INGEST,
  recordEndpointArtifact: INGEST,
  updateScheduledJob: REGISTRY,
  runScheduledJobNow: REGISTRY,
};
