import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEFAULT_MANIFEST_PATH } from '@socgraph/gateway';
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
let customerUser: { id: string; token: string };
let auditor: { id: string; token: string };

beforeAll(async () => {
  graph = await startGraph();
  await createCustomers(graph, ['ACME', 'GLOBEX']);
  tags = await createTags(graph, ['network', 'phishing', 'vip']);
  analyst = await createUser(graph, {
    username: 'ana',
    role: 'analyst',
    customerCodes: ['ACME'],
    tagIds: [tags.network!],
  });
  customerUser = await createUser(graph, { username: 'cust', role: 'customer_user', customerCodes: ['ACME'] });
  auditor = await createUser(graph, { username: 'aud', role: 'auditor' });
  await setTagAccess(graph, { enabled: true, untaggedAlertBehavior: 'VISIBLE_TO_ALL' });
});
afterAll(async () => graph?.stack.stop());

const incidentsDb = () => graph.stack.dataSource('incidents');
const count = async (table: string): Promise<number> =>
  Number((await incidentsDb().query(`SELECT count(*)::int AS n FROM incidents.${table}`))[0].n);

const ALERT_FIELDS = `id name status severity timeClosed assignedTo escalated verdict verdictReason verdictBy tags { name } iocs { value type } customer { code name }`;

describe('creating alerts', () => {
  it('writes the alert with its tags and deduplicated IoCs in one transaction', async () => {
    const create = (name: string) =>
      graph.admin<{
        createAlert: { id: string; tags: { name: string }[]; iocs: { value: string }[]; customer: { name: string } };
      }>(`mutation ($input: CreateAlertInput!) { createAlert(input: $input) { ${ALERT_FIELDS} } }`, {
        input: {
          name,
          description: 'Beacon every 60s to a known C2 address',
          customerCode: 'ACME',
          source: 'wazuh',
          severity: 'HIGH',
          tagIds: [tags.network, tags.vip],
          iocs: [{ value: '203.0.113.9', type: 'ip', description: 'C2' }],
        },
      });
    const iocsBefore = await count('incident_management_ioc');
    const first = await create('C2 beacon');
    const second = await create('C2 beacon again');
    expect(first.createAlert).toMatchObject({
      tags: [{ name: 'network' }, { name: 'vip' }],
      iocs: [{ value: '203.0.113.9' }],
      customer: { name: 'ACME' },
    });
    expect(second.createAlert.iocs).toEqual([{ value: '203.0.113.9', type: 'ip' }]);
    expect(await count('incident_management_ioc')).toBe(iocsBefore + 1);
  });

  it.each([
    ['an oversized name', { name: 'x'.repeat(1025) }, 'BAD_USER_INPUT'],
    ['an oversized source', { source: 'x'.repeat(51) }, 'BAD_USER_INPUT'],
    ['an empty name', { name: '   ' }, 'BAD_USER_INPUT'],
    ['an unknown tag', { tagIds: ['999999'] }, 'BAD_USER_INPUT'],
    ['a malformed tag id', { tagIds: ['abc'] }, 'BAD_USER_INPUT'],
    ['an oversized IoC', { iocs: [{ value: 'x'.repeat(1025), type: 'ip' }] }, 'BAD_USER_INPUT'],
    ['a bad customer code', { customerCode: 'no spaces allowed' }, 'BAD_USER_INPUT'],
  ])('refuses %s with a coded error, writing nothing', async (_label, override, code) => {
    const before = [
      await count('incident_management_alert'),
      await count('incident_management_ioc'),
      await count('incident_management_alert_to_tag'),
    ];
    const result = await graph.as(
      graph.adminToken,
      `mutation ($input: CreateAlertInput!) { createAlert(input: $input) { id } }`,
      {
        input: { name: 'ok', customerCode: 'ACME', source: 'wazuh', tagIds: [tags.network], ...override },
      },
    );
    expect(errorCodes(result)).toEqual([code]);
    expect(JSON.stringify(result.body.errors)).not.toMatch(/SELECT|INSERT|\bat .*\.ts/);
    const after = [
      await count('incident_management_alert'),
      await count('incident_management_ioc'),
      await count('incident_management_alert_to_tag'),
    ];
    expect(after).toEqual(before);
  });

  it('lets analysts create only for their customers and with their allowed tags; others may not create', async () => {
    const input = (over: Record<string, unknown>) => ({
      input: { name: 'a', customerCode: 'ACME', source: 's', tagIds: [tags.network], ...over },
    });
    const CREATE = `mutation ($input: CreateAlertInput!) { createAlert(input: $input) { id } }`;
    expect(errorCodes(await graph.as(analyst.token, CREATE, input({})))).toEqual([]);
    expect(errorCodes(await graph.as(analyst.token, CREATE, input({ customerCode: 'GLOBEX' })))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await graph.as(analyst.token, CREATE, input({ tagIds: [tags.vip] })))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await graph.as(customerUser.token, CREATE, input({})))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await graph.as(auditor.token, CREATE, input({})))).toEqual(['FORBIDDEN']);
  });
});

describe('working an alert', () => {
  let alertId: string;
  beforeAll(async () => {
    alertId = await createAlert(graph, { name: 'Suspicious login', customerCode: 'ACME', tagIds: [tags.network!] });
  });

  const status = (token: string, id: string, to: string) =>
    graph.as<{ updateAlertStatus: { status: string; timeClosed: string | null } }>(
      token,
      `mutation ($id: ID!, $s: AlertStatus!) { updateAlertStatus(id: $id, status: $s) { status timeClosed } }`,
      { id, s: to },
    );

  it('moves OPEN → IN_PROGRESS → CLOSED, stamping timeClosed, and clears it on reopening', async () => {
    expect((await status(analyst.token, alertId, 'IN_PROGRESS')).body.data?.updateAlertStatus).toEqual({
      status: 'IN_PROGRESS',
      timeClosed: null,
    });
    const closed = (await status(analyst.token, alertId, 'CLOSED')).body.data?.updateAlertStatus;
    expect(closed?.status).toBe('CLOSED');
    expect(Date.parse(closed!.timeClosed!)).toBeGreaterThan(Date.now() - 60_000);
    expect((await status(analyst.token, alertId, 'OPEN')).body.data?.updateAlertStatus).toEqual({
      status: 'OPEN',
      timeClosed: null,
    });
  });

  it('refuses invalid transitions and unknown or invisible alerts, changing nothing', async () => {
    await status(graph.adminToken, alertId, 'CLOSED');
    expect(errorCodes(await status(analyst.token, alertId, 'IN_PROGRESS'))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await status(analyst.token, alertId, 'CLOSED'))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await status(analyst.token, '999999', 'OPEN'))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await status(analyst.token, 'abc', 'OPEN'))).toEqual(['NOT_FOUND']);
    const hidden = await createAlert(graph, { name: 'Hidden', customerCode: 'ACME', tagIds: [tags.vip!] });
    expect(errorCodes(await status(analyst.token, hidden, 'CLOSED'))).toEqual(['NOT_FOUND']);
    const [row] = await incidentsDb().query(`SELECT status FROM incidents.incident_management_alert WHERE id = $1`, [
      hidden,
    ]);
    expect(row.status).toBe('OPEN');
    await status(graph.adminToken, alertId, 'OPEN');
  });

  it('assigns, escalates, sets severity, and resolves the assignee through identity', async () => {
    const result = await graph.as<{ assignAlert: { assignee: { username: string; email: string } } }>(
      analyst.token,
      `mutation ($id: ID!) {
         escalateAlert(id: $id) { escalated }
         setAlertSeverity(id: $id, severity: CRITICAL) { severity }
         assignAlert(id: $id, username: "ana") { assignedTo assignee { username email } }
       }`,
      { id: alertId },
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({
      escalateAlert: { escalated: true },
      setAlertSeverity: { severity: 'CRITICAL' },
      assignAlert: { assignedTo: 'ana', assignee: { username: 'ana', email: 'ana@test.local' } },
    });
    const mine = await graph.as<{ me: { assignedAlerts: { totalCount: number; edges: { node: { id: string } }[] } } }>(
      analyst.token,
      `{ me { assignedAlerts(filter: { escalated: true }) { totalCount edges { node { id } } } } }`,
    );
    expect(mine.body.data?.me.assignedAlerts).toEqual({ totalCount: 1, edges: [{ node: { id: alertId } }] });
    const unassign = await graph.as(
      analyst.token,
      `mutation ($id: ID!) { assignAlert(id: $id, username: null) { assignee { username } } }`,
      { id: alertId },
    );
    expect(unassign.body.data).toEqual({ assignAlert: { assignee: null } });
  });

  it('records verdicts; FALSE_POSITIVE needs a reason', async () => {
    const VERDICT = `mutation ($input: AlertVerdictInput!) { setAlertVerdict(input: $input) { verdict verdictReason verdictBy } }`;
    expect(
      errorCodes(await graph.as(analyst.token, VERDICT, { input: { alertId, verdict: 'FALSE_POSITIVE' } })),
    ).toEqual(['BAD_USER_INPUT']);
    const ok = await graph.as(analyst.token, VERDICT, {
      input: { alertId, verdict: 'FALSE_POSITIVE', reason: 'AUTHORIZED_USER', note: 'pentest' },
    });
    expect(ok.body.data).toEqual({
      setAlertVerdict: { verdict: 'FALSE_POSITIVE', verdictReason: 'AUTHORIZED_USER', verdictBy: 'ana' },
    });
    const cleared = await graph.as(analyst.token, VERDICT, { input: { alertId, verdict: null } });
    expect(cleared.body.data).toEqual({ setAlertVerdict: { verdict: null, verdictReason: null, verdictBy: null } });
  });

  it('takes comments from analysts and customer users of the customer, not from auditors', async () => {
    const COMMENT = `mutation ($id: ID!, $c: String!) { addAlertComment(alertId: $id, comment: $c) { comment userName author { username } } }`;
    const byCustomer = await graph.as(customerUser.token, COMMENT, { id: alertId, c: 'We see it too' });
    expect(byCustomer.body.data).toEqual({
      addAlertComment: { comment: 'We see it too', userName: 'cust', author: { username: 'cust' } },
    });
    expect(errorCodes(await graph.as(auditor.token, COMMENT, { id: alertId, c: 'x' }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await graph.as(analyst.token, COMMENT, { id: alertId, c: 'x'.repeat(10_001) }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    const listed = await graph.as<{ alert: { comments: { comment: string }[] } }>(
      analyst.token,
      `query ($id: ID!) { alert(id: $id) { comments { comment } } }`,
      {
        id: alertId,
      },
    );
    expect(listed.body.data?.alert.comments.map((c) => c.comment)).toEqual(['We see it too']);
  });

  it('tags within the allowed set, links IoCs and assets', async () => {
    const TAG = `mutation ($id: ID!, $t: ID!) { tagAlert(alertId: $id, tagId: $t) { tags { name } } }`;
    expect(errorCodes(await graph.as(analyst.token, TAG, { id: alertId, t: tags.phishing }))).toEqual(['FORBIDDEN']);
    expect((await graph.as(graph.adminToken, TAG, { id: alertId, t: tags.phishing })).body.data).toEqual({
      tagAlert: { tags: [{ name: 'network' }, { name: 'phishing' }] },
    });
    expect(errorCodes(await graph.as(graph.adminToken, TAG, { id: alertId, t: '424242' }))).toEqual(['BAD_USER_INPUT']);
    const untag = await graph.as(
      graph.adminToken,
      `mutation ($id: ID!, $t: ID!) { untagAlert(alertId: $id, tagId: $t) { tags { name } } }`,
      {
        id: alertId,
        t: tags.phishing,
      },
    );
    expect(untag.body.data).toEqual({ untagAlert: { tags: [{ name: 'network' }] } });

    const ioc = await graph.as(
      analyst.token,
      `mutation ($id: ID!) { addAlertIoc(alertId: $id, input: { value: "evil.example", type: "domain" }) { iocs { value } } }`,
      {
        id: alertId,
      },
    );
    expect(ioc.body.data).toEqual({ addAlertIoc: { iocs: [{ value: 'evil.example' }] } });
    const asset = await graph.as(
      analyst.token,
      `mutation ($id: ID!) { addAlertAsset(alertId: $id, input: { name: "dc01", agentId: "007", context: { pid: 4 } }) { name customerCode agent { agentId } context { source context } } }`,
      { id: alertId },
    );
    expect(asset.body.data).toEqual({
      addAlertAsset: {
        name: 'dc01',
        customerCode: 'ACME',
        agent: { agentId: '007' },
        context: { source: 'test', context: { pid: 4 } },
      },
    });
  });
});

describe('filters and lists', () => {
  it('filters by status, severity, tags, customer, source and full-text search', async () => {
    const a = await createAlert(graph, {
      name: 'Ransomware note dropped',
      customerCode: 'GLOBEX',
      source: 'velociraptor',
      description: 'files encrypted on share',
      tagIds: [tags.vip!],
    });
    const LIST = `query ($f: AlertFilter) { alerts(first: 100, filter: $f) { totalCount edges { node { id } } } }`;
    const ids = async (filter: Record<string, unknown>) =>
      (
        (await graph.as<{ alerts: { edges: { node: { id: string } }[] } }>(graph.adminToken, LIST, { f: filter })).body
          .data?.alerts.edges ?? []
      ).map((e) => e.node.id);
    expect(await ids({ search: 'encrypted' })).toEqual([a]);
    expect(await ids({ search: '"note dropped"' })).toEqual([a]);
    expect(await ids({ search: 'ransomware -encrypted' })).toEqual([]);
    expect(await ids({ customerCode: 'GLOBEX', tagIds: [tags.vip] })).toEqual([a]);
    expect(await ids({ source: 'VELOCIRAPTOR' })).toEqual([a]);
    expect(await ids({ status: ['CLOSED'], customerCode: 'GLOBEX' })).toEqual([]);
    expect(await ids({ severity: ['MEDIUM'], customerCode: 'GLOBEX' })).toEqual([a]);
    expect(errorCodes(await graph.as(graph.adminToken, LIST, { f: { search: 'x'.repeat(201) } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it('refuses filter values out of range with BAD_USER_INPUT naming the field, and takes a blank value as no filter', async () => {
    const LIST = `query ($f: AlertFilter) { alerts(first: 5, filter: $f) { totalCount } }`;
    const refused = async (filter: Record<string, unknown>) => {
      const result = await graph.as(graph.adminToken, LIST, { f: filter });
      expect(result.body.data?.alerts ?? null).toBeNull();
      return result.body.errors?.map((e) => [e.extensions?.code, (e.extensions as { field?: string }).field]);
    };
    expect(
      await refused({ createdAfter: '2026-06-02T00:00:00.000Z', createdBefore: '2026-06-01T00:00:00.000Z' }),
    ).toEqual([['BAD_USER_INPUT', 'filter.createdAfter']]);
    expect(await refused({ customerCode: 'X'.repeat(51) })).toEqual([['BAD_USER_INPUT', 'filter.customerCode']]);
    const all = await graph.as<{ alerts: { totalCount: number } }>(graph.adminToken, LIST, { f: {} });
    const blank = await graph.as<{ alerts: { totalCount: number } }>(graph.adminToken, LIST, { f: { source: '   ' } });
    expect(blank.body.errors).toBeUndefined();
    expect(blank.body.data?.alerts.totalCount).toBe(all.body.data?.alerts.totalCount);
  });

  it('refuses bad page arguments with BAD_USER_INPUT', async () => {
    for (const args of [{ first: 101 }, { first: -1 }, { after: 'bm90IGEgY3Vyc29y' }, { after: '!!' }]) {
      const result = await graph.as(
        graph.adminToken,
        `query ($first: Int, $after: String) { alerts(first: $first, after: $after) { totalCount } }`,
        args,
      );
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    }
  });
});

describe('tag access settings', () => {
  const UPDATE = `mutation ($input: TagAccessSettingsInput!) { updateTagAccessSettings(input: $input) { enabled untaggedAlertBehavior defaultTag { name } updatedBy } }`;
  it('are admin-only, and DEFAULT_TAG needs an existing default tag', async () => {
    expect(errorCodes(await graph.as(analyst.token, `{ tagAccessSettings { enabled } }`))).toEqual(['FORBIDDEN']);
    expect(
      errorCodes(
        await graph.as(analyst.token, UPDATE, { input: { enabled: false, untaggedAlertBehavior: 'VISIBLE_TO_ALL' } }),
      ),
    ).toEqual(['FORBIDDEN']);
    expect(
      errorCodes(
        await graph.as(graph.adminToken, UPDATE, { input: { enabled: true, untaggedAlertBehavior: 'DEFAULT_TAG' } }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      errorCodes(
        await graph.as(graph.adminToken, UPDATE, {
          input: { enabled: true, untaggedAlertBehavior: 'DEFAULT_TAG', defaultTagId: '99999' },
        }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    const ok = await graph.as(graph.adminToken, UPDATE, {
      input: { enabled: true, untaggedAlertBehavior: 'DEFAULT_TAG', defaultTagId: tags.network },
    });
    expect(ok.body.data).toEqual({
      updateTagAccessSettings: {
        enabled: true,
        untaggedAlertBehavior: 'DEFAULT_TAG',
        defaultTag: { name: 'network' },
        updatedBy: 'admin',
      },
    });
    await setTagAccess(graph, { enabled: true, untaggedAlertBehavior: 'VISIBLE_TO_ALL' });
  });

  it('apply at once through the gateway that changed them', async () => {
    const untagged = await createAlert(graph, { name: 'Untagged', customerCode: 'ACME' });
    const visible = async () =>
      (
        await graph.as<{ alert: { id: string } | null }>(analyst.token, `query ($id: ID!) { alert(id: $id) { id } }`, {
          id: untagged,
        })
      ).body.data?.alert ?? null;
    expect(await visible()).toEqual({ id: untagged });
    await setTagAccess(graph, { enabled: true, untaggedAlertBehavior: 'ADMIN_ONLY' });
    expect(await visible()).toBeNull();
    await setTagAccess(graph, { enabled: true, untaggedAlertBehavior: 'VISIBLE_TO_ALL' });
  });
});

describe('SQL statement counts', () => {
  it('stay constant as page sizes grow, with every nested field selected', async () => {
    const db = incidentsDb();
    // 120 alerts with tags, IoCs, assets, comments and case links, written in bulk.
    await db.query(
      `INSERT INTO incidents.incident_management_alert (alert_name, customer_code, source, assigned_to)
       SELECT 'bulk ' || g, CASE WHEN g % 2 = 0 THEN 'ACME' ELSE 'GLOBEX' END, 'bulk', CASE WHEN g % 3 = 0 THEN 'ana' END
         FROM generate_series(1, 120) g`,
    );
    await db.query(
      `INSERT INTO incidents.incident_management_alert_to_tag (alert_id, tag_id)
                    SELECT id, $1 FROM incidents.incident_management_alert WHERE source = 'bulk' ON CONFLICT DO NOTHING`,
      [tags.network],
    );
    await db.query(
      `INSERT INTO incidents.incident_management_ioc (value, type) SELECT '10.9.0.' || g, 'ip' FROM generate_series(1, 120) g`,
    );
    await db.query(`INSERT INTO incidents.incident_management_alert_to_ioc (alert_id, ioc_id)
                    SELECT a.id, i.id FROM incidents.incident_management_alert a JOIN incidents.incident_management_ioc i ON i.value = '10.9.0.' || (a.id % 120 + 1)
                     WHERE a.source = 'bulk'`);
    await db.query(`INSERT INTO incidents.incident_management_asset (alert_linked, asset_name, customer_code)
                    SELECT id, 'host-' || id, customer_code FROM incidents.incident_management_alert WHERE source = 'bulk'`);
    await db.query(`INSERT INTO incidents.incident_management_comment (alert_id, comment, user_name)
                    SELECT id, 'seen', 'ana' FROM incidents.incident_management_alert WHERE source = 'bulk'`);
    const [bulkCase] = await db.query(
      `INSERT INTO incidents.incident_management_case (case_name, customer_code) VALUES ('bulk case', 'ACME') RETURNING id`,
    );
    await db.query(
      `INSERT INTO incidents.incident_management_casealertlink (case_id, alert_id)
                    SELECT $1, id FROM incidents.incident_management_alert WHERE source = 'bulk' AND customer_code = 'ACME'`,
      [bulkCase.id],
    );

    const QUERY = `query ($first: Int) { alerts(first: $first, filter: { source: "bulk" }) { totalCount edges { node {
      id name tags { id name } iocs { value } assets { name agent { agentId } context { id } } comments { comment author { username } }
      cases { id name } assignee { username } customer { code } } } } }`;
    const principal = testPrincipal({
      tagAccess: { enabled: true, untaggedAlertBehavior: 'VISIBLE_TO_ALL', defaultTagId: null },
    });
    const counts: number[] = [];
    for (const first of [10, 100]) {
      const requestId = randomUUID();
      const result = await graph.subgraph<{ alerts: { edges: unknown[] } }>(principal, QUERY, { first }, requestId);
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data?.alerts.edges).toHaveLength(first);
      counts.push(requestScope.statementsFor(requestId));
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBe(counts[0]);

    // Nested connections under many parents: Customer.alerts and User.assignedAlerts via _entities.
    const NESTED = `query ($r: [_Any!]!) { _entities(representations: $r) {
      ... on Customer { alerts(first: 5) { totalCount edges { node { id tags { name } } } } cases { totalCount edges { node { id alerts { id } } } } }
      ... on User { assignedAlerts(first: 5) { totalCount edges { node { id } } } } } }`;
    const nestedCounts: number[] = [];
    for (const n of [2, 20]) {
      const reps = Array.from({ length: n }, (_, i) =>
        i % 2
          ? { __typename: 'Customer', code: i % 4 === 1 ? 'ACME' : `C${i}` }
          : { __typename: 'User', username: i % 4 === 0 ? 'ana' : `u${i}` },
      );
      const requestId = randomUUID();
      const result = await graph.subgraph(principal, NESTED, { r: reps }, requestId);
      expect(result.body.errors).toBeUndefined();
      nestedCounts.push(requestScope.statementsFor(requestId));
    }
    expect(nestedCounts[1]).toBe(nestedCounts[0]);
  });
});

describe('partners', () => {
  it('run the persisted Alerts operation with a persisted-only key and see only what its owner may see', async () => {
    const manifest = JSON.parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as {
      operations: { id: string; name: string }[];
    };
    const alertsOperation = manifest.operations.find((op) => op.name === 'Alerts')!;
    const key = await graph.as<{ createApiKey: { secret: string } }>(
      analyst.token,
      `mutation { createApiKey(input: { clientName: "partner-soar", persistedOnly: true }) { secret } }`,
    );
    const secret = key.body.data!.createApiKey.secret;
    const post = (body: unknown) =>
      fetch(graph.stack.stack.gateway.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': secret },
        body: JSON.stringify(body),
      }).then(
        async (r) =>
          (await r.json()) as {
            data?: { alerts: { edges: { node: { customerCode: string; tags: { id: string }[] } }[] } };
            errors?: { extensions: { code: string } }[];
          },
      );

    const byId = await post({
      variables: { first: 100 },
      extensions: { persistedQuery: { version: 1, sha256Hash: alertsOperation.id } },
    });
    expect(byId.errors).toBeUndefined();
    const nodes = byId.data!.alerts.edges.map((e) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    // the key acts as its owner: an analyst of ACME allowed the network tag (untagged visible to all)
    for (const node of nodes) {
      expect(node.customerCode).toBe('ACME');
      expect(node.tags.length === 0 || node.tags.some((t) => t.id === tags.network)).toBe(true);
    }
    const adHoc = await post({ query: '{ alerts { totalCount } }' });
    expect(adHoc.errors?.[0]?.extensions.code).toBe('PERSISTED_QUERY_REQUIRED');
  });
});
