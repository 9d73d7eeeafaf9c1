import { randomUUID } from 'node:crypto';
import type { IdentityConfig } from '../config';

/**
 * What identity needs of a payment provider. A session is created before the user pays;
 * the provider reports the payment (and later refunds) through the signed webhook
 * (payments/webhook.ts). A provider that `completesInProcess` (the local one) lets
 * `completeLocalCheckout` stand in for the provider's checkout page and webhook.
 *
 * Calls happen inside the mutation's database transaction, so a failed call leaves nothing
 * behind; a real provider's client should keep them short (its own timeout) and idempotent
 * (pass our session id as the provider's idempotency key).
 */
export interface PaymentProvider {
  readonly name: string;
  readonly completesInProcess: boolean;
  createSession(session: CheckoutRequest): Promise<{ providerSessionId: string; checkoutUrl: string }>;
  /** A payment id for a session completed in-process (local provider only). */
  completeInProcess(providerSessionId: string): Promise<{ providerPaymentId: string }>;
  refund(payment: { providerPaymentId: string | null; amountCents: number; currency: string }): Promise<{
    providerRefundId: string;
  }>;
}

export interface CheckoutRequest {
  sessionId: string;
  amountCents: number;
  currency: string;
  creditsCents: number;
  expiresAt: Date;
}

/** Development, tests and the demo: no network, every session can be paid at once. */
export class LocalPaymentProvider implements PaymentProvider {
  readonly name = 'local';
  readonly completesInProcess = true;

  async createSession(session: CheckoutRequest): Promise<{ providerSessionId: string; checkoutUrl: string }> {
    const providerSessionId = `local_cs_${session.sessionId}`;
    return { providerSessionId, checkoutUrl: `local://checkout/${providerSessionId}` };
  }

  async completeInProcess(_providerSessionId: string): Promise<{ providerPaymentId: string }> {
    return { providerPaymentId: `local_pi_${randomUUID()}` };
  }

  async refund(): Promise<{ providerRefundId: string }> {
    return { providerRefundId: `local_re_${randomUUID()}` };
  }
}

export function paymentProviderFor(config: IdentityConfig): PaymentProvider {
  switch (config.PAYMENT_PROVIDER) {
    case 'local':
      return new LocalPaymentProvider();
  }
}
