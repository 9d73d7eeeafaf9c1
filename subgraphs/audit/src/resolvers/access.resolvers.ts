import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { AuditContext } from '../context';
import type { ApiAccessRow, RateLimitViolationRow, SecurityEventRow } from '../entities';
import type {
  ApiAccessFilter,
  ApiAccessInput,
  RateLimitViolationFilter,
  RateLimitViolationInput,
} from '../services/access.service';
import type { ResolveSecurityEventInput, SecurityEventFilter } from '../services/security-event.service';

type Ctx = AuditContext;

export const accessResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    apiAccessLog: (_: unknown, args: ConnectionArgs & { filter?: ApiAccessFilter | null }, ctx: Ctx) =>
      ctx.access.listAccess(args, args.filter),
    rateLimitViolations: (_: unknown, args: ConnectionArgs & { filter?: RateLimitViolationFilter | null }, ctx: Ctx) =>
      ctx.access.listViolations(args, args.filter),
    securityEvents: (_: unknown, args: ConnectionArgs & { filter?: SecurityEventFilter | null }, ctx: Ctx) =>
      ctx.securityEvents.list(args, args.filter),
  },
  Mutation: {
    _recordApiAccess: (_: unknown, args: { entries: ApiAccessInput[] }, ctx: Ctx) =>
      ctx.access.recordAccess(args.entries),
    _recordRateLimitViolations: (_: unknown, args: { entries: RateLimitViolationInput[] }, ctx: Ctx) =>
      ctx.access.recordViolations(args.entries),
    resolveSecurityEvent: (_: unknown, args: { input: ResolveSecurityEventInput }, ctx: Ctx) =>
      ctx.securityEvents.resolve(args.input),
  },
  ApiAccess: {
    httpStatus: (row: ApiAccessRow) => row.responseStatus,
    durationMs: (row: ApiAccessRow) => row.responseTimeMs,
  },
  RateLimitViolation: {
    clientIp: (row: RateLimitViolationRow) => row.ipAddress,
  },
  SecurityEvent: {
    category: (row: SecurityEventRow) => row.eventCategory,
    severity: (row: SecurityEventRow) => row.severityLevel,
  },
};
