import type { TestSubgraph } from '@socgraph/testkit';
import {
  ADMIN,
  countStatements,
  createCustomers,
  createUser,
  errorCodes,
  ok,
  startIdentity,
  testPrincipal,
} from './support';

/** Seed 004's customersmeta: a customer's provisioning metadata, admins only, password write-only. */
let identity: TestSubgraph;
const ANALYST = testPrincipal({ userId: '2', username: 'analyst', role: 'analyst' });
const CODES = Array.from({ length: 30 }, (_, i) => `META${String(i).padStart(2, '0')}`);

beforeAll(async () => {
  identity = await startIdentity();
  await createUser(identity, { role: 'admin' });
  await createCustomers(identity, ['ACME', ...CODES]);
});
afterAll(async () => identity?.stop());

const UPDATE = `mutation ($code: String!, $input: CustomerMetaInput!) {
  updateCustomerMeta(customerCode: $code, input: $input) {
    customerCode graylogIndex wazuhGroup wazuhRegistrationPort indexRetentionDays hasWazuhAuthPassword portainerStackId updatedBy
  }
}`;
const READ = `query ($code: String!) { customer(code: $code) { code meta { graylogIndex wazuhGroup hasWazuhAuthPassword } } }`;

type Meta = Record<string, unknown>;

describe('customer metadata', () => {
  it('is null until set, then holds what was given; absent fields stay and null clears one', async () => {
    expect(await ok(identity, READ, { code: 'ACME' })).toEqual({ customer: { code: 'ACME', meta: null } });
    const set = await ok<{ updateCustomerMeta: Meta }>(identity, UPDATE, {
      code: 'ACME',
      input: {
        graylogIndex: 'acme_index',
        wazuhGroup: 'acme',
        wazuhRegistrationPort: 1515,
        indexRetentionDays: 90,
        wazuhAuthPassword: 'wazuh-enrolment-secret',
        portainerStackId: 7,
      },
    });
    expect(set.updateCustomerMeta).toEqual({
      customerCode: 'ACME',
      graylogIndex: 'acme_index',
      wazuhGroup: 'acme',
      wazuhRegistrationPort: 1515,
      indexRetentionDays: 90,
      hasWazuhAuthPassword: true,
      portainerStackId: 7,
      updatedBy: 'admin',
    });
    const changed = await ok<{ updateCustomerMeta: Meta }>(identity, UPDATE, {
      code: 'ACME',
      input: { wazuhGroup: null, graylogIndex: 'acme_v2' },
    });
    expect(changed.updateCustomerMeta).toMatchObject({
      graylogIndex: 'acme_v2',
      wazuhGroup: null,
      wazuhRegistrationPort: 1515,
      hasWazuhAuthPassword: true,
    });
    const removed = await ok<{ updateCustomerMeta: Meta }>(identity, UPDATE, {
      code: 'ACME',
      input: { wazuhAuthPassword: null },
    });
    expect(removed.updateCustomerMeta).toMatchObject({ hasWazuhAuthPassword: false, graylogIndex: 'acme_v2' });
  });

  it('stores the enrolment password only sealed, and the audit capture redacts it', async () => {
    await ok(identity, UPDATE, { code: 'ACME', input: { wazuhAuthPassword: 'second-enrolment-secret' } });
    const [row] = (await identity.dataSource.query(
      `SELECT customer_meta_wazuh_auth_password AS p FROM identity.customersmeta WHERE customer_code = 'ACME'`,
    )) as { p: string }[];
    expect(row?.p).toMatch(/^v1:/);
    expect(row?.p).not.toContain('second-enrolment-secret');
    const outbox = (await identity.dataSource.query(`SELECT payload::text AS payload FROM identity.audit_outbox`)) as {
      payload: string;
    }[];
    expect(outbox.some((o) => o.payload.includes('updateCustomerMeta'))).toBe(true);
    expect(outbox.every((o) => !o.payload.includes('second-enrolment-secret') && !o.payload.includes('v1:'))).toBe(
      true,
    );
    // Even a direct plaintext write is refused by the database.
    await expect(
      identity.dataSource.query(
        `UPDATE identity.customersmeta SET customer_meta_wazuh_auth_password = 'plain' WHERE customer_code = 'ACME'`,
      ),
    ).rejects.toThrow(/check constraint/);
  });

  it.each([
    ['a port out of range', { wazuhRegistrationPort: 70_000 }, 'input.wazuhRegistrationPort'],
    ['a retention of 0 days', { indexRetentionDays: 0 }, 'input.indexRetentionDays'],
    ['an over-long Graylog index', { graylogIndex: 'x'.repeat(256) }, 'input.graylogIndex'],
    ['an empty password', { wazuhAuthPassword: '' }, 'input.wazuhAuthPassword'],
  ])('refuses %s with BAD_USER_INPUT naming the field, writing nothing', async (_name, input, field) => {
    const before = await identity.dataSource.query(`SELECT * FROM identity.customersmeta ORDER BY id`);
    const result = await identity.query(UPDATE, { code: 'ACME', input }, ADMIN);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.body.errors?.[0]?.extensions?.field).toBe(field);
    expect(await identity.dataSource.query(`SELECT * FROM identity.customersmeta ORDER BY id`)).toEqual(before);
  });

  it('an unknown customer is NOT_FOUND', async () => {
    const result = await identity.query(UPDATE, { code: 'NOPE', input: { wazuhGroup: 'x' } }, ADMIN);
    expect(errorCodes(result)).toEqual(['NOT_FOUND']);
  });

  it('is admins only: an analyst may read the customer but not its metadata, nor change it', async () => {
    const read = await identity.query(READ, { code: 'ACME' }, ANALYST);
    expect(read.body.data).toEqual({ customer: { code: 'ACME', meta: null } });
    expect(errorCodes(read)).toEqual(['FORBIDDEN']);
    const write = await identity.query(UPDATE, { code: 'ACME', input: { wazuhGroup: 'mine' } }, ANALYST);
    expect(errorCodes(write)).toEqual(['FORBIDDEN']);
    // Through an entity reference as well.
    const entity = await identity.query(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { code meta { wazuhGroup } } } }`,
      { r: [{ __typename: 'Customer', code: 'ACME' }] },
      ANALYST,
    );
    expect(errorCodes(entity)).toEqual(['FORBIDDEN']);
  });

  it('costs the same statements for 5 customers as for 30', async () => {
    for (const code of CODES) await ok(identity, UPDATE, { code, input: { wazuhGroup: code.toLowerCase() } });
    const page = `query ($first: Int) { customers(first: $first) { edges { node { code meta { wazuhGroup } } } } }`;
    const small = await countStatements(identity, page, { first: 5 });
    const large = await countStatements(identity, page, { first: 30 });
    expect(small.result.body.errors).toBeUndefined();
    expect(large.result.body.errors).toBeUndefined();
    expect(large.statements).toBe(small.statements);
  });
});
