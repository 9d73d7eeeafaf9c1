import type { TestSubgraph } from '@socgraph/testkit';
import { ADMIN, auditEntry, ok, RECORD_AUTH, recordEntries, SERVICE, startAudit, verify } from './support';
import { randomUUID } from 'node:crypto';

let audit: TestSubgraph;
beforeAll(async () => {
  audit = await startAudit();
});
afterAll(async () => audit?.stop());

describe('audit entry chain', () => {
  it('stores an entry once however often it is delivered, and the chain verifies', async () => {
    const entry = auditEntry();
    expect(await recordEntries(audit, [entry])).toBe(1);
    expect(await recordEntries(audit, [entry])).toBe(0);
    expect(await recordEntries(audit, [entry, auditEntry()])).toBe(1);
    const [stored] = (await audit.dataSource.query(
      `SELECT count(*)::int AS count FROM audit.audit_logs WHERE id = $1`,
      [entry.id],
    )) as { count: number }[];
    expect(stored?.count).toBe(1);
    const data = await ok<{ auditLog: { totalCount: number; edges: { node: { id: string; after: unknown } }[] } }>(
      audit,
      `{ auditLog(first: 5, filter: { resourceType: "Case" }) { totalCount edges { node { id after } } } }`,
      {},
      ADMIN,
    );
    expect(data.auditLog.totalCount).toBe(2);
    expect(data.auditLog.edges[1]?.node).toEqual({ id: entry.id, after: entry.after });
    expect(await verify(audit)).toEqual({ valid: true, checked: 2, firstBrokenId: null });
  });

  it('20 parallel appends do not fork: seq is contiguous and the chain verifies', async () => {
    const before = await verify(audit, 'AUDIT_LOG', true);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => recordEntries(audit, [auditEntry({ resourceId: String(i) })])),
    );
    expect(results).toEqual(Array.from({ length: 20 }, () => 1));
    const rows = (await audit.dataSource.query(
      `SELECT seq::int AS seq, previous_hash, hash FROM audit.audit_logs ORDER BY seq`,
    )) as { seq: number; previous_hash: string; hash: string }[];
    rows.forEach((row, i) => {
      expect(row.seq).toBe(rows[0]!.seq + i);
      if (i > 0) expect(row.previous_hash).toBe(rows[i - 1]!.hash);
    });
    expect(new Set(rows.map((r) => r.previous_hash)).size).toBe(rows.length);
    expect(await verify(audit, 'AUDIT_LOG', true)).toEqual({
      valid: true,
      checked: before.checked + 20,
      firstBrokenId: null,
    });
  });

  it('checks only the entries appended since the last successful verification', async () => {
    expect((await verify(audit)).valid).toBe(true);
    expect(await verify(audit)).toEqual({ valid: true, checked: 0, firstBrokenId: null });
    await recordEntries(
      audit,
      Array.from({ length: 7 }, () => auditEntry()),
    );
    expect(await verify(audit)).toEqual({ valid: true, checked: 7, firstBrokenId: null });
    const [checkpoint] = (await audit.dataSource.query(
      `SELECT v.verified_through_seq::text AS seq, v.verified_hash = h.last_hash AS at_head
         FROM audit.audit_chain_verifications v JOIN audit.audit_chain_heads h USING (chain) WHERE chain = 'AUDIT_LOG'`,
    )) as { seq: string; at_head: boolean }[];
    expect(checkpoint?.at_head).toBe(true);
  });

  it('a full run finds an edit of rows an earlier run verified; then every run reports it', async () => {
    expect((await verify(audit)).valid).toBe(true);
    const [victim] = (await audit.dataSource.query(
      `SELECT id FROM audit.audit_logs ORDER BY seq OFFSET 1 LIMIT 1`,
    )) as { id: string }[];
    await audit.dataSource.query(`UPDATE audit.audit_logs SET actor = 'someone else' WHERE id = $1`, [victim!.id]);
    // Behind the checkpoint: the incremental run cannot see it, which is what full is for.
    expect(await verify(audit)).toEqual({ valid: true, checked: 0, firstBrokenId: null });
    expect(await verify(audit, 'AUDIT_LOG', true)).toEqual({ valid: false, checked: 2, firstBrokenId: victim!.id });
    // The break dropped the checkpoint: the next incremental run walks from the start and finds it.
    expect(await verify(audit)).toMatchObject({ valid: false, firstBrokenId: victim!.id });
    await audit.dataSource.query(`UPDATE audit.audit_logs SET actor = 'admin' WHERE id = $1`, [victim!.id]);
    expect((await verify(audit, 'AUDIT_LOG', true)).valid).toBe(true);
  });

  it('an incremental run notices a rewritten hash on the row it starts from', async () => {
    expect((await verify(audit)).valid).toBe(true);
    const [last] = (await audit.dataSource.query(
      `SELECT id, hash FROM audit.audit_logs ORDER BY seq DESC LIMIT 1`,
    )) as { id: string; hash: string }[];
    await audit.dataSource.query(`UPDATE audit.audit_logs SET hash = repeat('f', 64) WHERE id = $1`, [last!.id]);
    expect(await verify(audit)).toEqual({ valid: false, checked: 0, firstBrokenId: last!.id });
    await audit.dataSource.query(`UPDATE audit.audit_logs SET hash = $2 WHERE id = $1`, [last!.id, last!.hash]);
    expect((await verify(audit, 'AUDIT_LOG', true)).valid).toBe(true);
  });

  it('runs once per request', async () => {
    const result = await audit.query(
      `{ a: verifyAuditChain { valid } b: verifyAuditChain(full: true) { valid } }`,
      {},
      ADMIN,
    );
    expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('reports the first broken id after one row is edited in SQL', async () => {
    const [victim] = (await audit.dataSource.query(
      `SELECT id FROM audit.audit_logs ORDER BY seq OFFSET 3 LIMIT 1`,
    )) as { id: string }[];
    await audit.dataSource.query(`UPDATE audit.audit_logs SET after = '{"status":"CLOSED"}' WHERE id = $1`, [
      victim!.id,
    ]);
    const result = await verify(audit, 'AUDIT_LOG', true);
    expect(result).toEqual({ valid: false, checked: 4, firstBrokenId: victim!.id });
  });

  it('keeps auth events on a chain of their own', async () => {
    const event = { id: randomUUID(), eventType: 'LOGIN', status: 'SUCCESS', username: 'alice', source: 'identity' };
    const first = await ok<{ _recordAuthEvents: number }>(audit, RECORD_AUTH, { entries: [event] }, SERVICE);
    const again = await ok<{ _recordAuthEvents: number }>(audit, RECORD_AUTH, { entries: [event] }, SERVICE);
    expect([first._recordAuthEvents, again._recordAuthEvents]).toEqual([1, 0]);
    expect(await verify(audit, 'AUTH_EVENTS')).toEqual({ valid: true, checked: 1, firstBrokenId: null });
  });
});
