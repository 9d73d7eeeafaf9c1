import type { GraphQLResolverMap } from '@socgraph/shared';
import type { IdentityContext } from '../context';
import type {
  CheckoutSessionRow,
  MandateRow,
  PaymentRow,
  TransactionAuditRow,
  TransactionRow,
  UserRow,
} from '../entities';
import type { ApiRequestCount } from '../services/billing.service';
import type { GrantCreditsInput, HoldResult, ReserveCreditsInput } from '../services/credit.service';
import { mandateStatus, type CreateMandateInput, type MandateRulesInput } from '../services/mandate.service';
import type { CreateCheckoutSessionInput, PaymentFilter } from '../services/payment.service';

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

const transactionOrNull = (id: string | null, ctx: IdentityContext) =>
  id ? ctx.loaders.transactionById.load(id) : null;

export const billingResolvers: GraphQLResolverMap<IdentityContext> = {
  Query: {
    checkoutSession: (_: unknown, args: { id: string }, ctx: IdentityContext) => ctx.payments.visibleSession(args.id),
    payments: (_: unknown, args: PageArgs & { filter?: PaymentFilter | null }, ctx: IdentityContext) =>
      ctx.payments.list(args, args.filter),
  },
  Mutation: {
    _recordApiRequests: (_: unknown, args: { counts: ApiRequestCount[] }, ctx: IdentityContext) =>
      ctx.billing.recordApiRequests(args.counts),
    reserveCredits: (_: unknown, args: { input: ReserveCreditsInput }, ctx: IdentityContext) =>
      ctx.credits.reserve(args.input),
    captureCredits: (_: unknown, args: { holdId: string }, ctx: IdentityContext) => ctx.credits.capture(args.holdId),
    releaseCredits: (_: unknown, args: { holdId: string }, ctx: IdentityContext) => ctx.credits.release(args.holdId),
    grantCredits: async (_: unknown, args: { input: GrantCreditsInput }, ctx: IdentityContext) =>
      ctx.loaders.transactionById.load(await ctx.credits.grant(args.input)),
    createMandate: (_: unknown, args: { input: CreateMandateInput }, ctx: IdentityContext) =>
      ctx.mandates.create(args.input),
    updateMandate: (_: unknown, args: { id: string; input: MandateRulesInput }, ctx: IdentityContext) =>
      ctx.mandates.update(args.id, args.input),
    revokeMandate: (_: unknown, args: { id: string }, ctx: IdentityContext) => ctx.mandates.revoke(args.id),
    createCheckoutSession: (
      _: unknown,
      args: { input: CreateCheckoutSessionInput; idempotencyKey: string },
      ctx: IdentityContext,
    ) => ctx.payments.createCheckoutSession(args.input, args.idempotencyKey),
    completeLocalCheckout: (_: unknown, args: { id: string }, ctx: IdentityContext) =>
      ctx.payments.completeLocalCheckout(args.id),
    refundPayment: (_: unknown, args: { id: string; reason?: string | null }, ctx: IdentityContext) =>
      ctx.payments.refundPayment(args.id, args.reason),
  },
  User: {
    usage: (user: UserRow, args: { from: Date; to: Date }, ctx: IdentityContext) =>
      ctx.billing.usage(user.id, args.from, args.to),
  },
  Transaction: {
    agent: (t: TransactionRow) => (t.agentId ? { id: t.agentId } : null),
    auditTrail: (t: TransactionRow, _: unknown, ctx: IdentityContext) =>
      ctx.loaders.auditTrailByTransactionId.load(t.id),
  },
  TransactionAuditEntry: {
    at: (row: TransactionAuditRow) => row.createdAt,
  },
  CreditHold: {
    status: (hold: HoldResult) => hold.status.toUpperCase(),
  },
  Mandate: {
    user: (m: MandateRow, _: unknown, ctx: IdentityContext) => ctx.loaders.userById.load(m.userId),
    status: (m: MandateRow) => mandateStatus(m),
    rules: (m: MandateRow) => ({
      maxAmountCents: m.maxPerExecutionCents,
      dailyLimitCents: m.maxPerDayCents,
      monthlyLimitCents: m.maxPerMonthCents,
      agentIds: m.agentIds,
      expiresAt: m.expiresAt,
    }),
    agents: (m: MandateRow) => m.agentIds.map((id) => ({ id })),
    history: (m: MandateRow, _: unknown, ctx: IdentityContext) => ctx.loaders.historyByMandateId.load(m.id),
  },
  CheckoutSession: {
    user: (s: CheckoutSessionRow, _: unknown, ctx: IdentityContext) => ctx.loaders.userById.load(s.userId),
    status: (s: CheckoutSessionRow) =>
      s.status === 'open' && s.expiresAt <= new Date() ? 'EXPIRED' : s.status.toUpperCase(),
    credits: (s: CheckoutSessionRow) => s.creditsCents,
    payment: (s: CheckoutSessionRow, _: unknown, ctx: IdentityContext) => ctx.loaders.paymentBySessionId.load(s.id),
  },
  Payment: {
    user: (p: PaymentRow, _: unknown, ctx: IdentityContext) => ctx.loaders.userById.load(p.userId),
    status: (p: PaymentRow) => p.status.toUpperCase(),
    credits: (p: PaymentRow) => p.creditsCents,
    transaction: (p: PaymentRow, _: unknown, ctx: IdentityContext) => transactionOrNull(p.transactionId, ctx),
    refundTransaction: (p: PaymentRow, _: unknown, ctx: IdentityContext) =>
      transactionOrNull(p.refundTransactionId, ctx),
  },
};
