import { randomBytes } from 'node:crypto';
import { secretBoxFromConfig, type StartedSubgraph } from '@socgraph/shared';
import { randomSecret, type TestSubgraph } from '@socgraph/testkit';
import { identitySubgraph } from '../src';
import { IDENTITY_SEALED_COLUMNS } from '../src/services/stored-secrets';
import { createCustomers, createUser, ok, startIdentity, TEST_SECRETS_KEY } from './support';

/**
 * Key rotation for identity's stored credentials: an identity started with a new
 * SECRETS_KEY_ID (the old key in SECRETS_PREVIOUS_KEYS) re-seals every sealed column with the
 * new key, so the old key can then be dropped.
 */
let identity: TestSubgraph;
beforeAll(async () => {
  identity = await startIdentity();
  await createCustomers(identity, ['ACME']);
  // The first user is id 1, the test admin's: settings rows name who changed them.
  await createUser(identity, { role: 'admin' });
});
afterAll(async () => identity?.stop());

const SECRETS = {
  license: 'LIC-ROTATE-ME',
  smtp: 'smtp-rotate-me',
  cluster: 'cluster-rotate-me',
  auth: 'auth-rotate-me',
  connector: 'connector-rotate-me',
  apiKey: 'connector-api-key-rotate-me',
  wazuh: 'wazuh-enrolment-rotate-me',
};

async function sealedValues(): Promise<{ context: string; value: string }[]> {
  const values: { context: string; value: string }[] = [];
  for (const c of IDENTITY_SEALED_COLUMNS) {
    const rows = (await identity.dataSource.query(
      `SELECT ${c.column} AS value FROM ${c.schema}.${c.table} WHERE ${c.column} IS NOT NULL ORDER BY id`,
    )) as { value: string }[];
    for (const row of rows) values.push({ context: `${c.schema}.${c.table}.${c.column}`, value: row.value });
  }
  return values;
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('every sealed column is re-sealed with the current key when identity starts after a rotation', async () => {
  await ok(identity, `mutation ($i: LicenseInput!) { setLicense(input: $i) { id } }`, {
    i: { licenseKey: SECRETS.license, customerName: 'SOC Ltd', features: [] },
  });
  await ok(identity, `mutation ($i: SmtpSettingsInput!) { updateSmtpSettings(input: $i) { hasPassword } }`, {
    i: { email: 'soc@example.com', server: 'smtp.example.com', port: 587, username: 'soc', password: SECRETS.smtp },
  });
  await ok(
    identity,
    `mutation ($i: ProvisioningDefaultsInput!) { updateProvisioningDefaults(input: $i) { hasClusterKey } }`,
    { i: { clusterName: 'wazuh', clusterKey: SECRETS.cluster } },
  );
  await ok(identity, `mutation ($i: CatalogueEntryInput!) { createIntegration(input: $i) { id } }`, {
    i: { name: 'Office365', authKeyNames: ['CLIENT_SECRET'] },
  });
  await ok(identity, `mutation ($i: SubscriptionInput!) { subscribeIntegration(input: $i) { id } }`, {
    i: { customerCode: 'ACME', name: 'Office365', authKeys: [{ name: 'CLIENT_SECRET', value: SECRETS.auth }] },
  });
  await ok(identity, `mutation ($i: CatalogueEntryInput!) { createNetworkConnector(input: $i) { id } }`, {
    i: { name: 'Mimecast', authKeyNames: ['API_KEY'] },
  });
  await ok(identity, `mutation ($i: SubscriptionInput!) { subscribeNetworkConnector(input: $i) { id } }`, {
    i: { customerCode: 'ACME', name: 'Mimecast', authKeys: [{ name: 'API_KEY', value: SECRETS.auth }] },
  });
  await ok(identity, `mutation ($i: ConnectorInput!) { createConnector(input: $i) { id } }`, {
    i: {
      name: 'wazuh-indexer',
      type: 'wazuh',
      url: 'https://indexer.example:9200',
      password: SECRETS.connector,
      apiKey: SECRETS.apiKey,
    },
  });
  await ok(
    identity,
    `mutation ($i: CustomerMetaInput!) { updateCustomerMeta(customerCode: "ACME", input: $i) { hasWazuhAuthPassword } }`,
    { i: { wazuhAuthPassword: SECRETS.wazuh } },
  );
  const before = await sealedValues();
  // One value per sealed column: the list of columns is complete for what the API writes.
  expect(before).toHaveLength(IDENTITY_SEALED_COLUMNS.length);
  expect(before.every((v) => v.value.startsWith('v1:k1:'))).toBe(true);

  const k2 = randomBytes(32).toString('base64');
  let rotated: StartedSubgraph | null = null;
  try {
    rotated = await identitySubgraph.start({
      databaseUrl: identity.database.url,
      port: 0,
      internalTokenSecret: randomSecret(),
      jwtSecret: randomSecret(),
      env: {
        LOG_LEVEL: 'silent',
        LOG_SHIP_LEVEL: 'off',
        SECRETS_KEY_ID: 'k2',
        SECRETS_ENCRYPTION_KEY: k2,
        SECRETS_PREVIOUS_KEYS: `k1:${TEST_SECRETS_KEY}`,
      },
    });
    await until(async () => (await sealedValues()).every((v) => v.value.startsWith('v1:k2:')));
  } finally {
    await rotated?.stop();
  }

  // The new key alone opens every value, and each still holds what was written.
  const box = secretBoxFromConfig({ SECRETS_ENCRYPTION_KEY: k2, SECRETS_KEY_ID: 'k2', SECRETS_PREVIOUS_KEYS: '' });
  const opened = (await sealedValues()).map((v) => box.open(v.value, v.context)).sort();
  expect(opened).toEqual(
    [
      SECRETS.license,
      SECRETS.smtp,
      SECRETS.cluster,
      SECRETS.auth,
      SECRETS.auth,
      SECRETS.connector,
      SECRETS.apiKey,
      SECRETS.wazuh,
    ].sort(),
  );
}, 60_000);
