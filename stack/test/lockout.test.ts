import { startTestStack, type GraphQLResponse, type TestStack } from '../src/testing';
import { errorCodes } from './support';

/**
 * Account lockout through the real gateway (LOGIN_LOCKOUT_THRESHOLD=3): what a client sees of a
 * locked account, what the auth events and the audit trail record, and who may read and lift it.
 */

const PASSWORD = 'a long test password';
const LOGIN = `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`;
const UNLOCK = `mutation ($id: ID!) { unlockUser(id: $id) { id failedLoginCount lockedUntil } }`;

let stack: TestStack;
let admin: Record<string, string>;
let watcher: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack({ env: { LOGIN_LOCKOUT_THRESHOLD: '3' } });
  await stack.seedAdmin(PASSWORD);
  await stack.seedUser({ username: 'watcher', password: PASSWORD, role: 'analyst' });
  admin = { authorization: `Bearer ${await stack.login('admin', PASSWORD)}` };
  watcher = { authorization: `Bearer ${await stack.login('watcher', PASSWORD)}` };
});
afterAll(() => stack?.stop());

const login = (username: string, password: string) =>
  stack.gql<{ login: { token: string } }>(LOGIN, { u: username, p: password });

/** What a client can compare between two answers (request ids differ by design). */
function seen(result: GraphQLResponse<unknown>) {
  return {
    status: result.status,
    data: result.body.data ?? null,
    errors: (result.body.errors ?? []).map((e) => ({ message: e.message, code: e.extensions?.code })),
  };
}

interface AuthEventRow {
  event_status: string;
  details: { reason: string; failedLoginCount?: number; lockedUntil?: string | null };
}

it('refuses a locked account like any failed login, and its auth events say why', async () => {
  await stack.seedUser({ username: 'victim', password: PASSWORD, role: 'analyst' });
  for (let i = 0; i < 3; i += 1) expect(errorCodes(await login('victim', `guess-${i}`))).toEqual(['UNAUTHENTICATED']);

  const right = await login('victim', PASSWORD);
  const wrong = await login('victim', 'another guess');
  const unknown = await login('no-such-user', PASSWORD);
  expect(seen(right)).toEqual(seen(unknown));
  expect(seen(wrong)).toEqual(seen(unknown));
  expect(seen(unknown).errors).toEqual([{ message: expect.any(String), code: 'UNAUTHENTICATED' }]);

  await stack.flushAudit();
  const events = (await stack
    .dataSource('audit')
    .query(
      `SELECT event_status, details FROM audit.auth_audit_log WHERE username = 'victim' AND event_type = 'LOGIN' ORDER BY seq`,
    )) as AuthEventRow[];
  expect(events.map((e) => [e.event_status, e.details.reason, e.details.failedLoginCount])).toEqual([
    ['FAILURE', 'wrong_password', 1],
    ['FAILURE', 'wrong_password', 2],
    ['FAILURE', 'wrong_password', 3],
    ['FAILURE', 'locked', 3],
    ['FAILURE', 'locked', 3],
  ]);
  // The third failure locked the account, until the time every later refusal names.
  const lockedUntil = events[2]?.details.lockedUntil;
  expect(lockedUntil).toEqual(expect.any(String));
  expect(events.slice(3).map((e) => e.details.lockedUntil)).toEqual([lockedUntil, lockedUntil]);
  // The failed logins' audit entries say what the count became, since their before/after cannot.
  const entries = (await stack
    .dataSource('audit')
    .query(
      `SELECT status, details FROM audit.audit_logs WHERE action = 'login' AND actor = 'victim' ORDER BY seq`,
    )) as {
    status: string;
    details: { lockout?: { failedLoginCount: number; lockedUntil: string | null } };
  }[];
  expect(entries.map((e) => [e.status, e.details.lockout])).toEqual([
    ['failure', { failedLoginCount: 1, lockedUntil: null }],
    ['failure', { failedLoginCount: 2, lockedUntil: null }],
    ['failure', { failedLoginCount: 3, lockedUntil }],
    ['failure', { failedLoginCount: 3, lockedUntil }],
    ['failure', { failedLoginCount: 3, lockedUntil }],
  ]);
  // An unknown username has nothing to lock: its events stay as they were.
  const [ghost] = (await stack
    .dataSource('audit')
    .query(`SELECT details FROM audit.auth_audit_log WHERE username = 'no-such-user'`)) as AuthEventRow[];
  expect(ghost?.details).toEqual({ reason: 'unknown_user' });
});

it('lets admins unlock, refuses analysts, and leaves one audit entry per attempt', async () => {
  const id = await stack.seedUser({ username: 'locked.out', password: PASSWORD, role: 'customer_user' });
  for (let i = 0; i < 3; i += 1) await login('locked.out', `guess-${i}`);

  const byAnalyst = await stack.gql(UNLOCK, { id }, watcher);
  expect(errorCodes(byAnalyst)).toEqual(['FORBIDDEN']);
  expect(errorCodes(await login('locked.out', PASSWORD))).toEqual(['UNAUTHENTICATED']);

  const byAdmin = await stack.gql<{ unlockUser: unknown }>(UNLOCK, { id }, admin);
  expect(byAdmin.body.errors).toBeUndefined();
  expect(byAdmin.body.data?.unlockUser).toEqual({ id, failedLoginCount: 0, lockedUntil: null });
  expect(await stack.login('locked.out', PASSWORD)).toEqual(expect.any(String));

  await stack.flushAudit();
  const entries = (await stack.dataSource('audit').query(
    `SELECT actor, status, resource_type, resource_id, before, after, details, request_id
         FROM audit.audit_logs WHERE action = 'unlockUser' ORDER BY seq`,
  )) as {
    actor: string;
    status: string;
    resource_type: string;
    resource_id: string | null;
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    details: { error?: { code: string } };
    request_id: string;
  }[];
  expect(entries.map((e) => e.request_id)).toEqual([
    byAnalyst.headers.get('x-request-id'),
    byAdmin.headers.get('x-request-id'),
  ]);
  expect(entries[0]).toMatchObject({ actor: 'watcher', status: 'failure', details: { error: { code: 'FORBIDDEN' } } });
  expect(entries[1]).toMatchObject({
    actor: 'admin',
    status: 'success',
    resource_type: 'User',
    resource_id: id,
    before: { failed_login_count: 3, locked_until: expect.any(String) },
    after: { failed_login_count: 0, locked_until: null },
  });
});

it('shows the lock to admins only, also on a User reached from another subgraph', async () => {
  await stack.seedUser({ username: 'assignee', password: PASSWORD, role: 'analyst' });
  for (let i = 0; i < 3; i += 1) await login('assignee', `guess-${i}`);
  await stack.gql(`mutation { createCustomer(input: { code: "ACME", name: "Acme" }) { code } }`, {}, admin);
  const created = await stack.gql<{ createAlert: { id: string } }>(
    `mutation { createAlert(input: { name: "Odd sign-ins", customerCode: "ACME", source: "siem" }) { id } }`,
    {},
    admin,
  );
  const alertId = created.body.data?.createAlert.id;
  const assigned = await stack.gql(
    `mutation ($id: ID!) { assignAlert(id: $id, username: "assignee") { id } }`,
    { id: alertId },
    admin,
  );
  expect(assigned.body.errors).toBeUndefined();

  // Alert.assignee is resolved by identity's User reference (_entities) in the gateway's plan.
  const READ = `query ($id: ID!) { alert(id: $id) { id assignee { username failedLoginCount lockedUntil } } }`;
  const asAdmin = await stack.gql<{ alert: { assignee: unknown } }>(READ, { id: alertId }, admin);
  expect(asAdmin.body.errors).toBeUndefined();
  expect(asAdmin.body.data?.alert.assignee).toEqual({
    username: 'assignee',
    failedLoginCount: 3,
    lockedUntil: expect.any(String),
  });
  const asAnalyst = await stack.gql<{ alert: { id: string; assignee: unknown } | null }>(
    READ,
    { id: alertId },
    watcher,
  );
  expect(new Set(errorCodes(asAnalyst))).toEqual(new Set(['FORBIDDEN']));
  expect(JSON.stringify(asAnalyst.body.data)).not.toMatch(/failedLoginCount|lockedUntil/);
  expect(asAnalyst.body.data?.alert?.id).toBe(alertId);

  const me = await stack.gql(`{ me { username failedLoginCount lockedUntil } }`, {}, watcher);
  expect(new Set(errorCodes(me))).toEqual(new Set(['FORBIDDEN']));
  expect(JSON.stringify(me.body.data)).not.toMatch(/failedLoginCount|lockedUntil/);
});
