import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { AgentsContext } from '../context';
import type { ScheduledJobRow } from '../entities';
import type { ScheduledJobFilter, UpdateScheduledJobInput } from '../services/schedule.service';

type Ctx = AgentsContext;

/** Scheduled jobs: thin over ScheduleService. */
export const schedulerResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    scheduledJobs: (_: unknown, args: ConnectionArgs & { filter?: ScheduledJobFilter | null }, ctx: Ctx) =>
      ctx.schedules.list(args, args.filter),
    scheduledJob: (_: unknown, args: { jobId: string }, ctx: Ctx) => ctx.schedules.byJobId(args.jobId),
  },
  Mutation: {
    updateScheduledJob: (_: unknown, args: { jobId: string; input: UpdateScheduledJobInput }, ctx: Ctx) =>
      ctx.schedules.update(args.jobId, args.input),
    runScheduledJobNow: (_: unknown, args: { jobId: string }, ctx: Ctx) => ctx.schedules.runNow(args.jobId),
  },
  ScheduledJob: {
    nextRunAt: async (s: ScheduledJobRow, _: unknown, ctx: Ctx) =>
      s.enabled ? ((await ctx.loaders.scheduleRunById.load(s.jobId))?.nextRunTime ?? null) : null,
    lastSuccessAt: (s: ScheduledJobRow) => s.lastSuccess,
    // Only admins and the scheduler reach a ScheduledJob, and they see every job.
    lastJob: (s: ScheduledJobRow, _: unknown, ctx: Ctx) => (s.lastJobId ? ctx.loaders.jobById.load(s.lastJobId) : null),
  },
};
