import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { AuditContext } from '../context';
import type { GenerateComplianceReportInput } from '../services/compliance.service';
import type { LogEntryInput, LogFilter } from '../services/log.service';
import type { RetentionPolicyInput } from '../services/retention.service';

type Ctx = AuditContext;

export const reportResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    complianceReports: (_: unknown, args: ConnectionArgs & { reportType?: string | null }, ctx: Ctx) =>
      ctx.compliance.list(args, args.reportType),
    complianceReport: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.compliance.byId(args.id),
    verifyComplianceReport: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.compliance.verify(args.id),
    retentionPolicies: (_: unknown, __: unknown, ctx: Ctx) => ctx.retention.list(),
    logEntries: (_: unknown, args: ConnectionArgs & { filter?: LogFilter | null }, ctx: Ctx) =>
      ctx.logs.list(args, args.filter),
  },
  Mutation: {
    generateComplianceReport: (_: unknown, args: { input: GenerateComplianceReportInput }, ctx: Ctx) =>
      ctx.compliance.generate(args.input),
    createRetentionPolicy: (_: unknown, args: { input: RetentionPolicyInput }, ctx: Ctx) =>
      ctx.retention.create(args.input),
    updateRetentionPolicy: (_: unknown, args: { id: string; input: RetentionPolicyInput }, ctx: Ctx) =>
      ctx.retention.update(args.id, args.input),
    deleteRetentionPolicy: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.retention.remove(args.id),
    runRetention: (_: unknown, args: { dryRun: boolean }, ctx: Ctx) => ctx.retention.run(args.dryRun),
    _recordLogs: (_: unknown, args: { entries: LogEntryInput[] }, ctx: Ctx) => ctx.logs.record(args.entries),
  },
};
