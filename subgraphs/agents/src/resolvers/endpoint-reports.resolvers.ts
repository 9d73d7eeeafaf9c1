import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { AgentsContext } from '../context';
import type {
  EndpointAgentRow,
  EndpointArtifactRow,
  ScaReportRow,
  StoredFile,
  VulnerabilityReportRow,
} from '../entities';
import type {
  ArtifactFilter,
  RecordEndpointArtifactInput,
  RecordScaReportInput,
  RecordVulnerabilityReportInput,
  ReportFilter,
} from '../services/endpoint-reports.service';

type Ctx = AgentsContext;

const pageArgs = (args: ConnectionArgs): ConnectionArgs => ({ first: args.first ?? null, after: args.after ?? null });

const file = (row: StoredFile): StoredFile => ({
  bucketName: row.bucketName,
  objectKey: row.objectKey,
  fileName: row.fileName,
  contentType: row.contentType,
  fileSize: row.fileSize,
  fileHash: row.fileHash,
});

const lowerEnum = <V extends string>(values: readonly V[]) =>
  Object.fromEntries(values.map((v) => [v.toUpperCase(), v])) as Record<Uppercase<V>, V>;

/** Reports and artefacts of endpoint agents: thin over EndpointReportService. */
export const endpointReportResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    vulnerabilityReports: (_: unknown, args: ConnectionArgs & { filter?: ReportFilter | null }, ctx: Ctx) =>
      ctx.reports.vulnerabilityReports(args, args.filter),
    vulnerabilityReport: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.reports.vulnerabilityReport(args.id),
    scaReports: (_: unknown, args: ConnectionArgs & { filter?: ReportFilter | null }, ctx: Ctx) =>
      ctx.reports.scaReports(args, args.filter),
    scaReport: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.reports.scaReport(args.id),
    endpointArtifacts: (_: unknown, args: ConnectionArgs & { filter?: ArtifactFilter | null }, ctx: Ctx) =>
      ctx.reports.artifacts(args, args.filter),
    endpointArtifact: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.reports.artifact(args.id),
  },
  Mutation: {
    recordVulnerabilityReport: (_: unknown, args: { input: RecordVulnerabilityReportInput }, ctx: Ctx) =>
      ctx.reports.recordVulnerabilityReport(args.input),
    recordScaReport: (_: unknown, args: { input: RecordScaReportInput }, ctx: Ctx) =>
      ctx.reports.recordScaReport(args.input),
    setVulnerabilityReportStatus: (
      _: unknown,
      args: { id: string; status: string; errorMessage?: string | null },
      ctx: Ctx,
    ) => ctx.reports.setVulnerabilityReportStatus(args.id, args.status, args.errorMessage),
    setScaReportStatus: (_: unknown, args: { id: string; status: string; errorMessage?: string | null }, ctx: Ctx) =>
      ctx.reports.setScaReportStatus(args.id, args.status, args.errorMessage),
    setEndpointArtifactStatus: (_: unknown, args: { id: string; status: string }, ctx: Ctx) =>
      ctx.reports.setArtifactStatus(args.id, args.status),
    recordEndpointArtifact: (_: unknown, args: { input: RecordEndpointArtifactInput }, ctx: Ctx) =>
      ctx.reports.recordArtifact(args.input),
    deleteVulnerabilityReport: (_: unknown, args: { id: string }, ctx: Ctx) =>
      ctx.reports.deleteVulnerabilityReport(args.id),
    deleteScaReport: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.reports.deleteScaReport(args.id),
    deleteEndpointArtifact: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.reports.deleteArtifact(args.id),
  },
  VulnerabilityReport: {
    file,
    severityFilter: (r: VulnerabilityReportRow) => r.severityFilter?.toUpperCase() ?? null,
  },
  ScaReport: {
    file,
    averageScore: (r: ScaReportRow) => (r.averageScore === null ? null : Number(r.averageScore)),
  },
  EndpointArtifact: {
    file,
    agent: (a: EndpointArtifactRow, _: unknown, ctx: Ctx) => ctx.endpoints.byAgentId(a.agentId),
  },
  EndpointReportStatus: lowerEnum(['pending', 'generating', 'completed', 'failed'] as const),
  EndpointArtifactStatus: lowerEnum(['pending', 'collecting', 'completed', 'failed'] as const),
};

/** The fields endpoint-reports.graphql adds to EndpointAgent (batched per request). */
export const endpointAgentReportFields = {
  vulnerabilityReports: (agent: EndpointAgentRow, args: ConnectionArgs, ctx: Ctx) =>
    ctx.loaders.vulnerabilityReportsByAgent.load({ parent: agent.agentId, args: pageArgs(args) }),
  scaReports: (agent: EndpointAgentRow, args: ConnectionArgs, ctx: Ctx) =>
    ctx.loaders.scaReportsByAgent.load({ parent: agent.agentId, args: pageArgs(args) }),
  artifacts: (agent: EndpointAgentRow, args: ConnectionArgs, ctx: Ctx) =>
    ctx.loaders.artifactsByAgent.load({ parent: agent.agentId, args: pageArgs(args) }),
};
