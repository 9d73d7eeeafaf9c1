import type { SubgraphContext } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { IdentityConfig } from './config';
import { createIdentityLoaders, type IdentityLoaders } from './loaders';
import { failureCounterFor } from './failure-counter';
import { ApiKeyService } from './services/api-key.service';
import { AuthService } from './services/auth.service';
import { BillingService } from './services/billing.service';
import { CatalogueService } from './services/catalogue.service';
import { CreditService } from './services/credit.service';
import { CustomerService } from './services/customer.service';
import { MandateService } from './services/mandate.service';
import { PaymentService } from './services/payment.service';
import { LoginLockout } from './services/lockout';
import { RoleService } from './services/role.service';
import { CustomerMetaService } from './services/customer-meta.service';
import { SettingsService } from './services/settings.service';
import { UserService } from './services/user.service';

/** What identity's services need beyond the request: its database and settings. */
export interface IdentityDeps {
  dataSource: DataSource;
  config: IdentityConfig;
}

/** The per-request view a service works in: who is asking, and the request's loaders. */
export interface RequestScope extends SubgraphContext {
  deps: IdentityDeps;
  loaders: IdentityLoaders;
  lockout: LoginLockout;
}

export interface IdentityContext extends RequestScope {
  auth: AuthService;
  users: UserService;
  roles: RoleService;
  customers: CustomerService;
  apiKeys: ApiKeyService;
  billing: BillingService;
  credits: CreditService;
  mandates: MandateService;
  payments: PaymentService;
  settings: SettingsService;
  customerMeta: CustomerMetaService;
  catalogue: CatalogueService;
}

/** One object per request: services hold it, so a change of principal (login) is seen by all. */
export function createIdentityContext(deps: IdentityDeps, base: SubgraphContext): IdentityContext {
  const context = {
    ...base,
    deps,
    loaders: createIdentityLoaders(deps.dataSource),
    lockout: new LoginLockout(deps.config, failureCounterFor(deps.dataSource)),
  } as IdentityContext;
  context.auth = new AuthService(context);
  context.users = new UserService(context);
  context.roles = new RoleService(context);
  context.customers = new CustomerService(context);
  context.apiKeys = new ApiKeyService(context);
  context.billing = new BillingService(context);
  context.credits = new CreditService(context);
  context.mandates = new MandateService(context);
  context.payments = new PaymentService(context);
  context.settings = new SettingsService(context);
  context.customerMeta = new CustomerMetaService(context);
  context.catalogue = new CatalogueService(context);
  return context;
}
