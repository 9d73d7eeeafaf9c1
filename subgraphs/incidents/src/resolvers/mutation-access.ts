import { Roles, type MutationAccess } from '@socgraph/shared';

const { ADMIN, ANALYST, CUSTOMER_USER, SCHEDULER } = Roles;

/** Admins, analysts and background work triage the alerts and cases they can see (services check which). */
const WORKERS = [ADMIN, ANALYST, SCHEDULER] as const;
/** Customer users may also comment on their customers' rows. */
const COMMENTERS = [...WORKERS, CUSTOMER_USER] as const;
/** Tags, tag access and platform configuration are changed by admins only. */
const CONFIG = [ADMIN] as const;

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
