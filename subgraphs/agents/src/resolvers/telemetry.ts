import type { GraphQLResolverMap } from '@socgraph/shared';
import type { AgentsContext } from '../context';
import type { EndpointAgentRow } from '../entities';
import {
  gpuIndexArg,
  telemetryRange,
  type GpuSampleInput,
  type SystemMetricInput,
} from '../services/telemetry.service';

type Ctx = AgentsContext;

interface RangeArgs {
  from: Date;
  to: Date;
  bucketSeconds: number;
}

/** Telemetry: ingestion and downsampled range reads (services/telemetry.service.ts). */
export const telemetryResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    gpuTelemetry: (_: unknown, args: RangeArgs & { agentId: string; gpuIndex?: number | null }, ctx: Ctx) =>
      ctx.telemetry.gpuTelemetry(args),
    systemMetrics: (
      _: unknown,
      args: RangeArgs & { agentId?: string | null; metric: string; component?: string | null },
      ctx: Ctx,
    ) => ctx.telemetry.systemMetrics(args),
  },
  Mutation: {
    recordGpuSamples: (_: unknown, args: { input: { samples: GpuSampleInput[] } }, ctx: Ctx) =>
      ctx.telemetry.recordGpuSamples(args.input.samples),
    recordSystemMetrics: (_: unknown, args: { input: { metrics: SystemMetricInput[] } }, ctx: Ctx) =>
      ctx.telemetry.recordSystemMetrics(args.input.metrics),
  },
  EndpointAgent: {
    // The endpoint agent was resolved through its customer scope already.
    gpuTelemetry: (agent: EndpointAgentRow, args: RangeArgs & { gpuIndex?: number | null }, ctx: Ctx) =>
      ctx.telemetryLoaders.gpuBuckets.load({
        parent: agent.agentId,
        ...telemetryRange(args),
        gpuIndex: gpuIndexArg(args.gpuIndex, 'gpuIndex'),
      }),
    systemMetrics: (
      agent: EndpointAgentRow,
      args: RangeArgs & { metric: string; component?: string | null },
      ctx: Ctx,
    ) =>
      ctx.telemetryLoaders.systemBuckets.load({
        parent: agent.agentId,
        ...telemetryRange(args),
        metric: args.metric,
        component: args.component ?? null,
      }),
  },
};
