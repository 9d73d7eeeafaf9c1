import { startTestStack, type TestStack } from '../src/testing';
import { errorCodes } from './support';

/**
 * verifyAuditChain through the gateway (issue 16, item 4): admins and auditors only, once per
 * request, and incremental: a call checks the entries appended since the last successful one,
 * while `full: true` re-walks everything and still finds an edit behind that checkpoint.
 */
let graph: TestStack;
const PASSWORD = 'correct horse battery staple';
const auth: Record<string, Record<string, string>> = {};
const VERIFY = `query ($full: Boolean) { verifyAuditChain(full: $full) { valid checked firstBrokenId } }`;
type Verification = { valid: boolean; checked: number; firstBrokenId: string | null };

beforeAll(async () => {
  graph = await startTestStack();
  await graph.seedAdmin(PASSWORD);
  for (const role of ['auditor', 'analyst', 'customer_user']) {
    await graph.seedUser({ username: `chain_${role}`, password: PASSWORD, role });
    auth[role] = { authorization: `Bearer ${await graph.login(`chain_${role}`, PASSWORD)}` };
  }
  auth.admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
});
afterAll(async () => graph?.stop());

async function verify(full = false, as = 'auditor'): Promise<Verification> {
  const result = await graph.gql<{ verifyAuditChain: Verification }>(VERIFY, { full }, auth[as]);
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.verifyAuditChain;
}

describe('verifyAuditChain', () => {
  it('is for admins and auditors only', async () => {
    for (const role of ['analyst', 'customer_user']) {
      const result = await graph.gql(VERIFY, {}, auth[role]);
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
    }
    expect((await verify(false, 'admin')).valid).toBe(true);
  });

  it('checks only the entries appended since the last verification', async () => {
    await graph.flushAudit();
    expect((await verify()).valid).toBe(true);
    expect((await verify()).checked).toBe(0);
    for (let i = 0; i < 5; i += 1) {
      const tag = await graph.gql(`mutation ($n: String!) { createTag(name: $n) { id } }`, { n: `t${i}` }, auth.admin);
      expect(tag.body.errors).toBeUndefined();
    }
    await graph.flushAudit();
    const [{ n } = { n: -1 }] = (await graph.dataSource('audit').query(
      `SELECT count(*)::int AS n FROM audit.audit_logs
        WHERE seq > (SELECT verified_through_seq FROM audit.audit_chain_verifications WHERE chain = 'AUDIT_LOG')`,
    )) as { n: number }[];
    expect(n).toBeGreaterThanOrEqual(5);
    expect(await verify()).toEqual({ valid: true, checked: n, firstBrokenId: null });
    const total = (await graph.dataSource('audit').query(`SELECT count(*)::int AS n FROM audit.audit_logs`)) as {
      n: number;
    }[];
    expect(await verify(true)).toEqual({ valid: true, checked: total[0]!.n, firstBrokenId: null });
  });

  it('a full run still finds an edit of an entry an earlier run verified', async () => {
    expect((await verify()).valid).toBe(true);
    const [victim] = (await graph
      .dataSource('audit')
      .query(`SELECT id FROM audit.audit_logs WHERE action = 'createTag' ORDER BY seq LIMIT 1`)) as { id: string }[];
    await graph.dataSource('audit').query(`UPDATE audit.audit_logs SET actor = 'nobody' WHERE id = $1`, [victim!.id]);
    const full = await verify(true);
    expect(full).toMatchObject({ valid: false, firstBrokenId: victim!.id });
    // From then on the cheap run reports it too.
    expect(await verify()).toMatchObject({ valid: false, firstBrokenId: victim!.id });
  });

  it('runs at most once per request, so aliases cannot multiply a walk', async () => {
    const result = await graph.gql(
      `{ a: verifyAuditChain(full: true) { valid } b: verifyAuditChain(full: true) { valid } c: verifyAuditChain { valid } }`,
      {},
      auth.auditor,
    );
    // The gateway refuses it before audit is called (audit refuses a second walk too: chain.test.ts).
    expect(errorCodes(result)).toEqual(['QUERY_LIMIT_EXCEEDED']);
    expect(result.body.errors?.[0]?.extensions?.limit).toBe('MAX_FIELD_USES');
    expect(result.body.data ?? null).toBeNull();
  });
});
