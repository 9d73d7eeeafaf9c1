import { playDemoActivity } from '../src/demo-activity';
import { startTestStack, type TestStack } from '../src/testing';

/**
 * What `pnpm start` shows on a fresh machine: the seeded demo world and, after the demo
 * activity, an audit trail, auth events, an access log and a brute-force event, readable by
 * the auditor and by nobody below.
 */

const PASSWORD = 'demo-password-for-tests';

let stack: TestStack;
let seedLines: string[];
beforeAll(async () => {
  stack = await startTestStack({ seedDemo: { password: PASSWORD } });
  seedLines = stack.stack.seedLines;
});
afterAll(() => stack?.stop());

const bearer = async (username: string) => ({ authorization: `Bearer ${await stack.login(username, PASSWORD)}` });

it('seeds the demo logins with the configured password cost, and the analyst sees the tag-filtered view', async () => {
  expect(seedLines.join('\n')).toMatch(/login analyst/);
  const hashes = (await stack
    .dataSource('identity')
    .query(`SELECT username, password_hash FROM identity.users ORDER BY username`)) as {
    username: string;
    password_hash: string;
  }[];
  expect(hashes.map((h) => h.username)).toEqual(['admin', 'analyst', 'auditor', 'customer_user']);
  // The test stack runs scrypt at its lowest cost; the seed hashes as identity would.
  for (const { password_hash } of hashes) expect(password_hash).toMatch(/^scrypt\$1024\$/);
  // Each login its own salt, so equal passwords do not show as equal hashes.
  const salts = hashes.map((h) => h.password_hash.split('$')[4]);
  expect(new Set(salts).size).toBe(hashes.length);
  expect(new Set(hashes.map((h) => h.password_hash)).size).toBe(hashes.length);

  const alerts = await stack.gql<{ alerts: { totalCount: number } }>(
    '{ alerts { totalCount } }',
    {},
    await bearer('analyst'),
  );
  expect(alerts.body.data?.alerts.totalCount).toBe(5);
});

it('plays the demo activity, after which the auditor reads the trail and the analyst reads none of it', async () => {
  const line = await playDemoActivity(stack.stack.gateway.graphqlUrl, PASSWORD);
  expect(line).toMatch(/^Demo activity: \d+ operations/);
  // The guesses name no real login, so none is on its way to a lock.
  const counted = await stack
    .dataSource('identity')
    .query(`SELECT username FROM identity.users WHERE failed_login_count > 0 OR locked_until IS NOT NULL`);
  expect(counted).toEqual([]);
  await stack.flushAudit();

  const auditor = await bearer('auditor');
  const read = await stack.gql<{
    auditLog: { totalCount: number; edges: { node: { action: string } }[] };
    authEvents: { totalCount: number };
    apiAccessLog: { totalCount: number };
    securityEvents: { edges: { node: { threatType: string; username: string } }[] };
  }>(
    `{
      auditLog(first: 100) { totalCount edges { node { action } } }
      authEvents { totalCount }
      apiAccessLog { totalCount }
      securityEvents(filter: { threatType: "BRUTE_FORCE" }) { edges { node { threatType username } } }
    }`,
    {},
    auditor,
  );
  expect(read.body.errors).toBeUndefined();
  const actions = new Set(read.body.data?.auditLog.edges.map((e) => e.node.action));
  expect([...actions].sort()).toEqual(
    expect.arrayContaining(['addAlertComment', 'createRetentionPolicy', 'login', 'logout', 'updateAlertStatus']),
  );
  expect(read.body.data?.authEvents.totalCount).toBeGreaterThanOrEqual(13); // 10 guesses, 2 logins, 1 logout
  expect(read.body.data?.apiAccessLog.totalCount).toBeGreaterThanOrEqual(15);
  expect(read.body.data?.securityEvents.edges).toEqual([{ node: { threatType: 'BRUTE_FORCE', username: 'root' } }]);

  const analystRead = await stack.gql('{ auditLog { totalCount } }', {}, await bearer('analyst'));
  expect(analystRead.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});
