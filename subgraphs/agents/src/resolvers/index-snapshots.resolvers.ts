import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { AgentsContext } from '../context';
import type { IndexSnapshotScheduleRow } from '../entities';
import type {
  CreateIndexSnapshotScheduleInput,
  IndexSnapshotScheduleFilter,
  UpdateIndexSnapshotScheduleInput,
} from '../services/index-snapshot.service';

type Ctx = AgentsContext;

/** Index snapshot schedules: thin over IndexSnapshotService. */
export const indexSnapshotResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    indexSnapshotSchedules: (
      _: unknown,
      args: ConnectionArgs & { filter?: IndexSnapshotScheduleFilter | null },
      ctx: Ctx,
    ) => ctx.indexSnapshots.list(args, args.filter),
    indexSnapshotSchedule: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.indexSnapshots.byId(args.id),
  },
  Mutation: {
    createIndexSnapshotSchedule: (_: unknown, args: { input: CreateIndexSnapshotScheduleInput }, ctx: Ctx) =>
      ctx.indexSnapshots.create(args.input),
    updateIndexSnapshotSchedule: (
      _: unknown,
      args: { id: string; input: UpdateIndexSnapshotScheduleInput },
      ctx: Ctx,
    ) => ctx.indexSnapshots.update(args.id, args.input),
    deleteIndexSnapshotSchedule: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.indexSnapshots.delete(args.id),
    runIndexSnapshotNow: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.indexSnapshots.runNow(args.id),
  },
  IndexSnapshotSchedule: {
    nextRunAt: (s: IndexSnapshotScheduleRow) => (s.enabled ? s.nextRunTime : null),
    lastExecutionAt: (s: IndexSnapshotScheduleRow) => s.lastExecutionTime,
    lastStatus: (s: IndexSnapshotScheduleRow) => s.lastStatus?.toUpperCase() ?? null,
    // Only admins and the scheduler reach a schedule, and they see every job.
    lastJob: (s: IndexSnapshotScheduleRow, _: unknown, ctx: Ctx) =>
      s.lastJobId ? ctx.loaders.jobById.load(s.lastJobId) : null,
  },
};
