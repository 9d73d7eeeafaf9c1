import type { SeedDb } from './db';
import { DAY_MS, WINDOW_MS, type SeedWorld } from './plan';
import type { Rand } from './prng';

/**
 * identity's billing history, after the agents' executions (read back from agents' schema):
 * each priced execution's credit hold and pending `charge` entry, captured when it succeeded,
 * released (with its `release` entry) when it failed, still held while it runs, as
 * CreditService does; credit purchases with the local provider (checkout session, payment,
 * `topup` entry; some sessions expired unpaid); every entry's transaction-audit rows; and the
 * per-day usage counters (executions reserved, credits spent). The ledger trigger adds each
 * entry to the user's balance, so `credit_balance_cents` is the sum of the user's entries.
 */
const I = 'identity';
/** BILLING_PLATFORM_FEE_PERCENT's default. */
const FEE_PERCENT = 20;
/** CHECKOUT_SESSION_TTL_SECONDS's default. */
const CHECKOUT_TTL_MS = 3600_000;
const PRICES = [500, 1000, 2500, 5000, 10_000];
const AGENTS_ACTOR = 'service:agents';

const iso = (ms: number): string => new Date(ms).toISOString();
const json = (value: Record<string, unknown> | null): string | null => (value === null ? null : JSON.stringify(value));

type Execution = {
  agent_id: string;
  user_id: string;
  idempotency_key: string;
  status: string;
  price_cents: number;
  hold_id: string;
  started_at: Date;
  completed_at: Date | null;
};

interface Entry {
  id: string;
  userId: number;
  agentId: string | null;
  type: 'charge' | 'release' | 'topup';
  amount: number;
  status: 'pending' | 'completed' | 'released';
  provider: string | null;
  providerReference: string | null;
  request: Record<string, unknown> | null;
  receipt: Record<string, unknown> | null;
  fee: number;
  earnings: number;
  holdId: string | null;
  paymentId: string | null;
  description: string;
  createdBy: string;
  at: number;
  updated: number;
  /** The audit rows after `created`: [action, actor, details, at]. */
  audit: [string, string, Record<string, unknown>, number][];
}

export async function seedBilling(db: SeedDb, agents: SeedDb, world: SeedWorld, rand: Rand): Promise<void> {
  const { plan, anchor } = world;
  const start = anchor - WINDOW_MS;
  const executions = await agents.query<Execution>(
    `SELECT agent_id, user_id, idempotency_key, status, price_cents, hold_id, started_at, completed_at
       FROM agents.agent_execution WHERE hold_id IS NOT NULL ORDER BY started_at, id`,
  );
  const entries: Entry[] = [];
  const holds: unknown[][] = [];
  // Per user and UTC day: [executions reserved, credits spent, last change].
  const usage = new Map<string, [number, number, number]>();
  const count = (userId: number, at: number, executionsReserved: number, spent: number) => {
    const key = `${String(userId).padStart(10, '0')}|${iso(at).slice(0, 10)}`;
    const u = usage.get(key) ?? [0, 0, at];
    u[0] += executionsReserved;
    u[1] += spent;
    u[2] = Math.max(u[2], at);
    usage.set(key, u);
  };

  for (const x of executions) {
    const userId = Number(x.user_id);
    const at = x.started_at.getTime();
    const settled = x.completed_at?.getTime() ?? null;
    const amount = x.price_cents;
    const charge = rand.uuid();
    const state = x.status === 'running' ? 'held' : x.status === 'success' ? 'captured' : 'released';
    const fee = state === 'captured' ? Math.floor((amount * FEE_PERCENT) / 100) : 0;
    const audit: Entry['audit'] = [];
    if (state === 'captured') audit.push(['captured', AGENTS_ACTOR, { holdId: x.hold_id }, settled!]);
    if (state === 'released') audit.push(['released', AGENTS_ACTOR, { holdId: x.hold_id }, settled!]);
    entries.push({
      id: charge,
      userId,
      agentId: x.agent_id,
      type: 'charge',
      amount: -amount,
      status: state === 'held' ? 'pending' : state === 'captured' ? 'completed' : 'released',
      provider: null,
      providerReference: null,
      request: { idempotencyKey: x.idempotency_key, agentId: x.agent_id, amountCents: amount, mandateId: null },
      receipt:
        state === 'captured'
          ? {
              capturedAt: iso(settled!),
              holdId: x.hold_id,
              platformFeeCents: fee,
              sellerEarningsCents: amount - fee,
            }
          : null,
      fee,
      earnings: state === 'captured' ? amount - fee : 0,
      holdId: x.hold_id,
      paymentId: null,
      description: `Agent execution ${x.agent_id}`,
      createdBy: AGENTS_ACTOR,
      at,
      updated: settled ?? at,
      audit,
    });
    if (state === 'released') {
      entries.push({
        id: rand.uuid(),
        userId,
        agentId: x.agent_id,
        type: 'release',
        amount,
        status: 'completed',
        provider: null,
        providerReference: null,
        request: null,
        receipt: null,
        fee: 0,
        earnings: 0,
        holdId: x.hold_id,
        paymentId: null,
        description: `Released hold of ${x.agent_id}`,
        createdBy: AGENTS_ACTOR,
        at: settled!,
        updated: settled!,
        audit: [],
      });
    }
    holds.push([
      x.hold_id,
      userId,
      x.agent_id,
      amount,
      x.idempotency_key,
      state,
      charge,
      AGENTS_ACTOR,
      iso(at),
      settled === null ? null : iso(settled),
    ]);
    count(userId, at, 1, 0);
    if (state === 'captured') count(userId, settled!, 0, amount);
  }

  // ----- credit purchases (the local provider) -----
  const sessions: unknown[][] = [];
  const payments: unknown[][] = [];
  const buyers = world.users.filter((u) => u.role !== 'auditor');
  for (let i = 0; i < plan.checkouts; i++) {
    const user = rand.pick(buyers);
    const id = rand.uuid();
    const created = start + rand.int(0, WINDOW_MS - DAY_MS);
    const amount = rand.pick(PRICES);
    const paid = rand.chance(0.9);
    const completed = paid ? created + rand.int(10_000, 20 * 60_000) : null;
    sessions.push([
      id,
      user.id,
      'local',
      `local_cs_${id}`,
      amount,
      'USD',
      amount,
      paid ? 'completed' : 'expired',
      `local://checkout/local_cs_${id}`,
      `seed-checkout-${String(i + 1).padStart(8, '0')}`,
      iso(created),
      iso(created + CHECKOUT_TTL_MS),
      completed === null ? null : iso(completed),
    ]);
    if (completed === null) continue;
    const paymentId = rand.uuid();
    const providerPaymentId = `local_pi_${rand.uuid()}`;
    const topup = rand.uuid();
    payments.push([
      paymentId,
      user.id,
      id,
      'local',
      providerPaymentId,
      amount,
      'USD',
      amount,
      'succeeded',
      topup,
      iso(completed),
    ]);
    entries.push({
      id: topup,
      userId: user.id,
      agentId: null,
      type: 'topup',
      amount,
      status: 'completed',
      provider: 'local',
      providerReference: providerPaymentId,
      request: { checkoutSessionId: id, amountCents: amount, currency: 'USD' },
      receipt: { providerPaymentId, paidAt: iso(completed) },
      fee: 0,
      earnings: 0,
      holdId: null,
      paymentId,
      description: `Credit purchase ${amount} USD`,
      createdBy: user.username,
      at: completed,
      updated: completed,
      audit: [['completed', user.username, { paymentId }, completed]],
    });
  }

  // The ledger in time order (the trigger applies each entry to the balance as it comes).
  entries.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await db.insert(
    `${I}.checkout_sessions`,
    [
      ['id', 'uuid'],
      ['user_id', 'int'],
      ['provider', 'text'],
      ['provider_session_id', 'text'],
      ['amount_cents', 'int'],
      ['currency', 'text'],
      ['credits_cents', 'int'],
      ['status', 'text'],
      ['checkout_url', 'text'],
      ['idempotency_key', 'text'],
      ['created_at', 'timestamptz'],
      ['expires_at', 'timestamptz'],
      ['completed_at', 'timestamptz'],
    ],
    sessions.length,
    (i) => sessions[i]!,
  );
  await db.insert(
    `${I}.transactions`,
    [
      ['id', 'text'],
      ['user_id', 'int'],
      ['agent_id', 'text'],
      ['type', 'text'],
      ['amount_cents', 'int'],
      ['currency', 'text'],
      ['status', 'text'],
      ['provider', 'text'],
      ['provider_reference', 'text'],
      ['request', 'jsonb'],
      ['receipt', 'jsonb'],
      ['platform_fee_cents', 'int'],
      ['seller_earnings_cents', 'int'],
      ['hold_id', 'uuid'],
      ['payment_id', 'uuid'],
      ['description', 'text'],
      ['created_by', 'text'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
    ],
    entries.length,
    (i) => {
      const e = entries[i]!;
      return [
        e.id,
        e.userId,
        e.agentId,
        e.type,
        e.amount,
        'USD',
        e.status,
        e.provider,
        e.providerReference,
        json(e.request),
        json(e.receipt),
        e.fee,
        e.earnings,
        e.holdId,
        e.paymentId,
        e.description,
        e.createdBy,
        iso(e.at),
        iso(e.updated),
      ];
    },
  );
  await db.insert(
    `${I}.payments`,
    [
      ['id', 'uuid'],
      ['user_id', 'int'],
      ['checkout_session_id', 'uuid'],
      ['provider', 'text'],
      ['provider_payment_id', 'text'],
      ['amount_cents', 'int'],
      ['currency', 'text'],
      ['credits_cents', 'int'],
      ['status', 'text'],
      ['transaction_id', 'text'],
      ['created_at', 'timestamptz'],
    ],
    payments.length,
    (i) => payments[i]!,
  );
  await db.insert(
    `${I}.credit_holds`,
    [
      ['id', 'uuid'],
      ['user_id', 'int'],
      ['agent_id', 'text'],
      ['amount_cents', 'int'],
      ['idempotency_key', 'text'],
      ['status', 'text'],
      ['transaction_id', 'text'],
      ['requested_by', 'text'],
      ['created_at', 'timestamptz'],
      ['settled_at', 'timestamptz'],
    ],
    holds.length,
    (i) => holds[i]!,
  );

  // Each entry's `created` row (the seed's grants too), then its later steps.
  const grants = await db.query<{ id: string; amount_cents: number; created_at: Date }>(
    `SELECT id, amount_cents, created_at FROM ${I}.transactions WHERE type = 'grant' ORDER BY user_id, id`,
  );
  const audit: [string, string, string, string, number][] = grants.map((g) => [
    g.id,
    'created',
    'seed',
    JSON.stringify({ type: 'grant', amountCents: g.amount_cents }),
    g.created_at.getTime(),
  ]);
  for (const e of entries) {
    audit.push([e.id, 'created', e.createdBy, JSON.stringify({ type: e.type, amountCents: e.amount }), e.at]);
    for (const [action, actor, details, at] of e.audit) audit.push([e.id, action, actor, JSON.stringify(details), at]);
  }
  await db.insert(
    `${I}.transaction_audit_log`,
    [
      ['transaction_id', 'text'],
      ['action', 'text'],
      ['actor', 'text'],
      ['details', 'jsonb'],
      ['created_at', 'timestamptz'],
    ],
    audit.length,
    (i) => {
      const [tx, action, actor, details, at] = audit[i]!;
      return [tx, action, actor, details, iso(at)];
    },
  );

  const days = [...usage.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  await db.insert(
    `${I}.usage_metrics`,
    [
      ['user_id', 'int'],
      ['day', 'date'],
      ['agent_executions', 'int'],
      ['credits_spent_cents', 'bigint'],
      ['updated_at', 'timestamptz'],
    ],
    days.length,
    (i) => {
      const [key, [reserved, spent, last]] = days[i]!;
      const [user, day] = key.split('|');
      return [Number(user), day, reserved, spent, iso(last)];
    },
  );
}
