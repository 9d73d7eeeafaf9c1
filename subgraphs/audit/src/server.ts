import path from 'node:path';
import {
  defineSubgraph,
  LOG_SHIPPING_REQUEST_PREFIX,
  servicePrincipal,
  type AuditDelivery,
  type LogDelivery,
} from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { AuditConfig } from './config';
import { auditConfigFrom } from './config';
import { createAuditContext } from './context';
import { auditEntities } from './entities';
import { resolvers } from './resolvers';
import { mutationAccess } from './resolvers/mutation-access';
import { RetentionScheduler } from './retention-scheduler';
import { auditResealJob } from './services/stored-secrets';

export const SUBGRAPH_NAME = 'audit';

type Deps = { dataSource: DataSource; config: AuditConfig };

const serviceContext = (deps: Deps, requestId: string) =>
  createAuditContext(deps, {
    principal: servicePrincipal(SUBGRAPH_NAME),
    requestId,
    clientIp: null,
    userAgent: null,
  });

/** Audit's own trail needs no network hop: its relay hands its outbox to the services that store everyone's. */
function inProcessDelivery(deps: Deps): AuditDelivery {
  const relayContext = () => serviceContext(deps, 'audit-outbox-relay');
  return {
    async auditEntries(entries) {
      await relayContext().entries.record(entries.map((e) => ({ ...e, occurredAt: new Date(e.occurredAt) })));
    },
    async authEvents(events) {
      await relayContext().authEvents.record(events.map((e) => ({ ...e, occurredAt: new Date(e.occurredAt) })));
    },
  };
}

/** Audit's own shipped log lines, stored as everyone's are. */
function inProcessLogDelivery(deps: Deps): LogDelivery {
  return async (entries) => {
    await serviceContext(deps, `${LOG_SHIPPING_REQUEST_PREFIX}audit`).logs.record(
      entries.map((e) => ({ ...e, occurredAt: new Date(e.occurredAt) })),
    );
  };
}

export const auditSubgraph = defineSubgraph({
  name: SUBGRAPH_NAME,
  defaultPort: 4005,
  schemaPaths: [
    path.join(__dirname, 'schema.graphql'),
    path.join(__dirname, 'security.graphql'),
    path.join(__dirname, 'compliance.graphql'),
  ],
  resolvers,
  mutationAccess,
  entities: auditEntities,
  config: auditConfigFrom,
  createContext: createAuditContext,
  jobs: (deps) => [new RetentionScheduler(deps), auditResealJob(deps)],
  audit: {
    delivery: inProcessDelivery,
    logDelivery: inProcessLogDelivery,
    resources: {
      security_events: 'SecurityEvent',
      security_incidents: 'SecurityIncident',
      network_traffic: 'NetworkFlow',
      data_validation_log: 'DataValidationIssue',
      data_retention_policies: 'RetentionPolicy',
      compliance_reports: 'ComplianceReport',
      github_audit_config: 'GithubAuditConfig',
      github_audit_check_exclusion: 'GithubAuditCheckExclusion',
      github_audit_report: 'GithubAuditReport',
      github_audit_baseline: 'GithubAuditBaseline',
    },
  },
});
