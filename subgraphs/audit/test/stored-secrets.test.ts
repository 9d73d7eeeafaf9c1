import { randomBytes } from 'node:crypto';
import { secretBoxFromConfig, type StartedSubgraph } from '@socgraph/shared';
import { randomSecret, type TestSubgraph } from '@socgraph/testkit';
import { auditSubgraph } from '../src';
import { GITHUB_TOKEN_CONTEXT } from '../src/services/stored-secrets';
import { ADMIN, ok, startAudit, TEST_SECRETS_KEY } from './support';

/**
 * Stored GitHub tokens are sealed (issue 16, item 7); rows from before that, and rows sealed
 * with a key since rotated, are re-sealed with the current key when audit starts.
 */
let audit: TestSubgraph;
beforeAll(async () => {
  audit = await startAudit();
});
afterAll(async () => audit?.stop());

const tokens = async (): Promise<{ organization: string; github_token: string }[]> =>
  (await audit.dataSource.query(
    `SELECT organization, github_token FROM audit.github_audit_config ORDER BY organization`,
  )) as { organization: string; github_token: string }[];

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('stored GitHub tokens', () => {
  it('refuse a plaintext write in the database itself', async () => {
    await expect(
      audit.dataSource.query(
        `INSERT INTO audit.github_audit_config (customer_code, organization, github_token) VALUES ('ACME', 'raw', 'ghp_plain')`,
      ),
    ).rejects.toThrow(/github_token_sealed/);
  });

  it('are re-sealed with the current key at start: legacy plaintext rows and rows of a rotated key', async () => {
    await ok(
      audit,
      `mutation ($input: GithubAuditConfigInput!) { createGithubAuditConfig(input: $input) { id } }`,
      { input: { customerCode: 'ACME', organization: 'sealed-by-k1', token: 'ghp_first' } },
      ADMIN,
    );
    // A row from before encryption (the constraint is NOT VALID: old rows may still be plaintext).
    await audit.dataSource.query(`ALTER TABLE audit.github_audit_config DROP CONSTRAINT github_token_sealed`);
    await audit.dataSource.query(
      `INSERT INTO audit.github_audit_config (customer_code, organization, github_token) VALUES ('ACME', 'legacy', 'ghp_legacy')`,
    );
    await audit.dataSource.query(
      `ALTER TABLE audit.github_audit_config ADD CONSTRAINT github_token_sealed CHECK (github_token LIKE 'v1:%') NOT VALID`,
    );

    // A replica after rotation: k2 seals, k1 still opens.
    const k2 = randomBytes(32).toString('base64');
    const env = {
      LOG_LEVEL: 'silent',
      LOG_SHIP_LEVEL: 'off',
      RETENTION_INTERVAL_MINUTES: '0',
      AUDIT_SIGNING_KEY: randomSecret(),
      SECRETS_KEY_ID: 'k2',
      SECRETS_ENCRYPTION_KEY: k2,
      SECRETS_PREVIOUS_KEYS: `k1:${TEST_SECRETS_KEY}`,
    };
    let rotated: StartedSubgraph | null = null;
    try {
      rotated = await auditSubgraph.start({
        databaseUrl: audit.database.url,
        port: 0,
        internalTokenSecret: randomSecret(),
        jwtSecret: randomSecret(),
        env,
      });
      await until(async () => (await tokens()).every((row) => row.github_token.startsWith('v1:k2:')));
    } finally {
      await rotated?.stop();
    }
    const box = secretBoxFromConfig({ SECRETS_ENCRYPTION_KEY: k2, SECRETS_KEY_ID: 'k2', SECRETS_PREVIOUS_KEYS: '' });
    expect((await tokens()).map((row) => [row.organization, box.open(row.github_token, GITHUB_TOKEN_CONTEXT)])).toEqual(
      [
        ['legacy', 'ghp_legacy'],
        ['sealed-by-k1', 'ghp_first'],
      ],
    );
    // Every row is sealed now, so the constraint validates.
    await audit.dataSource.query(`ALTER TABLE audit.github_audit_config VALIDATE CONSTRAINT github_token_sealed`);
  });
});
