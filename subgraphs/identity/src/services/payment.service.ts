import { randomUUID } from 'node:crypto';
import {
  badUserInput,
  conflict,
  forbidden,
  isAdmin,
  notFound,
  paginate,
  parseIntId,
  requireAdmin,
  requireAuthenticated,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { RequestScope } from '../context';
import { CheckoutSessionEntity, PaymentEntity, type CheckoutSessionRow, type PaymentRow } from '../entities';
import { paymentProviderFor, type PaymentProvider } from '../payments/provider';
import { appendEntry, auditTransaction, currencyCode, lockUserOrFail, positiveCents, setEntryStatus } from './ledger';

export interface CreateCheckoutSessionInput {
  amountCents: number;
  currency: string;
  credits: number;
}

export interface PaymentFilter {
  userId?: string | null;
  status?: 'SUCCEEDED' | 'REFUNDED' | null;
}

/** What the provider says about a completed session (webhook), checked against the session. */
export interface ProviderCompletion {
  providerPaymentId: string;
  amountCents?: number;
  currency?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Buying credits: a checkout session at the payment provider, completed by the provider's
 * webhook (or in-process by the local provider) into a `Payment` and a `topup` ledger entry;
 * an admin's refund reverses it through the ledger with a `refund` entry. Sessions and
 * payments are their user's; admins see all.
 */
export class PaymentService extends ScopedService<RequestScope> {
  private providerInstance: PaymentProvider | null = null;

  private get provider(): PaymentProvider {
    return (this.providerInstance ??= paymentProviderFor(this.scope.deps.config));
  }

  private get actor(): string {
    return (this.principal.username ?? this.principal.kind).slice(0, 64);
  }

  async createCheckoutSession(input: CreateCheckoutSessionInput, idempotencyKey: string): Promise<CheckoutSessionRow> {
    requireAuthenticated(this.principal);
    const userId = parseIntId(this.principal.userId ?? '');
    if (userId === null) throw forbidden('Only users buy credits');
    const amountCents = positiveCents(input.amountCents, 'input.amountCents');
    const currency = currencyCode(input.currency, 'input.currency');
    const creditsCents = positiveCents(input.credits, 'input.credits');
    const key = text(idempotencyKey, 'idempotencyKey', { max: 128 });

    // One session per key: parallel calls with one key queue on the user's row.
    await lockUserOrFail(this.dataSource, userId, this.principal.userId);
    const repo = this.dataSource.getRepository(CheckoutSessionEntity);
    const existing = await repo.findOneBy({ userId, idempotencyKey: key });
    if (existing) {
      if (
        existing.amountCents !== amountCents ||
        existing.currency !== currency ||
        existing.creditsCents !== creditsCents
      )
        throw conflict('This idempotency key was used for a different checkout');
      return existing;
    }
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + this.scope.deps.config.CHECKOUT_SESSION_TTL_SECONDS * 1000);
    const { providerSessionId, checkoutUrl } = await this.provider.createSession({
      sessionId: id,
      amountCents,
      currency,
      creditsCents,
      expiresAt,
    });
    await repo.insert({
      id,
      userId,
      provider: this.provider.name,
      providerSessionId,
      amountCents,
      currency,
      creditsCents,
      status: 'open',
      checkoutUrl,
      idempotencyKey: key,
      expiresAt,
    });
    return (await repo.findOneBy({ id }))!;
  }

  /** The local provider's stand-in for paying: its user or an admin completes an open session. */
  async completeLocalCheckout(id: string): Promise<CheckoutSessionRow> {
    requireAuthenticated(this.principal);
    const session = await this.visibleSession(id);
    if (!session) throw notFound('CheckoutSession', id);
    if (!this.provider.completesInProcess || session.provider !== this.provider.name) {
      throw forbidden(`Sessions of provider ${session.provider} complete through its webhook`);
    }
    if (session.status === 'completed') return session;
    const { providerPaymentId } = await this.provider.completeInProcess(session.providerSessionId ?? session.id);
    await this.complete(session.id, { providerPaymentId });
    return (await this.dataSource.getRepository(CheckoutSessionEntity).findOneBy({ id }))!;
  }

  /**
   * Turns a paid session into a payment and a ledger credit, once: a session already
   * completed returns its payment. Called by the webhook (as the service principal) and by
   * `completeLocalCheckout`. A session past its expiry or an amount that differs is CONFLICT.
   */
  async complete(sessionId: string, paid: ProviderCompletion): Promise<PaymentRow> {
    const rows = (await this.dataSource.query(`SELECT id FROM identity.checkout_sessions WHERE id = $1 FOR UPDATE`, [
      sessionId,
    ])) as { id: string }[];
    if (!rows[0]) throw notFound('CheckoutSession', sessionId);
    const session = (await this.dataSource.getRepository(CheckoutSessionEntity).findOneBy({ id: sessionId }))!;
    const payments = this.dataSource.getRepository(PaymentEntity);
    if (session.status === 'completed') {
      const payment = await payments.findOneBy({ checkoutSessionId: sessionId });
      if (payment) return payment;
    }
    if (session.status === 'expired' || session.expiresAt <= new Date()) {
      throw conflict(`Checkout session ${sessionId} has expired`);
    }
    if (
      (paid.amountCents !== undefined && paid.amountCents !== session.amountCents) ||
      (paid.currency !== undefined && paid.currency.toUpperCase() !== session.currency)
    ) {
      throw conflict(`The payment does not match checkout session ${sessionId}`);
    }
    await lockUserOrFail(this.dataSource, session.userId);
    const paymentId = randomUUID();
    await payments.insert({
      id: paymentId,
      userId: session.userId,
      checkoutSessionId: session.id,
      provider: session.provider,
      providerPaymentId: paid.providerPaymentId,
      amountCents: session.amountCents,
      currency: session.currency,
      creditsCents: session.creditsCents,
      status: 'succeeded',
    });
    const transactionId = await appendEntry(
      this.dataSource,
      {
        userId: session.userId,
        type: 'topup',
        amountCents: session.creditsCents,
        status: 'completed',
        provider: session.provider,
        providerReference: paid.providerPaymentId,
        paymentId,
        request: { checkoutSessionId: session.id, amountCents: session.amountCents, currency: session.currency },
        receipt: { providerPaymentId: paid.providerPaymentId, paidAt: new Date().toISOString() },
        description: `Credit purchase ${session.amountCents} ${session.currency}`,
      },
      this.actor,
    );
    await auditTransaction(this.dataSource, transactionId, 'completed', this.actor, { paymentId });
    await payments.update({ id: paymentId }, { transactionId });
    await this.dataSource
      .getRepository(CheckoutSessionEntity)
      .update({ id: session.id }, { status: 'completed', completedAt: new Date() });
    return (await payments.findOneBy({ id: paymentId }))!;
  }

  /** Admin: gives the money back and takes the credits back (CONFLICT once they are spent). */
  async refundPayment(id: string, reason: string | null | undefined): Promise<PaymentRow> {
    requireAdmin(this.principal);
    return this.refund(id, reason ? text(reason, 'reason', { max: 255 }) : null, { callProvider: true });
  }

  /** The provider reports a refund it made (webhook): the same reversal, without calling it back. */
  async refundByProvider(providerPaymentId: string, reason: string | null): Promise<PaymentRow> {
    const payment = await this.dataSource.getRepository(PaymentEntity).findOneBy({ providerPaymentId });
    if (!payment) throw notFound('Payment', providerPaymentId);
    return this.refund(payment.id, reason, { callProvider: false });
  }

  private async refund(id: string, reason: string | null, options: { callProvider: boolean }): Promise<PaymentRow> {
    const payments = this.dataSource.getRepository(PaymentEntity);
    const locked = UUID.test(id)
      ? ((await this.dataSource.query(`SELECT user_id FROM identity.payments WHERE id = $1 FOR UPDATE`, [id])) as {
          user_id: number;
        }[])
      : [];
    if (!locked[0]) throw notFound('Payment', id);
    const payment = (await payments.findOneBy({ id }))!;
    if (payment.status === 'refunded') return payment;
    const { balance } = await lockUserOrFail(this.dataSource, payment.userId);
    if (balance < payment.creditsCents) {
      throw conflict(`The credits of payment ${id} are already spent (${balance} of ${payment.creditsCents} left)`);
    }
    const refund = options.callProvider
      ? await this.provider.refund({
          providerPaymentId: payment.providerPaymentId,
          amountCents: payment.amountCents,
          currency: payment.currency,
        })
      : { providerRefundId: payment.providerPaymentId ?? id };
    const refundTransactionId = await appendEntry(
      this.dataSource,
      {
        userId: payment.userId,
        type: 'refund',
        amountCents: -payment.creditsCents,
        status: 'completed',
        provider: payment.provider,
        providerReference: refund.providerRefundId,
        paymentId: payment.id,
        receipt: { providerRefundId: refund.providerRefundId, reason },
        description: reason ?? 'Refund',
      },
      this.actor,
    );
    if (payment.transactionId) {
      await setEntryStatus(this.dataSource, payment.transactionId, 'refunded');
      await auditTransaction(this.dataSource, payment.transactionId, 'refunded', this.actor, {
        refundTransactionId,
        reason,
      });
    }
    await payments.update(
      { id },
      { status: 'refunded', refundTransactionId, refundReason: reason, refundedAt: new Date() },
    );
    return (await payments.findOneBy({ id }))!;
  }

  /** A session by id for its user or an admin; null otherwise. */
  async visibleSession(id: string): Promise<CheckoutSessionRow | null> {
    if (!UUID.test(id)) return null;
    const session = await this.dataSource.getRepository(CheckoutSessionEntity).findOneBy({ id });
    return session && this.canSee(session.userId) ? session : null;
  }

  async sessionByProviderId(providerSessionId: string): Promise<CheckoutSessionRow | null> {
    return this.dataSource.getRepository(CheckoutSessionEntity).findOneBy({ providerSessionId });
  }

  /** Payments newest first: a user's own, or anyone's for admins (filter.userId narrows). */
  async list(args: ConnectionArgs, filter: PaymentFilter | null | undefined): Promise<Connection<PaymentRow>> {
    requireAuthenticated(this.principal);
    const query = this.dataSource.getRepository(PaymentEntity).createQueryBuilder('p');
    if (!isAdmin(this.principal)) {
      query.andWhere('p.user_id = :self', { self: parseIntId(this.principal.userId ?? '') ?? 0 });
    }
    if (filter?.userId) {
      const userId = parseIntId(filter.userId);
      if (userId === null) throw badUserInput('filter.userId is not a user id', 'filter.userId');
      query.andWhere('p.user_id = :userId', { userId });
    }
    if (filter?.status) query.andWhere('p.status = :status', { status: filter.status.toLowerCase() });
    return paginate(query, args, [
      { column: 'p.created_at', direction: 'DESC', value: (p) => p.createdAt.toISOString() },
      { column: 'p.id', direction: 'DESC', value: (p) => p.id },
    ]);
  }

  canSee(userId: number): boolean {
    return isAdmin(this.principal) || this.principal.userId === String(userId);
  }
}
