import { deletedMeanwhile, type TestSubgraph } from '@socgraph/testkit';
import { GITHUB_TOKEN_CONTEXT } from '../src/services/stored-secrets';
import { ADMIN, ANALYST, AUDITOR, ok, SERVICE, startAudit, testSecretBox } from './support';

let audit: TestSubgraph;
beforeAll(async () => {
  audit = await startAudit();
});
afterAll(async () => audit?.stop());

const CREATE = `mutation ($input: GithubAuditConfigInput!) { createGithubAuditConfig(input: $input) { id hasToken } }`;

describe('GitHub audit', () => {
  it('stores the token write-only: never returned, kept when an update omits it', async () => {
    const secret = 'ghp_secret_value_1234567890';
    const created = await ok<{ createGithubAuditConfig: { id: string; hasToken: boolean } }>(
      audit,
      CREATE,
      { input: { customerCode: 'ACME', organization: 'acme-corp', token: secret } },
      ADMIN,
    );
    const id = created.createGithubAuditConfig.id;
    expect(created.createGithubAuditConfig.hasToken).toBe(true);
    const introspected = await ok<{ __type: { fields: { name: string }[] } }>(
      audit,
      `{ __type(name: "GithubAuditConfig") { fields { name } } }`,
      {},
      AUDITOR,
    );
    const fields = introspected.__type.fields.map((f) => f.name);
    expect(fields.filter((name) => /token/i.test(name))).toEqual(['hasToken']);
    const listed = await audit.query(`{ githubAuditConfigs { id organization hasToken filters } }`, {}, AUDITOR);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    await ok(
      audit,
      `mutation ($id: ID!, $input: GithubAuditConfigInput!) { updateGithubAuditConfig(id: $id, input: $input) { id } }`,
      { id, input: { customerCode: 'ACME', organization: 'acme-corp', minimumScoreThreshold: 70 } },
      ADMIN,
    );
    const [row] = (await audit.dataSource.query(
      `SELECT github_token, minimum_score_threshold FROM audit.github_audit_config WHERE id = $1`,
      [id],
    )) as { github_token: string; minimum_score_threshold: number }[];
    // Kept (an update without a token), and sealed at rest: only the key opens it.
    expect(row?.minimum_score_threshold).toBe(70);
    expect(row?.github_token).toMatch(/^v1:k1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(row?.github_token).not.toContain(secret);
    expect(testSecretBox().open(row!.github_token, GITHUB_TOKEN_CONTEXT)).toBe(secret);

    const noToken = await audit.query(CREATE, { input: { customerCode: 'ACME', organization: 'other' } }, ADMIN);
    expect(noToken.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const analyst = await audit.query(
      CREATE,
      { input: { customerCode: 'ACME', organization: 'x', token: 't' } },
      ANALYST,
    );
    expect(analyst.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('records reports from the job and keeps exclusions and baselines', async () => {
    const { githubAuditConfigs } = await ok<{ githubAuditConfigs: { id: string }[] }>(
      audit,
      `{ githubAuditConfigs(customerCode: "ACME") { id } }`,
      {},
      ADMIN,
    );
    const configId = githubAuditConfigs[0]!.id;
    const report = await ok<{ _recordGithubAuditReport: { id: string; completedAt: string | null } }>(
      audit,
      `mutation ($input: GithubAuditReportInput!) { _recordGithubAuditReport(input: $input) { id completedAt } }`,
      {
        input: {
          configId,
          status: 'COMPLETED',
          totalChecks: 10,
          passedChecks: 8,
          failedChecks: 2,
          criticalFindings: 1,
          score: 80,
        },
      },
      SERVICE,
    );
    expect(report._recordGithubAuditReport.completedAt).not.toBeNull();
    await ok(
      audit,
      `mutation ($input: GithubAuditBaselineInput!) { addGithubAuditBaseline(input: $input) { id } }`,
      {
        input: {
          configId,
          name: 'v1',
          expectedChecks: ['branch-protection'],
          baselineReportId: report._recordGithubAuditReport.id,
        },
      },
      ADMIN,
    );
    // A report that does not exist: the foreign key refuses it, coded and naming the field.
    const unknownReport = await audit.query(
      `mutation ($input: GithubAuditBaselineInput!) { addGithubAuditBaseline(input: $input) { id } }`,
      { input: { configId, name: 'v0', expectedChecks: [], baselineReportId: '999999' } },
      ADMIN,
    );
    expect(unknownReport.body.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.baselineReportId',
    });
    await ok(
      audit,
      `mutation ($input: GithubAuditCheckExclusionInput!) { addGithubAuditCheckExclusion(input: $input) { approvedBy } }`,
      { input: { configId, customerCode: 'ACME', checkId: 'secret-scanning', reason: 'public mirror' } },
      ADMIN,
    );
    const data = await ok<{
      githubAuditReports: { totalCount: number };
      githubAuditBaselines: { name: string }[];
      githubAuditCheckExclusions: { approvedBy: string }[];
    }>(
      audit,
      `query ($configId: ID!) {
        githubAuditReports(configId: $configId) { totalCount }
        githubAuditBaselines(configId: $configId) { name }
        githubAuditCheckExclusions(customerCode: "ACME") { approvedBy }
      }`,
      { configId },
      AUDITOR,
    );
    expect(data).toEqual({
      githubAuditReports: { totalCount: 1 },
      githubAuditBaselines: [{ name: 'v1' }],
      githubAuditCheckExclusions: [{ approvedBy: 'admin' }],
    });
  });

  it('a report for a config deleted meanwhile is BAD_USER_INPUT, also on an internal field, and not stored', async () => {
    const created = await ok<{ createGithubAuditConfig: { id: string } }>(
      audit,
      CREATE,
      { input: { customerCode: 'ACME', organization: 'short-lived', token: 'ghp_x' } },
      ADMIN,
    );
    const configId = created.createGithubAuditConfig.id;
    const result = await deletedMeanwhile(
      audit.dataSource,
      `DELETE FROM audit.github_audit_config WHERE id = $1`,
      [configId],
      () =>
        audit.query(
          `mutation ($input: GithubAuditReportInput!) { _recordGithubAuditReport(input: $input) { id } }`,
          {
            input: {
              configId,
              status: 'COMPLETED',
              totalChecks: 1,
              passedChecks: 1,
              failedChecks: 0,
              criticalFindings: 0,
            },
          },
          SERVICE,
        ),
    );
    expect(result.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(result.body.errors?.[0]?.message).toBe('The input names a row that does not exist (or was just deleted)');
    const [row] = (await audit.dataSource.query(
      `SELECT count(*)::int AS n FROM audit.github_audit_report WHERE organization = 'short-lived'`,
    )) as { n: number }[];
    expect(row?.n).toBe(0);
  });
});
