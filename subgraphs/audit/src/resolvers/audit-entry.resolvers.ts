import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { AuditContext } from '../context';
import type { AuditEntryRow, AuthEventRow } from '../entities';
import type { AuditEntryInput, AuditFilter } from '../services/audit-entry.service';
import type { AuthEventFilter, AuthEventInput } from '../services/auth-event.service';
import type { ChainName } from '../services/chain';

type Ctx = AuditContext;

export const auditEntryResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    auditLog: (_: unknown, args: ConnectionArgs & { filter?: AuditFilter | null }, ctx: Ctx) =>
      ctx.entries.list(args, args.filter),
    authEvents: (_: unknown, args: ConnectionArgs & { filter?: AuthEventFilter | null }, ctx: Ctx) =>
      ctx.authEvents.list(args, args.filter),
    verifyAuditChain: (_: unknown, args: { chain?: ChainName | null; full?: boolean | null }, ctx: Ctx) =>
      ctx.entries.verify(args.chain ?? 'AUDIT_LOG', args.full ?? false),
  },
  Mutation: {
    _recordAuditEntries: (_: unknown, args: { entries: AuditEntryInput[] }, ctx: Ctx) =>
      ctx.entries.record(args.entries),
    _recordAuthEvents: (_: unknown, args: { entries: AuthEventInput[] }, ctx: Ctx) =>
      ctx.authEvents.record(args.entries),
  },
  AuditEntry: {
    seq: (row: AuditEntryRow) => Number(row.seq),
  },
  AuthEvent: {
    seq: (row: AuthEventRow) => Number(row.seq),
    status: (row: AuthEventRow) => row.eventStatus,
  },
};
