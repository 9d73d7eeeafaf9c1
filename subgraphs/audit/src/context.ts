import type { SubgraphContext } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { AuditConfig } from './config';
import { createAuditLoaders, type AuditLoaders } from './loaders';
import { AccessService } from './services/access.service';
import { AuditEntryService } from './services/audit-entry.service';
import { AuthEventService } from './services/auth-event.service';
import { ComplianceService } from './services/compliance.service';
import { FindingService } from './services/finding.service';
import { GithubAuditService } from './services/github.service';
import { LogService } from './services/log.service';
import { RetentionService } from './services/retention.service';
import { SecurityEventService } from './services/security-event.service';

export interface AuditDeps {
  dataSource: DataSource;
  config: AuditConfig;
}

/** The per-request view services work in. Services read the principal from here, never resolvers. */
export interface AuditScope extends SubgraphContext {
  deps: AuditDeps;
  loaders: AuditLoaders;
}

export interface AuditContext extends AuditScope {
  entries: AuditEntryService;
  authEvents: AuthEventService;
  access: AccessService;
  securityEvents: SecurityEventService;
  compliance: ComplianceService;
  retention: RetentionService;
  logs: LogService;
  findings: FindingService;
  github: GithubAuditService;
}

export function createAuditContext(deps: AuditDeps, base: SubgraphContext): AuditContext {
  const context = { ...base, deps } as AuditContext;
  context.loaders = createAuditLoaders(deps.dataSource);
  context.entries = new AuditEntryService(context);
  context.authEvents = new AuthEventService(context);
  context.access = new AccessService(context);
  context.securityEvents = new SecurityEventService(context);
  context.compliance = new ComplianceService(context);
  context.retention = new RetentionService(context);
  context.logs = new LogService(context);
  context.findings = new FindingService(context);
  context.github = new GithubAuditService(context);
  return context;
}
