import type { MutationAccess } from '@socgraph/shared';
import { WRITER_ROLES } from '../services/visibility';

/**
 * Who may run surveillance's mutations (api.md "Roles"): admins, analysts and background work;
 * the services then limit analysts to cameras they can see. Customer users and auditors read only.
 */
export const mutationAccess: MutationAccess = {
  createCamera: WRITER_ROLES,
  setCameraTags: WRITER_ROLES,
  deleteCamera: WRITER_ROLES,
  restoreCamera: WRITER_ROLES,
  createCameraZone: WRITER_ROLES,
  updateCamera: WRITER_ROLES,
  updateCameraZone: WRITER_ROLES,
  deleteCameraZone: WRITER_ROLES,
  createAlertRule: WRITER_ROLES,
  setAlertRuleEnabled: WRITER_ROLES,
  ingestDetections: WRITER_ROLES,
  acknowledgeSurveillanceAlert: WRITER_ROLES,
  dismissSurveillanceAlert: WRITER_ROLES,
  markSurveillanceAlertDelivered: WRITER_ROLES,
  reviewEvent: WRITER_ROLES,
  submitEventFeedback: WRITER_ROLES,
  recordEventAudit: WRITER_ROLES,
  recordWeatherReading: WRITER_ROLES,
  recordAirQualityReading: WRITER_ROLES,
};
