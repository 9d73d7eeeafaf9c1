import type { TestSubgraph } from '@socgraph/testkit';
import { testPrincipal } from '@socgraph/testkit';
import { ADMIN, createCustomers, errorCodes, startIdentity } from './support';

let identity: TestSubgraph;
beforeAll(async () => {
  identity = await startIdentity();
  await createCustomers(identity, ['ACME', 'GLOBEX', 'INITECH']);
});
afterAll(async () => identity?.stop());

const CUSTOMERS = `{ customers(first: 10) { totalCount edges { node { code } } } }`;
const codesOf = (result: { body: { data?: unknown } }) =>
  (result.body.data as { customers: { edges: { node: { code: string } }[] } }).customers.edges.map((e) => e.node.code);

describe('customer scoping (one shared policy)', () => {
  it.each([
    ['admin', testPrincipal(), ['ACME', 'GLOBEX', 'INITECH']],
    [
      'analyst without customer rows: all',
      testPrincipal({ role: 'analyst', userId: '2' }),
      ['ACME', 'GLOBEX', 'INITECH'],
    ],
    [
      'analyst with rows: those',
      testPrincipal({ role: 'analyst', userId: '2', customerCodes: ['GLOBEX'] }),
      ['GLOBEX'],
    ],
    [
      'customer_user with rows: those',
      testPrincipal({ role: 'customer_user', userId: '3', customerCodes: ['ACME', 'INITECH'] }),
      ['ACME', 'INITECH'],
    ],
    ['customer_user without rows: none', testPrincipal({ role: 'customer_user', userId: '3' }), []],
    ['auditor: none', testPrincipal({ role: 'auditor', userId: '4' }), []],
  ])('%s', async (_label, principal, expected) => {
    const list = await identity.query(CUSTOMERS, {}, principal);
    expect(codesOf(list)).toEqual(expected);
    expect((list.body.data as { customers: { totalCount: number } }).customers.totalCount).toBe(expected.length);
    for (const code of ['ACME', 'GLOBEX', 'INITECH']) {
      const single = await identity.query<{ customer: { code: string } | null }>(
        `query ($c: String!) { customer(code: $c) { code } }`,
        { c: code },
        principal,
      );
      expect(single.body.data?.customer?.code ?? null).toBe(expected.includes(code) ? code : null);
      const ref = await identity.query<{ _entities: ({ code: string } | null)[] }>(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { code } } }`,
        { r: [{ __typename: 'Customer', code }] },
        principal,
      );
      expect(ref.body.data?._entities).toEqual([expected.includes(code) ? { code } : null]);
    }
  });
});

describe('createCustomer', () => {
  const CREATE = `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { code name } }`;
  it('CONFLICT on a duplicate code, BAD_USER_INPUT on a bad one', async () => {
    expect(errorCodes(await identity.query(CREATE, { input: { code: 'ACME', name: 'Again' } }, ADMIN))).toEqual([
      'CONFLICT',
    ]);
    expect(errorCodes(await identity.query(CREATE, { input: { code: 'has space', name: 'x' } }, ADMIN))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(errorCodes(await identity.query(CREATE, { input: { code: 'x'.repeat(51), name: 'x' } }, ADMIN))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      errorCodes(await identity.query(CREATE, { input: { code: 'OK1', name: 'x', parentCode: 'NOPE' } }, ADMIN)),
    ).toEqual(['BAD_USER_INPUT']);
  });
});
