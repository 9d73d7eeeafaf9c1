import { randomUUID } from 'node:crypto';
import { requestScope } from '@socgraph/shared';
import { testPrincipal } from '@socgraph/testkit';
import {
  createAlert,
  createCustomers,
  createTags,
  createUser,
  errorCodes,
  setTagAccess,
  startGraph,
  type Graph,
} from './support';

let graph: Graph;
let tags: Record<string, string>;
let analyst: { id: string; token: string };
let acmeNetwork: string;
let acmeVip: string;
let globexAlert: string;

beforeAll(async () => {
  graph = await startGraph();
  await createCustomers(graph, ['ACME', 'GLOBEX']);
  tags = await createTags(graph, ['network', 'vip']);
  analyst = await createUser(graph, {
    username: 'ana',
    role: 'analyst',
    customerCodes: ['ACME'],
    tagIds: [tags.network!],
  });
  await setTagAccess(graph, { enabled: true, untaggedAlertBehavior: 'ADMIN_ONLY' });
  acmeNetwork = await createAlert(graph, { name: 'net', customerCode: 'ACME', tagIds: [tags.network!] });
  acmeVip = await createAlert(graph, { name: 'vip', customerCode: 'ACME', tagIds: [tags.vip!] });
  globexAlert = await createAlert(graph, { name: 'globex', customerCode: 'GLOBEX', tagIds: [tags.network!] });
});
afterAll(async () => graph?.stack.stop());

const CREATE = `mutation ($input: CreateCaseInput!) { createCase(input: $input) { id name status customer { code } alerts { id } } }`;
const db = () => graph.stack.dataSource('incidents');

describe('cases', () => {
  it('are created with alerts of their customer; a case lists only the alerts its reader may see', async () => {
    const created = await graph.admin<{ createCase: { id: string; alerts: { id: string }[] } }>(CREATE, {
      input: { name: 'Lateral movement', customerCode: 'ACME', alertIds: [acmeNetwork, acmeVip], assignedTo: 'ana' },
    });
    expect(created.createCase.alerts.map((a) => a.id).sort()).toEqual([acmeNetwork, acmeVip].sort());
    const asAnalyst = await graph.as<{ case: { alerts: { id: string }[]; assignee: { username: string } } }>(
      analyst.token,
      `query ($id: ID!) { case(id: $id) { alerts { id } assignee { username } } }`,
      { id: created.createCase.id },
    );
    expect(asAnalyst.body.data?.case).toEqual({ alerts: [{ id: acmeNetwork }], assignee: { username: 'ana' } });
  });

  it('refuses alerts of another customer, unknown alerts and bad input, writing nothing', async () => {
    const before = Number((await db().query(`SELECT count(*)::int AS n FROM incidents.incident_management_case`))[0].n);
    const tries: [Record<string, unknown>, string][] = [
      [{ alertIds: [globexAlert] }, 'BAD_USER_INPUT'],
      [{ alertIds: ['999999'] }, 'NOT_FOUND'],
      [{ name: 'x'.repeat(256) }, 'BAD_USER_INPUT'],
      [{ assignedTo: 'not a username' }, 'BAD_USER_INPUT'],
    ];
    for (const [override, code] of tries) {
      const result = await graph.as(graph.adminToken, CREATE, {
        input: { name: 'c', customerCode: 'ACME', ...override },
      });
      expect(errorCodes(result)).toEqual([code]);
    }
    // an alert the analyst cannot see is NOT_FOUND to it, not FORBIDDEN
    const hidden = await graph.as(analyst.token, CREATE, {
      input: { name: 'c', customerCode: 'ACME', alertIds: [acmeVip] },
    });
    expect(errorCodes(hidden)).toEqual(['NOT_FOUND']);
    expect(Number((await db().query(`SELECT count(*)::int AS n FROM incidents.incident_management_case`))[0].n)).toBe(
      before,
    );
  });

  it('link, unlink, change status, comment and record files', async () => {
    const { createCase } = await graph.admin<{ createCase: { id: string } }>(CREATE, {
      input: { name: 'Phish', customerCode: 'ACME', alertIds: [acmeNetwork] },
    });
    const id = createCase.id;
    const linked = await graph.as(
      analyst.token,
      `mutation ($c: ID!, $a: ID!) { linkAlertToCase(caseId: $c, alertId: $a) { alerts { id } } }`,
      { c: id, a: acmeVip },
    );
    expect(errorCodes(linked)).toEqual(['NOT_FOUND']);
    const byAdmin = await graph.as(
      graph.adminToken,
      `mutation ($c: ID!, $a: ID!) { linkAlertToCase(caseId: $c, alertId: $a) { alerts { id } } }`,
      { c: id, a: globexAlert },
    );
    expect(errorCodes(byAdmin)).toEqual(['BAD_USER_INPUT']);
    const unlink = await graph.as(
      graph.adminToken,
      `mutation ($c: ID!, $a: ID!) { unlinkAlertFromCase(caseId: $c, alertId: $a) { alerts { id } } }`,
      {
        c: id,
        a: acmeNetwork,
      },
    );
    expect(unlink.body.data).toEqual({ unlinkAlertFromCase: { alerts: [] } });
    await graph.admin(`mutation ($c: ID!, $a: ID!) { linkAlertToCase(caseId: $c, alertId: $a) { id } }`, {
      c: id,
      a: acmeNetwork,
    });

    const STATUS = `mutation ($id: ID!, $s: CaseStatus!) { updateCaseStatus(id: $id, status: $s) { status closedAt } }`;
    const closed = await graph.as<{ updateCaseStatus: { status: string; closedAt: string | null } }>(
      analyst.token,
      STATUS,
      { id, s: 'CLOSED' },
    );
    expect(closed.body.data?.updateCaseStatus.status).toBe('CLOSED');
    expect(closed.body.data?.updateCaseStatus.closedAt).not.toBeNull();
    expect(errorCodes(await graph.as(analyst.token, STATUS, { id, s: 'IN_PROGRESS' }))).toEqual(['BAD_USER_INPUT']);
    expect((await graph.as(analyst.token, STATUS, { id, s: 'OPEN' })).body.data).toEqual({
      updateCaseStatus: { status: 'OPEN', closedAt: null },
    });

    const comment = await graph.as(
      analyst.token,
      `mutation ($id: ID!) { addCaseComment(caseId: $id, comment: "Contained") { comment userName } }`,
      { id },
    );
    expect(comment.body.data).toEqual({ addCaseComment: { comment: 'Contained', userName: 'ana' } });

    const FILE = `mutation ($input: CaseFileInput!) { addCaseFile(input: $input) { fileName fileSize fileHash } }`;
    const file = {
      caseId: id,
      bucketName: 'cases',
      objectKey: `acme/${id}/mail.eml`,
      fileName: 'mail.eml',
      contentType: 'message/rfc822',
      fileSize: 2048,
      fileHash: 'AB'.repeat(32),
    };
    expect((await graph.as(analyst.token, FILE, { input: file })).body.data).toEqual({
      addCaseFile: { fileName: 'mail.eml', fileSize: 2048, fileHash: 'ab'.repeat(32) },
    });
    expect(errorCodes(await graph.as(analyst.token, FILE, { input: file }))).toEqual(['CONFLICT']);
    expect(
      errorCodes(await graph.as(analyst.token, FILE, { input: { ...file, objectKey: 'other', fileHash: 'not-hex' } })),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      errorCodes(await graph.as(analyst.token, FILE, { input: { ...file, objectKey: 'other2', fileSize: -1 } })),
    ).toEqual(['BAD_USER_INPUT']);
    const read = await graph.as<{ case: { files: { fileName: string }[]; comments: { comment: string }[] } }>(
      analyst.token,
      `query ($id: ID!) { case(id: $id) { files { fileName } comments { comment } } }`,
      { id },
    );
    expect(read.body.data?.case).toEqual({ files: [{ fileName: 'mail.eml' }], comments: [{ comment: 'Contained' }] });
  });

  it('hide a case whose alerts the reader may not see, everywhere', async () => {
    const { createCase } = await graph.admin<{ createCase: { id: string } }>(CREATE, {
      input: { name: 'VIP only', customerCode: 'ACME', alertIds: [acmeVip] },
    });
    const id = createCase.id;
    const read = await graph.as<{ case: unknown; cases: { edges: { node: { id: string } }[] } }>(
      analyst.token,
      `query ($id: ID!) { case(id: $id) { id } cases { edges { node { id } } } }`,
      { id },
    );
    expect(read.body.data?.case).toBeNull();
    expect(read.body.data?.cases.edges.map((e) => e.node.id)).not.toContain(id);
    expect(
      errorCodes(
        await graph.as(analyst.token, `mutation ($id: ID!) { addCaseComment(caseId: $id, comment: "x") { id } }`, {
          id,
        }),
      ),
    ).toEqual(['NOT_FOUND']);
  });

  it('lists with a constant number of statements as the page grows', async () => {
    const [row] = await db().query(`SELECT id FROM incidents.incident_management_alert WHERE id = $1`, [acmeNetwork]);
    await db().query(
      `INSERT INTO incidents.incident_management_case (case_name, customer_code) SELECT 'bulk ' || g, 'ACME' FROM generate_series(1, 60) g`,
    );
    await db().query(
      `INSERT INTO incidents.incident_management_casealertlink (case_id, alert_id) SELECT id, $1 FROM incidents.incident_management_case WHERE case_name LIKE 'bulk %'`,
      [row.id],
    );
    const QUERY = `query ($first: Int) { cases(first: $first, filter: { search: "bulk" }) { totalCount edges { node { id alerts { id tags { name } } comments { comment } files { fileName } customer { code } assignee { username } } } } }`;
    const counts: number[] = [];
    for (const first of [5, 50]) {
      const requestId = randomUUID();
      const result = await graph.subgraph<{ cases: { edges: unknown[] } }>(
        testPrincipal({
          role: 'analyst',
          userId: analyst.id,
          tagIds: [tags.network!],
          customerCodes: ['ACME'],
          tagAccess: { enabled: true, untaggedAlertBehavior: 'ADMIN_ONLY', defaultTagId: null },
        }),
        QUERY,
        { first },
        requestId,
      );
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data?.cases.edges).toHaveLength(first);
      counts.push(requestScope.statementsFor(requestId));
    }
    expect(counts[1]).toBe(counts[0]);
  });
});
