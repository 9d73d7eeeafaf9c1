import { ALL_ROLES, ANYONE, Roles, SERVICE, type MutationAccess } from '@socgraph/shared';
import { KEY_HOLDER_ROLES } from '../services/api-key.service';

const { ADMIN, ANALYST, CUSTOMER_USER } = Roles;

/** Who spends marketplace credit: people who run agents (the auditor writes nothing). */
const SPENDERS = [ADMIN, ANALYST, CUSTOMER_USER];

/**
 * Who may run identity's mutations (api.md "Roles"). Admins manage tenants, users and access;
 * API keys are for the roles that act on the platform's data: the auditor writes nothing, so it
 * makes no key (a key would also outlive its session).
 */
export const mutationAccess: MutationAccess = {
  login: ANYONE,
  logout: ALL_ROLES,
  createCustomer: [ADMIN],
  createUser: [ADMIN],
  setUserTagAccess: [ADMIN],
  setRoleTagAccess: [ADMIN],
  setUserCustomerAccess: [ADMIN],
  unlockUser: [ADMIN],
  createApiKey: KEY_HOLDER_ROLES,
  revokeApiKey: KEY_HOLDER_ROLES,
  // billing: holds are the agents subgraph's (service principal); the services check ownership.
  reserveCredits: SERVICE,
  _recordApiRequests: SERVICE,
  captureCredits: SERVICE,
  releaseCredits: SERVICE,
  grantCredits: [ADMIN],
  refundPayment: [ADMIN],
  createMandate: SPENDERS,
  updateMandate: SPENDERS,
  revokeMandate: SPENDERS,
  createCheckoutSession: SPENDERS,
  completeLocalCheckout: SPENDERS,
  // platform settings (seed 004): admins only
  setLicense: [ADMIN],
  updateSmtpSettings: [ADMIN],
  updateCustomerPortalSettings: [ADMIN],
  updateProvisioningDefaults: [ADMIN],
  createIntegration: [ADMIN],
  subscribeIntegration: [ADMIN],
  createNetworkConnector: [ADMIN],
  subscribeNetworkConnector: [ADMIN],
  createConnector: [ADMIN],
  updateConnector: [ADMIN],
  updateCustomerMeta: [ADMIN],
};
