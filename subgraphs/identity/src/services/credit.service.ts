import { randomUUID } from 'node:crypto';
import {
  conflict,
  forbidden,
  notFound,
  parseIntId,
  requireAdmin,
  requireService,
  ScopedService,
  text,
} from '@socgraph/shared';
import type { GraphQLError } from 'graphql';
import type { RequestScope } from '../context';
import { CreditHoldEntity, type CreditHoldRow, type MandateRow } from '../entities';
import { appendEntry, auditTransaction, bumpUsage, lockUserOrFail, positiveCents, setEntryStatus } from './ledger';
import { mandateFromRaw, type RawMandate } from './mandate.service';

export interface ReserveCreditsInput {
  userId: string;
  amountCents: number;
  agentId: string;
  idempotencyKey: string;
}

export interface GrantCreditsInput {
  userId: string;
  amountCents: number;
  reason: string;
}

/** Why a reserve was refused: `extensions.reason` of its FORBIDDEN. */
export type RefusalReason = 'INSUFFICIENT_CREDITS' | 'MANDATE_CAP_EXCEEDED' | 'MANDATE_EXPIRED' | 'MANDATE_REVOKED';

export const refusal = (reason: RefusalReason, message: string): GraphQLError => forbidden(message, { reason });

/** A hold as the API returns it, with the user's balance once the change is made. */
export type HoldResult = CreditHoldRow & { balanceAfterCents: number };

interface RawHold {
  id: string;
  user_id: number;
  agent_id: string | null;
  amount_cents: number;
  idempotency_key: string;
  status: CreditHoldRow['status'];
  transaction_id: string;
  mandate_id: string | null;
  requested_by: string;
  created_at: Date;
  settled_at: Date | null;
}

const holdFromRaw = (raw: RawHold): CreditHoldRow => ({
  id: raw.id,
  userId: raw.user_id,
  agentId: raw.agent_id,
  amountCents: raw.amount_cents,
  idempotencyKey: raw.idempotency_key,
  status: raw.status,
  transactionId: raw.transaction_id,
  mandateId: raw.mandate_id,
  requestedBy: raw.requested_by,
  createdAt: raw.created_at,
  settledAt: raw.settled_at,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Charges for agent executions, in two steps: `reserve` debits the balance at once (a pending
 * `charge` entry) so parallel executions can never spend the same credit twice; `capture`
 * completes the charge when the execution ran, `release` credits it back when it did not.
 * Only the service principal may call these (the agents subgraph, on the user's behalf).
 *
 * Concurrency: every reserve of a user first locks the user's row (`FOR UPDATE`), then reads
 * the balance, the idempotency key and the mandates' spending so far. Reserves of one user
 * therefore run one after another, and each sees what the previous one committed.
 */
export class CreditService extends ScopedService<RequestScope> {
  private get actor(): string {
    return this.principal.username ?? this.principal.kind;
  }

  async reserve(input: ReserveCreditsInput): Promise<HoldResult> {
    requireService(this.principal);
    const userId = parseIntId(input.userId);
    if (userId === null) throw notFound('User', input.userId);
    const amount = positiveCents(input.amountCents, 'input.amountCents');
    const agentId = text(input.agentId, 'input.agentId', { max: 64 });
    const key = text(input.idempotencyKey, 'input.idempotencyKey', { max: 128 });
    const ds = this.dataSource;

    const { balance } = await lockUserOrFail(ds, userId);
    const existing = await this.holdByKey(userId, key);
    if (existing) return this.replay(existing, amount, agentId);

    const mandateId = await this.checkMandates(userId, agentId, amount);
    if (balance < amount) {
      throw refusal('INSUFFICIENT_CREDITS', `Insufficient credits: ${amount} cents needed, ${balance} available`);
    }

    const holdId = randomUUID();
    const transactionId = randomUUID();
    // The key is unique per user; under the user's lock no other reserve can be inserting it,
    // and ON CONFLICT keeps even a writer that skipped the lock from charging twice.
    const inserted = (await ds.query(
      `INSERT INTO identity.credit_holds
         (id, user_id, agent_id, amount_cents, idempotency_key, status, transaction_id, mandate_id, requested_by)
       VALUES ($1, $2, $3, $4, $5, 'held', $6, $7, $8)
       ON CONFLICT (user_id, idempotency_key) DO NOTHING
       RETURNING id`,
      [holdId, userId, agentId, amount, key, transactionId, mandateId, this.actor.slice(0, 64)],
    )) as { id: string }[];
    if (inserted.length === 0) {
      const winner = await this.holdByKey(userId, key);
      if (!winner) throw conflict('A reserve with this idempotency key is in progress');
      return this.replay(winner, amount, agentId);
    }
    await appendEntry(
      ds,
      {
        id: transactionId,
        userId,
        type: 'charge',
        amountCents: -amount,
        status: 'pending',
        agentId,
        holdId,
        request: { idempotencyKey: key, agentId, amountCents: amount, mandateId },
        description: `Agent execution ${agentId}`,
      },
      this.actor,
    );
    await bumpUsage(ds, userId, { agentExecutions: 1 });
    return this.withBalance((await this.holdById(holdId, false))!);
  }

  async capture(holdId: string): Promise<HoldResult> {
    requireService(this.principal);
    const hold = await this.holdById(holdId, true);
    if (!hold) throw notFound('CreditHold', holdId);
    if (hold.status === 'captured') return this.withBalance(hold);
    if (hold.status === 'released') throw conflict(`Hold ${holdId} was released; it cannot be captured`);
    const { platformFeeCents, sellerEarningsCents } = this.split(hold.amountCents);
    const settledAt = new Date();
    await setEntryStatus(this.dataSource, hold.transactionId, 'completed', {
      receipt: { capturedAt: settledAt.toISOString(), holdId: hold.id, platformFeeCents, sellerEarningsCents },
      platformFeeCents,
      sellerEarningsCents,
    });
    await auditTransaction(this.dataSource, hold.transactionId, 'captured', this.actor, { holdId: hold.id });
    await this.settle(hold.id, 'captured', settledAt);
    await bumpUsage(this.dataSource, hold.userId, { creditsSpentCents: hold.amountCents });
    return this.withBalance({ ...hold, status: 'captured', settledAt });
  }

  async release(holdId: string): Promise<HoldResult> {
    requireService(this.principal);
    const hold = await this.holdById(holdId, true);
    if (!hold) throw notFound('CreditHold', holdId);
    if (hold.status === 'released') return this.withBalance(hold);
    if (hold.status === 'captured') throw conflict(`Hold ${holdId} was captured; refund it instead`);
    const settledAt = new Date();
    await setEntryStatus(this.dataSource, hold.transactionId, 'released');
    await auditTransaction(this.dataSource, hold.transactionId, 'released', this.actor, { holdId: hold.id });
    await appendEntry(
      this.dataSource,
      {
        userId: hold.userId,
        type: 'release',
        amountCents: hold.amountCents,
        status: 'completed',
        agentId: hold.agentId,
        holdId: hold.id,
        description: `Released hold of ${hold.agentId ?? 'an agent'}`,
      },
      this.actor,
    );
    await this.settle(hold.id, 'released', settledAt);
    return this.withBalance({ ...hold, status: 'released', settledAt });
  }

  /** Admin: credits given by hand (goodwill, corrections), with a reason on the entry. */
  async grant(input: GrantCreditsInput): Promise<string> {
    requireAdmin(this.principal);
    const userId = parseIntId(input.userId);
    if (userId === null) throw notFound('User', input.userId);
    const amount = positiveCents(input.amountCents, 'input.amountCents');
    const reason = text(input.reason, 'input.reason', { max: 255 });
    await lockUserOrFail(this.dataSource, userId, this.principal.userId);
    return appendEntry(
      this.dataSource,
      { userId, type: 'grant', amountCents: amount, status: 'completed', description: reason },
      this.actor,
    );
  }

  /** The platform's share of a charge, rounded down in the seller's favour. */
  private split(amount: number): { platformFeeCents: number; sellerEarningsCents: number } {
    const platformFeeCents = Math.floor((amount * this.scope.deps.config.BILLING_PLATFORM_FEE_PERCENT) / 100);
    return { platformFeeCents, sellerEarningsCents: amount - platformFeeCents };
  }

  /** The same key again: the same hold, provided it asks for the same charge. */
  private async replay(hold: CreditHoldRow, amount: number, agentId: string): Promise<HoldResult> {
    if (hold.amountCents !== amount || hold.agentId !== agentId) {
      throw conflict('This idempotency key was used for a different charge');
    }
    return this.withBalance(hold);
  }

  /**
   * The mandates that cover the agent decide, when the user has any: a reserve needs a live
   * one (an expired or revoked mandate is the user's "no"), and must fit every live one's
   * limits. Without mandates for the agent, only the balance limits spending. Returns the
   * tightest live mandate, recorded on the hold.
   */
  private async checkMandates(userId: number, agentId: string, amount: number): Promise<string | null> {
    const mandates = (
      (await this.dataSource.query(
        `SELECT * FROM identity.mandates
          WHERE user_id = $1 AND (cardinality(agent_ids) = 0 OR $2 = ANY(agent_ids))
          ORDER BY created_at DESC, id`,
        [userId, agentId],
      )) as RawMandate[]
    ).map(mandateFromRaw);
    if (mandates.length === 0) return null;
    const now = new Date();
    const live = mandates.filter((m) => m.status === 'active' && (!m.expiresAt || m.expiresAt > now));
    if (live.length === 0) {
      const [latest] = mandates;
      if (latest?.status === 'revoked') {
        throw refusal('MANDATE_REVOKED', `The mandate covering agent ${agentId} was revoked`);
      }
      throw refusal('MANDATE_EXPIRED', `The mandate covering agent ${agentId} has expired`);
    }
    let governing: MandateRow | null = null;
    for (const mandate of live) {
      if (mandate.maxPerExecutionCents !== null && amount > mandate.maxPerExecutionCents) {
        throw refusal(
          'MANDATE_CAP_EXCEEDED',
          `${amount} cents is above the mandate's ${mandate.maxPerExecutionCents} cents per execution`,
        );
      }
      if (mandate.maxPerDayCents !== null || mandate.maxPerMonthCents !== null) {
        const spent = await this.spentSoFar(userId, mandate.agentIds);
        if (mandate.maxPerDayCents !== null && spent.day + amount > mandate.maxPerDayCents) {
          throw refusal(
            'MANDATE_CAP_EXCEEDED',
            `The mandate allows ${mandate.maxPerDayCents} cents a day; ${spent.day} are spent or held`,
          );
        }
        if (mandate.maxPerMonthCents !== null && spent.month + amount > mandate.maxPerMonthCents) {
          throw refusal(
            'MANDATE_CAP_EXCEEDED',
            `The mandate allows ${mandate.maxPerMonthCents} cents a month; ${spent.month} are spent or held`,
          );
        }
      }
      governing ??= mandate;
    }
    return governing?.id ?? null;
  }

  /** Held and captured charges of the UTC day and month, for the agents a mandate covers. */
  private async spentSoFar(userId: number, agentIds: readonly string[]): Promise<{ day: number; month: number }> {
    const [row] = (await this.dataSource.query(
      `SELECT coalesce(sum(amount_cents) FILTER (WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), 0)::int AS day,
              coalesce(sum(amount_cents), 0)::int AS month
         FROM identity.credit_holds
        WHERE user_id = $1 AND status <> 'released'
          AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
          AND (cardinality($2::varchar[]) = 0 OR agent_id = ANY($2::varchar[]))`,
      [userId, [...agentIds]],
    )) as { day: number; month: number }[];
    return { day: row?.day ?? 0, month: row?.month ?? 0 };
  }

  private async holdByKey(userId: number, key: string): Promise<CreditHoldRow | null> {
    return this.dataSource.getRepository(CreditHoldEntity).findOneBy({ userId, idempotencyKey: key });
  }

  private async holdById(id: string, lock: boolean): Promise<CreditHoldRow | null> {
    if (!UUID.test(id)) return null;
    const rows = (await this.dataSource.query(
      `SELECT * FROM identity.credit_holds WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    )) as RawHold[];
    return rows[0] ? holdFromRaw(rows[0]) : null;
  }

  private async settle(id: string, status: 'captured' | 'released', at: Date): Promise<void> {
    await this.dataSource.query(`UPDATE identity.credit_holds SET status = $2, settled_at = $3 WHERE id = $1`, [
      id,
      status,
      at,
    ]);
  }

  private async withBalance(hold: CreditHoldRow): Promise<HoldResult> {
    const rows = (await this.dataSource.query(`SELECT credit_balance_cents FROM identity.users WHERE id = $1`, [
      hold.userId,
    ])) as { credit_balance_cents: number }[];
    return { ...hold, balanceAfterCents: rows[0]?.credit_balance_cents ?? 0 };
  }
}
