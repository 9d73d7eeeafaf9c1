import { Roles, type MutationAccess } from '@socgraph/shared';
import { COMMENTER_ROLES, WORKER_ROLES } from '../services/visibility';

/** Admins, analysts and background work triage the alerts and cases they can see (services check which). */
const WORKERS = WORKER_ROLES;
/** Customer users may also comment on their customers' rows. */
const COMMENTERS = COMMENTER_ROLES;
/** Tags, tag access and platform configuration are changed by admins only. */
const CONFIG = [Roles.ADMIN] as const;

/** Who may run incidents' mutations (api.md "Roles"); the auditor writes nothing here. */
export const mutationAccess: MutationAccess = {
  createAlert: WORKERS,
  updateAlertStatus: WORKERS,
  assignAlert: WORKERS,
  escalateAlert: WORKERS,
  setAlertSeverity: WORKERS,
  setAlertVerdict: WORKERS,
  addAlertComment: COMMENTERS,
  tagAlert: WORKERS,
  untagAlert: WORKERS,
  addAlertIoc: WORKERS,
  addAlertAsset: WORKERS,
  createCase: WORKERS,
  linkAlertToCase: WORKERS,
  unlinkAlertFromCase: WORKERS,
  updateCaseStatus: WORKERS,
  assignCase: WORKERS,
  addCaseComment: COMMENTERS,
  addCaseFile: WORKERS,
  createTag: CONFIG,
  updateTagAccessSettings: CONFIG,
  createReportTemplate: CONFIG,
  deleteReportTemplate: CONFIG,
  createNotificationSetting: CONFIG,
  updateNotificationSetting: CONFIG,
  deleteNotificationSetting: CONFIG,
  createSigmaExclusion: CONFIG,
  updateSigmaExclusion: CONFIG,
  deleteSigmaExclusion: CONFIG,
  createFieldMapping: CONFIG,
  deleteFieldMapping: CONFIG,
  upsertAlertCreationSettings: CONFIG,
  deleteAlertCreationSettings: CONFIG,
  createMonitoringAlert: CONFIG,
  deleteMonitoringAlert: CONFIG,
  createSigmaQuery: CONFIG,
  updateSigmaQuery: CONFIG,
  deleteSigmaQuery: CONFIG,
};
