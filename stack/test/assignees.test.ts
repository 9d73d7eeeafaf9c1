import { startTestStack, type TestStack } from '../src/testing';
import { errorCodes } from './support';

/**
 * Assignees are identity's users (issue 16, item 9): incidents asks identity, as the service
 * principal, whether a username exists before it stores it, and an assignee is shown to a
 * caller only when `user(id)` would show that user (a customer user sees only itself).
 */
let graph: TestStack;
const PASSWORD = 'correct horse battery staple';
let admin: Record<string, string>;
let customer: Record<string, string>;
let alertId: string;

beforeAll(async () => {
  graph = await startTestStack();
  await graph.seedAdmin(PASSWORD);
  await graph.seedUser({ username: 'ana', password: PASSWORD, role: 'analyst' });
  await graph.seedUser({
    username: 'cora',
    password: PASSWORD,
    role: 'customer_user',
    customerCodes: ['ACME'],
  });
  admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
  customer = { authorization: `Bearer ${await graph.login('cora', PASSWORD)}` };
  const created = await graph.gql<{ createAlert: { id: string } }>(
    `mutation { createAlert(input: { name: "Odd sign-ins", customerCode: "ACME", source: "siem" }) { id } }`,
    {},
    admin,
  );
  alertId = created.body.data!.createAlert.id;
});
afterAll(async () => graph?.stop());

const ASSIGN = `mutation ($id: ID!, $username: String) { assignAlert(id: $id, username: $username) { id assignedTo } }`;

describe('assigning alerts and cases', () => {
  it('refuses a username identity does not know, and stores nothing', async () => {
    const refused = await graph.gql(ASSIGN, { id: alertId, username: 'nobody-here' }, admin);
    expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.body.errors?.[0]?.message).toContain('nobody-here');
    const [row] = (await graph
      .dataSource('incidents')
      .query(`SELECT assigned_to FROM incidents.incident_management_alert WHERE id = $1`, [alertId])) as {
      assigned_to: string | null;
    }[];
    expect(row?.assigned_to).toBeNull();

    const caseRefused = await graph.gql(
      `mutation { createCase(input: { name: "c", customerCode: "ACME", assignedTo: "ghost" }) { id } }`,
      {},
      admin,
    );
    expect(errorCodes(caseRefused)).toEqual(['BAD_USER_INPUT']);
    const createdCase = await graph.gql<{ createCase: { id: string } }>(
      `mutation { createCase(input: { name: "c", customerCode: "ACME" }) { id } }`,
      {},
      admin,
    );
    const assignCase = await graph.gql(
      `mutation ($id: ID!) { assignCase(id: $id, username: "ghost") { id } }`,
      { id: createdCase.body.data!.createCase.id },
      admin,
    );
    expect(errorCodes(assignCase)).toEqual(['BAD_USER_INPUT']);
  });

  it('accepts an existing user in any case of its name, and null to unassign', async () => {
    const assigned = await graph.gql(ASSIGN, { id: alertId, username: 'ANA' }, admin);
    expect(assigned.body.errors).toBeUndefined();
    const unassigned = await graph.gql(ASSIGN, { id: alertId, username: null }, admin);
    expect(unassigned.body).toEqual({ data: { assignAlert: { id: alertId, assignedTo: null } } });
  });

  it('the internal check is not in the public graph', async () => {
    const probe = await graph.gql(`{ _userExists(username: "admin") }`, {}, admin);
    expect(errorCodes(probe)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});

describe('who sees an assignee', () => {
  const READ = `query ($id: ID!) { alert(id: $id) { id assignedTo assignee { username } } }`;

  it('a customer user sees neither the name nor the user of a staff assignee it cannot look up', async () => {
    await graph.gql(ASSIGN, { id: alertId, username: 'ana' }, admin);
    const analyst = await graph.gql<{ users: { edges: { node: { id: string } }[] } }>(
      `{ users(filter: { search: "ana" }) { edges { node { id } } } }`,
      {},
      admin,
    );
    const lookup = await graph.gql(
      `query ($id: ID!) { user(id: $id) { username } }`,
      { id: analyst.body.data!.users.edges[0]!.node.id },
      customer,
    );
    expect(lookup.body.data).toEqual({ user: null });

    const seen = await graph.gql(READ, { id: alertId }, customer);
    expect(seen.body.errors).toBeUndefined();
    expect(seen.body.data).toEqual({ alert: { id: alertId, assignedTo: null, assignee: null } });
    expect(JSON.stringify(seen.body)).not.toContain('ana');

    const asAdmin = await graph.gql(READ, { id: alertId }, admin);
    expect(asAdmin.body.data).toEqual({ alert: { id: alertId, assignedTo: 'ana', assignee: { username: 'ana' } } });
  });

  it('a customer user assigned itself sees itself', async () => {
    await graph.gql(ASSIGN, { id: alertId, username: 'cora' }, admin);
    const seen = await graph.gql(READ, { id: alertId }, customer);
    expect(seen.body.data).toEqual({ alert: { id: alertId, assignedTo: 'cora', assignee: { username: 'cora' } } });
  });
});
