import { visibleActorName, type ConnectionArgs, type GraphQLResolverMap } from '@socgraph/shared';
import type { IncidentsContext } from '../context';
import type { AlertRow, AssetRow, CommentRow, AlertStatusValue, SeverityValue } from '../entities';
import type { AlertFilter } from '../services/alert-filter';
import type { AlertOrder, AssetInput, CreateAlertInput, IocInput, VerdictInput } from '../services/alert.service';
import { visibleUsername } from '../services/visibility';

type Ctx = IncidentsContext;
type ListArgs = ConnectionArgs & { filter?: AlertFilter | null; orderBy?: AlertOrder | null };

/** A reference to identity's User by the username key (assignees, comment authors). */
export const userRef = (username: string | null) => (username ? { __typename: 'User', username } : null);

export const alertResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    alerts: (_: unknown, args: ListArgs, ctx: Ctx) => ctx.alerts.list(args, args.filter, args.orderBy),
    alert: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.alerts.byId(args.id),
  },
  Mutation: {
    createAlert: (_: unknown, args: { input: CreateAlertInput }, ctx: Ctx) => ctx.alerts.create(args.input),
    updateAlertStatus: (_: unknown, args: { id: string; status: AlertStatusValue }, ctx: Ctx) =>
      ctx.alerts.updateStatus(args.id, args.status),
    assignAlert: (_: unknown, args: { id: string; username?: string | null }, ctx: Ctx) =>
      ctx.alerts.assign(args.id, args.username),
    escalateAlert: (_: unknown, args: { id: string; escalated: boolean }, ctx: Ctx) =>
      ctx.alerts.escalate(args.id, args.escalated),
    setAlertSeverity: (_: unknown, args: { id: string; severity: SeverityValue }, ctx: Ctx) =>
      ctx.alerts.setSeverity(args.id, args.severity),
    setAlertVerdict: (_: unknown, args: { input: VerdictInput }, ctx: Ctx) => ctx.alerts.setVerdict(args.input),
    addAlertComment: (_: unknown, args: { alertId: string; comment: string }, ctx: Ctx) =>
      ctx.alerts.addComment(args.alertId, args.comment),
    tagAlert: (_: unknown, args: { alertId: string; tagId: string }, ctx: Ctx) =>
      ctx.alerts.tag(args.alertId, args.tagId, true),
    untagAlert: (_: unknown, args: { alertId: string; tagId: string }, ctx: Ctx) =>
      ctx.alerts.tag(args.alertId, args.tagId, false),
    addAlertIoc: (_: unknown, args: { alertId: string; input: IocInput }, ctx: Ctx) =>
      ctx.alerts.addIoc(args.alertId, args.input),
    addAlertAsset: (_: unknown, args: { alertId: string; input: AssetInput }, ctx: Ctx) =>
      ctx.alerts.addAsset(args.alertId, args.input),
  },
  Alert: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.alerts.byId(ref.id),
    customer: (alert: AlertRow) => ({ __typename: 'Customer', code: alert.customerCode }),
    // The username is the reference's key: the gateway shows it without asking identity, so hide it here.
    assignedTo: (alert: AlertRow, _: unknown, ctx: Ctx) => visibleUsername(ctx.principal, alert.assignedTo),
    assignee: (alert: AlertRow, _: unknown, ctx: Ctx) => userRef(visibleUsername(ctx.principal, alert.assignedTo)),
    // Only workers give verdicts: a customer user sees the staff label.
    verdictBy: (alert: AlertRow, _: unknown, ctx: Ctx) =>
      alert.verdictBy === null ? null : visibleActorName(ctx.principal, { username: alert.verdictBy, role: null }),
    tags: (alert: AlertRow, _: unknown, ctx: Ctx) => ctx.loaders.tagsByAlertId.load(alert.id),
    iocs: (alert: AlertRow, _: unknown, ctx: Ctx) => ctx.loaders.iocsByAlertId.load(alert.id),
    assets: (alert: AlertRow, _: unknown, ctx: Ctx) => ctx.loaders.assetsByAlertId.load(alert.id),
    comments: (alert: AlertRow, _: unknown, ctx: Ctx) => ctx.loaders.commentsByAlertId.load(alert.id),
    cases: (alert: AlertRow, _: unknown, ctx: Ctx) => ctx.loaders.casesByAlertId.load(alert.id),
  },
  Asset: {
    agent: (asset: AssetRow) => (asset.agentId ? { __typename: 'EndpointAgent', agentId: asset.agentId } : null),
    context: (asset: AssetRow, _: unknown, ctx: Ctx) =>
      asset.alertContextId === null ? null : ctx.loaders.alertContextById.load(asset.alertContextId),
  },
  Comment: {
    userName: (comment: CommentRow, _: unknown, ctx: Ctx) =>
      visibleActorName(ctx.principal, { username: comment.userName, role: comment.authorRole }),
    // The reference's key is the username, shown without asking identity: only for visible profiles.
    author: (comment: CommentRow, _: unknown, ctx: Ctx) => userRef(visibleUsername(ctx.principal, comment.userName)),
  },
  User: {
    __resolveReference: (ref: { username: string }) => ({ username: ref.username }),
    // What a user works on is shown only to callers who may see that user (a customer user: itself).
    assignedAlerts: (user: { username: string }, args: ListArgs, ctx: Ctx) =>
      visibleUsername(ctx.principal, user.username) === null
        ? null
        : ctx.loaders.alertsByAssignee.load({
            parent: user.username,
            args: pageArgs(args),
            filter: args.filter ?? null,
          }),
  },
  Customer: {
    __resolveReference: (ref: { code: string }) => ({ code: ref.code }),
    alerts: (customer: { code: string }, args: ListArgs, ctx: Ctx) =>
      ctx.loaders.alertsByCustomer.load({ parent: customer.code, args: pageArgs(args), filter: args.filter ?? null }),
  },
  AlertStatus: { OPEN: 'OPEN', IN_PROGRESS: 'IN_PROGRESS', CLOSED: 'CLOSED' },
  // The seed stores severities capitalised; the API spells enum values UPPER_SNAKE.
  Severity: { INFORMATIONAL: 'Informational', LOW: 'Low', MEDIUM: 'Medium', HIGH: 'High', CRITICAL: 'Critical' },
};

/** Only the paging arguments, so equal requests share one batch. */
export const pageArgs = (args: ConnectionArgs): ConnectionArgs => ({
  first: args.first ?? null,
  after: args.after ?? null,
});
