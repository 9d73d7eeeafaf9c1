import { randomUUID } from 'node:crypto';
import type { TestSubgraph } from '@socgraph/testkit';
import { ADMIN, startIdentity } from './support';

/**
 * Every billing and settings list costs the same number of SQL statements at 5 rows as at 50: nested
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

it('connectors with their history and subscriptions with their keys and configs: flat', async () => {
  const db = identity.dataSource;
  const seal = (n: number) => `v1:k1:aaaa:bbbb:${n}`;
  for (let i = 0; i < 50; i++) {
    const [connector] = await db.query(
      `INSERT INTO identity.connectors (connector_name, connector_type, connector_password) VALUES ($1, 'wazuh', $2) RETURNING id`,
      [`c${i}`, seal(i)],
    );
    await db.query(
      `INSERT INTO identity.connectorhistory (connector_id, change_description, changed_by) VALUES ($1, 'created', 'admin')`,
      [connector.id],
    );
    await db.query(`INSERT INTO identity.customers (customer_code, customer_name) VALUES ($1, $1)`, [`CU${i}`]);
    const [service] = await db.query(
      `INSERT INTO identity.integration_services (service_name) VALUES ($1) RETURNING id`,
      [`svc${i}`],
    );
    await db.query(
      `INSERT INTO identity.integration_configs (integration_service_id, config_key, config_value) VALUES ($1, 'k', 'v')`,
      [service.id],
    );
    const [customer] = await db.query(
      `INSERT INTO identity.customer_integrations (customer_code, integration_service_id, integration_service_name)
       VALUES ($1, $2, $3) RETURNING id`,
      [`CU${i}`, service.id, `svc${i}`],
    );
    const [subscription] = await db.query(
      `INSERT INTO identity.integration_subscriptions (customer_id, integration_service_id) VALUES ($1, $2) RETURNING id`,
      [customer.id, service.id],
    );
    await db.query(
      `INSERT INTO identity.integration_auth_keys (subscription_id, auth_key_name, auth_value) VALUES ($1, 'API_KEY', $2)`,
      [subscription.id, seal(i)],
    );
  }
  const count = async (query: string, expected: number) => {
    const result = await identity.query<Record<string, unknown[]>>(query, {}, ADMIN);
    expect(result.body.errors).toBeUndefined();
    expect(Object.values(result.body.data!)[0]).toHaveLength(expected);
    return identity.statementsFor(result.requestId);
  };
  const CONNECTORS = `{ connectors { name hasPassword history { description } } }`;
  const SUBSCRIPTIONS = `{ integrationSubscriptions { customerCode customer { code } authKeys { name } configs { key } } }`;
  // Statement counts per list do not depend on its length: 50 rows cost what 5 did.
  const many = [await count(CONNECTORS, 50), await count(SUBSCRIPTIONS, 50)];
  await db.query(`DELETE FROM identity.connectors WHERE connector_name NOT IN ('c0','c1','c2','c3','c4')`);
  await db.query(
    `DELETE FROM identity.customer_integrations WHERE customer_code NOT IN ('CU0','CU1','CU2','CU3','CU4')`,
  );
  expect([await count(CONNECTORS, 5), await count(SUBSCRIPTIONS, 5)]).toEqual(many);
});
