import { randomUUID } from 'node:crypto';
import type { TestSubgraph } from '@socgraph/testkit';
import { ADMIN, startIdentity } from './support';

/**
 * Every billing list costs the same number of SQL statements at 5 rows as at 50: nested
 * ledgers, mandates with their history, usage and payments with their entries are batched.
 */
let identity: TestSubgraph;

beforeAll(async () => {
  identity = await startIdentity();
  const db = identity.dataSource;
  const [role] = await db.query(`SELECT id FROM identity.roles WHERE name = 'customer_user'`);
  for (let i = 0; i < 50; i++) {
    const [user] = await db.query(
      `INSERT INTO identity.users (username, email, password_hash, role_id) VALUES ($1, $2, 'x', $3) RETURNING id`,
      [`bulk_${i}`, `bulk_${i}@example.com`, role.id],
    );
    await db.query(
      `INSERT INTO identity.transactions (user_id, type, amount_cents, status, agent_id) VALUES ($1, 'grant', 10, 'completed', 'agent-1')`,
      [user.id],
    );
    const [mandate] = await db.query(
      `INSERT INTO identity.mandates (user_id, agent_ids, max_per_day_cents) VALUES ($1, '{agent-1}', 100) RETURNING id`,
      [user.id],
    );
    await db.query(
      `INSERT INTO identity.mandate_audit_log (mandate_id, action, field, new_value, changed_by) VALUES ($1, 'created', 'dailyLimitCents', '100', 'admin')`,
      [mandate.id],
    );
    await db.query(`INSERT INTO identity.usage_metrics (user_id, day, logins) VALUES ($1, '2026-01-02', 3)`, [user.id]);
    const sessionId = randomUUID();
    await db.query(
      `INSERT INTO identity.checkout_sessions (id, user_id, provider, amount_cents, currency, credits_cents, status, idempotency_key, expires_at)
       VALUES ($1, $2, 'local', 100, 'USD', 100, 'completed', $3, now() + interval '1 hour')`,
      [sessionId, user.id, randomUUID()],
    );
    const [topup] = await db.query(
      `INSERT INTO identity.transactions (user_id, type, amount_cents, status) VALUES ($1, 'topup', 100, 'completed') RETURNING id`,
      [user.id],
    );
    await db.query(
      `INSERT INTO identity.payments (user_id, checkout_session_id, provider, amount_cents, currency, credits_cents, transaction_id)
       VALUES ($1, $2, 'local', 100, 'USD', 100, $3)`,
      [user.id, sessionId, topup.id],
    );
  }
});
afterAll(async () => identity?.stop());

async function statementsAt(query: string, first: number, expectEdges: (data: Record<string, unknown>) => number) {
  const result = await identity.query(query, { first }, ADMIN);
  expect(result.body.errors).toBeUndefined();
  expect(expectEdges(result.body.data!)).toBe(first);
  return identity.statementsFor(result.requestId);
}

it('users with their ledgers, mandates and usage: flat', async () => {
  const QUERY = `query ($first: Int) { users(first: $first, filter: { role: "customer_user" }) { edges { node {
    creditBalance
    transactions(first: 5) { totalCount edges { node { id agent { id } auditTrail { action } } } }
    mandates { status rules { dailyLimitCents agentIds } agents { id } history { field changedBy } user { id } }
    usage(from: "2026-01-01", to: "2026-01-31") { day logins } } } } }`;
  const edges = (data: Record<string, unknown>) => (data.users as { edges: unknown[] }).edges.length;
  const few = await statementsAt(QUERY, 5, edges);
  const many = await statementsAt(QUERY, 50, edges);
  expect(few).toBeGreaterThan(0);
  expect(many).toBe(few);
});

it('payments with their sessions’ users and ledger entries: flat', async () => {
  const QUERY = `query ($first: Int) { payments(first: $first) { totalCount edges { node {
    id status credits user { id username } transaction { id type auditTrail { action } } refundTransaction { id } } } } }`;
  const edges = (data: Record<string, unknown>) => (data.payments as { edges: unknown[] }).edges.length;
  const few = await statementsAt(QUERY, 5, edges);
  const many = await statementsAt(QUERY, 50, edges);
  expect(many).toBe(few);
});
