import type { GraphQLResolverMap } from '@socgraph/shared';
import type { IdentityContext } from '../context';
import type { CustomerMetaInput } from '../services/customer-meta.service';
import type { CatalogueInput, Subscription, SubscribeInput } from '../services/catalogue.service';
import type {
  ConnectorInput,
  ConnectorOut,
  LicenseInput,
  LicenseOut,
  PortalInput,
  ProvisioningInput,
  SmtpInput,
} from '../services/settings.service';

/** Which family a subscription row came from, so its nested fields read the right tables. */
type TaggedSubscription = Subscription & { family: 'integrations' | 'networkConnectors' };

const tag = (family: TaggedSubscription['family']) => (rows: Subscription[]) => rows.map((r) => ({ ...r, family }));
const tagOne = (family: TaggedSubscription['family']) => (row: Subscription) => ({ ...row, family });

export const settingsResolvers: GraphQLResolverMap<IdentityContext> = {
  Query: {
    licenses: (_: unknown, __: unknown, ctx: IdentityContext) => ctx.settings.licenses(),
    smtpSettings: (_: unknown, __: unknown, ctx: IdentityContext) => ctx.settings.smtp(),
    customerPortalSettings: (_: unknown, __: unknown, ctx: IdentityContext) => ctx.settings.portal(),
    provisioningDefaults: (_: unknown, __: unknown, ctx: IdentityContext) => ctx.settings.provisioning(),
    integrations: (_: unknown, __: unknown, ctx: IdentityContext) => ctx.catalogue.integrations.catalogue(),
    integrationSubscriptions: (_: unknown, args: { customerCode?: string | null }, ctx: IdentityContext) =>
      ctx.catalogue.integrations.subscriptions(args.customerCode).then(tag('integrations')),
    networkConnectors: (_: unknown, __: unknown, ctx: IdentityContext) => ctx.catalogue.networkConnectors.catalogue(),
    networkConnectorSubscriptions: (_: unknown, args: { customerCode?: string | null }, ctx: IdentityContext) =>
      ctx.catalogue.networkConnectors.subscriptions(args.customerCode).then(tag('networkConnectors')),
    connectors: (_: unknown, __: unknown, ctx: IdentityContext) => ctx.settings.connectors(),
  },
  Mutation: {
    setLicense: (_: unknown, args: { input: LicenseInput }, ctx: IdentityContext) =>
      ctx.settings.setLicense(args.input),
    updateSmtpSettings: (_: unknown, args: { input: SmtpInput }, ctx: IdentityContext) =>
      ctx.settings.updateSmtp(args.input),
    updateCustomerPortalSettings: (_: unknown, args: { input: PortalInput }, ctx: IdentityContext) =>
      ctx.settings.updatePortal(args.input),
    updateProvisioningDefaults: (_: unknown, args: { input: ProvisioningInput }, ctx: IdentityContext) =>
      ctx.settings.updateProvisioning(args.input),
    createIntegration: (_: unknown, args: { input: CatalogueInput }, ctx: IdentityContext) =>
      ctx.catalogue.integrations.create(args.input),
    subscribeIntegration: (_: unknown, args: { input: SubscribeInput }, ctx: IdentityContext) =>
      ctx.catalogue.integrations.subscribe(args.input).then(tagOne('integrations')),
    createNetworkConnector: (_: unknown, args: { input: CatalogueInput }, ctx: IdentityContext) =>
      ctx.catalogue.networkConnectors.create(args.input),
    subscribeNetworkConnector: (_: unknown, args: { input: SubscribeInput }, ctx: IdentityContext) =>
      ctx.catalogue.networkConnectors.subscribe(args.input).then(tagOne('networkConnectors')),
    createConnector: (_: unknown, args: { input: ConnectorInput }, ctx: IdentityContext) =>
      ctx.settings.createConnector(args.input),
    updateConnector: (_: unknown, args: { id: string; input: ConnectorInput }, ctx: IdentityContext) =>
      ctx.settings.updateConnector(args.id, args.input),
    updateCustomerMeta: (_: unknown, args: { customerCode: string; input: CustomerMetaInput }, ctx: IdentityContext) =>
      ctx.customerMeta.update(args.customerCode, args.input),
  },
  Customer: {
    meta: (customer: { code: string }, _: unknown, ctx: IdentityContext) => ctx.customerMeta.of(customer.code),
  },
  License: {
    features: async (license: LicenseOut, _: unknown, ctx: IdentityContext) =>
      (await ctx.settings.featuresByLicense.load(license.id)).map((f) => ({
        name: f.feature_name,
        enabled: f.is_enabled,
        expiresAt: f.expires_at,
      })),
  },
  Connector: {
    history: async (connector: ConnectorOut, _: unknown, ctx: IdentityContext) =>
      (await ctx.settings.historyByConnector.load(connector.id)).map((h) => ({
        id: String(h.id),
        description: h.change_description,
        changedBy: h.changed_by,
        at: h.change_timestamp,
      })),
  },
  IntegrationSubscription: {
    customer: (s: TaggedSubscription, _: unknown, ctx: IdentityContext) => ctx.customers.byCode(s.customerCode),
    authKeys: async (s: TaggedSubscription, _: unknown, ctx: IdentityContext) =>
      s.subscriptionId === null
        ? []
        : (await ctx.catalogue[s.family].keysBySubscription.load(s.subscriptionId)).map((k) => ({
            name: k.auth_key_name,
            hasSecret: true,
          })),
    configs: async (s: TaggedSubscription, _: unknown, ctx: IdentityContext) =>
      (await ctx.catalogue[s.family].configsByService.load(s.serviceId)).map((c) => ({
        key: c.config_key,
        value: c.config_value,
      })),
  },
};
