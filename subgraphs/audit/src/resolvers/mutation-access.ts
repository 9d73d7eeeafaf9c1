import { Roles, SERVICE, type MutationAccess } from '@socgraph/shared';

const { ADMIN } = Roles;

/**
 * Who may run audit's mutations (api.md "Roles"). The audit domain is read by admins and
 * auditors and changed by admins only: the auditor writes nothing, and an analyst, who may not
 * read security events, incidents or findings, may not resolve them either (a verdict's payload
 * is the row it may not read). Deliveries from other services are internal.
 */
export const mutationAccess: MutationAccess = {
  _recordAuditEntries: SERVICE,
  _recordAuthEvents: SERVICE,
  _recordApiAccess: SERVICE,
  _recordRateLimitViolations: SERVICE,
  _recordLogs: SERVICE,
  _recordNetworkFlows: SERVICE,
  _recordDataValidationIssues: SERVICE,
  _recordGithubAuditReport: SERVICE,
  resolveSecurityEvent: [ADMIN],
  createSecurityIncident: [ADMIN],
  resolveSecurityIncident: [ADMIN],
  reviewNetworkFlow: [ADMIN],
  resolveDataValidationIssue: [ADMIN],
  generateComplianceReport: [ADMIN],
  createRetentionPolicy: [ADMIN],
  updateRetentionPolicy: [ADMIN],
  deleteRetentionPolicy: [ADMIN],
  runRetention: [ADMIN],
  createGithubAuditConfig: [ADMIN],
  updateGithubAuditConfig: [ADMIN],
  deleteGithubAuditConfig: [ADMIN],
  addGithubAuditCheckExclusion: [ADMIN],
  addGithubAuditBaseline: [ADMIN],
};
