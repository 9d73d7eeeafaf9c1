import { randomBytes, randomUUID } from 'node:crypto';
import { auditMigrations } from '@socgraph/migrations/audit';
import { secretBoxFromConfig, type SecretBox } from '@socgraph/shared';
import { ok, randomSecret, SERVICE, startTestSubgraph, testPrincipal, type TestSubgraph } from '@socgraph/testkit';
import { auditSubgraph } from '../src';

export { ADMIN, ok, SERVICE } from '@socgraph/testkit';
export const AUDITOR = testPrincipal({ userId: '2', username: 'auditor', role: 'auditor' });
export const ANALYST = testPrincipal({ userId: '3', username: 'analyst', role: 'analyst' });
export const CUSTOMER_USER = testPrincipal({
  userId: '4',
  username: 'customer',
  role: 'customer_user',
  customerCodes: ['ACME'],
});
/** The key stored credentials are sealed with in these tests (tests open them with it). */
export const TEST_SECRETS_KEY = randomBytes(32).toString('base64');
export const testSecretBox = (): SecretBox =>
  secretBoxFromConfig({ SECRETS_ENCRYPTION_KEY: TEST_SECRETS_KEY, SECRETS_KEY_ID: 'k1', SECRETS_PREVIOUS_KEYS: '' });

export async function startAudit(env: NodeJS.ProcessEnv = {}): Promise<TestSubgraph> {
  return startTestSubgraph(auditSubgraph, auditMigrations, {
    AUDIT_SIGNING_KEY: randomSecret(),
    SECRETS_ENCRYPTION_KEY: TEST_SECRETS_KEY,
    ...env,
  });
}

export const RECORD_ENTRIES = `mutation ($entries: [AuditEntryInput!]!) { _recordAuditEntries(entries: $entries) }`;
export const RECORD_AUTH = `mutation ($entries: [AuthEventInput!]!) { _recordAuthEvents(entries: $entries) }`;
export const VERIFY = `query ($chain: AuditChain, $full: Boolean) { verifyAuditChain(chain: $chain, full: $full) { valid checked firstBrokenId } }`;

export function auditEntry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: randomUUID(),
    actor: 'admin',
    action: 'updateCaseStatus',
    resourceType: 'Case',
    resourceId: '42',
    status: 'success',
    before: { status: 'OPEN' },
    after: { status: 'IN_PROGRESS', nested: { b: 1, a: [1, 2] } },
    ipAddress: '10.0.0.1',
    userAgent: 'jest',
    requestId: randomUUID(),
    source: 'incidents',
    ...overrides,
  };
}

export async function recordEntries(audit: TestSubgraph, entries: Record<string, unknown>[]): Promise<number> {
  const data = await ok<{ _recordAuditEntries: number }>(audit, RECORD_ENTRIES, { entries }, SERVICE);
  return data._recordAuditEntries;
}

export async function verify(
  audit: TestSubgraph,
  chain = 'AUDIT_LOG',
  full = false,
): Promise<{ valid: boolean; checked: number; firstBrokenId: string | null }> {
  const data = await ok<{ verifyAuditChain: { valid: boolean; checked: number; firstBrokenId: string | null } }>(
    audit,
    VERIFY,
    { chain, full },
    AUDITOR,
  );
  return data.verifyAuditChain;
}
