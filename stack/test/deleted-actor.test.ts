import { deletedMeanwhile, postGraphQL } from '@socgraph/testkit';
import { startTestStack, type TestStack } from '../src/testing';
import { errorCodes } from './support';

/**
 * A user deleted while the gateway still holds its principal (PRINCIPAL_CACHE_SECONDS; there is
 * no eviction for a deletion, its sessions and keys go with it) gets UNAUTHENTICATED from a
 * mutation that records it as the actor, not INTERNAL_SERVER_ERROR, and nothing is written;
 * once the cached principal expires the gateway refuses the token itself. A row the input names
 * that is deleted meanwhile is BAD_USER_INPUT naming the argument.
 */
const PASSWORD = 'correct horse battery staple';
let graph: TestStack;
let adminAuth: Record<string, string>;

beforeAll(async () => {
  // A long cache makes the window after the deletion certain instead of at most 5 s.
  graph = await startTestStack({ env: { PRINCIPAL_CACHE_SECONDS: '600' } });
  await graph.seedAdmin(PASSWORD);
  adminAuth = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
  await graph.gql(`mutation { createCustomer(input: { code: "ACME", name: "Acme" }) { code } }`, {}, adminAuth);
});
afterAll(async () => graph?.stop());

const identity = () => graph.dataSource('identity');

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = (await identity().query(`SELECT count(*)::int AS n FROM (${sql}) AS q`, params)) as { n: number }[];
  return row?.n ?? 0;
}

const SMTP = `mutation ($i: SmtpSettingsInput!) { updateSmtpSettings(input: $i) { email } }`;
const SMTP_INPUT = { i: { email: 'soc@example.com', server: 'smtp.example.com', port: 587, password: 'pw' } };

describe('the signed-in user is deleted while its principal is cached', () => {
  let auth: Record<string, string>;
  beforeAll(async () => {
    const id = await graph.seedUser({ username: 'leaver', password: PASSWORD, role: 'admin' });
    auth = { authorization: `Bearer ${await graph.login('leaver', PASSWORD)}` };
    // The gateway resolves and caches the principal on this first request.
    expect((await graph.gql<{ me: { username: string } }>(`{ me { username } }`, {}, auth)).body.data?.me).toEqual({
      username: 'leaver',
    });
    await identity().query(`DELETE FROM identity.users WHERE id = $1`, [id]);
  });

  it('a settings mutation recording the actor answers UNAUTHENTICATED and writes nothing', async () => {
    const result = await graph.gql(SMTP, SMTP_INPUT, auth);
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
    expect(result.body.errors?.[0]?.message).toBe('The signed-in user no longer exists; sign in again');
    expect(result.body.errors?.[0]?.path).toEqual(['updateSmtpSettings']);
    expect(JSON.stringify(result.body)).not.toMatch(/foreign key|violates|_fkey|identity\./i);
    expect(await count(`SELECT 1 FROM identity.smtp`)).toBe(0);
  });

  it('an API key for oneself answers UNAUTHENTICATED and no key is stored', async () => {
    const result = await graph.gql(
      `mutation { createApiKey(input: { clientName: "orphan", persistedOnly: false }) { secret } }`,
      {},
      auth,
    );
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
    expect(await count(`SELECT 1 FROM identity.api_keys WHERE client_name = 'orphan'`)).toBe(0);
  });

  it('the attempt is on the audit trail with its code', async () => {
    await graph.flushAudit();
    const trail = await graph.gql<{
      auditLog: { edges: { node: { status: string; details: { error?: { code: string } } } }[] };
    }>(
      `{ auditLog(first: 5, filter: { action: "updateSmtpSettings", actor: "leaver" }) { edges { node { status details } } } }`,
      {},
      adminAuth,
    );
    expect(trail.body.errors).toBeUndefined();
    expect(trail.body.data?.auditLog.edges.map((e) => [e.node.status, e.node.details.error?.code])).toEqual([
      ['failure', 'UNAUTHENTICATED'],
    ]);
  });

  it('past the cache the gateway itself refuses the token: the session went with the user', async () => {
    const uncached = await graph.startGateway({ PRINCIPAL_CACHE_SECONDS: '0' });
    try {
      const result = await postGraphQL(uncached.graphqlUrl, SMTP, SMTP_INPUT, auth);
      expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
      expect(result.status).toBe(401);
    } finally {
      await uncached.stop();
    }
  });
});

it('a user deleted while an admin changes its access: BAD_USER_INPUT naming userId, nothing written', async () => {
  const id = await graph.seedUser({ username: 'transient', password: PASSWORD, role: 'analyst' });
  // The deletion commits only once the mutation's write waits on it: its checks saw the user.
  const result = await deletedMeanwhile(identity(), `DELETE FROM identity.users WHERE id = $1`, [id], () =>
    graph.gql(
      `mutation ($u: ID!) { setUserCustomerAccess(userId: $u, customerCodes: ["ACME"]) { id } }`,
      { u: id },
      adminAuth,
    ),
  );
  expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
  expect(result.body.errors?.[0]?.extensions?.field).toBe('userId');
  expect(JSON.stringify(result.body)).not.toMatch(/foreign key|violates|_fkey|identity\./i);
  expect(await count(`SELECT 1 FROM identity.user_customer_access WHERE user_id = $1`, [id])).toBe(0);
});
