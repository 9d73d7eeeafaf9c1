import { randomUUID } from 'node:crypto';
import { badUserInput, forbidden, notFound, conflict } from '@socgraph/shared';
import type { CreditHold, CreditsClient, ReserveRequest } from '../src';

/**
 * A test double of identity's billing with its semantics kept in memory (tests only; through
 * the gateway executions go to identity): balances per user, holds reserved against them,
 * idempotent per key, captured or released once, per-user caps as a mandate would refuse.
 */
interface Hold {
  id: string;
  userId: string;
  amountCents: number;
  agentId: string;
  status: 'held' | 'captured' | 'released';
}

export class InMemoryCredits implements CreditsClient {
  readonly balances = new Map<string, number>();
  readonly holds = new Map<string, Hold>();
  private readonly byKey = new Map<string, string>();
  /** Largest single charge per user, as a mandate's `max_amount_cents`. */
  readonly caps = new Map<string, number>();
  calls: string[] = [];

  setBalance(userId: string, cents: number): void {
    this.balances.set(userId, cents);
  }

  /** Balance minus what is held. */
  available(userId: string): number {
    const held = [...this.holds.values()]
      .filter((h) => h.userId === userId && h.status === 'held')
      .reduce((sum, h) => sum + h.amountCents, 0);
    return (this.balances.get(userId) ?? 0) - held;
  }

  captured(userId: string): number {
    return [...this.holds.values()]
      .filter((h) => h.userId === userId && h.status === 'captured')
      .reduce((sum, h) => sum + h.amountCents, 0);
  }

  async reserve(request: ReserveRequest): Promise<CreditHold> {
    this.calls.push(`reserve:${request.idempotencyKey}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (!Number.isInteger(request.amountCents) || request.amountCents <= 0)
      throw badUserInput('amountCents must be positive', 'input.amountCents');
    const existing = this.byKey.get(request.idempotencyKey);
    if (existing) {
      const hold = this.holds.get(existing)!;
      if (hold.amountCents !== request.amountCents || hold.userId !== request.userId)
        throw conflict('idempotency key reused for another reservation');
      return this.view(hold);
    }
    const cap = this.caps.get(request.userId);
    if (cap !== undefined && request.amountCents > cap)
      throw forbidden('Over the mandate cap', { reason: 'MANDATE_CAP_EXCEEDED' });
    if (this.available(request.userId) < request.amountCents)
      throw forbidden('Not enough credits', { reason: 'INSUFFICIENT_CREDITS' });
    const hold: Hold = { id: randomUUID(), ...request, status: 'held' };
    this.holds.set(hold.id, hold);
    this.byKey.set(request.idempotencyKey, hold.id);
    return this.view(hold);
  }

  async capture(holdId: string): Promise<CreditHold> {
    this.calls.push(`capture:${holdId}`);
    const hold = this.settle(holdId, 'captured');
    this.balances.set(hold.userId, (this.balances.get(hold.userId) ?? 0) - hold.amountCents);
    return this.view(hold);
  }

  async release(holdId: string): Promise<CreditHold> {
    this.calls.push(`release:${holdId}`);
    const hold = this.settle(holdId, 'released');
    return this.view(hold);
  }

  /** Billing debits at reserve and credits back at release; a capture leaves the balance. */
  private view(hold: Hold): CreditHold {
    return { id: hold.id, status: hold.status.toUpperCase(), balanceAfterCents: this.available(hold.userId) };
  }

  private settle(holdId: string, to: 'captured' | 'released'): Hold {
    const hold = this.holds.get(holdId);
    if (!hold) throw notFound('CreditHold', holdId);
    if (hold.status !== 'held') throw conflict(`hold ${holdId} is already ${hold.status}`);
    hold.status = to;
    return hold;
  }
}
