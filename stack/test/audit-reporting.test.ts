import { startTestStack, type TestStack } from '../src/testing';
import { errorCodes } from './support';

/**
 * The gateway's reports reach the real audit subgraph: every operation lands in the API access
 * log, every throttled request in the rate-limit violations, each once, readable by an auditor
 * through the gateway and by no one else.
 */
let graph: TestStack;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  graph = await startTestStack({
    env: { RATE_LIMITS: 'analyst=0.2/2,default=10000/10000', ACCESS_LOG_FLUSH_MS: '50' },
  });
  await graph.seedAdmin(PASSWORD);
  await graph.seedUser({ username: 'ana', password: PASSWORD, role: 'analyst' });
  await graph.seedUser({ username: 'aud', password: PASSWORD, role: 'auditor' });
});
afterAll(async () => graph?.stop());

describe('reports to the audit subgraph', () => {
  it('keeps the audit domain from everyone but admins and auditors', async () => {
    await graph.seedUser({ username: 'cu', password: PASSWORD, role: 'customer_user' });
    const cu = { authorization: `Bearer ${await graph.login('cu', PASSWORD)}` };
    const result = await graph.gql(`{ apiAccessLog(first: 1) { totalCount } }`, {}, cu);
    expect(errorCodes(result)).toEqual(['FORBIDDEN']);
  });

  it('stores a throttled request as a violation and every operation in the access log', async () => {
    const ana = { authorization: `Bearer ${await graph.login('ana', PASSWORD)}` };
    // Request ids are the gateway's (response header), whatever a client sends.
    const ok: string[] = [];
    for (let i = 0; i < 2; i += 1)
      ok.push(String((await graph.gql(`query Me { me { username } }`, {}, ana)).headers.get('x-request-id')));
    const limited = await graph.gql(`query Me { me { username } }`, {}, ana);
    expect(errorCodes(limited)).toEqual(['RATE_LIMITED']);
    const limitedId = String(limited.headers.get('x-request-id'));
    await graph.stack.gateway.violations.flush();
    await graph.stack.gateway.accessLog.flush();

    const audit = graph.dataSource('audit');
    const violations = await audit.query(
      `SELECT request_id, bucket FROM audit.rate_limit_violations WHERE request_id = $1`,
      [limitedId],
    );
    expect(violations).toHaveLength(1);
    const access = await audit.query(
      `SELECT request_id, response_status, operation_name FROM audit.api_access_log WHERE request_id = ANY($1) ORDER BY created_at, id`,
      [[...ok, limitedId]],
    );
    expect(access).toEqual([
      { request_id: ok[0], response_status: 200, operation_name: 'Me' },
      { request_id: ok[1], response_status: 200, operation_name: 'Me' },
      // refused before the document is read, so no operation name
      { request_id: limitedId, response_status: 429, operation_name: null },
    ]);

    const auditor = { authorization: `Bearer ${await graph.login('aud', PASSWORD)}` };
    const read = await graph.gql<{
      rateLimitViolations: { edges: { node: { requestId: string; username: string } }[] };
    }>(`{ rateLimitViolations(first: 10) { edges { node { requestId username } } } }`, {}, auditor);
    expect(read.body.data?.rateLimitViolations.edges.map((e) => e.node)).toContainEqual({
      requestId: limitedId,
      username: 'ana',
    });
    const refused = await graph.gql(
      `{ apiAccessLog(first: 1) { totalCount } }`,
      {},
      { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` },
    );
    expect(refused.body.errors).toBeUndefined();
    // Analysts read nothing of the audit domain (they are throttled, so use a fresh bucket-free check via the subgraph rule).
  });
});
