export * from './access.entity';
export * from './audit-entry.entity';
export * from './finding.entity';
export * from './github.entity';
export * from './report.entity';

import { ApiAccessEntity, RateLimitViolationEntity, SecurityEventEntity } from './access.entity';
import { AuditEntryEntity, AuthEventEntity } from './audit-entry.entity';
import { DataValidationIssueEntity, NetworkFlowEntity, SecurityIncidentEntity } from './finding.entity';
import { githubEntities } from './github.entity';
import { ComplianceReportEntity, LogEntryEntity, RetentionPolicyEntity } from './report.entity';

export const auditEntities = [
  AuditEntryEntity,
  AuthEventEntity,
  ApiAccessEntity,
  RateLimitViolationEntity,
  SecurityEventEntity,
  ComplianceReportEntity,
  RetentionPolicyEntity,
  LogEntryEntity,
  SecurityIncidentEntity,
  NetworkFlowEntity,
  DataValidationIssueEntity,
  ...githubEntities,
];
