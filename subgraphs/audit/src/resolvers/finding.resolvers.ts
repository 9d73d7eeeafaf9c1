import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { AuditContext } from '../context';
import type { NetworkFlowRow } from '../entities';
import type {
  CreateSecurityIncidentInput,
  DataValidationIssueInput,
  FindingFilter,
  NetworkFlowInput,
  ResolveFindingInput,
} from '../services/finding.service';

type Ctx = AuditContext;
type ListArgs = ConnectionArgs & { filter?: FindingFilter | null };

export const findingResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    securityIncidents: (_: unknown, args: ListArgs, ctx: Ctx) => ctx.findings.listIncidents(args, args.filter),
    networkFlows: (_: unknown, args: ListArgs, ctx: Ctx) => ctx.findings.listFlows(args, args.filter),
    dataValidationIssues: (_: unknown, args: ListArgs, ctx: Ctx) =>
      ctx.findings.listValidationIssues(args, args.filter),
  },
  Mutation: {
    createSecurityIncident: (_: unknown, args: { input: CreateSecurityIncidentInput }, ctx: Ctx) =>
      ctx.findings.createIncident(args.input),
    resolveSecurityIncident: (
      _: unknown,
      args: { input: ResolveFindingInput & { status?: string | null } },
      ctx: Ctx,
    ) => ctx.findings.resolveIncident(args.input),
    reviewNetworkFlow: (_: unknown, args: { input: ResolveFindingInput }, ctx: Ctx) =>
      ctx.findings.reviewFlow(args.input),
    resolveDataValidationIssue: (_: unknown, args: { input: ResolveFindingInput }, ctx: Ctx) =>
      ctx.findings.resolveValidationIssue(args.input),
    _recordNetworkFlows: (_: unknown, args: { entries: NetworkFlowInput[] }, ctx: Ctx) =>
      ctx.findings.recordFlows(args.entries),
    _recordDataValidationIssues: (_: unknown, args: { entries: DataValidationIssueInput[] }, ctx: Ctx) =>
      ctx.findings.recordValidationIssues(args.entries),
  },
  NetworkFlow: {
    bytesTransferred: (row: NetworkFlowRow) => Number(row.bytesTransferred),
  },
};
