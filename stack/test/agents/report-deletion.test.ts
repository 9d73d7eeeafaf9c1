import { createHash } from 'node:crypto';
import { createCustomers, createUser, errorCodes, startGraph, type Graph } from '../incidents/support';

/**
 * Deleting endpoint agents' vulnerability reports, SCA reports and collected artefacts through
 * the gateway: admins only, NOT_FOUND for what is not there, CONFLICT while a collector still
 * works on it, the row gone afterwards, and an audit entry for every attempt.
 */
let graph: Graph;
let customer: { token: string };
let analyst: { token: string };
let auditor: { token: string };
const AGENT = 'gw-del-host';

let fileCounter = 0;
const file = () => {
  const name = `deletion-${++fileCounter}`;
  return {
    bucketName: 'reports-bucket',
    objectKey: `keys/${name}.pdf`,
    fileName: `${name}.pdf`,
    fileSize: 100,
    fileHash: createHash('sha256').update(name).digest('hex'),
  };
};

const RECORD_VULN = `mutation ($input: RecordVulnerabilityReportInput!) { recordVulnerabilityReport(input: $input) { id } }`;
const RECORD_SCA = `mutation ($input: RecordScaReportInput!) { recordScaReport(input: $input) { id } }`;
const RECORD_ARTIFACT = `mutation ($input: RecordEndpointArtifactInput!) { recordEndpointArtifact(input: $input) { id } }`;
const DELETE_VULN = `mutation ($id: ID!) { deleteVulnerabilityReport(id: $id) { id reportName status file { bucketName objectKey } } }`;
const DELETE_SCA = `mutation ($id: ID!) { deleteScaReport(id: $id) { id status } }`;
const DELETE_ARTIFACT = `mutation ($id: ID!) { deleteEndpointArtifact(id: $id) { id status agent { agentId } file { objectKey } } }`;

async function vulnReport(status: string): Promise<string> {
  const data = await graph.admin<{ recordVulnerabilityReport: { id: string } }>(RECORD_VULN, {
    input: {
      reportName: `vulns ${status}`,
      customerCode: 'C1',
      agentId: AGENT,
      file: file(),
      totalVulnerabilities: 1,
      status,
    },
  });
  return data.recordVulnerabilityReport.id;
}
async function scaReport(status: string): Promise<string> {
  const data = await graph.admin<{ recordScaReport: { id: string } }>(RECORD_SCA, {
    input: { reportName: `sca ${status}`, customerCode: 'C1', file: file(), totalPolicies: 1, totalChecks: 2, status },
  });
  return data.recordScaReport.id;
}
async function artifact(status: string): Promise<string> {
  const data = await graph.admin<{ recordEndpointArtifact: { id: string } }>(RECORD_ARTIFACT, {
    input: {
      agentId: AGENT,
      artifactName: `Windows.Triage.${status}`,
      flowId: `F.${++fileCounter}`,
      file: file(),
      status,
    },
  });
  return data.recordEndpointArtifact.id;
}

const stored = async (table: string, id: string) =>
  (await graph.stack.dataSource('agents').query(`SELECT id FROM agents.${table} WHERE id = $1`, [Number(id)])).length;

beforeAll(async () => {
  graph = await startGraph();
  await createCustomers(graph, ['C1']);
  customer = await createUser(graph, { username: 'del_customer', role: 'customer_user', customerCodes: ['C1'] });
  analyst = await createUser(graph, { username: 'del_analyst', role: 'analyst', customerCodes: ['C1'] });
  auditor = await createUser(graph, { username: 'del_auditor', role: 'auditor' });
  await graph.stack
    .dataSource('agents')
    .query(`INSERT INTO agents.agents (agent_id, hostname, status, customer_code) VALUES ($1, $1, 'active', 'C1')`, [
      AGENT,
    ]);
});
afterAll(async () => {
  await graph?.stack.stop();
});

describe('deleting reports and artefacts through the gateway', () => {
  it('lets admins only delete a vulnerability report, returns it with its file, and leaves no row', async () => {
    const id = await vulnReport('COMPLETED');
    // The customer user reads it; neither it, the analyst nor the auditor may delete it.
    const read = await graph.as<{ vulnerabilityReport: { id: string } | null }>(
      customer.token,
      `query ($id: ID!) { vulnerabilityReport(id: $id) { id } }`,
      { id },
    );
    expect(read.body.data?.vulnerabilityReport).toEqual({ id });
    for (const token of [customer.token, analyst.token, auditor.token])
      expect(errorCodes(await graph.as(token, DELETE_VULN, { id }))).toEqual(['FORBIDDEN']);
    expect(await stored('vulnerability_reports', id)).toBe(1);

    const deleted = await graph.admin<{ deleteVulnerabilityReport: Record<string, unknown> }>(DELETE_VULN, { id });
    expect(deleted.deleteVulnerabilityReport).toMatchObject({
      id,
      reportName: 'vulns COMPLETED',
      status: 'COMPLETED',
      file: { bucketName: 'reports-bucket', objectKey: expect.stringMatching(/^keys\/deletion-\d+\.pdf$/) },
    });
    expect(await stored('vulnerability_reports', id)).toBe(0);
    const after = await graph.as<{ vulnerabilityReport: unknown }>(
      graph.adminToken,
      `query ($id: ID!) { vulnerabilityReport(id: $id) { id } }`,
      { id },
    );
    expect(after.body.data?.vulnerabilityReport).toBeNull();
    for (const missing of [id, '999999', 'not-an-id'])
      expect(errorCodes(await graph.as(graph.adminToken, DELETE_VULN, { id: missing }))).toEqual(['NOT_FOUND']);
  });

  it('refuses one still being generated or collected with CONFLICT, and deletes it once finished', async () => {
    const generating = await vulnReport('GENERATING');
    expect(errorCodes(await graph.as(graph.adminToken, DELETE_VULN, { id: generating }))).toEqual(['CONFLICT']);
    expect(await stored('vulnerability_reports', generating)).toBe(1);
    await graph.admin(
      `mutation ($id: ID!) { setVulnerabilityReportStatus(id: $id, status: FAILED, errorMessage: "scanner gone") { id } }`,
      { id: generating },
    );
    expect(await graph.admin(DELETE_VULN, { id: generating })).toMatchObject({
      deleteVulnerabilityReport: { id: generating, status: 'FAILED' },
    });

    const sca = await scaReport('GENERATING');
    expect(errorCodes(await graph.as(graph.adminToken, DELETE_SCA, { id: sca }))).toEqual(['CONFLICT']);
    const scaDone = await scaReport('COMPLETED');
    expect(await graph.admin(DELETE_SCA, { id: scaDone })).toEqual({
      deleteScaReport: { id: scaDone, status: 'COMPLETED' },
    });
    expect([await stored('sca_reports', sca), await stored('sca_reports', scaDone)]).toEqual([1, 0]);
    expect(errorCodes(await graph.as(customer.token, DELETE_SCA, { id: sca }))).toEqual(['FORBIDDEN']);

    const collecting = await artifact('COLLECTING');
    expect(errorCodes(await graph.as(graph.adminToken, DELETE_ARTIFACT, { id: collecting }))).toEqual(['CONFLICT']);
    // Asked for and not started: nothing is writing it, so it may go (the collector then finds it gone).
    const pending = await artifact('PENDING');
    expect(await graph.admin(DELETE_ARTIFACT, { id: pending })).toMatchObject({
      deleteEndpointArtifact: { id: pending, status: 'PENDING', agent: { agentId: AGENT } },
    });
    expect([await stored('agent_datastore', collecting), await stored('agent_datastore', pending)]).toEqual([1, 0]);
    expect(
      errorCodes(
        await graph.as(
          graph.adminToken,
          `mutation ($id: ID!) { setEndpointArtifactStatus(id: $id, status: COLLECTING) { id } }`,
          { id: pending },
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    expect(errorCodes(await graph.as(analyst.token, DELETE_ARTIFACT, { id: collecting }))).toEqual(['FORBIDDEN']);
  });

  it('leaves an audit entry for each deletion, with the row as it was, and for each refusal', async () => {
    const id = await artifact('COMPLETED');
    await graph.admin(DELETE_ARTIFACT, { id });
    await graph.stack.flushAudit();
    type Entries = {
      auditLog: {
        edges: {
          node: { actor: string; status: string; resourceType: string; resourceId: string | null; before: unknown };
        }[];
      };
    };
    const trail = await graph.admin<Entries>(
      `query ($action: String!) { auditLog(first: 50, filter: { action: $action }) { edges { node {
        actor status resourceType resourceId before } } } }`,
      { action: 'deleteEndpointArtifact' },
    );
    const entries = trail.auditLog.edges.map((e) => e.node);
    expect(entries).toEqual(
      expect.arrayContaining([
        {
          actor: 'admin',
          status: 'success',
          resourceType: 'EndpointArtifact',
          resourceId: id,
          before: expect.objectContaining({ agent_id: AGENT, artifact_name: 'Windows.Triage.COMPLETED' }),
        },
        expect.objectContaining({ actor: 'admin', status: 'failure' }),
        expect.objectContaining({ actor: 'del_analyst', status: 'failure' }),
      ]),
    );
    const reports = await graph.admin<Entries>(
      `query { auditLog(first: 50, filter: { action: "deleteVulnerabilityReport", resourceType: "VulnerabilityReport" }) {
        edges { node { actor status resourceType resourceId before } } } }`,
    );
    expect(reports.auditLog.edges.filter((e) => e.node.status === 'success')).toHaveLength(2);
  });
});
