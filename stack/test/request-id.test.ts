import { startTestStack, type TestStack } from '../src/testing';
import { errorCodes } from './support';

/**
 * Issue #16 item 1: the request id is the gateway's own. Audit keys access-log rows and
 * rate-limit violations by request id, so a client that chose it could make its requests (or
 * someone else's) vanish from the trail by resending one id.
 */
let graph: TestStack;
const PASSWORD = 'correct horse battery staple';
const FORGED = 'forged-request-id';
const ME = `query ForgedMe { me { username } }`;

beforeAll(async () => {
  graph = await startTestStack({
    // customer_user: a burst of 5 and next to no refill, so the rest of a quick run is throttled.
    env: { RATE_LIMITS: 'customer_user=0.001/5,default=10000/10000', ACCESS_LOG_FLUSH_MS: '50' },
  });
  await graph.seedAdmin(PASSWORD);
  await graph.seedUser({ username: 'cu', password: PASSWORD, role: 'customer_user', customerCodes: ['ACME'] });
});
afterAll(async () => graph?.stop());

const auth = async (username: string) => ({ authorization: `Bearer ${await graph.login(username, PASSWORD)}` });

async function accessRows(username: string): Promise<{ request_id: string; response_status: number }[]> {
  await graph.flushAudit();
  return (await graph
    .dataSource('audit')
    .query(
      `SELECT request_id, response_status FROM audit.api_access_log WHERE username = $1 AND operation_name = 'ForgedMe'`,
      [username],
    )) as { request_id: string; response_status: number }[];
}

describe('request ids', () => {
  it('mints its own id whatever x-request-id says: 40 requests sharing one leave 40 access-log rows', async () => {
    const admin = await auth('admin');
    const ids = new Set<string>();
    for (let i = 0; i < 40; i += 1) {
      const result = await graph.gql(ME, {}, { ...admin, 'x-request-id': FORGED });
      expect(result.status).toBe(200);
      ids.add(String(result.headers.get('x-request-id')));
    }
    expect(ids.size).toBe(40);
    expect(ids.has(FORGED)).toBe(false);
    const rows = await accessRows('admin');
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.request_id))).toEqual(ids);
  });

  it('stores one violation per throttled request, and an id a customer_user sent first does not hide an admin request', async () => {
    const cu = await auth('cu');
    const results = [];
    for (let i = 0; i < 20; i += 1) results.push(await graph.gql(ME, {}, { ...cu, 'x-request-id': 'shared-1' }));
    const limited = results.filter((r) => errorCodes(r).includes('RATE_LIMITED'));
    expect(limited.length).toBeGreaterThanOrEqual(14);
    // The error body quotes the gateway's id, not the client's.
    for (const r of limited) expect(r.body.errors?.[0]?.extensions?.requestId).toBe(r.headers.get('x-request-id'));

    const admin = await auth('admin');
    const adminResult = await graph.gql(ME, {}, { ...admin, 'x-request-id': 'shared-1' });
    expect(adminResult.status).toBe(200);

    await graph.flushAudit();
    const audit = graph.dataSource('audit');
    const violations = (await audit.query(
      `SELECT request_id FROM audit.rate_limit_violations WHERE username = 'cu'`,
    )) as { request_id: string }[];
    expect(violations).toHaveLength(limited.length);
    expect(new Set(violations.map((v) => v.request_id))).toEqual(
      new Set(limited.map((r) => r.headers.get('x-request-id'))),
    );
    // Every customer_user request is in the access log (refusals have no operation name).
    const cuRows = (await audit.query(`SELECT request_id FROM audit.api_access_log WHERE username = 'cu'`)) as {
      request_id: string;
    }[];
    expect(cuRows.length).toBeGreaterThanOrEqual(20);
    const adminRow = (await audit.query(`SELECT username FROM audit.api_access_log WHERE request_id = $1`, [
      adminResult.headers.get('x-request-id'),
    ])) as { username: string }[];
    expect(adminRow).toEqual([{ username: 'admin' }]);
    expect(await audit.query(`SELECT 1 FROM audit.api_access_log WHERE request_id = 'shared-1'`)).toEqual([]);
  });

  it("gives mutation audit entries the gateway's id", async () => {
    const admin = await auth('admin');
    const created = await graph.gql(
      `mutation { createTag(name: "forged-id-tag") { id } }`,
      {},
      { ...admin, 'x-request-id': FORGED },
    );
    expect(created.body.errors).toBeUndefined();
    const requestId = created.headers.get('x-request-id');
    expect(requestId).not.toBe(FORGED);
    await graph.flushAudit();
    const entries = (await graph
      .dataSource('audit')
      .query(`SELECT request_id FROM audit.audit_logs WHERE action ILIKE '%tag%' AND resource_type ILIKE '%tag%'`)) as {
      request_id: string;
    }[];
    expect(entries).toEqual([{ request_id: requestId }]);
  });

  it("keeps the client's own id beside the gateway's, so an auditor finds the rows a partner quotes", async () => {
    const admin = await auth('admin');
    const quoted = `partner-ticket-${Date.now()}`;
    const sent = await graph.gql(`query QuotedMe { me { username } }`, {}, { ...admin, 'x-request-id': quoted });
    const requestId = sent.headers.get('x-request-id');
    expect(requestId).not.toBe(quoted);
    await graph.flushAudit();
    const found = await graph.gql<{
      apiAccessLog: { totalCount: number; edges: { node: { requestId: string; clientRequestId: string | null } }[] };
    }>(
      `query ($id: String!) { apiAccessLog(filter: { clientRequestId: $id }) { totalCount edges { node { requestId clientRequestId } } } }`,
      { id: quoted },
      admin,
    );
    expect(found.body.errors).toBeUndefined();
    expect(found.body.data?.apiAccessLog).toEqual({
      totalCount: 1,
      edges: [{ node: { requestId, clientRequestId: quoted } }],
    });
  });
});

describe('caching', () => {
  it("answers every operation with cache-control: no-store (each answer is its caller's own)", async () => {
    const admin = await auth('admin');
    const result = await graph.gql(ME, {}, admin);
    expect(result.status).toBe(200);
    expect(result.headers.get('cache-control')).toBe('no-store');
    const nested = await graph.gql(`query Nested { me { username customers { code } } }`, {}, admin);
    expect(nested.headers.get('cache-control')).toBe('no-store');
  });
});
