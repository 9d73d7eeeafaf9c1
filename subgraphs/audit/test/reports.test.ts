import { randomUUID } from 'node:crypto';
import type { TestSubgraph } from '@socgraph/testkit';
import { ADMIN, auditEntry, AUDITOR, ok, RECORD_AUTH, recordEntries, SERVICE, startAudit, verify } from './support';

let audit: TestSubgraph;
beforeAll(async () => {
  audit = await startAudit();
});
afterAll(async () => audit?.stop());

const DAY = 86_400_000;
const ago = (days: number): string => new Date(Date.now() - days * DAY).toISOString();

describe('compliance reports', () => {
  it('counts a period, stores a hash that verifies, and detects tampering', async () => {
    await recordEntries(audit, [
      auditEntry({ occurredAt: ago(2), action: 'createCase' }),
      auditEntry({ occurredAt: ago(2), action: 'createCase', actor: 'bob' }),
      auditEntry({ occurredAt: ago(1), action: 'assignCase', status: 'failure' }),
      auditEntry({ occurredAt: ago(40), action: 'createCase' }),
    ]);
    await ok(
      audit,
      RECORD_AUTH,
      {
        entries: [{ id: randomUUID(), occurredAt: ago(1), eventType: 'LOGIN', status: 'FAILURE', source: 'identity' }],
      },
      SERVICE,
    );
    const GENERATE = `mutation ($input: GenerateComplianceReportInput!) {
      generateComplianceReport(input: $input) { id totalRecords reportHash reportData }
    }`;
    const input = { reportType: 'SOC2', from: ago(7), to: new Date().toISOString() };
    const refused = await audit.query(GENERATE, { input }, AUDITOR);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const { generateComplianceReport: report } = await ok<{
      generateComplianceReport: {
        id: string;
        totalRecords: number;
        reportHash: string;
        reportData: Record<string, unknown>;
      };
    }>(audit, GENERATE, { input }, ADMIN);
    expect(report.totalRecords).toBe(4);
    expect(report.reportData).toMatchObject({
      auditEntries: {
        total: 3,
        byAction: { createCase: 2, assignCase: 1 },
        byActor: { admin: 2, bob: 1 },
        failures: 1,
      },
      failedLogins: 1,
    });
    const VERIFY = `query ($id: ID!) { verifyComplianceReport(id: $id) { valid storedHash computedHash } }`;
    const fine = await ok<{ verifyComplianceReport: { valid: boolean } }>(audit, VERIFY, { id: report.id }, AUDITOR);
    expect(fine.verifyComplianceReport.valid).toBe(true);
    await audit.dataSource.query(
      `UPDATE audit.compliance_reports SET report_data = jsonb_set(report_data, '{failedLogins}', '0') WHERE id = $1`,
      [report.id],
    );
    const tampered = await ok<{ verifyComplianceReport: { valid: boolean; storedHash: string } }>(
      audit,
      VERIFY,
      { id: report.id },
      AUDITOR,
    );
    expect(tampered.verifyComplianceReport).toMatchObject({ valid: false, storedHash: report.reportHash });
  });
});

describe('retention', () => {
  // A chain of its own: pruning removes only a prefix of old entries, so the order matters here.
  let fresh: TestSubgraph;
  let shared: TestSubgraph;
  beforeAll(async () => {
    shared = audit;
    fresh = await startAudit();
    audit = fresh;
  });
  afterAll(async () => {
    audit = shared;
    await fresh?.stop();
  });

  it('a dry run deletes nothing; a real run deletes old rows, and the pruned chain still verifies', async () => {
    await recordEntries(audit, [auditEntry({ occurredAt: ago(400) }), auditEntry({ occurredAt: ago(300) })]);
    await recordEntries(audit, [auditEntry({ occurredAt: ago(1) })]);
    const CREATE = `mutation ($input: RetentionPolicyInput!) { createRetentionPolicy(input: $input) { id tableName } }`;
    await ok(audit, CREATE, { input: { tableName: 'audit_logs', retentionPeriodDays: 90 } }, ADMIN);
    const bad = await audit.query(CREATE, { input: { tableName: 'users', retentionPeriodDays: 90 } }, ADMIN);
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // Audit's own mutations are audited too: count once their entries have arrived.
    const entries = async (): Promise<number> => {
      await audit.server.auditRelay?.flush();
      const [row] = (await audit.dataSource.query(`SELECT count(*)::int AS n FROM audit.audit_logs`)) as {
        n: number;
      }[];
      return row?.n ?? 0;
    };
    const before = await entries();

    const RUN = `mutation ($dryRun: Boolean!) { runRetention(dryRun: $dryRun) { tableName deleted dryRun } }`;
    const dry = await ok<{ runRetention: { tableName: string; deleted: number }[] }>(
      audit,
      RUN,
      { dryRun: true },
      ADMIN,
    );
    const prunable = dry.runRetention[0]!.deleted;
    expect(prunable).toBe(2);
    const afterDry = await entries();
    expect(afterDry).toBe(before + 1); // the dry run's own entry, nothing deleted

    const real = await ok<{ runRetention: { deleted: number }[] }>(audit, RUN, { dryRun: false }, ADMIN);
    expect(real.runRetention[0]?.deleted).toBe(prunable);
    const afterRun = await entries();
    expect(afterRun).toBe(afterDry - prunable + 1);
    expect(await verify(audit, 'AUDIT_LOG', true)).toEqual({ valid: true, checked: afterRun, firstBrokenId: null });
    // Appending after a prune keeps verifying from the checkpoint.
    await recordEntries(audit, [auditEntry()]);
    expect((await verify(audit)).valid).toBe(true);
  });
});

describe('application logs', () => {
  it('stores lines and finds them by full text, level and component', async () => {
    const RECORD = `mutation ($entries: [LogEntryInput!]!) { _recordLogs(entries: $entries) }`;
    await ok(
      audit,
      RECORD,
      {
        entries: [
          { level: 'ERROR', component: 'detector', message: 'camera stream timeout on gate 4' },
          { level: 'INFO', component: 'detector', message: 'camera stream resumed' },
          { level: 'INFO', component: 'scheduler', message: 'nightly retention finished' },
        ],
      },
      SERVICE,
    );
    const LOGS = `query ($filter: LogFilter) { logEntries(filter: $filter) { totalCount edges { node { message } } } }`;
    const count = async (filter: Record<string, unknown>): Promise<number> =>
      (await ok<{ logEntries: { totalCount: number } }>(audit, LOGS, { filter }, AUDITOR)).logEntries.totalCount;
    expect(await count({ search: 'camera stream' })).toBe(2);
    expect(await count({ search: 'timeout', level: 'ERROR' })).toBe(1);
    expect(await count({ component: 'scheduler' })).toBe(1);
    const bad = await audit.query(LOGS, { filter: { level: 'LOUD' } }, AUDITOR);
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
