import { mergeResolvers } from '@socgraph/shared';
import type { AuditContext } from '../context';
import { accessResolvers } from './access.resolvers';
import { auditEntryResolvers } from './audit-entry.resolvers';
import { findingResolvers } from './finding.resolvers';
import { githubResolvers } from './github.resolvers';
import { reportResolvers } from './report.resolvers';
import { userResolvers } from './user.resolvers';

export const resolvers = mergeResolvers<AuditContext>(
  auditEntryResolvers,
  accessResolvers,
  reportResolvers,
  findingResolvers,
  githubResolvers,
  userResolvers,
);
