import { createServiceClient } from '@socgraph/shared';
import { startTestStack, type TestStack } from '../src/testing';

/**
 * Issue #4 end to end: every mutation through the gateway, in every subgraph, leaves exactly
 * one audit entry with what it changed; audit being down delays entries and loses none; a
 * change whose entry cannot be written does not happen; logins are auth events.
 */

const PASSWORD = 'correct horse battery staple';

interface StoredEntry {
  id: string;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  status: string;
  before: unknown;
  after: unknown;
  details: Record<string, unknown> | null;
  ip_address: string | null;
  user_agent: string | null;
  request_id: string | null;
  source: string;
}

type Row = Record<string, unknown>;

async function storedEntries(stack: TestStack): Promise<StoredEntry[]> {
  return (await stack.dataSource('audit').query(
    `SELECT id::text, actor, action, resource_type, resource_id, status, before, after, details,
              host(ip_address) AS ip_address, user_agent, request_id, source
         FROM audit.audit_logs ORDER BY seq`,
  )) as StoredEntry[];
}

/** The rows of one table in a before/after: the grouped form when several rows changed, else the one row. */
function rowsOf(side: unknown, table: string): Row[] {
  if (side && typeof side === 'object' && Array.isArray((side as Record<string, unknown>)[table])) {
    return (side as Record<string, Row[]>)[table] ?? [];
  }
  return side ? [side as Row] : [];
}

async function adminHeaders(stack: TestStack): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await stack.login('admin', PASSWORD)}` };
}

/** Runs a mutation through the gateway; returns its data, errors and request id. */
async function mutate(
  stack: TestStack,
  headers: Record<string, string>,
  query: string,
  variables: Record<string, unknown> = {},
) {
  const response = await stack.gql<Record<string, Row>>(query, variables, { ...headers, 'user-agent': 'trail-test/1' });
  const requestId = response.headers.get('x-request-id');
  if (!requestId) throw new Error('the gateway sent no x-request-id');
  return { data: response.body.data ?? null, errors: response.body.errors ?? [], requestId };
}

describe('the audit trail of mutations', () => {
  let stack: TestStack;
  let admin: Record<string, string>;

  beforeAll(async () => {
    // A short backoff, so the outage test sees recovery within a second of audit's restart.
    stack = await startTestStack({ env: { AUDIT_RELAY_MAX_BACKOFF_MS: '200', AUDIT_RELAY_INTERVAL_MS: '50' } });
    await stack.seedAdmin(PASSWORD);
    admin = await adminHeaders(stack);
  });
  afterAll(() => stack?.stop());

  it('records exactly one entry per mutation across identity, incidents and audit, with its before and after', async () => {
    const run = (query: string, variables?: Record<string, unknown>) => mutate(stack, admin, query, variables);
    const customer = await run(`mutation { createCustomer(input: { code: "ACME", name: "Acme" }) { code } }`);
    const user = await run(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: {
        username: 'ana',
        email: 'ana@example.com',
        password: PASSWORD,
        role: 'analyst',
        customerCodes: ['ACME'],
      },
    });
    const apiKey = await run(
      `mutation { createApiKey(input: { clientName: "siem-bridge" }) { secret apiKey { id } } }`,
    );
    const tag = await run(`mutation { createTag(name: "phishing") { id } }`);
    const alert = await run(
      `mutation { createAlert(input: { name: "Suspicious login", customerCode: "ACME", source: "siem", severity: HIGH }) { id } }`,
    );
    const alertId = String(alert.data?.createAlert?.id);
    const status = await run(`mutation ($id: ID!) { updateAlertStatus(id: $id, status: IN_PROGRESS) { id } }`, {
      id: alertId,
    });
    const tagged = await run(`mutation ($a: ID!, $t: ID!) { tagAlert(alertId: $a, tagId: $t) { id } }`, {
      a: alertId,
      t: tag.data?.createTag?.id,
    });
    const kase = await run(
      `mutation ($alertId: ID!) { createCase(input: { name: "Phishing wave", customerCode: "ACME", alertIds: [$alertId] }) { id } }`,
      { alertId },
    );
    const policy = await run(
      `mutation { createRetentionPolicy(input: { tableName: "api_access_log", retentionPeriodDays: 30 }) { id } }`,
    );
    const missing = await run(`mutation { updateAlertStatus(id: "999999", status: CLOSED) { id } }`);
    const script = { customer, user, apiKey, tag, alert, status, tagged, kase, policy, missing };
    for (const [name, step] of Object.entries(script)) {
      if (name !== 'missing') expect({ name, errors: step.errors }).toEqual({ name, errors: [] });
    }
    expect(missing.errors[0]?.extensions?.code).toBe('NOT_FOUND');

    await stack.flushAudit();
    const entries = await storedEntries(stack);
    const byRequest = (step: { requestId: string }) => entries.filter((e) => e.request_id === step.requestId);
    for (const [name, step] of Object.entries(script)) {
      expect({ name, entries: byRequest(step).length }).toEqual({ name, entries: 1 });
    }
    const entryOf = (step: { requestId: string }): StoredEntry => byRequest(step)[0]!;

    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'createCustomer',
        'createUser',
        'createApiKey',
        'createTag',
        'createAlert',
        'updateAlertStatus',
        'tagAlert',
        'createCase',
        'createRetentionPolicy',
      ]),
    );
    for (const step of Object.values(script)) {
      expect(entryOf(step)).toMatchObject({ actor: 'admin', ip_address: '127.0.0.1', user_agent: 'trail-test/1' });
    }

    expect(entryOf(customer)).toMatchObject({ source: 'identity', resource_type: 'Customer', resource_id: 'ACME' });
    expect(entryOf(customer).before).toBeNull();
    expect(entryOf(customer).after).toMatchObject({ customer_code: 'ACME', customer_name: 'Acme' });

    const userEntry = entryOf(user);
    expect(userEntry).toMatchObject({ resource_type: 'User', resource_id: String(user.data?.createUser?.id) });
    expect(rowsOf(userEntry.after, 'users')[0]).toMatchObject({ username: 'ana', password_hash: '[redacted]' });
    expect(rowsOf(userEntry.after, 'user_customer_access')[0]).toMatchObject({ customer_code: 'ACME' });

    // The key's secret is shown once, to its creator, and appears nowhere in the trail.
    const secret = String(apiKey.data?.createApiKey?.secret);
    expect(secret.length).toBeGreaterThan(20);
    expect(JSON.stringify(entries)).not.toContain(secret);
    expect(entryOf(apiKey)).toMatchObject({ resource_type: 'ApiKey' });
    expect(entryOf(apiKey).after).toMatchObject({ client_name: 'siem-bridge', secret_hash: '[redacted]' });

    expect(entryOf(alert)).toMatchObject({ source: 'incidents', resource_type: 'Alert', resource_id: alertId });
    expect(rowsOf(entryOf(alert).after, 'incident_management_alert')[0]).toMatchObject({
      alert_name: 'Suspicious login',
      status: 'OPEN',
    });

    // An update shows only the fields it changed.
    const statusEntry = entryOf(status);
    expect(statusEntry).toMatchObject({ resource_type: 'Alert', resource_id: alertId, status: 'success' });
    expect(statusEntry.before).toMatchObject({ status: 'OPEN' });
    expect(statusEntry.after).toMatchObject({ status: 'IN_PROGRESS' });
    expect(statusEntry.before).not.toHaveProperty('alert_name');

    expect(entryOf(tagged)).toMatchObject({ resource_type: 'Alert', resource_id: alertId, before: null });
    expect(entryOf(tagged).after).toMatchObject({ alert_id: Number(alertId), tag_id: Number(tag.data?.createTag?.id) });

    expect(entryOf(kase)).toMatchObject({ resource_type: 'Case', resource_id: String(kase.data?.createCase?.id) });
    expect(rowsOf(entryOf(kase).after, 'incident_management_casealertlink')).toEqual([
      expect.objectContaining({ alert_id: Number(alertId) }),
    ]);

    expect(entryOf(policy)).toMatchObject({ source: 'audit', resource_type: 'RetentionPolicy' });
    expect(entryOf(policy).after).toMatchObject({ table_name: 'api_access_log', retention_period_days: 30 });

    // A refused mutation changed nothing and is still on the record.
    expect(entryOf(missing)).toMatchObject({
      action: 'updateAlertStatus',
      status: 'failure',
      resource_type: 'Alert',
      resource_id: '999999',
      before: null,
      after: null,
    });
    expect(entryOf(missing).details).toMatchObject({ error: { code: 'NOT_FOUND' } });

    // Readers see the same entries through the graph, found by the request that made them, and the chain verifies.
    const READ = `query ($filter: AuditFilter) { auditLog(first: 5, filter: $filter) { edges { node { action requestId status } } } }`;
    type Read = { auditLog: { edges: { node: { action: string; requestId: string; status: string } }[] } };
    const byAction = await stack.gql<Read>(READ, { filter: { action: 'updateAlertStatus' } }, admin);
    expect(byAction.body.data?.auditLog.edges.map((e) => e.node.requestId)).toEqual(
      expect.arrayContaining([status.requestId, missing.requestId]),
    );
    const forRequest = await stack.gql<Read>(READ, { filter: { requestId: missing.requestId } }, admin);
    expect(forRequest.body.data?.auditLog.edges.map((e) => e.node)).toEqual([
      { action: 'updateAlertStatus', requestId: missing.requestId, status: 'failure' },
    ]);
    const failures = await stack.gql<Read>(READ, { filter: { status: 'FAILURE', source: 'incidents' } }, admin);
    expect(failures.body.data?.auditLog.edges.map((e) => e.node.requestId)).toEqual([missing.requestId]);
    const verified = await stack.gql<{ verifyAuditChain: { valid: boolean } }>(
      `{ verifyAuditChain(chain: AUDIT_LOG) { valid } }`,
      {},
      admin,
    );
    expect(verified.body.data?.verifyAuditChain.valid).toBe(true);
  });

  it('records logins, failed logins and logouts as audit entries and auth events', async () => {
    await stack.seedUser({ username: 'eve', password: PASSWORD, role: 'analyst' });
    const anonymous = {};
    const LOGIN = `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`;
    const good = await mutate(stack, anonymous, LOGIN, { u: 'eve', p: PASSWORD });
    const bad = await mutate(stack, anonymous, LOGIN, { u: 'eve', p: 'not the password' });
    expect(bad.errors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const token = String(good.data?.login?.token);
    const out = await mutate(stack, { authorization: `Bearer ${token}` }, `mutation { logout }`);
    expect(out.data?.logout).toBe(true);

    await stack.flushAudit();
    const entries = await storedEntries(stack);
    const of = (requestId: string) => entries.filter((e) => e.request_id === requestId);
    expect(of(good.requestId)).toEqual([
      expect.objectContaining({ action: 'login', actor: 'eve', status: 'success', resource_type: 'Session' }),
    ]);
    expect(of(bad.requestId)).toEqual([
      expect.objectContaining({ action: 'login', actor: 'eve', status: 'failure', resource_type: 'Session' }),
    ]);
    expect(of(out.requestId)).toEqual([
      expect.objectContaining({ action: 'logout', actor: 'eve', status: 'success', resource_type: 'Session' }),
    ]);
    expect(of(out.requestId)[0]?.after).toMatchObject({ is_active: false, logout_reason: 'logout' });
    expect(JSON.stringify(entries)).not.toContain(PASSWORD);

    const events = await stack.gql<{
      authEvents: { edges: { node: { eventType: string; status: string; source: string; ipAddress: string } }[] };
    }>(
      `{ authEvents(first: 10, filter: { username: "eve" }) { edges { node { eventType status source ipAddress } } } }`,
      {},
      admin,
    );
    // Newest first.
    expect(events.body.data?.authEvents.edges.map((e) => e.node)).toEqual([
      { eventType: 'LOGOUT', status: 'SUCCESS', source: 'identity', ipAddress: '127.0.0.1' },
      { eventType: 'LOGIN', status: 'FAILURE', source: 'identity', ipAddress: '127.0.0.1' },
      { eventType: 'LOGIN', status: 'SUCCESS', source: 'identity', ipAddress: '127.0.0.1' },
    ]);
  });

  it('keeps mutations working while audit is down and delivers every entry once after it returns', async () => {
    await stack.flushAudit();
    await stack.stack.stopSubgraph('audit');
    const run = (query: string) => mutate(stack, admin, query);
    const steps = [
      await run(`mutation { createCustomer(input: { code: "GLOBEX", name: "Globex" }) { code } }`),
      await run(`mutation { createTag(name: "ransomware") { id } }`),
      await run(
        `mutation { createAlert(input: { name: "Encrypted shares", customerCode: "GLOBEX", source: "edr" }) { id } }`,
      ),
      await run(`mutation { createTag(name: "ransomware") { id } }`), // refused: a duplicate, still audited
    ];
    expect(steps.slice(0, 3).map((s) => s.errors)).toEqual([[], [], []]);
    expect(steps[3]?.errors[0]?.extensions?.code).toBe('CONFLICT');

    // Waiting in the outboxes, through at least one failed delivery.
    const waiting = async (subgraph: string) =>
      (await stack
        .dataSource(subgraph)
        .query(`SELECT payload FROM ${subgraph}.audit_outbox WHERE kind = 'AUDIT_ENTRY'`)) as { payload: Row }[];
    expect((await waiting('identity')).length).toBeGreaterThanOrEqual(1);
    expect((await waiting('incidents')).length).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const held = [...(await waiting('identity')), ...(await waiting('incidents'))].map((r) => r.payload);

    await stack.stack.startSubgraph('audit');
    const ids = new Set(steps.map((s) => s.requestId));
    // The relays find audit again by themselves; no flush here.
    const deadline = Date.now() + 10_000;
    const ours = async () => (await storedEntries(stack)).filter((e) => ids.has(e.request_id ?? ''));
    while (Date.now() < deadline && (await ours()).length < steps.length) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await stack.flushAudit();
    const arrived = await ours();
    expect(arrived.map((e) => e.request_id).sort()).toEqual([...ids].sort());
    expect(arrived.find((e) => e.request_id === steps[3]?.requestId)).toMatchObject({ status: 'failure' });

    // A redelivery of what was held (a relay that died after audit stored it) stores nothing.
    const client = createServiceClient({ caller: 'incidents', internalTokenSecret: stack.internalTokenSecret });
    const again = await client.request<{ _recordAuditEntries: number }>(
      stack.subgraphUrl('audit'),
      `mutation ($entries: [AuditEntryInput!]!) { _recordAuditEntries(entries: $entries) }`,
      { entries: held },
    );
    expect(again._recordAuditEntries).toBe(0);
    expect((await storedEntries(stack)).filter((e) => ids.has(e.request_id ?? ''))).toHaveLength(steps.length);
  });

  it('does not make a change whose audit entry cannot be written', async () => {
    const incidents = stack.dataSource('incidents');
    await incidents.query(
      `ALTER TABLE incidents.audit_outbox ADD CONSTRAINT test_refuse_entries CHECK (kind <> 'AUDIT_ENTRY') NOT VALID`,
    );
    try {
      const refused = await mutate(stack, admin, `mutation { createTag(name: "unrecorded") { id } }`);
      expect(refused.errors[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      const rows = (await incidents.query(
        `SELECT 1 FROM incidents.incident_management_alerttag WHERE tag = 'unrecorded'`,
      )) as unknown[];
      expect(rows).toHaveLength(0);
    } finally {
      await incidents.query(`ALTER TABLE incidents.audit_outbox DROP CONSTRAINT test_refuse_entries`);
    }
    const accepted = await mutate(stack, admin, `mutation { createTag(name: "unrecorded") { id } }`);
    expect(accepted.errors).toEqual([]);
  });
});

describe('brute-force detection from real logins', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
    await stack.seedAdmin(PASSWORD);
  });
  afterAll(() => stack?.stop());

  it('raises one security event for ten failed logins in the window', async () => {
    const LOGIN = `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`;
    const fail = () => mutate(stack, {}, LOGIN, { u: 'mallory', p: 'guess' });
    const bruteForceEvents = async () => {
      await stack.flushAudit();
      return (await stack
        .dataSource('audit')
        .query(`SELECT username FROM audit.security_events WHERE threat_type = 'BRUTE_FORCE'`)) as {
        username: string;
      }[];
    };
    for (let i = 0; i < 9; i += 1) expect((await fail()).errors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await bruteForceEvents()).toEqual([]);
    await fail();
    expect(await bruteForceEvents()).toEqual([{ username: 'mallory' }]);
    await fail();
    await fail();
    expect(await bruteForceEvents()).toHaveLength(1);

    const admin = await adminHeaders(stack);
    const read = await stack.gql<{ securityEvents: { edges: { node: { threatType: string } }[] } }>(
      `{ securityEvents(first: 5, filter: { threatType: "BRUTE_FORCE" }) { edges { node { threatType } } } }`,
      {},
      admin,
    );
    expect(read.body.data?.securityEvents.edges).toHaveLength(1);
  });
});
