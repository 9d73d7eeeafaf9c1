import { startTestStack, type TestStack } from '../src/testing';

/**
 * A GitHub token given through the API is stored sealed (AES-256-GCM under SECRETS_KEY_ID,
 * issue 16 item 7), never in plaintext, and never read back.
 */
let graph: TestStack;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  graph = await startTestStack();
  await graph.seedAdmin(PASSWORD);
});
afterAll(async () => graph?.stop());

it('stores a GitHub token sealed, with its key id, and shows only that there is one', async () => {
  const admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
  const token = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz';
  const created = await graph.gql<{ createGithubAuditConfig: { id: string; hasToken: boolean } }>(
    `mutation ($input: GithubAuditConfigInput!) { createGithubAuditConfig(input: $input) { id hasToken } }`,
    { input: { customerCode: 'ACME', organization: 'acme-corp', token } },
    admin,
  );
  expect(created.body.errors).toBeUndefined();
  expect(JSON.stringify(created.body)).not.toContain(token);
  const [row] = (await graph
    .dataSource('audit')
    .query(`SELECT github_token FROM audit.github_audit_config WHERE id = $1`, [
      created.body.data!.createGithubAuditConfig.id,
    ])) as { github_token: string }[];
  expect(row?.github_token).toMatch(/^v1:k1:[\w-]+:[\w-]+:[\w-]+$/);
  expect(row?.github_token).not.toContain(token.slice(4));
  // The trail records the change with the token redacted, sealed or not.
  await graph.flushAudit();
  const entries = (await graph
    .dataSource('audit')
    .query(`SELECT after::text AS after FROM audit.audit_logs WHERE action = 'createGithubAuditConfig'`)) as {
    after: string;
  }[];
  expect(entries).toHaveLength(1);
  expect(entries[0]!.after).not.toContain(token);
  expect(entries[0]!.after).not.toContain(row!.github_token);
});
