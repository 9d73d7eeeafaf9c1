import type { TestSubgraph } from '@socgraph/testkit';
import { ADMIN, ANALYST, AUDITOR, CUSTOMER_USER, ok, SERVICE, startAudit } from './support';

let audit: TestSubgraph;
beforeAll(async () => {
  audit = await startAudit();
});
afterAll(async () => audit?.stop());

describe('security incidents, network flows and data-validation issues', () => {
  it('groups existing security events into an incident that names what they touched', async () => {
    const events = (await audit.dataSource.query(
      `INSERT INTO audit.security_events (username, event_category, severity_level, threat_type, source_ip, target_resource)
       VALUES ('mallory', 'AUTHENTICATION', 'HIGH', 'BRUTE_FORCE', '203.0.113.9', 'login'),
              ('mallory', 'AUTHENTICATION', 'HIGH', 'BRUTE_FORCE', '203.0.113.9', 'api-keys')
       RETURNING id::text AS id`,
    )) as { id: string }[];
    const CREATE = `mutation ($input: CreateSecurityIncidentInput!) {
      createSecurityIncident(input: $input) { securityEventIds affectedResources { kind value } }
    }`;
    const created = await ok<{
      createSecurityIncident: { securityEventIds: string[]; affectedResources: { kind: string; value: string }[] };
    }>(
      audit,
      CREATE,
      { input: { title: 'Guessing', severity: 'HIGH', securityEventIds: events.map((e) => e.id) } },
      ADMIN,
    );
    expect(created.createSecurityIncident.securityEventIds).toEqual(events.map((e) => e.id));
    expect(created.createSecurityIncident.affectedResources).toEqual([
      { kind: 'user', value: 'mallory' },
      { kind: 'ip', value: '203.0.113.9' },
      { kind: 'resource', value: 'login' },
      { kind: 'resource', value: 'api-keys' },
    ]);
    const unknown = await audit.query(
      CREATE,
      { input: { title: 'Nothing', severity: 'LOW', securityEventIds: ['999999'] } },
      ADMIN,
    );
    expect(unknown.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('are stored, listed for auditors, and resolved by admins with notes and a false-positive flag', async () => {
    await ok(
      audit,
      `mutation ($entries: [NetworkFlowInput!]!) { _recordNetworkFlows(entries: $entries) }`,
      {
        entries: [
          {
            sourceIp: '10.0.0.5',
            destinationIp: '198.51.100.1',
            destinationPort: 4444,
            protocol: 'tcp',
            isSuspicious: true,
          },
          { sourceIp: '10.0.0.6', destinationIp: '198.51.100.2', destinationPort: 443, protocol: 'tcp' },
        ],
      },
      SERVICE,
    );
    await ok(
      audit,
      `mutation ($entries: [DataValidationIssueInput!]!) { _recordDataValidationIssues(entries: $entries) }`,
      {
        entries: [
          { source: 'incidents', validationType: 'orphan', severity: 'low', message: 'alert without customer' },
        ],
      },
      SERVICE,
    );
    const flows = await ok<{ networkFlows: { totalCount: number; edges: { node: { id: string } }[] } }>(
      audit,
      `{ networkFlows(filter: { suspicious: true }) { totalCount edges { node { id } } } }`,
      {},
      AUDITOR,
    );
    expect(flows.networkFlows.totalCount).toBe(1);
    const reviewed = await ok<{ reviewNetworkFlow: Record<string, unknown> }>(
      audit,
      `mutation ($input: ResolveFindingInput!) { reviewNetworkFlow(input: $input) { falsePositive analystNotes reviewedBy } }`,
      { input: { id: flows.networkFlows.edges[0]!.node.id, notes: 'backup job', falsePositive: true } },
      ADMIN,
    );
    expect(reviewed.reviewNetworkFlow).toEqual({
      falsePositive: true,
      analystNotes: 'backup job',
      reviewedBy: 'admin',
    });

    const created = await ok<{ createSecurityIncident: { id: string; status: string } }>(
      audit,
      `mutation ($input: CreateSecurityIncidentInput!) { createSecurityIncident(input: $input) { id status } }`,
      { input: { title: 'Suspicious egress', severity: 'HIGH' } },
      ADMIN,
    );
    const RESOLVE = `mutation ($input: ResolveSecurityIncidentInput!) {
      resolveSecurityIncident(input: $input) { status falsePositive analystNotes resolvedBy }
    }`;
    const refused = await audit.query(
      RESOLVE,
      { input: { id: created.createSecurityIncident.id, falsePositive: false } },
      AUDITOR,
    );
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const resolved = await ok<{ resolveSecurityIncident: Record<string, unknown> }>(
      audit,
      RESOLVE,
      { input: { id: created.createSecurityIncident.id, notes: 'contained', falsePositive: false } },
      ADMIN,
    );
    expect(resolved.resolveSecurityIncident).toEqual({
      status: 'RESOLVED',
      falsePositive: false,
      analystNotes: 'contained',
      resolvedBy: 'admin',
    });
    const missing = await audit.query(
      `mutation { resolveDataValidationIssue(input: { id: "999999", falsePositive: false }) { id } }`,
      {},
      ADMIN,
    );
    expect(missing.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    for (const q of [
      '{ securityIncidents { totalCount } }',
      '{ networkFlows { totalCount } }',
      '{ dataValidationIssues { totalCount } }',
    ]) {
      for (const principal of [ANALYST, CUSTOMER_USER]) {
        const result = await audit.query(q, {}, principal);
        expect(result.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
    }
    const issues = await ok<{ dataValidationIssues: { totalCount: number } }>(
      audit,
      `{ dataValidationIssues(filter: { resolved: false, severity: "LOW" }) { totalCount } }`,
      {},
      AUDITOR,
    );
    expect(issues.dataValidationIssues.totalCount).toBe(1);
  });
});
