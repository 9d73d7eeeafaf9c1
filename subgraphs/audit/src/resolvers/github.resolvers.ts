import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { AuditContext } from '../context';
import type {
  GithubAuditBaselineInput,
  GithubAuditCheckExclusionInput,
  GithubAuditConfigInput,
  GithubAuditReportInput,
} from '../services/github.service';

type Ctx = AuditContext;

export const githubResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    githubAuditConfigs: (_: unknown, args: { customerCode?: string | null }, ctx: Ctx) =>
      ctx.github.configs(args.customerCode),
    githubAuditReports: (_: unknown, args: ConnectionArgs & { configId: string }, ctx: Ctx) =>
      ctx.github.reports(args, args.configId),
    githubAuditCheckExclusions: (_: unknown, args: { customerCode?: string | null }, ctx: Ctx) =>
      ctx.github.exclusions(args.customerCode),
    githubAuditBaselines: (_: unknown, args: { configId: string }, ctx: Ctx) => ctx.github.baselines(args.configId),
  },
  Mutation: {
    createGithubAuditConfig: (_: unknown, args: { input: GithubAuditConfigInput }, ctx: Ctx) =>
      ctx.github.saveConfig(null, args.input),
    updateGithubAuditConfig: (_: unknown, args: { id: string; input: GithubAuditConfigInput }, ctx: Ctx) =>
      ctx.github.saveConfig(args.id, args.input),
    deleteGithubAuditConfig: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.github.deleteConfig(args.id),
    addGithubAuditCheckExclusion: (_: unknown, args: { input: GithubAuditCheckExclusionInput }, ctx: Ctx) =>
      ctx.github.addExclusion(args.input),
    addGithubAuditBaseline: (_: unknown, args: { input: GithubAuditBaselineInput }, ctx: Ctx) =>
      ctx.github.addBaseline(args.input),
    _recordGithubAuditReport: (_: unknown, args: { input: GithubAuditReportInput }, ctx: Ctx) =>
      ctx.github.recordReport(args.input),
  },
  GithubAuditConfig: {
    // The token itself never leaves the subgraph; clients learn only that one is set.
    hasToken: () => true,
  },
};
