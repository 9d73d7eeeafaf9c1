import { createHash } from 'node:crypto';
import type { Principal } from '@socgraph/shared';
import type { TestSubgraph } from '@socgraph/testkit';
import { InMemoryCredits } from './credits-double';
import {
  ADMIN,
  ANALYST_C1,
  AUDITOR,
  CUSTOMER_C1,
  CUSTOMER_C2,
  countStatements,
  errorCodes,
  errorFields,
  ok,
  rows,
  SERVICE,
  startAgents,
} from './support';

/**
 * Endpoint agents' vulnerability and SCA reports and collected artefacts: ingestion by admins
 * and the service principal with every check, and the customer scope on every read path.
 */
let agents: TestSubgraph;

const ENV = { AGENT_METRICS_INTERVAL_MS: '0', AGENT_SCHEDULER_TICK_MS: '0' };
const hash = (text: string) => createHash('sha256').update(text).digest('hex');
let fileCounter = 0;
const file = (name = `f-${++fileCounter}`) => ({
  bucketName: 'reports-bucket',
  objectKey: `keys/${name}.pdf`,
  fileName: `${name}.pdf`,
  contentType: 'application/pdf',
  fileSize: 1234,
  fileHash: hash(name).toUpperCase(),
});

async function seedEndpoints(subgraph: TestSubgraph, perCustomer: number, prefix: string): Promise<void> {
  for (const customer of ['C1', 'C2'])
    for (let i = 0; i < perCustomer; i++)
      await subgraph.dataSource.query(
        `INSERT INTO agents.agents (agent_id, hostname, status, customer_code) VALUES ($1, $2, 'active', $3)`,
        [`${prefix}-${customer}-${i}`, `host-${prefix}-${customer}-${i}`, customer],
      );
}

const RECORD_VULN = `mutation ($input: RecordVulnerabilityReportInput!) { recordVulnerabilityReport(input: $input) {
  id reportName customerCode agentId generatedBy severityFilter totalVulnerabilities criticalCount highCount status
  file { bucketName objectKey fileName fileSize fileHash } } }`;
const RECORD_SCA = `mutation ($input: RecordScaReportInput!) { recordScaReport(input: $input) {
  id customerCode agentId totalChecks passedCount failedCount averageScore status } }`;
const RECORD_ARTIFACT = `mutation ($input: RecordEndpointArtifactInput!) { recordEndpointArtifact(input: $input) {
  id agentId artifactName flowId status collectedBy agent { hostname } file { objectKey } } }`;

const vulnInput = (customerCode: string, agentId: string | null, extra: Record<string, unknown> = {}) => ({
  reportName: `vulns ${customerCode} ${agentId ?? 'all'}`,
  customerCode,
  agentId,
  file: file(),
  severityFilter: 'HIGH',
  totalVulnerabilities: 5,
  criticalCount: 1,
  highCount: 2,
  ...extra,
});

const ids: Record<string, string> = {};

beforeAll(async () => {
  agents = await startAgents(new InMemoryCredits(), ENV);
  await seedEndpoints(agents, 2, 'ep');
  for (const customer of ['C1', 'C2']) {
    const vuln = await ok<{ recordVulnerabilityReport: { id: string } }>(agents, RECORD_VULN, {
      input: vulnInput(customer, `ep-${customer}-0`),
    });
    ids[`vuln-${customer}`] = vuln.recordVulnerabilityReport.id;
    const sca = await ok<{ recordScaReport: { id: string } }>(
      agents,
      RECORD_SCA,
      {
        input: {
          reportName: `sca ${customer}`,
          customerCode: customer,
          agentId: `ep-${customer}-0`,
          file: file(),
          totalPolicies: 1,
          totalChecks: 10,
          passedCount: 7,
          failedCount: 3,
          averageScore: 70,
        },
      },
      SERVICE,
    );
    ids[`sca-${customer}`] = sca.recordScaReport.id;
    const artifact = await ok<{ recordEndpointArtifact: { id: string } }>(
      agents,
      RECORD_ARTIFACT,
      {
        input: { agentId: `ep-${customer}-0`, artifactName: 'Windows.KapeFiles.Targets', flowId: 'F.1', file: file() },
      },
      SERVICE,
    );
    ids[`artifact-${customer}`] = artifact.recordEndpointArtifact.id;
  }
  // A customer-wide report, about no agent.
  await ok(agents, RECORD_VULN, { input: vulnInput('C1', null) });
});
afterAll(async () => agents.stop());

describe('ingestion', () => {
  it('records reports and artefacts with their files and counters', async () => {
    const data = await ok<{ recordVulnerabilityReport: Record<string, unknown> }>(agents, RECORD_VULN, {
      input: vulnInput('C2', 'ep-C2-1', { file: { ...file('mine'), fileSize: 6_000_000_000 } }),
    });
    expect(data.recordVulnerabilityReport).toMatchObject({
      customerCode: 'C2',
      agentId: 'ep-C2-1',
      generatedBy: 'admin',
      severityFilter: 'HIGH',
      totalVulnerabilities: 5,
      status: 'COMPLETED',
      file: {
        bucketName: 'reports-bucket',
        objectKey: 'keys/mine.pdf',
        fileSize: 6_000_000_000,
        fileHash: hash('mine'),
      },
    });
    const [row] = await rows<{ severity_filter: string; file_hash: string; file_size: string }>(
      agents,
      `SELECT severity_filter, file_hash, file_size FROM agents.vulnerability_reports WHERE id = $1`,
      [Number((data.recordVulnerabilityReport as { id: string }).id)],
    );
    expect(row).toEqual({ severity_filter: 'High', file_hash: hash('mine'), file_size: '6000000000' });
    const [artifact] = await rows<{ collected_by: string; artifact_name: string }>(
      agents,
      `SELECT collected_by, artifact_name FROM agents.agent_datastore WHERE id = $1`,
      [Number(ids['artifact-C1'])],
    );
    expect(artifact).toEqual({ collected_by: 'service:test', artifact_name: 'Windows.KapeFiles.Targets' });
  });

  it('refuses bad input with the field, duplicates with CONFLICT, unknown agents with NOT_FOUND', async () => {
    const cases: [string, Record<string, unknown>, string, string][] = [
      [RECORD_VULN, vulnInput('C1', 'ep-C2-0'), 'BAD_USER_INPUT', 'input.agentId'],
      [RECORD_VULN, vulnInput('C1', null, { highCount: 9 }), 'BAD_USER_INPUT', 'input.totalVulnerabilities'],
      [RECORD_VULN, vulnInput('C1', null, { criticalCount: -1 }), 'BAD_USER_INPUT', 'input.criticalCount'],
      [RECORD_VULN, vulnInput('C1', null, { status: 'FAILED' }), 'BAD_USER_INPUT', 'input.errorMessage'],
      [
        RECORD_VULN,
        vulnInput('C1', null, { file: { ...file(), fileHash: 'not-a-hash' } }),
        'BAD_USER_INPUT',
        'input.file.fileHash',
      ],
      [
        RECORD_VULN,
        vulnInput('C1', null, { file: { ...file(), bucketName: 'Bad_Bucket' } }),
        'BAD_USER_INPUT',
        'input.file.bucketName',
      ],
      [
        RECORD_VULN,
        vulnInput('C1', null, { generatedAt: new Date(Date.now() + 86_400_000).toISOString() }),
        'BAD_USER_INPUT',
        'input.generatedAt',
      ],
    ];
    for (const [query, input, code, field] of cases) {
      const result = await agents.query(query, { input }, ADMIN);
      expect(errorCodes(result)).toEqual([code]);
      expect(errorFields(result)).toEqual([field]);
    }
    const taken = await agents.query(
      RECORD_VULN,
      { input: vulnInput('C1', null, { file: { ...file(), objectKey: 'keys/mine.pdf' } }) },
      ADMIN,
    );
    expect(errorCodes(taken)).toEqual(['CONFLICT']);
    const scaCounts = await agents.query(
      RECORD_SCA,
      {
        input: { reportName: 'x', customerCode: 'C1', file: file(), totalPolicies: 1, totalChecks: 2, passedCount: 3 },
      },
      ADMIN,
    );
    expect(errorFields(scaCounts)).toEqual(['input.totalChecks']);
    const noAgent = await agents.query(
      RECORD_ARTIFACT,
      { input: { agentId: 'nope', artifactName: 'x', file: file() } },
      ADMIN,
    );
    expect(errorCodes(noAgent)).toEqual(['NOT_FOUND']);
    const sameFlow = await agents.query(
      RECORD_ARTIFACT,
      { input: { agentId: 'ep-C1-0', artifactName: 'Windows.KapeFiles.Targets', flowId: 'F.1', file: file() } },
      ADMIN,
    );
    expect(errorCodes(sameFlow)).toEqual(['CONFLICT']);
  });

  it('is for admins and the service principal only', async () => {
    for (const principal of [CUSTOMER_C1, ANALYST_C1, AUDITOR]) {
      const result = await agents.query(RECORD_VULN, { input: vulnInput('C1', null) }, principal);
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
    }
  });
});

describe('reads in the customer scope', () => {
  const LISTS = `query ($filter: EndpointReportFilter) {
    vulnerabilityReports(first: 100, filter: $filter) { totalCount edges { node { customerCode agentId } } }
    scaReports(first: 100, filter: $filter) { totalCount edges { node { customerCode } } }
    endpointArtifacts(first: 100) { totalCount edges { node { agentId agent { customerCode } } } } }`;
  type Lists = {
    vulnerabilityReports: { totalCount: number; edges: { node: { customerCode: string } }[] };
    scaReports: { totalCount: number; edges: { node: { customerCode: string } }[] };
    endpointArtifacts: { totalCount: number; edges: { node: { agentId: string } }[] };
  };

  it('lists only the caller’s customers', async () => {
    const c1 = await ok<Lists>(agents, LISTS, {}, CUSTOMER_C1);
    expect(new Set(c1.vulnerabilityReports.edges.map((e) => e.node.customerCode))).toEqual(new Set(['C1']));
    expect(c1.vulnerabilityReports.totalCount).toBe(2);
    expect(c1.scaReports.edges.map((e) => e.node.customerCode)).toEqual(['C1']);
    expect(c1.endpointArtifacts.edges.map((e) => e.node.agentId)).toEqual(['ep-C1-0']);
    const c1AsksC2 = await ok<Lists>(agents, LISTS, { filter: { customerCode: 'C2' } }, CUSTOMER_C1);
    expect(c1AsksC2.vulnerabilityReports.totalCount).toBe(0);
    expect(c1AsksC2.scaReports.totalCount).toBe(0);
    const auditor = await ok<Lists>(agents, LISTS, {}, AUDITOR);
    expect([auditor.vulnerabilityReports.totalCount, auditor.scaReports.totalCount]).toEqual([0, 0]);
    expect(auditor.endpointArtifacts.totalCount).toBe(0);
    const admin = await ok<Lists>(agents, LISTS, { filter: { agentId: 'ep-C2-0' } }, ADMIN);
    expect(admin.vulnerabilityReports.totalCount).toBe(1);
    expect(admin.endpointArtifacts.totalCount).toBe(2);
  });

  it('answers single fetches with null outside the scope', async () => {
    const SINGLE = `query ($v: ID!, $s: ID!, $a: ID!) { vulnerabilityReport(id: $v) { id } scaReport(id: $s) { id } endpointArtifact(id: $a) { id } }`;
    const vars = { v: ids['vuln-C1'], s: ids['sca-C1'], a: ids['artifact-C1'] };
    expect(await ok(agents, SINGLE, vars, CUSTOMER_C1)).toEqual({
      vulnerabilityReport: { id: ids['vuln-C1'] },
      scaReport: { id: ids['sca-C1'] },
      endpointArtifact: { id: ids['artifact-C1'] },
    });
    const none = { vulnerabilityReport: null, scaReport: null, endpointArtifact: null };
    expect(await ok(agents, SINGLE, vars, CUSTOMER_C2)).toEqual(none);
    expect(await ok(agents, SINGLE, { v: 'x', s: '999999', a: '-1' }, ADMIN)).toEqual(none);
  });

  const NESTED = `vulnerabilityReports { totalCount edges { node { id } } } scaReports { totalCount } artifacts { totalCount edges { node { artifactName } } }`;

  it('nests them under endpoint agents, also resolved as entities', async () => {
    const list = await ok<{
      endpointAgents: {
        edges: {
          node: { agentId: string; vulnerabilityReports: { totalCount: number }; artifacts: { totalCount: number } };
        }[];
      };
    }>(agents, `{ endpointAgents { edges { node { agentId ${NESTED} } } } }`, {}, CUSTOMER_C1);
    const byId = Object.fromEntries(list.endpointAgents.edges.map((e) => [e.node.agentId, e.node]));
    expect(Object.keys(byId).sort()).toEqual(['ep-C1-0', 'ep-C1-1']);
    expect(byId['ep-C1-0']).toMatchObject({
      vulnerabilityReports: { totalCount: 1, edges: [{ node: { id: ids['vuln-C1'] } }] },
      scaReports: { totalCount: 1 },
      artifacts: { totalCount: 1, edges: [{ node: { artifactName: 'Windows.KapeFiles.Targets' } }] },
    });
    expect(byId['ep-C1-1']).toMatchObject({ vulnerabilityReports: { totalCount: 0 }, artifacts: { totalCount: 0 } });

    const entities = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on EndpointAgent { agentId ${NESTED} } } }`;
    const r = [
      { __typename: 'EndpointAgent', agentId: 'ep-C1-0' },
      { __typename: 'EndpointAgent', agentId: 'ep-C2-0' },
    ];
    const asC2 = await ok<{ _entities: ({ agentId: string; scaReports: { totalCount: number } } | null)[] }>(
      agents,
      entities,
      { r },
      CUSTOMER_C2,
    );
    expect(asC2._entities[0]).toBeNull();
    expect(asC2._entities[1]).toMatchObject({ agentId: 'ep-C2-0', scaReports: { totalCount: 1 } });
  });

  it('pages nested reports by keyset and refuses bad page arguments', async () => {
    for (let i = 0; i < 3; i++) await ok(agents, RECORD_VULN, { input: vulnInput('C1', 'ep-C1-1') });
    const page = `query ($after: String) { endpointAgent(agentId: "ep-C1-1") { vulnerabilityReports(first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }`;
    type Page = {
      endpointAgent: {
        vulnerabilityReports: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean; endCursor: string };
          edges: { node: { id: string } }[];
        };
      };
    };
    const first = await ok<Page>(agents, page, {}, CUSTOMER_C1);
    expect(first.endpointAgent.vulnerabilityReports).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    const second = await ok<Page>(
      agents,
      page,
      { after: first.endpointAgent.vulnerabilityReports.pageInfo.endCursor },
      CUSTOMER_C1,
    );
    expect(second.endpointAgent.vulnerabilityReports.edges).toHaveLength(1);
    const seen = [
      ...first.endpointAgent.vulnerabilityReports.edges,
      ...second.endpointAgent.vulnerabilityReports.edges,
    ];
    expect(new Set(seen.map((e) => e.node.id)).size).toBe(3);
    const bad = await agents.query(page, { after: 'garbage!' }, CUSTOMER_C1);
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
  });
});

it('costs the same statements at 5 and 50 endpoint agents with their reports and artefacts', async () => {
  const fresh = await startAgents(new InMemoryCredits(), ENV);
  try {
    await seedEndpoints(fresh, 30, 'big');
    await fresh.dataSource.query(`
      INSERT INTO agents.vulnerability_reports (report_name, customer_code, agent_id, bucket_name, object_key, file_name, file_size, file_hash, generated_by)
      SELECT 'r', e.customer_code, e.agent_id, 'bulk-bucket', 'v/' || e.agent_id || '/' || n, 'r.pdf', 1, repeat('a', 64), 'test'
        FROM agents.agents e CROSS JOIN generate_series(1, 2) n`);
    await fresh.dataSource.query(`
      INSERT INTO agents.sca_reports (report_name, customer_code, agent_id, bucket_name, object_key, file_name, file_size, file_hash, generated_by)
      SELECT 'r', e.customer_code, e.agent_id, 'bulk-bucket', 's/' || e.agent_id, 'r.pdf', 1, repeat('b', 64), 'test' FROM agents.agents e`);
    await fresh.dataSource.query(`
      INSERT INTO agents.agent_datastore (agent_id, artifact_name, bucket_name, object_key, file_name, file_size, file_hash, collected_by)
      SELECT e.agent_id, 'A', 'bulk-bucket', 'a/' || e.agent_id, 'a.zip', 1, repeat('c', 64), 'test' FROM agents.agents e`);
    const query = `query ($first: Int) { endpointAgents(first: $first) { totalCount edges { node { agentId
      vulnerabilityReports(first: 5) { totalCount edges { node { id file { objectKey } } } }
      scaReports { edges { node { id } } } artifacts { totalCount edges { node { id agent { agentId } } } } } } } }`;
    const measure = async (first: number, principal: Principal) => {
      const run = await countStatements(fresh, query, { first }, principal);
      expect(run.result.body.errors).toBeUndefined();
      return run.statements;
    };
    const small = await measure(5, CUSTOMER_C1);
    const large = await measure(50, ADMIN);
    expect(small).toBe(large);
  } finally {
    await fresh.stop();
  }
});

describe('status changes', () => {
  const SET_VULN = `mutation ($id: ID!, $status: EndpointReportStatus!, $errorMessage: String) {
    setVulnerabilityReportStatus(id: $id, status: $status, errorMessage: $errorMessage) { id status errorMessage } }`;
  const SET_ARTIFACT = `mutation ($id: ID!, $status: EndpointArtifactStatus!) {
    setEndpointArtifactStatus(id: $id, status: $status) { id status } }`;

  it('moves a pending report on to generating and completed, then refuses to move a finished one', async () => {
    const created = await ok<{ recordVulnerabilityReport: { id: string; status: string } }>(agents, RECORD_VULN, {
      input: vulnInput('C1', 'ep-C1-1', { status: 'PENDING' }),
    });
    const id = created.recordVulnerabilityReport.id;
    expect(created.recordVulnerabilityReport.status).toBe('PENDING');
    const generating = await ok<{ setVulnerabilityReportStatus: unknown }>(
      agents,
      SET_VULN,
      { id, status: 'GENERATING' },
      SERVICE,
    );
    expect(generating.setVulnerabilityReportStatus).toEqual({ id, status: 'GENERATING', errorMessage: null });
    const noReason = await agents.query(SET_VULN, { id, status: 'FAILED' }, SERVICE);
    expect(errorCodes(noReason)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(noReason)).toEqual(['errorMessage']);
    const failed = await ok<{ setVulnerabilityReportStatus: unknown }>(
      agents,
      SET_VULN,
      { id, status: 'FAILED', errorMessage: 'scanner timed out' },
      SERVICE,
    );
    expect(failed.setVulnerabilityReportStatus).toEqual({ id, status: 'FAILED', errorMessage: 'scanner timed out' });
    const again = await agents.query(SET_VULN, { id, status: 'COMPLETED' }, SERVICE);
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    const [row] = await rows<{ status: string }>(
      agents,
      `SELECT status FROM agents.vulnerability_reports WHERE id = $1`,
      [Number(id)],
    );
    expect(row?.status).toBe('failed');
  });

  it('two collectors racing to finish one artefact: one wins, the other is CONFLICT', async () => {
    const created = await ok<{ recordEndpointArtifact: { id: string } }>(
      agents,
      RECORD_ARTIFACT,
      {
        input: {
          agentId: 'ep-C2-1',
          artifactName: 'Linux.Triage',
          flowId: 'F.race',
          file: file(),
          status: 'COLLECTING',
        },
      },
      SERVICE,
    );
    const id = created.recordEndpointArtifact.id;
    const results = await Promise.all(
      ['COMPLETED', 'FAILED'].map((status) => agents.query(SET_ARTIFACT, { id, status }, SERVICE)),
    );
    expect(results.map((r) => errorCodes(r).join() || 'ok').sort()).toEqual(['CONFLICT', 'ok']);
  });

  it('is FORBIDDEN for every role but admins and the service principal, NOT_FOUND for an unknown id', async () => {
    const analystC1 = await agents.query(SET_VULN, { id: ids['vuln-C2'], status: 'GENERATING' }, ANALYST_C1);
    expect(errorCodes(analystC1)).toEqual(['FORBIDDEN']);
    const auditor = await agents.query(SET_ARTIFACT, { id: ids['artifact-C1'], status: 'FAILED' }, AUDITOR);
    expect(errorCodes(auditor)).toEqual(['FORBIDDEN']);
    const unknown = await agents.query(SET_VULN, { id: '999999', status: 'GENERATING' }, ADMIN);
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
  });
});

describe('deletion', () => {
  const DELETE_ARTIFACT = `mutation ($id: ID!) { deleteEndpointArtifact(id: $id) { id status } }`;
  const SET_ARTIFACT = `mutation ($id: ID!, $status: EndpointArtifactStatus!) {
    setEndpointArtifactStatus(id: $id, status: $status) { id status } }`;
  const collecting = async (flowId: string) =>
    (
      await ok<{ recordEndpointArtifact: { id: string } }>(
        agents,
        RECORD_ARTIFACT,
        { input: { agentId: 'ep-C1-1', artifactName: 'Linux.Triage', flowId, file: file(), status: 'COLLECTING' } },
        SERVICE,
      )
    ).recordEndpointArtifact.id;

  it('is the admins’ alone: the collectors that record them may not delete them', async () => {
    for (const principal of [SERVICE, ANALYST_C1, CUSTOMER_C1, AUDITOR])
      for (const [query, id] of [
        [`mutation ($id: ID!) { deleteVulnerabilityReport(id: $id) { id } }`, ids['vuln-C1']],
        [`mutation ($id: ID!) { deleteScaReport(id: $id) { id } }`, ids['sca-C1']],
        [DELETE_ARTIFACT, ids['artifact-C1']],
      ] as const)
        expect(errorCodes(await agents.query(query, { id }, principal))).toEqual(['FORBIDDEN']);
    expect(
      await rows(agents, `SELECT 1 FROM agents.agent_datastore WHERE id = $1`, [Number(ids['artifact-C1'])]),
    ).toHaveLength(1);
  });

  it('racing the collector’s finish, a deletion is refused while it collects and goes through once it is done', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await collecting(`F.del-${round}`);
      const [finish, remove] = await Promise.all([
        agents.query(SET_ARTIFACT, { id, status: 'COMPLETED' }, SERVICE),
        agents.query(DELETE_ARTIFACT, { id }, ADMIN),
      ]);
      const outcome = [errorCodes(finish).join() || 'ok', errorCodes(remove).join() || 'ok'];
      // Finished then deleted, or refused while collecting: never a deletion under a collector at work.
      expect([
        ['ok', 'ok'],
        ['ok', 'CONFLICT'],
      ]).toContainEqual(outcome);
      const left = await rows(agents, `SELECT status FROM agents.agent_datastore WHERE id = $1`, [Number(id)]);
      expect(left).toEqual(outcome[1] === 'ok' ? [] : [{ status: 'completed' }]);
    }
  });
});
