import { randomUUID } from 'node:crypto';
import type { TestSubgraph } from '@socgraph/testkit';
import { ADMIN, auditEntry, AUDITOR, ok, RECORD_ENTRIES, SERVICE, startAudit } from './support';

// The exact operations the gateway's sink sends (gateway/src/audit/sink.ts).
const RECORD_API_ACCESS = `mutation GatewayRecordApiAccess($entries: [ApiAccessInput!]!) {
  _recordApiAccess(entries: $entries)
}`;
const RECORD_RATE_LIMIT_VIOLATIONS = `mutation GatewayRecordRateLimitViolations($entries: [RateLimitViolationInput!]!) {
  _recordRateLimitViolations(entries: $entries)
}`;

let audit: TestSubgraph;
beforeAll(async () => {
  audit = await startAudit();
});
afterAll(async () => audit?.stop());

const access = (overrides: Record<string, unknown> = {}) => ({
  requestId: randomUUID(),
  occurredAt: new Date().toISOString(),
  durationMs: 12.4,
  userId: '1',
  username: 'admin',
  role: 'admin',
  apiKeyId: null,
  clientName: 'sandbox',
  operationName: 'Alerts',
  operationType: 'query',
  persistedQueryId: null,
  httpStatus: 200,
  errorCodes: [],
  clientIp: '127.0.0.1',
  userAgent: 'jest',
  ...overrides,
});

const violation = (overrides: Record<string, unknown> = {}) => ({
  requestId: randomUUID(),
  occurredAt: new Date().toISOString(),
  bucket: 'ip:127.0.0.1',
  userId: null,
  username: null,
  role: null,
  apiKeyId: null,
  clientName: null,
  clientIp: '127.0.0.1',
  operationName: 'Alerts',
  limitPerSecond: 0.5,
  burst: 10,
  retryAfterSeconds: 2,
  ...overrides,
});

describe("the gateway's batches", () => {
  it('stores an access-log batch once even when delivered twice', async () => {
    const batch = [access(), access({ httpStatus: 400, errorCodes: ['BAD_USER_INPUT'], operationName: null })];
    const first = await ok<{ _recordApiAccess: number }>(audit, RECORD_API_ACCESS, { entries: batch }, SERVICE);
    const again = await ok<{ _recordApiAccess: number }>(audit, RECORD_API_ACCESS, { entries: batch }, SERVICE);
    expect([first._recordApiAccess, again._recordApiAccess]).toEqual([2, 0]);
    const data = await ok<{
      apiAccessLog: {
        totalCount: number;
        edges: { node: { requestId: string; httpStatus: number; errorCodes: string[] } }[];
      };
    }>(
      audit,
      '{ apiAccessLog { totalCount edges { node { requestId httpStatus errorCodes durationMs } } } }',
      {},
      AUDITOR,
    );
    expect(data.apiAccessLog.totalCount).toBe(2);
    expect(data.apiAccessLog.edges[0]?.node).toMatchObject({
      requestId: batch[1]!.requestId,
      httpStatus: 400,
      errorCodes: ['BAD_USER_INPUT'],
    });
  });

  it('stores violations once per request and bucket', async () => {
    const one = violation();
    const batch = [one, violation({ requestId: one.requestId, bucket: 'user:7' }), violation()];
    const first = await ok<{ _recordRateLimitViolations: number }>(
      audit,
      RECORD_RATE_LIMIT_VIOLATIONS,
      { entries: batch },
      SERVICE,
    );
    const again = await ok<{ _recordRateLimitViolations: number }>(
      audit,
      RECORD_RATE_LIMIT_VIOLATIONS,
      { entries: batch },
      SERVICE,
    );
    expect([first._recordRateLimitViolations, again._recordRateLimitViolations]).toEqual([3, 0]);
    const data = await ok<{ rateLimitViolations: { totalCount: number } }>(
      audit,
      '{ rateLimitViolations(filter: { bucket: "ip:127.0.0.1" }) { totalCount } }',
      {},
      ADMIN,
    );
    expect(data.rateLimitViolations.totalCount).toBe(2);
  });
});

describe('bad input', () => {
  const count = async (): Promise<number> => {
    const [row] = (await audit.dataSource.query(
      `SELECT (SELECT count(*) FROM audit.audit_logs) + (SELECT count(*) FROM audit.api_access_log) AS n`,
    )) as { n: string }[];
    return Number(row?.n);
  };

  it('refuses first: 101 and a malformed cursor with BAD_USER_INPUT', async () => {
    for (const q of ['{ auditLog(first: 101) { totalCount } }', '{ auditLog(after: "%%%") { totalCount } }']) {
      const result = await audit.query(q, {}, ADMIN);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('refuses oversized filter values naming the field', async () => {
    const QUERY = `query ($filter: AuditFilter) { auditLog(filter: $filter) { totalCount } }`;
    for (const [field, value] of [
      ['requestId', 'r'.repeat(65)],
      ['source', 's'.repeat(51)],
      ['status', 'x'.repeat(21)],
    ] as const) {
      const result = await audit.query(QUERY, { filter: { [field]: value } }, ADMIN);
      expect(result.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(result.body.errors?.[0]?.message).toContain(`filter.${field}`);
    }
  });

  it('refuses oversized strings, bad ids and bad addresses, writing nothing of the batch', async () => {
    const before = await count();
    const cases: Record<string, unknown>[][] = [
      [auditEntry(), auditEntry({ actor: 'x'.repeat(101) })],
      [auditEntry({ id: 'not-a-uuid' })],
      [auditEntry(), auditEntry({ ipAddress: '999.1.1.1' })],
      [auditEntry({ status: 'maybe' })],
    ];
    for (const entries of cases) {
      const result = await audit.query(RECORD_ENTRIES, { entries }, SERVICE);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const tooLong = await audit.query(
      RECORD_API_ACCESS,
      { entries: [access({ userAgent: 'u'.repeat(1001) })] },
      SERVICE,
    );
    expect(tooLong.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count()).toBe(before);
  });
});
