import type { SubgraphContext } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { IdentityConfig } from './config';
import { createIdentityLoaders, type IdentityLoaders } from './loaders';
import { ApiKeyService } from './services/api-key.service';
import { AuthService } from './services/auth.service';
import { BillingService } from './services/billing.service';
import { CustomerService } from './services/customer.service';
import { RoleService } from './services/role.service';
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
}

export interface IdentityContext extends RequestScope {
  auth: AuthService;
  users: UserService;
  roles: RoleService;
  customers: CustomerService;
  apiKeys: ApiKeyService;
  billing: BillingService;
}

export function createIdentityContext(deps: IdentityDeps, base: SubgraphContext): IdentityContext {
  const scope: RequestScope = { ...base, deps, loaders: createIdentityLoaders(deps.dataSource) };
  return {
    ...scope,
    auth: new AuthService(scope),
    users: new UserService(scope),
    roles: new RoleService(scope),
    customers: new CustomerService(scope),
    apiKeys: new ApiKeyService(scope),
    billing: new BillingService(scope),
  };
}
