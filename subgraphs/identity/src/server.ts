import path from 'node:path';
import { defineSubgraph, type AuditResourceMap } from '@socgraph/shared';
import { identityConfigFrom } from './config';
import { createIdentityContext } from './context';
import { identityEntities } from './entities';
import { PAYMENT_WEBHOOK_PATH, paymentWebhookRoute } from './payments/webhook';
import { failureCounterJob } from './failure-counter';
import { identityResealJob } from './services/stored-secrets';
import { resolvers } from './resolvers';
import { mutationAccess } from './resolvers/mutation-access';
import { seedIdentityDemo } from './seed';

export const SUBGRAPH_NAME = 'identity';

/** Which GraphQL type each changed table is, for the audit trail. */
const IDENTITY_AUDIT_RESOURCES: AuditResourceMap = {
  users: 'User',
  user_customer_access: { type: 'User', idColumn: 'user_id' },
  user_tag_access: { type: 'User', idColumn: 'user_id' },
  roles: 'Role',
  role_tag_access: { type: 'Role', idColumn: 'role_id' },
  customers: { type: 'Customer', idColumn: 'customer_code' },
  user_sessions: { type: 'Session', idColumn: 'session_id' },
  api_keys: 'ApiKey',
  transactions: 'Transaction',
  transaction_audit_log: { type: 'Transaction', idColumn: 'transaction_id' },
  credit_holds: 'CreditHold',
  mandates: 'Mandate',
  mandate_audit_log: { type: 'Mandate', idColumn: 'mandate_id' },
  checkout_sessions: 'CheckoutSession',
  payments: 'Payment',
  payment_webhook_events: { type: 'PaymentWebhookEvent', idColumn: 'event_id' },
  usage_metrics: { type: 'User', idColumn: 'user_id' },
  license: 'License',
  license_cache: { type: 'License', idColumn: 'license_id' },
  smtp: 'SmtpSettings',
  customer_portal_settings: 'CustomerPortalSettings',
  customer_provisioning_default_settings: 'ProvisioningDefaults',
  available_integrations: 'Integration',
  customer_integrations: 'IntegrationSubscription',
  available_network_connectors: 'Integration',
  customer_network_connectors: 'IntegrationSubscription',
  connectors: 'Connector',
  connectorhistory: { type: 'Connector', idColumn: 'connector_id' },
  customersmeta: { type: 'Customer', idColumn: 'customer_code' },
};

export const identitySubgraph = defineSubgraph({
  name: SUBGRAPH_NAME,
  defaultPort: 4001,
  schemaPaths: [
    path.join(__dirname, 'schema.graphql'),
    path.join(__dirname, 'billing.graphql'),
    path.join(__dirname, 'settings.graphql'),
  ],
  resolvers,
  mutationAccess,
  entities: identityEntities,
  config: identityConfigFrom,
  createContext: createIdentityContext,
  seedDemo: seedIdentityDemo,
  jobs: (deps) => [failureCounterJob(deps.dataSource), identityResealJob(deps)],
  routes: (deps) => ({ [PAYMENT_WEBHOOK_PATH]: paymentWebhookRoute(deps, IDENTITY_AUDIT_RESOURCES) }),
  audit: { resources: IDENTITY_AUDIT_RESOURCES },
  // Their answers hold a token or a secret shown once: never stored with an idempotency key.
  idempotency: { unreplayable: ['login', 'createApiKey'] },
});

export const typeDefs = identitySubgraph.typeDefs;
