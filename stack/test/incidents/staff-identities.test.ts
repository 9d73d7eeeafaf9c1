import { testPrincipal } from '@socgraph/testkit';
import { createCustomers, createUser, errorCodes, startGraph, type Graph } from './support';

/**
 * What a customer user learns of the SOC's people (docs/rbac.md "Who sees whose name"): its own
 * organisation's names, a neutral label for staff on comments and verdicts, no staff User, and
 * no assignee filter naming anyone but itself. Staff roles see every name.
 */
let graph: Graph;
let analyst: { id: string; token: string };
let colleague: { id: string; token: string };
let customer: { id: string; token: string };
let alertId: string;
let caseId: string;

const LABEL = 'SOC analyst';
/** What the gateway signs for cora, to call the subgraph's _entities as it would. */
const asCora = () =>
  testPrincipal({ userId: customer.id, username: 'cora', role: 'customer_user', customerCodes: ['ACME'] });

beforeAll(async () => {
  graph = await startGraph();
  await createCustomers(graph, ['ACME']);
  analyst = await createUser(graph, { username: 'nadia', role: 'analyst', customerCodes: ['ACME'] });
  colleague = await createUser(graph, { username: 'carl', role: 'customer_user', customerCodes: ['ACME'] });
  customer = await createUser(graph, { username: 'cora', role: 'customer_user', customerCodes: ['ACME'] });
  const created = await graph.admin<{ createAlert: { id: string } }>(
    `mutation { createAlert(input: { name: "Odd sign-ins", customerCode: "ACME", source: "siem" }) { id } }`,
  );
  alertId = created.createAlert.id;
  const opened = await graph.admin<{ createCase: { id: string } }>(
    `mutation ($a: ID!) { createCase(input: { name: "Sign-ins", customerCode: "ACME", alertIds: [$a] }) { id } }`,
    { a: alertId },
  );
  caseId = opened.createCase.id;
  await graph.admin(`mutation ($id: ID!) { assignAlert(id: $id, username: "nadia") { id } }`, { id: alertId });
  for (const [who, text] of [
    [analyst, 'Looking into it.'],
    [colleague, 'That was our VPN.'],
  ] as const) {
    for (const mutation of [
      `mutation ($id: ID!, $c: String!) { addAlertComment(alertId: $id, comment: $c) { id } }`,
      `mutation ($id: ID!, $c: String!) { addCaseComment(caseId: $id, comment: $c) { id } }`,
    ]) {
      const added = await graph.as(who.token, mutation, { id: mutation.includes('Case') ? caseId : alertId, c: text });
      expect(added.body.errors).toBeUndefined();
    }
  }
  const verdict = await graph.as(
    analyst.token,
    `mutation ($id: ID!) { setAlertVerdict(input: { alertId: $id, verdict: TRUE_POSITIVE }) { id } }`,
    { id: alertId },
  );
  expect(verdict.body.errors).toBeUndefined();
});
afterAll(async () => graph?.stack.stop());

const COMMENTS = `comments { comment userName author { username } }`;
const ALERT = `id verdictBy assignedTo ${COMMENTS}`;

const staffView = (name: string) => ({ userName: name, author: { username: name } });
const asSeenByCustomer = [
  { comment: 'Looking into it.', userName: LABEL, author: null },
  { comment: 'That was our VPN.', userName: 'carl', author: null },
];
const asSeenByStaff = [
  { comment: 'Looking into it.', ...staffView('nadia') },
  { comment: 'That was our VPN.', ...staffView('carl') },
];

describe('comment authors and verdicts, on every path', () => {
  it('a customer user sees its organisation by name and SOC staff as a label, in lists, single and nested', async () => {
    const result = await graph.as<Record<string, unknown>>(
      customer.token,
      `query ($a: ID!, $c: ID!) {
        alerts { edges { node { ${ALERT} } } }
        alert(id: $a) { ${ALERT} }
        case(id: $c) { ${COMMENTS} alerts { ${ALERT} } }
        cases { edges { node { ${COMMENTS} } } }
        customer(code: "ACME") { alerts { edges { node { ${ALERT} } } } }
      }`,
      { a: alertId, c: caseId },
    );
    expect(result.body.errors).toBeUndefined();
    const alert = { id: alertId, verdictBy: LABEL, assignedTo: null, comments: asSeenByCustomer };
    expect(result.body.data).toEqual({
      alerts: { edges: [{ node: alert }] },
      alert,
      case: { comments: asSeenByCustomer, alerts: [alert] },
      cases: { edges: [{ node: { comments: asSeenByCustomer } }] },
      customer: { alerts: { edges: [{ node: alert }] } },
    });
    expect(JSON.stringify(result.body)).not.toContain('nadia');
  });

  it('the same through an entity reference', async () => {
    const refs = await graph.subgraph(
      asCora(),
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Alert { ${ALERT} } } }`,
      { r: [{ __typename: 'Alert', id: alertId }] },
    );
    expect(refs.body.errors).toBeUndefined();
    expect(refs.body.data).toEqual({
      _entities: [{ id: alertId, verdictBy: LABEL, assignedTo: null, comments: asSeenByCustomer }],
    });
  });

  it('a customer user sees its own comment as its own, author included', async () => {
    const added = await graph.as(
      customer.token,
      `mutation ($id: ID!) { addAlertComment(alertId: $id, comment: "Thanks") { userName author { username } } }`,
      { id: alertId },
    );
    expect(added.body.data).toEqual({ addAlertComment: staffView('cora') });
  });

  it('comments older than the author role read as staff', async () => {
    await graph.stack
      .dataSource('incidents')
      .query(
        `INSERT INTO incidents.incident_management_case_comment (case_id, comment, user_name) VALUES ($1, 'Old', 'carl')`,
        [caseId],
      );
    const seen = await graph.as<{ case: { comments: { comment: string; userName: string }[] } }>(
      customer.token,
      `query ($c: ID!) { case(id: $c) { comments { comment userName } } }`,
      { c: caseId },
    );
    expect(seen.body.data?.case.comments.find((c) => c.comment === 'Old')?.userName).toBe(LABEL);
  });

  it('staff roles see every name and user', async () => {
    for (const token of [graph.adminToken, analyst.token]) {
      const result = await graph.as(
        token,
        `query ($a: ID!, $c: ID!) { alert(id: $a) { ${ALERT} } case(id: $c) { comments { comment userName } } }`,
        { a: alertId, c: caseId },
      );
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data).toMatchObject({
        alert: { verdictBy: 'nadia', assignedTo: 'nadia', comments: expect.arrayContaining(asSeenByStaff) },
        case: { comments: expect.arrayContaining([{ comment: 'Old', userName: 'carl' }]) },
      });
    }
  });
});

describe('filtering by assignee', () => {
  const COUNT = `query ($u: String) { alerts(filter: { assignedTo: $u }) { totalCount } }`;

  it('a customer user may not name anyone but itself: FORBIDDEN, alike for existing and unknown users', async () => {
    const messages: string[] = [];
    for (const [query, u] of [
      [COUNT, 'nadia'],
      [COUNT, 'nobody-at-all'],
      [`query ($u: String) { cases(filter: { assignedTo: $u }) { totalCount } }`, 'nadia'],
      [`query ($u: String) { customer(code: "ACME") { alerts(filter: { assignedTo: $u }) { totalCount } } }`, 'nadia'],
      [`query ($u: String) { customer(code: "ACME") { cases(filter: { assignedTo: $u }) { totalCount } } }`, 'carl'],
    ] as const) {
      const refused = await graph.as(customer.token, query, { u });
      expect({ query, codes: errorCodes(refused) }).toEqual({ query, codes: ['FORBIDDEN'] });
      expect(refused.body.errors?.[0]?.extensions?.field).toBe('filter.assignedTo');
      messages.push(refused.body.errors![0]!.message);
    }
    expect(new Set(messages).size).toBe(1);
  });

  it('a customer user may filter by itself; staff by anyone', async () => {
    await graph.admin(`mutation ($id: ID!) { assignAlert(id: $id, username: "cora") { id } }`, { id: alertId });
    const own = await graph.as(customer.token, COUNT, { u: 'CORA' });
    expect(own.body).toEqual({ data: { alerts: { totalCount: 1 } } });
    const mine = await graph.as(customer.token, `{ me { assignedAlerts { totalCount } } }`);
    expect(mine.body).toEqual({ data: { me: { assignedAlerts: { totalCount: 1 } } } });
    for (const token of [graph.adminToken, analyst.token]) {
      const staff = await graph.as(token, COUNT, { u: 'cora' });
      expect(staff.body).toEqual({ data: { alerts: { totalCount: 1 } } });
      const none = await graph.as(token, COUNT, { u: 'nadia' });
      expect(none.body).toEqual({ data: { alerts: { totalCount: 0 } } });
    }
    await graph.admin(`mutation ($id: ID!) { assignAlert(id: $id, username: "nadia") { id } }`, { id: alertId });
  });

  it('User.assignedAlerts of a user the customer user may not see is null', async () => {
    const refs = await graph.subgraph(
      asCora(),
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { username assignedAlerts { totalCount } } } }`,
      { r: [{ __typename: 'User', username: 'nadia' }] },
    );
    expect(refs.body.errors).toBeUndefined();
    expect(refs.body.data).toEqual({ _entities: [{ username: 'nadia', assignedAlerts: null }] });
  });
});
