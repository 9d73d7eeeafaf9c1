import type { TestSubgraph } from '@socgraph/testkit';
import { ADMIN, createCustomers, createUser, errorCodes, startIdentity, type CreatedUser } from './support';

let identity: TestSubgraph;
let acmeUser: CreatedUser;
let analyst: CreatedUser;

const SECRETS = {
  license: 'LIC-7Q2W-9E8R-SECRET-LICENCE-KEY',
  smtp: 'smtp-password-that-must-not-leak',
  cluster: 'wazuh-cluster-key-that-must-not-leak',
  auth: 'o365-client-secret-that-must-not-leak',
  connector: 'connector-password-that-must-not-leak',
  apiKey: 'connector-api-key-that-must-not-leak',
};

beforeAll(async () => {
  identity = await startIdentity();
  await createCustomers(identity, ['ACME', 'GLOBEX']);
  acmeUser = await createUser(identity, { role: 'customer_user', customerCodes: ['ACME'] });
  analyst = await createUser(identity, { role: 'analyst', customerCodes: ['GLOBEX'] });
});
afterAll(async () => identity?.stop());

async function admin<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await identity.query<T>(query, variables, ADMIN);
  if (result.body.errors || !result.body.data) throw new Error(JSON.stringify(result.body.errors));
  return result.body.data;
}

describe('write-only secrets', () => {
  beforeAll(async () => {
    await admin(`mutation ($i: LicenseInput!) { setLicense(input: $i) { id } }`, {
      i: { licenseKey: SECRETS.license, customerName: 'SOC Ltd', features: ['sso', 'reports'] },
    });
    await admin(`mutation ($i: SmtpSettingsInput!) { updateSmtpSettings(input: $i) { hasPassword } }`, {
      i: { email: 'soc@example.com', server: 'smtp.example.com', port: 587, username: 'soc', password: SECRETS.smtp },
    });
    await admin(
      `mutation ($i: ProvisioningDefaultsInput!) { updateProvisioningDefaults(input: $i) { hasClusterKey } }`,
      {
        i: {
          clusterName: 'wazuh',
          clusterKey: SECRETS.cluster,
          masterIp: '10.0.0.5',
          grafanaUrl: 'https://grafana.example',
        },
      },
    );
    await admin(`mutation ($i: CatalogueEntryInput!) { createIntegration(input: $i) { id } }`, {
      i: { name: 'Office365', description: 'Audit logs', authKeyNames: ['TENANT_ID', 'CLIENT_SECRET'] },
    });
    await admin(`mutation ($i: SubscriptionInput!) { subscribeIntegration(input: $i) { id } }`, {
      i: {
        customerCode: 'ACME',
        name: 'Office365',
        deployed: true,
        authKeys: [{ name: 'CLIENT_SECRET', value: SECRETS.auth }],
        configs: [{ key: 'region', value: 'eu' }],
      },
    });
    await admin(`mutation ($i: CatalogueEntryInput!) { createNetworkConnector(input: $i) { id } }`, {
      i: { name: 'Mimecast', authKeyNames: ['API_KEY'] },
    });
    await admin(`mutation ($i: SubscriptionInput!) { subscribeNetworkConnector(input: $i) { id } }`, {
      i: { customerCode: 'GLOBEX', name: 'Mimecast', authKeys: [{ name: 'API_KEY', value: SECRETS.auth }] },
    });
    await admin(`mutation ($i: ConnectorInput!) { createConnector(input: $i) { id } }`, {
      i: {
        name: 'wazuh-indexer',
        type: 'wazuh',
        url: 'https://indexer.example:9200',
        username: 'admin',
        password: SECRETS.connector,
        apiKey: SECRETS.apiKey,
      },
    });
  });

  it('reads show only that a secret is stored', async () => {
    const data = await admin(`{
      licenses { customerName hasKey features { name enabled } }
      smtpSettings { server port hasPassword }
      provisioningDefaults { clusterName hasClusterKey masterIp }
      integrationSubscriptions { customerCode name deployed authKeys { name hasSecret } configs { key value } }
      networkConnectorSubscriptions { customerCode name authKeys { name hasSecret } }
      connectors { name hasPassword hasApiKey history { description changedBy } }
    }`);
    const text = JSON.stringify(data);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(data).toMatchObject({
      licenses: [{ customerName: 'SOC Ltd', hasKey: true, features: [{ name: 'reports' }, { name: 'sso' }] }],
      smtpSettings: { server: 'smtp.example.com', port: 587, hasPassword: true },
      provisioningDefaults: { hasClusterKey: true, masterIp: '10.0.0.5' },
      integrationSubscriptions: [
        {
          customerCode: 'ACME',
          name: 'Office365',
          deployed: true,
          authKeys: [{ name: 'CLIENT_SECRET', hasSecret: true }],
          configs: [{ key: 'region', value: 'eu' }],
        },
      ],
      networkConnectorSubscriptions: [{ customerCode: 'GLOBEX', name: 'Mimecast' }],
      connectors: [
        {
          name: 'wazuh-indexer',
          hasPassword: true,
          hasApiKey: true,
          history: [{ description: 'created connector wazuh-indexer', changedBy: 'admin' }],
        },
      ],
    });
  });

  it('the database holds each secret sealed with its key id, never in plain text', async () => {
    const columns: [string, string][] = [
      ['license', 'license_key'],
      ['smtp', 'smtp_password'],
      ['customer_provisioning_default_settings', 'cluster_key'],
      ['integration_auth_keys', 'auth_value'],
      ['network_connectors_keys', 'auth_value'],
      ['connectors', 'connector_password'],
      ['connectors', 'connector_api_key'],
    ];
    for (const [table, column] of columns) {
      const rows = (await identity.dataSource.query(`SELECT ${column} AS value FROM identity.${table}`)) as {
        value: string;
      }[];
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.value).toMatch(/^v1:k1:[\w-]+:[\w-]+:[\w-]+$/);
        for (const secret of Object.values(SECRETS)) expect(row.value).not.toContain(secret);
      }
    }
    // A plaintext write fails in the database too.
    await expect(identity.dataSource.query(`UPDATE identity.smtp SET smtp_password = 'plain'`)).rejects.toThrow(
      /check/i,
    );
  });

  it('keeps the SMTP password when it is left out, removes it with null', async () => {
    const base = { email: 'soc@example.com', server: 'smtp.example.com', port: 25 };
    const kept = await admin<{ updateSmtpSettings: { hasPassword: boolean; port: number } }>(
      `mutation ($i: SmtpSettingsInput!) { updateSmtpSettings(input: $i) { hasPassword port } }`,
      { i: base },
    );
    expect(kept.updateSmtpSettings).toEqual({ hasPassword: true, port: 25 });
    const removed = await admin<{ updateSmtpSettings: { hasPassword: boolean } }>(
      `mutation ($i: SmtpSettingsInput!) { updateSmtpSettings(input: $i) { hasPassword } }`,
      { i: { ...base, password: null } },
    );
    expect(removed.updateSmtpSettings.hasPassword).toBe(false);
    await admin(`mutation ($i: SmtpSettingsInput!) { updateSmtpSettings(input: $i) { hasPassword } }`, {
      i: { ...base, port: 587, password: SECRETS.smtp },
    });
  });

  it('records every connector change, naming fields but never a secret', async () => {
    const rows = (await identity.dataSource.query(`SELECT id::text AS id FROM identity.connectors`)) as {
      id: string;
    }[];
    const id = rows[0]!.id;
    const updated = await admin<{ updateConnector: { enabled: boolean; history: { description: string }[] } }>(
      `mutation ($id: ID!, $i: ConnectorInput!) { updateConnector(id: $id, input: $i) { enabled history { description } } }`,
      { id, i: { enabled: true, password: 'rotated-connector-password' } },
    );
    expect(updated.updateConnector.enabled).toBe(true);
    expect(updated.updateConnector.history.map((h) => h.description)).toEqual([
      'created connector wazuh-indexer',
      'changed password, enabled',
    ]);
    expect(JSON.stringify(updated)).not.toContain('rotated-connector-password');
  });
});

describe('who reads and writes settings', () => {
  it('customer scoping: a customer user sees its customers’ subscriptions only, an analyst its own', async () => {
    const QUERY = `{ integrationSubscriptions { customerCode } networkConnectorSubscriptions { customerCode } }`;
    const mine = await identity.query(QUERY, {}, acmeUser.principal);
    expect(mine.body.data).toEqual({
      integrationSubscriptions: [{ customerCode: 'ACME' }],
      networkConnectorSubscriptions: [],
    });
    const theirs = await identity.query(QUERY, {}, analyst.principal);
    expect(theirs.body.data).toEqual({
      integrationSubscriptions: [],
      networkConnectorSubscriptions: [{ customerCode: 'GLOBEX' }],
    });
    const asked = await identity.query(
      `{ integrationSubscriptions(customerCode: "ACME") { customerCode } }`,
      {},
      analyst.principal,
    );
    expect(asked.body.data).toEqual({ integrationSubscriptions: [] });
  });

  it('admin-only reads are FORBIDDEN to others; the catalogue and portal branding are for everyone signed in', async () => {
    for (const field of [
      'licenses { id }',
      'smtpSettings { server }',
      'provisioningDefaults { clusterName }',
      'connectors { id }',
    ]) {
      expect(errorCodes(await identity.query(`{ ${field} }`, {}, acmeUser.principal))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await identity.query(`{ ${field} }`))).toEqual(['UNAUTHENTICATED']);
    }
    const open = await identity.query(
      `{ integrations { name authKeyNames } customerPortalSettings { title } }`,
      {},
      acmeUser.principal,
    );
    expect(open.body.errors).toBeUndefined();
    expect(open.body.data).toMatchObject({
      integrations: [{ name: 'Office365', authKeyNames: ['CLIENT_SECRET', 'TENANT_ID'] }],
    });
  });

  it('settings mutations are admin only', async () => {
    const result = await identity.query(
      `mutation { updateCustomerPortalSettings(input: { title: "Mine" }) { title } }`,
      {},
      acmeUser.principal,
    );
    expect(errorCodes(result)).toEqual(['FORBIDDEN']);
  });

  it.each([
    ['a bad port', `mutation { updateSmtpSettings(input: { email: "a@b.c", server: "smtp", port: 70000 }) { port } }`],
    ['a bad e-mail', `mutation { updateSmtpSettings(input: { email: "nope", server: "smtp", port: 25 }) { port } }`],
    [
      'a bad IP',
      `mutation { updateProvisioningDefaults(input: { clusterName: "c", masterIp: "999.1.1.1" }) { clusterName } }`,
    ],
    [
      'a non-http URL',
      `mutation { updateProvisioningDefaults(input: { clusterName: "c", grafanaUrl: "javascript:alert(1)" }) { clusterName } }`,
    ],
    [
      'a logo without its type',
      `mutation { updateCustomerPortalSettings(input: { title: "t", logoBase64: "aGk=" }) { title } }`,
    ],
    [
      'an unknown auth key',
      `mutation { subscribeIntegration(input: { customerCode: "ACME", name: "Office365", authKeys: [{ name: "NOPE", value: "x" }] }) { id } }`,
    ],
    ['an empty secret', `mutation { setLicense(input: { licenseKey: "", customerName: "x" }) { id } }`],
  ])('is BAD_USER_INPUT for %s', async (_label, mutation) => {
    expect(errorCodes(await identity.query(mutation, {}, ADMIN))).toEqual(['BAD_USER_INPUT']);
  });

  it('is CONFLICT for a taken name and NOT_FOUND for an unknown catalogue entry or customer', async () => {
    expect(
      errorCodes(
        await identity.query(`mutation { createIntegration(input: { name: "Office365" }) { id } }`, {}, ADMIN),
      ),
    ).toEqual(['CONFLICT']);
    expect(
      errorCodes(
        await identity.query(
          `mutation { createConnector(input: { name: "wazuh-indexer", type: "x" }) { id } }`,
          {},
          ADMIN,
        ),
      ),
    ).toEqual(['CONFLICT']);
    expect(
      errorCodes(
        await identity.query(
          `mutation { subscribeIntegration(input: { customerCode: "ACME", name: "Nope" }) { id } }`,
          {},
          ADMIN,
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    expect(
      errorCodes(
        await identity.query(
          `mutation { subscribeIntegration(input: { customerCode: "NOPE", name: "Office365" }) { id } }`,
          {},
          ADMIN,
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    expect(
      errorCodes(
        await identity.query(`mutation { updateConnector(id: "999", input: { enabled: true }) { id } }`, {}, ADMIN),
      ),
    ).toEqual(['NOT_FOUND']);
  });
});
