import { Roles, type MutationAccess } from '@socgraph/shared';
import { MARKETPLACE_ROLES } from '../services/visibility';

/** The registry is the admins'. */
const REGISTRY = [Roles.ADMIN] as const;
/** Marketplace users run, rate and mark agents for themselves; the auditor writes nothing. */
const USERS = MARKETPLACE_ROLES;
/**
 * Telemetry, responsible-AI records, reports and artefacts are written by background work and
 * collectors (the scheduler role is the service principal's) and by admins.
 */
const RECORDERS = [Roles.ADMIN, Roles.SCHEDULER] as const;

/** Who may run agents' mutations (api.md "Roles"). */
export const mutationAccess: MutationAccess = {
  registerAgent: REGISTRY,
  updateAgent: REGISTRY,
  deactivateAgent: REGISTRY,
  executeAgent: USERS,
  rateAgent: USERS,
  setAgentFavorite: USERS,
  recordGpuSamples: RECORDERS,
  recordSystemMetrics: RECORDERS,
  recordDecisionAudit: RECORDERS,
  recordBiasDetection: RECORDERS,
  recordFairnessMetrics: RECORDERS,
  // Reviews are human judgement: admins (the auditor reads, writes nothing).
  reviewDecision: REGISTRY,
  resolveBiasDetection: REGISTRY,
  createEthicsReport: REGISTRY,
  submitEthicsReport: REGISTRY,
  reviewEthicsReport: REGISTRY,
  // Reports and artefacts come from the collectors (the service principal) or an admin.
  recordVulnerabilityReport: RECORDERS,
  recordScaReport: RECORDERS,
  recordEndpointArtifact: RECORDERS,
  setVulnerabilityReportStatus: RECORDERS,
  setScaReportStatus: RECORDERS,
  setEndpointArtifactStatus: RECORDERS,
  // Forgetting one is a person's decision, not a collector's: admins.
  deleteVulnerabilityReport: REGISTRY,
  deleteScaReport: REGISTRY,
  deleteEndpointArtifact: REGISTRY,
  updateScheduledJob: REGISTRY,
  runScheduledJobNow: REGISTRY,
  createIndexSnapshotSchedule: REGISTRY,
  updateIndexSnapshotSchedule: REGISTRY,
  deleteIndexSnapshotSchedule: REGISTRY,
  runIndexSnapshotNow: REGISTRY,
};
