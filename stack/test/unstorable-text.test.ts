import { startTestStack, type TestStack } from '../src/testing';
import { errorCodes, expectNoLeaks } from './support';

/**
 * Issue #10 item 2: text Postgres cannot store (NUL, unpaired surrogates) in any argument or
 * input field, of any subgraph, is BAD_USER_INPUT naming the field before any SQL, and a
 * mutation refused so still leaves its one failure entry (a NUL login included).
 */

const PASSWORD = 'correct horse battery staple';
const NUL = 'bad\u0000text';
const LONE_SURROGATE = 'bad\ud800text';

interface Case {
  name: string;
  query: string;
  variables: (bad: string) => Record<string, unknown>;
  field: string;
  mutation: boolean;
}

const CASES: Case[] = [
  {
    name: 'login username',
    query: `mutation ($u: String!) { login(username: $u, password: "x") { token } }`,
    variables: (bad) => ({ u: bad }),
    field: 'username',
    mutation: true,
  },
  {
    name: 'createTag name',
    query: `mutation ($n: String!) { createTag(name: $n) { id } }`,
    variables: (bad) => ({ n: bad }),
    field: 'name',
    mutation: true,
  },
  {
    name: 'createAlert ioc value',
    query: `mutation ($i: CreateAlertInput!) { createAlert(input: $i) { id } }`,
    variables: (bad) => ({
      i: { name: 'a', customerCode: 'ACME', source: 'test', iocs: [{ value: bad, type: 'ip' }] },
    }),
    field: 'input.iocs[0].value',
    mutation: true,
  },
  {
    name: 'addAlertComment comment',
    query: `mutation ($c: String!) { addAlertComment(alertId: "1", comment: $c) { id } }`,
    variables: (bad) => ({ c: bad }),
    field: 'comment',
    mutation: true,
  },
  {
    name: 'createCustomer name',
    query: `mutation ($i: CreateCustomerInput!) { createCustomer(input: $i) { code } }`,
    variables: (bad) => ({ i: { code: 'NULCO', name: bad } }),
    field: 'input.name',
    mutation: true,
  },
  {
    name: 'createApiKey clientName',
    query: `mutation ($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`,
    variables: (bad) => ({ i: { clientName: bad } }),
    field: 'input.clientName',
    mutation: true,
  },
  {
    name: 'setRoleTagAccess role',
    query: `mutation ($r: String!) { setRoleTagAccess(role: $r, tagIds: []) { name } }`,
    variables: (bad) => ({ r: bad }),
    field: 'role',
    mutation: true,
  },
  {
    name: 'createSigmaQuery ruleQuery',
    query: `mutation ($i: CreateSigmaQueryInput!) { createSigmaQuery(input: $i) { id } }`,
    variables: (bad) => ({ i: { ruleName: 'r', ruleQuery: bad } }),
    field: 'input.ruleQuery',
    mutation: true,
  },
  {
    name: 'resolveSecurityIncident notes',
    query: `mutation ($i: ResolveSecurityIncidentInput!) { resolveSecurityIncident(input: $i) { id } }`,
    variables: (bad) => ({ i: { id: '1', notes: bad, falsePositive: false } }),
    field: 'input.notes',
    mutation: true,
  },
  {
    name: 'addAlertAsset JSON context key',
    query: `mutation ($i: AssetInput!) { addAlertAsset(alertId: "1", input: $i) { name } }`,
    variables: (bad) => ({ i: { name: 'host', context: { nested: { [bad]: 1 } } } }),
    field: 'input.context.nested',
    mutation: true,
  },
  {
    name: 'alerts search',
    query: `query ($s: String) { alerts(filter: { search: $s }) { totalCount } }`,
    variables: (bad) => ({ s: bad }),
    field: 'filter.search',
    mutation: false,
  },
  {
    name: 'auditLog actor',
    query: `query ($a: String) { auditLog(filter: { actor: $a }) { totalCount } }`,
    variables: (bad) => ({ a: bad }),
    field: 'filter.actor',
    mutation: false,
  },
];

describe('text Postgres cannot store', () => {
  let stack: TestStack;
  let admin: Record<string, string>;

  beforeAll(async () => {
    stack = await startTestStack();
    await stack.seedAdmin(PASSWORD);
    admin = { authorization: `Bearer ${await stack.login('admin', PASSWORD)}` };
  });
  afterAll(() => stack?.stop());

  const entryOf = async (requestId: string) =>
    (await stack
      .dataSource('audit')
      .query(`SELECT action, status, actor, details FROM audit.audit_logs WHERE request_id = $1`, [requestId])) as {
      action: string;
      status: string;
      actor: string;
      details: { error?: { code?: string } };
    }[];

  describe.each([
    ['NUL', NUL],
    ['an unpaired surrogate', LONE_SURROGATE],
  ])('%s', (_label, bad) => {
    it.each(CASES.map((c) => [c.name, c] as const))('%s is BAD_USER_INPUT naming the field', async (_name, c) => {
      const result = await stack.gql(c.query, c.variables(bad), admin);
      expect(result.status).toBeLessThan(500);
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.body.errors?.[0]?.extensions?.field).toBe(c.field);
      expectNoLeaks(result);
      if (!c.mutation) return;
      const requestId = result.headers.get('x-request-id') ?? '';
      await stack.flushAudit();
      const entries = await entryOf(requestId);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ status: 'failure', details: { error: { code: 'BAD_USER_INPUT' } } });
    });
  });

  it('refuses a NUL given inline as an escape in the document too', async () => {
    const result = await stack.gql(`{ alerts(filter: { search: "a\\u0000b" }) { totalCount } }`, {}, admin);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.body.errors?.[0]?.extensions?.field).toBe('filter.search');
  });

  it('still takes ordinary text, astral characters included', async () => {
    const result = await stack.gql<{ createTag: { id: string } }>(
      `mutation ($n: String!) { createTag(name: $n) { id } }`,
      { n: 'tag \u{1F600} ü' },
      admin,
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?.createTag.id).toBeTruthy();
  });
});
