import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { AgentsContext } from '../context';
import type {
  AgentMetricRow,
  AgentRow,
  EndpointAgentRow,
  ExecutionRow,
  InteractionRow,
  JobRow,
  VulnerabilityRow,
} from '../entities';
import type { AgentFilter, RegisterAgentInput, UpdateAgentInput } from '../services/agent.service';
import type { EndpointAgentFilter } from '../services/endpoint.service';
import type { JobFilter } from '../services/job.service';
import type { ExecuteAgentInput } from '../services/execution.service';
import type { RateAgentInput } from '../services/interaction.service';
import type { MetricPeriod } from '../services/metrics-rollup';
import { canManageAgent } from '../services/visibility';
import { badUserInput, mergeResolvers } from '@socgraph/shared';
import { responsibleAiResolvers } from './responsible-ai';
import { telemetryResolvers } from './telemetry';
import { endpointAgentReportFields, endpointReportResolvers } from './endpoint-reports.resolvers';
import { schedulerResolvers } from './scheduler.resolvers';
import { indexSnapshotResolvers } from './index-snapshots.resolvers';
import { userResolvers } from './user.resolvers';

const DAY_MS = 86_400_000;

/** The range a metrics query may ask for: from before to, at most 31 days hourly, 366 daily. */
function metricsRange(args: { period: MetricPeriod; from: Date; to: Date }) {
  const span = args.to.getTime() - args.from.getTime();
  if (!(span > 0)) throw badUserInput('to must be after from', 'to');
  const max = args.period === 'hourly' ? 31 * DAY_MS : 366 * DAY_MS;
  if (span > max) throw badUserInput(`At most ${max / DAY_MS} days of ${args.period} metrics at once`, 'to');
  return { period: args.period, from: args.from, to: args.to };
}

type Ctx = AgentsContext;

const pageArgs = (args: ConnectionArgs): ConnectionArgs => ({ first: args.first ?? null, after: args.after ?? null });

/** Enum values UPPER_SNAKE in the API, as stored in the tables. */
const lowerEnum = <V extends string>(values: readonly V[]) =>
  Object.fromEntries(values.map((v) => [v.toUpperCase(), v])) as Record<Uppercase<V>, V>;

const coreResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    agents: (_: unknown, args: ConnectionArgs & { filter?: AgentFilter | null }, ctx: Ctx) =>
      ctx.agents.list(args, args.filter),
    agent: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.agents.byId(args.id),
    agentExecution: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.executions.byId(args.id),
    endpointAgents: (_: unknown, args: ConnectionArgs & { filter?: EndpointAgentFilter | null }, ctx: Ctx) =>
      ctx.endpoints.list(args, args.filter),
    endpointAgent: (_: unknown, args: { agentId: string }, ctx: Ctx) => ctx.endpoints.byAgentId(args.agentId),
    jobs: (_: unknown, args: ConnectionArgs & { filter?: JobFilter | null }, ctx: Ctx) =>
      ctx.jobs.list(args, args.filter),
    job: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.jobs.byId(args.id),
  },
  Mutation: {
    registerAgent: (_: unknown, args: { input: RegisterAgentInput }, ctx: Ctx) => ctx.agents.register(args.input),
    updateAgent: (_: unknown, args: { id: string; input: UpdateAgentInput }, ctx: Ctx) =>
      ctx.agents.update(args.id, args.input),
    deactivateAgent: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.agents.deactivate(args.id),
    executeAgent: (_: unknown, args: { input: ExecuteAgentInput }, ctx: Ctx) => ctx.executions.execute(args.input),
    rateAgent: (_: unknown, args: { input: RateAgentInput }, ctx: Ctx) => ctx.interactions.rate(args.input),
    setAgentFavorite: (_: unknown, args: { agentId: string; favorite: boolean }, ctx: Ctx) =>
      ctx.interactions.setFavorite(args.agentId, args.favorite),
  },
  Agent: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.agents.byId(String(ref.id)),
    runUrl: (agent: AgentRow, _: unknown, ctx: Ctx) => (canManageAgent(ctx.principal, agent) ? agent.runUrl : null),
    config: (agent: AgentRow, _: unknown, ctx: Ctx) => (canManageAgent(ctx.principal, agent) ? agent.config : null),
    currency: (agent: AgentRow) => (typeof agent.pricing.currency === 'string' ? agent.pricing.currency : 'USD'),
    avgRating: (agent: AgentRow) => (agent.avgRating === null ? null : Number(agent.avgRating)),
    executions: (agent: AgentRow, args: ConnectionArgs, ctx: Ctx) =>
      ctx.loaders.executionsByAgent.load({ parent: agent.id, args: pageArgs(args) }),
    metrics: (agent: AgentRow, args: { period: MetricPeriod; from: Date; to: Date }, ctx: Ctx) =>
      ctx.loaders.metricsByAgent.load({ parent: agent.id, ...metricsRange(args) }),
    changes: (agent: AgentRow, args: ConnectionArgs, ctx: Ctx) =>
      ctx.loaders.changesByAgent.load({ parent: agent.id, args: pageArgs(args) }),
  },
  AgentExecution: {
    // Whoever may see the execution sees which agent ran, even if it was deactivated since.
    agent: (execution: ExecutionRow, _: unknown, ctx: Ctx) => ctx.loaders.agentById.load(execution.agentId),
    user: (execution: ExecutionRow) => ({ __typename: 'User', id: execution.userId }),
  },
  UserAgentInteraction: {
    agent: (interaction: InteractionRow, _: unknown, ctx: Ctx) => ctx.loaders.agentById.load(interaction.agentId),
  },
  EndpointAgent: {
    __resolveReference: (ref: { agentId: string }, ctx: Ctx) => ctx.endpoints.byAgentId(ref.agentId),
    vulnerabilities: (agent: EndpointAgentRow, _: unknown, ctx: Ctx) =>
      ctx.loaders.vulnerabilitiesByAgent.load(agent.agentId),
    ...endpointAgentReportFields,
  },
  Job: {
    attempts: (job: JobRow, _: unknown, ctx: Ctx) => ctx.loaders.attemptsByJob.load(job.id),
    transitions: (job: JobRow, _: unknown, ctx: Ctx) => ctx.loaders.transitionsByJob.load(job.id),
  },
  JobStatus: lowerEnum(['queued', 'running', 'completed', 'failed', 'cancelled'] as const),
  Vulnerability: {
    severity: (v: VulnerabilityRow) => v.severity.toUpperCase(),
  },
  AgentMetric: {
    errorCounts: (metric: AgentMetricRow) => metric.errorCounts,
  },
  MetricPeriod: { HOURLY: 'hourly', DAILY: 'daily' },
  ExecutionStatus: lowerEnum(['success', 'failed', 'timeout', 'error'] as const),
  EndpointAgentStatus: lowerEnum(['active', 'disconnected', 'never_connected', 'pending', 'unknown'] as const),
  VulnerabilityStatus: lowerEnum(['open', 'in_progress', 'resolved', 'ignored'] as const),
};

/** The area resolver maps (one per SDL file), merged type by type. */
export const resolvers: GraphQLResolverMap<Ctx> = mergeResolvers(
  coreResolvers,
  telemetryResolvers,
  responsibleAiResolvers,
  endpointReportResolvers,
  schedulerResolvers,
  indexSnapshotResolvers,
  userResolvers,
);
