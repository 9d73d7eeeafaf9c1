import { createCustomers, createUser, errorCodes, startGraph, type Graph } from '../incidents/support';

/** Platform settings through the gateway: credentials go in, never come out, and scoping holds. */
let graph: Graph;
const SECRET = 'o365-client-secret-through-the-gateway';

beforeAll(async () => {
  graph = await startGraph();
  await createCustomers(graph, ['ACME', 'GLOBEX']);
});
afterAll(async () => graph?.stack.stop());

it('an auth key given through the gateway is stored sealed and never returned; customers see only their own', async () => {
  await graph.admin(
    `mutation { createIntegration(input: { name: "Office365", authKeyNames: ["CLIENT_SECRET"] }) { id } }`,
  );
  const subscribed = await graph.as(
    graph.adminToken,
    `mutation ($v: String!) { subscribeIntegration(input: { customerCode: "GLOBEX", name: "Office365",
       authKeys: [{ name: "CLIENT_SECRET", value: $v }] }) { customerCode authKeys { name hasSecret } } }`,
    { v: SECRET },
  );
  expect(subscribed.body.data).toEqual({
    subscribeIntegration: { customerCode: 'GLOBEX', authKeys: [{ name: 'CLIENT_SECRET', hasSecret: true }] },
  });
  expect(JSON.stringify(subscribed.body)).not.toContain(SECRET);
  const [row] = (await graph.stack
    .dataSource('identity')
    .query(`SELECT auth_value FROM identity.integration_auth_keys`)) as { auth_value: string }[];
  expect(row?.auth_value).toMatch(/^v1:k1:/);
  expect(row?.auth_value).not.toContain(SECRET);

  const acme = await createUser(graph, { username: 'acme_user', role: 'customer_user', customerCodes: ['ACME'] });
  const seen = await graph.as(acme.token, `{ integrationSubscriptions { customerCode } integrations { name } }`);
  expect(seen.body.data).toEqual({ integrationSubscriptions: [], integrations: [{ name: 'Office365' }] });
  expect(errorCodes(await graph.as(acme.token, `{ connectors { id } }`))).toEqual(['FORBIDDEN']);
  expect(
    errorCodes(
      await graph.as(acme.token, `mutation { updateCustomerPortalSettings(input: { title: "x" }) { title } }`),
    ),
  ).toEqual(['FORBIDDEN']);
  expect(
    errorCodes(
      await graph.as(
        graph.adminToken,
        `mutation { updateSmtpSettings(input: { email: "a@b.c", server: "s", port: 0 }) { port } }`,
      ),
    ),
  ).toEqual(['BAD_USER_INPUT']);
});

it('customer metadata through the gateway: admins set and read it, the password never comes back, others get FORBIDDEN', async () => {
  const WAZUH_SECRET = 'wazuh-enrolment-through-the-gateway';
  const set = await graph.as(
    graph.adminToken,
    `mutation ($v: String!) { updateCustomerMeta(customerCode: "ACME", input: { wazuhGroup: "acme", wazuhAuthPassword: $v }) {
       customerCode wazuhGroup hasWazuhAuthPassword } }`,
    { v: WAZUH_SECRET },
  );
  expect(set.body.data).toEqual({
    updateCustomerMeta: { customerCode: 'ACME', wazuhGroup: 'acme', hasWazuhAuthPassword: true },
  });
  expect(JSON.stringify(set.body)).not.toContain(WAZUH_SECRET);
  const read = await graph.admin(`{ customers { edges { node { code meta { wazuhGroup } } } } }`);
  expect(read).toMatchObject({
    customers: {
      edges: expect.arrayContaining([
        { node: { code: 'ACME', meta: { wazuhGroup: 'acme' } } },
        { node: { code: 'GLOBEX', meta: null } },
      ]),
    },
  });

  const refused = await graph.as(
    graph.adminToken,
    `mutation { updateCustomerMeta(customerCode: "ACME", input: { wazuhLogIngestionPort: 0 }) { customerCode } }`,
  );
  expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
  expect(refused.body.errors?.[0]?.extensions?.field).toBe('input.wazuhLogIngestionPort');

  const viewer = await createUser(graph, { username: 'meta_analyst', role: 'analyst', customerCodes: ['ACME'] });
  const hidden = await graph.as(viewer.token, `{ customer(code: "ACME") { code meta { wazuhGroup } } }`);
  expect(hidden.body.data).toEqual({ customer: { code: 'ACME', meta: null } });
  expect(errorCodes(hidden)).toEqual(['FORBIDDEN']);
});
