import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/**
 * Demo billing history for one demo user (seed.ts calls it per user): a welcome grant on top
 * of the opening balance, a paid checkout, one captured and one released agent charge, a
 * mandate with its change log, and a week of usage. Written as SQL in the seed's transaction;
 * the ledger triggers keep the balance equal to the entries.
 */
export async function seedBillingHistory(tx: EntityManager, userId: number, username: string): Promise<void> {
  const q = (sql: string, params: unknown[]) => tx.query(sql, params);
  const entry = async (fields: {
    id?: string;
    type: string;
    amount: number;
    status: string;
    description: string;
    agentId?: string;
    holdId?: string;
    paymentId?: string;
    fee?: number;
    seller?: number;
    provider?: string;
    reference?: string;
  }): Promise<string> => {
    const id = fields.id ?? randomUUID();
    await q(
      `INSERT INTO identity.transactions (id, user_id, type, amount_cents, status, description, agent_id, hold_id,
         payment_id, platform_fee_cents, seller_earnings_cents, provider, provider_reference, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'demo')`,
      [
        id,
        userId,
        fields.type,
        fields.amount,
        fields.status,
        fields.description,
        fields.agentId ?? null,
        fields.holdId ?? null,
        fields.paymentId ?? null,
        fields.fee ?? 0,
        fields.seller ?? 0,
        fields.provider ?? null,
        fields.reference ?? null,
      ],
    );
    await q(
      `INSERT INTO identity.transaction_audit_log (transaction_id, action, actor) VALUES ($1, 'created', 'demo')`,
      [id],
    );
    return id;
  };

  await entry({ type: 'grant', amount: 4000, status: 'completed', description: 'Welcome credits' });

  const sessionId = randomUUID();
  const paymentId = randomUUID();
  await q(
    `INSERT INTO identity.checkout_sessions (id, user_id, provider, provider_session_id, amount_cents, currency,
       credits_cents, status, checkout_url, idempotency_key, expires_at, completed_at)
     VALUES ($1, $2, 'local', $3, 2000, 'USD', 2000, 'completed', $4, $5, now() + interval '1 hour', now())`,
    [sessionId, userId, `local_cs_${sessionId}`, `local://checkout/local_cs_${sessionId}`, `demo-${username}`],
  );
  await q(
    `INSERT INTO identity.payments (id, user_id, checkout_session_id, provider, provider_payment_id, amount_cents,
       currency, credits_cents) VALUES ($1, $2, $3, 'local', $4, 2000, 'USD', 2000)`,
    [paymentId, userId, sessionId, `local_pi_${paymentId}`],
  );
  const topup = await entry({
    type: 'topup',
    amount: 2000,
    status: 'completed',
    description: 'Credit purchase 2000 USD',
    paymentId,
    provider: 'local',
    reference: `local_pi_${paymentId}`,
  });
  await q(`UPDATE identity.payments SET transaction_id = $2 WHERE id = $1`, [paymentId, topup]);

  for (const [agentId, amount, captured] of [
    ['threat-summarizer', 150, true],
    ['ioc-enricher', 80, false],
  ] as const) {
    const holdId = randomUUID();
    const chargeId = randomUUID();
    await q(
      `INSERT INTO identity.credit_holds (id, user_id, agent_id, amount_cents, idempotency_key, status, transaction_id,
         requested_by, settled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'service:agents', now())`,
      [holdId, userId, agentId, amount, `demo-${agentId}`, captured ? 'captured' : 'released', chargeId],
    );
    const fee = captured ? Math.floor(amount / 5) : 0;
    await entry({
      id: chargeId,
      type: 'charge',
      amount: -amount,
      status: captured ? 'completed' : 'released',
      description: `Agent execution ${agentId}`,
      agentId,
      holdId,
      fee,
      seller: captured ? amount - fee : 0,
    });
    if (!captured) {
      await entry({
        type: 'release',
        amount,
        status: 'completed',
        description: `Released hold of ${agentId}`,
        agentId,
        holdId,
      });
    }
  }

  const mandateId = randomUUID();
  await q(
    `INSERT INTO identity.mandates (id, user_id, max_per_execution_cents, max_per_day_cents, max_per_month_cents,
       created_by, updated_by) VALUES ($1, $2, 500, 2000, 20000, $3, $3)`,
    [mandateId, userId, username],
  );
  for (const [field, value] of [
    ['maxAmountCents', 500],
    ['dailyLimitCents', 2000],
    ['monthlyLimitCents', 20000],
  ] as const) {
    await q(
      `INSERT INTO identity.mandate_audit_log (mandate_id, action, field, new_value, changed_by)
       VALUES ($1, 'created', $2, $3, $4)`,
      [mandateId, field, JSON.stringify(value), username],
    );
  }

  await q(
    `INSERT INTO identity.usage_metrics (user_id, day, logins, api_requests, agent_executions, credits_spent_cents)
     SELECT $1, (now() AT TIME ZONE 'UTC')::date - d, 1 + d % 3, 20 + 7 * d, d % 2, CASE WHEN d = 0 THEN 150 ELSE 0 END
       FROM generate_series(0, 6) AS d`,
    [userId],
  );
}
