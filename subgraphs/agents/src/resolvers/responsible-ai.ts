import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { AgentsContext } from '../context';
import type { AgentRow, DecisionAuditRow, EthicsReportRow, ExecutionRow } from '../entities';
import {
  fairnessRange,
  type BiasDetectionFilter,
  type CreateEthicsReportInput,
  type DecisionAuditFilter,
  type EthicsReportFilter,
  type FairnessMetricFilter,
  type RecordBiasDetectionInput,
  type RecordDecisionAuditInput,
  type RecordFairnessMetricsInput,
  type ResolveBiasDetectionInput,
  type ReviewDecisionInput,
  type ReviewEthicsReportInput,
} from '../services/responsible-ai.service';

type Ctx = AgentsContext;

const pageArgs = (args: ConnectionArgs): ConnectionArgs => ({ first: args.first ?? null, after: args.after ?? null });

/** Enum values UPPER_SNAKE in the API, lower_snake in the tables. */
const lowerEnum = <V extends string>(values: readonly V[]) =>
  Object.fromEntries(values.map((v) => [v.toUpperCase(), v])) as Record<Uppercase<V>, V>;

/** Responsible-AI records (services/responsible-ai.service.ts). */
export const responsibleAiResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    aiDecisionAudits: (_: unknown, args: ConnectionArgs & { filter?: DecisionAuditFilter | null }, ctx: Ctx) =>
      ctx.responsibleAi.listDecisionAudits(args, args.filter),
    biasDetections: (_: unknown, args: ConnectionArgs & { filter?: BiasDetectionFilter | null }, ctx: Ctx) =>
      ctx.responsibleAi.listBiasDetections(args, args.filter),
    fairnessMetrics: (_: unknown, args: ConnectionArgs & { filter?: FairnessMetricFilter | null }, ctx: Ctx) =>
      ctx.responsibleAi.listFairnessMetrics(args, args.filter),
    ethicsReports: (_: unknown, args: ConnectionArgs & { filter?: EthicsReportFilter | null }, ctx: Ctx) =>
      ctx.responsibleAi.listEthicsReports(args, args.filter),
    ethicsReport: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.responsibleAi.ethicsReport(args.id),
  },
  Mutation: {
    recordDecisionAudit: (_: unknown, args: { input: RecordDecisionAuditInput }, ctx: Ctx) =>
      ctx.responsibleAi.recordDecisionAudit(args.input),
    reviewDecision: (_: unknown, args: { id: string; input: ReviewDecisionInput }, ctx: Ctx) =>
      ctx.responsibleAi.reviewDecision(args.id, args.input),
    recordBiasDetection: (_: unknown, args: { input: RecordBiasDetectionInput }, ctx: Ctx) =>
      ctx.responsibleAi.recordBiasDetection(args.input),
    resolveBiasDetection: (_: unknown, args: { id: string; input: ResolveBiasDetectionInput }, ctx: Ctx) =>
      ctx.responsibleAi.resolveBiasDetection(args.id, args.input),
    recordFairnessMetrics: (_: unknown, args: { input: RecordFairnessMetricsInput }, ctx: Ctx) =>
      ctx.responsibleAi.recordFairnessMetrics(args.input),
    createEthicsReport: (_: unknown, args: { input: CreateEthicsReportInput }, ctx: Ctx) =>
      ctx.responsibleAi.createEthicsReport(args.input),
    submitEthicsReport: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.responsibleAi.submitEthicsReport(args.id),
    reviewEthicsReport: (_: unknown, args: { id: string; input: ReviewEthicsReportInput }, ctx: Ctx) =>
      ctx.responsibleAi.reviewEthicsReport(args.id, args.input),
  },
  Agent: {
    fairnessMetrics: (agent: AgentRow, args: { from: Date; to: Date }, ctx: Ctx) =>
      ctx.raiLoaders.fairnessByAgent.load({ parent: agent.id, ...fairnessRange(args) }),
    biasDetections: (agent: AgentRow, args: ConnectionArgs, ctx: Ctx) =>
      ctx.raiLoaders.biasByAgent.load({ parent: agent.id, args: pageArgs(args) }),
    ethicsReports: (agent: AgentRow, args: ConnectionArgs, ctx: Ctx) =>
      ctx.raiLoaders.ethicsReportsByAgent.load({ parent: agent.id, args: pageArgs(args) }),
  },
  AgentExecution: {
    decisionAudits: (execution: ExecutionRow, _: unknown, ctx: Ctx) =>
      ctx.raiLoaders.decisionsByExecution.load(execution.id),
  },
  AiDecisionAudit: {
    // Who may see the record sees which agent decided, as for executions.
    agent: (row: DecisionAuditRow, _: unknown, ctx: Ctx) => ctx.loaders.agentById.load(row.agentId),
    execution: (row: DecisionAuditRow, _: unknown, ctx: Ctx) =>
      ctx.raiLoaders.visibleExecutionById.load(row.executionId),
  },
  EthicsReport: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.responsibleAi.ethicsReport(String(ref.id)),
    agent: (row: EthicsReportRow, _: unknown, ctx: Ctx) => ctx.loaders.agentById.load(row.agentId),
  },
  ResponsibleAiSeverity: lowerEnum(['low', 'medium', 'high', 'critical'] as const),
  DecisionReviewStatus: lowerEnum(['not_required', 'pending', 'approved', 'overridden'] as const),
  DecisionReviewOutcome: lowerEnum(['approved', 'overridden'] as const),
  BiasDetectionStatus: lowerEnum(['open', 'mitigated', 'accepted', 'false_positive'] as const),
  EthicsReportStatus: lowerEnum(['draft', 'in_review', 'approved', 'rejected'] as const),
};
