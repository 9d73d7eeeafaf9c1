import type { SubgraphContext } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { IncidentsConfig } from './config';
import { createIncidentsLoaders, type IncidentsLoaders } from './loaders';
import { AlertService } from './services/alert.service';
import { CaseService } from './services/case.service';
import { createConfigServices, type ConfigServices } from './platform-config/services';
import { TagService } from './services/tag.service';
import { userDirectoryFor, type UserDirectory } from './services/user-directory';

export interface IncidentsDeps {
  dataSource: DataSource;
  config: IncidentsConfig;
}

/** The per-request view services work in. Services read the principal from here, never resolvers. */
export interface RequestScope extends SubgraphContext {
  deps: IncidentsDeps;
  loaders: IncidentsLoaders;
  /** Identity's users (does an assignee exist), over a service call. */
  users: UserDirectory;
}

export interface IncidentsContext extends RequestScope {
  tags: TagService;
  alerts: AlertService;
  cases: CaseService;
  /** Platform configuration (notifications, sigma, field mappings, alert creation, ...). */
  socConfig: ConfigServices;
}

export function createIncidentsContext(deps: IncidentsDeps, base: SubgraphContext): IncidentsContext {
  const context = { ...base, deps } as IncidentsContext;
  context.loaders = createIncidentsLoaders(deps.dataSource, base.principal);
  context.users = userDirectoryFor(deps.config);
  context.tags = new TagService(context);
  context.alerts = new AlertService(context);
  context.cases = new CaseService(context);
  context.socConfig = createConfigServices(context);
  return context;
}
