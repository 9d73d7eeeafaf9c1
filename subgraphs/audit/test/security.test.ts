import { randomUUID } from 'node:crypto';
import type { TestSubgraph } from '@socgraph/testkit';
import { ADMIN, ANALYST, AUDITOR, CUSTOMER_USER, ok, RECORD_AUTH, SERVICE, startAudit } from './support';

let audit: TestSubgraph;
beforeAll(async () => {
  audit = await startAudit({ BRUTE_FORCE_THRESHOLD: '10', BRUTE_FORCE_WINDOW_SECONDS: '300' });
});
afterAll(async () => audit?.stop());

const failedLogin = (at: Date, overrides: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  occurredAt: at.toISOString(),
  eventType: 'LOGIN',
  status: 'FAILURE',
  username: 'victim',
  ipAddress: '203.0.113.9',
  source: 'identity',
  ...overrides,
});

async function recordAuth(entries: Record<string, unknown>[]): Promise<number> {
  return (await ok<{ _recordAuthEvents: number }>(audit, RECORD_AUTH, { entries }, SERVICE))._recordAuthEvents;
}

const SECURITY_EVENTS = `query ($filter: SecurityEventFilter) {
  securityEvents(filter: $filter) { totalCount edges { node { id threatType sourceIp username isResolved } } }
}`;

describe('brute-force detection', () => {
  it('ten failed logins in a window raise exactly one security event, further failures none', async () => {
    const start = Date.now() - 60_000;
    // Delivered one by one, as identity's relay would.
    for (let i = 0; i < 9; i++) await recordAuth([failedLogin(new Date(start + i * 1000))]);
    const none = await ok<{ securityEvents: { totalCount: number } }>(audit, SECURITY_EVENTS, {}, AUDITOR);
    expect(none.securityEvents.totalCount).toBe(0);
    await recordAuth([failedLogin(new Date(start + 9_000))]);
    await recordAuth([10, 11, 12].map((i) => failedLogin(new Date(start + i * 1000))));
    const data = await ok<{
      securityEvents: { totalCount: number; edges: { node: { id: string; threatType: string; sourceIp: string } }[] };
    }>(audit, SECURITY_EVENTS, { filter: { threatType: 'BRUTE_FORCE' } }, AUDITOR);
    expect(data.securityEvents.totalCount).toBe(1);
    expect(data.securityEvents.edges[0]?.node).toMatchObject({ threatType: 'BRUTE_FORCE', sourceIp: '203.0.113.9' });
  });

  it('failures spread beyond the window raise nothing', async () => {
    const start = Date.now() - 3_600_000;
    const spread = Array.from({ length: 10 }, (_, i) =>
      failedLogin(new Date(start + i * 60_000), { username: 'slow', ipAddress: '198.51.100.7' }),
    );
    await recordAuth(spread);
    const data = await ok<{ securityEvents: { totalCount: number } }>(
      audit,
      SECURITY_EVENTS,
      { filter: { sourceIp: '198.51.100.7' } },
      AUDITOR,
    );
    expect(data.securityEvents.totalCount).toBe(0);
  });

  it('an admin resolves an event with notes and a false-positive flag; an auditor or analyst may not', async () => {
    const list = await ok<{ securityEvents: { edges: { node: { id: string } }[] } }>(audit, SECURITY_EVENTS, {}, ADMIN);
    const id = list.securityEvents.edges[0]!.node.id;
    const RESOLVE = `mutation ($input: ResolveSecurityEventInput!) {
      resolveSecurityEvent(input: $input) { isResolved falsePositive analystNotes resolvedBy }
    }`;
    for (const principal of [AUDITOR, ANALYST]) {
      const refused = await audit.query(RESOLVE, { input: { id, falsePositive: true } }, principal);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(refused.body.data ?? null).toBeNull();
    }
    const data = await ok<{ resolveSecurityEvent: Record<string, unknown> }>(
      audit,
      RESOLVE,
      { input: { id, notes: 'pen test', falsePositive: true } },
      ADMIN,
    );
    expect(data.resolveSecurityEvent).toEqual({
      isResolved: true,
      falsePositive: true,
      analystNotes: 'pen test',
      resolvedBy: 'admin',
    });
  });
});

describe('access to the audit domain', () => {
  // One probe per Query field; the first test checks that none is missing.
  const QUERIES: Record<string, string> = {
    auditLog: '{ auditLog { totalCount } }',
    authEvents: '{ authEvents { totalCount } }',
    apiAccessLog: '{ apiAccessLog { totalCount } }',
    rateLimitViolations: '{ rateLimitViolations { totalCount } }',
    securityEvents: '{ securityEvents { totalCount } }',
    verifyAuditChain: '{ verifyAuditChain { valid } }',
    complianceReports: '{ complianceReports { totalCount } }',
    complianceReport: '{ complianceReport(id: "1") { id } }',
    retentionPolicies: '{ retentionPolicies { id } }',
    logEntries: '{ logEntries { totalCount } }',
    securityIncidents: '{ securityIncidents { totalCount } }',
    networkFlows: '{ networkFlows { totalCount } }',
    dataValidationIssues: '{ dataValidationIssues { totalCount } }',
    githubAuditConfigs: '{ githubAuditConfigs { id } }',
    githubAuditReports: '{ githubAuditReports(configId: "1") { totalCount } }',
    githubAuditCheckExclusions: '{ githubAuditCheckExclusions { id } }',
    githubAuditBaselines: '{ githubAuditBaselines(configId: "1") { id } }',
  };
  // verifyComplianceReport needs a report: refused before the lookup, so an absent id shows the refusal too.
  const REFUSED_ONLY: Record<string, string> = {
    verifyComplianceReport: '{ verifyComplianceReport(id: "1") { valid } }',
  };

  it('probes every Query field', async () => {
    const data = await ok<{ __type: { fields: { name: string }[] } }>(
      audit,
      '{ __type(name: "Query") { fields { name } } }',
      {},
      ADMIN,
    );
    const probed = [...Object.keys(QUERIES), ...Object.keys(REFUSED_ONLY)].sort();
    expect(
      data.__type.fields
        .map((f) => f.name)
        .filter((n) => !n.startsWith('_'))
        .sort(),
    ).toEqual(probed);
  });

  it.each(Object.values(REFUSED_ONLY))('%s is FORBIDDEN to everyone but admin and auditor', async (q) => {
    for (const principal of [ANALYST, CUSTOMER_USER, SERVICE]) {
      const result = await audit.query(q, {}, principal);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const allowed = await audit.query(q, {}, AUDITOR);
    expect(allowed.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it.each(Object.values(QUERIES))(
    '%s is FORBIDDEN to analysts, customer users and services, open to admin and auditor',
    async (q) => {
      for (const principal of [ANALYST, CUSTOMER_USER, SERVICE]) {
        const result = await audit.query(q, {}, principal);
        // Nothing comes back: data is null, or the nullable field is.
        expect(Object.values(result.body.data ?? {}).filter((v) => v !== null)).toEqual([]);
        expect(result.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      const anonymous = await audit.query(q, {});
      expect(Object.values(anonymous.body.data ?? {}).filter((v) => v !== null)).toEqual([]);
      expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      for (const principal of [ADMIN, AUDITOR]) await ok(audit, q, {}, principal);
    },
  );

  it('internal mutations are refused to every user, admin included', async () => {
    for (const principal of [ADMIN, AUDITOR]) {
      const result = await audit.query(RECORD_AUTH, { entries: [failedLogin(new Date())] }, principal);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});
