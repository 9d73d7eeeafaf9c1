import { encodeCursor } from '@socgraph/shared';
import { DEFAULT_MANIFEST_PATH } from '@socgraph/gateway';
import { readManifest } from '@socgraph/gateway';
import { startTestStack, type GraphQLResponse, type TestStack } from '../src/testing';
import { errorCodes, expectNoLeaks, postJson } from './support';

/**
 * Issue #16 item 6: malformed requests beyond the boundary issue's list are coded client
 * errors, and none of them is an ERROR line in the logs shipped to audit: a cursor that
 * decodes but holds a value of the wrong kind, a manifest id sent with another operation's
 * name, and a persisted-query extension other than `{ version: 1, sha256Hash }`.
 */

const PASSWORD = 'correct horse battery staple';
const manifest = readManifest(DEFAULT_MANIFEST_PATH);

let stack: TestStack;
let admin: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_SHIP_LEVEL: 'warn', LOG_SHIP_FLUSH_MS: '50' } });
  await stack.seedAdmin(PASSWORD);
  admin = { authorization: `Bearer ${await stack.login('admin', PASSWORD)}` };
  // Rows, so a page's query really runs with the cursor's values.
  await stack.gql(`mutation { createCustomer(input: { code: "ACME", name: "Acme" }) { code } }`, {}, admin);
  await stack.gql(
    `mutation { createAlert(input: { name: "a", customerCode: "ACME", source: "s" }) { id } }`,
    {},
    admin,
  );
});
afterAll(() => stack?.stop());

type Body = GraphQLResponse<unknown>['body'];

function expectCoded(result: { status: number; body: Body }, code: string, field: string): void {
  expect(result.status).toBeLessThan(500);
  expect(result.body.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([[code, field]]);
  expectNoLeaks(result as GraphQLResponse<unknown>);
}

describe('malformed requests', () => {
  describe('cursors of the right shape holding values of the wrong kind', () => {
    const iso = '2026-01-01T00:00:00.000Z';
    it.each([
      ['a text id', [iso, 'x'], ['x']],
      ['a text timestamp', ['x', 1], ['x']],
      ['a huge number', [iso, 1e300], [1e300]],
      ['a fraction for an integer id', [iso, 1.5], [1.5]],
    ])('%s is BAD_USER_INPUT on after, on every list', async (_name, twoValues, oneValue) => {
      const two = encodeCursor(twoValues as (string | number)[]);
      const one = encodeCursor(oneValue as (string | number)[]);
      for (const [query, cursor] of [
        [`query ($a: String) { alerts(after: $a) { totalCount } }`, two],
        [`query ($a: String) { cases(after: $a) { totalCount } }`, two],
        [`query ($a: String) { users(after: $a) { totalCount } }`, one],
        [`query ($a: String) { customers(after: $a) { totalCount } }`, one],
        [`query ($a: String) { auditLog(after: $a) { totalCount } }`, one],
        [`query ($a: String) { me { auditEntries(after: $a) { totalCount } } }`, one],
      ] as const) {
        const result = await stack.gql(query, { a: cursor }, admin);
        expect({ query, codes: errorCodes(result) }).toEqual({ query, codes: ['BAD_USER_INPUT'] });
        expect(result.body.errors?.[0]?.extensions?.field).toBe('after');
        expectNoLeaks(result);
      }
    });
  });

  describe('persisted operations asked for wrongly', () => {
    const post = (body: unknown) => postJson(stack.stack.gateway.graphqlUrl, body, admin);
    const me = () => {
      const found = manifest.operations.find((o) => o.name === 'Me');
      if (!found) throw new Error('Me is not in the manifest');
      return found;
    };

    it('a manifest id with another operation name is BAD_USER_INPUT on operationName', async () => {
      const result = await post({
        operationName: 'Alerts',
        extensions: { persistedQuery: { version: 1, sha256Hash: me().id } },
      });
      expect(result.status).toBe(400);
      expectCoded(result, 'BAD_USER_INPUT', 'operationName');
    });

    it('so is an operation name a document does not have, or none where it has several', async () => {
      expectCoded(
        await post({ query: 'query A { me { id } }', operationName: 'B' }),
        'BAD_USER_INPUT',
        'operationName',
      );
      expectCoded(
        await post({ query: 'query A { me { id } } query B { me { id } }' }),
        'BAD_USER_INPUT',
        'operationName',
      );
    });

    it.each([
      ['version 2', { version: 2, sha256Hash: 'HASH' }, 'extensions.persistedQuery.version'],
      ['a text version', { version: '1', sha256Hash: 'HASH' }, 'extensions.persistedQuery.version'],
      ['no version', { sha256Hash: 'HASH' }, 'extensions.persistedQuery.version'],
      ['no hash', { version: 1 }, 'extensions.persistedQuery.sha256Hash'],
      ['a string', 'x', 'extensions.persistedQuery'],
      ['a list', [1], 'extensions.persistedQuery'],
    ])('persistedQuery with %s is BAD_USER_INPUT naming the field', async (_name, persistedQuery, field) => {
      const extension = JSON.parse(JSON.stringify(persistedQuery).replace('HASH', me().id)) as unknown;
      for (const body of [
        { extensions: { persistedQuery: extension } },
        { query: me().body, extensions: { persistedQuery: extension } },
      ]) {
        const result = await post(body);
        expect(result.status).toBe(400);
        expectCoded(result, 'BAD_USER_INPUT', field);
      }
    });

    it('still serves a manifest id asked for properly, with or without its name', async () => {
      for (const operationName of ['Me', undefined]) {
        const result = await post({
          operationName,
          extensions: { persistedQuery: { version: 1, sha256Hash: me().id } },
        });
        expect(result.body.errors).toBeUndefined();
        expect(result.body.data).toMatchObject({ me: { username: 'admin' } });
      }
    });
  });

  it('an operationName Postgres cannot store is refused, and its access-log row is kept with the batch', async () => {
    const url = stack.stack.gateway.graphqlUrl;
    const bad = await postJson(url, { query: 'query A { me { id } }', operationName: 'A\u0000\ud800' }, admin);
    expectCoded(bad, 'BAD_USER_INPUT', 'operationName');
    const good = await postJson(url, { query: 'query Neighbour { me { id } }' }, admin);
    expect(good.body.errors).toBeUndefined();
    await stack.flushAudit();
    const rows = (await stack
      .dataSource('audit')
      .query(`SELECT operation_name FROM audit.api_access_log WHERE request_id = ANY($1)`, [
        [bad.headers.get('x-request-id'), good.headers.get('x-request-id')],
      ])) as { operation_name: string }[];
    expect(rows.map((r) => r.operation_name).sort()).toEqual(['A\uFFFD\uFFFD', 'Neighbour']);
  });

  // Last: every request above has been made.
  it('leaves no ERROR line in the shipped logs', async () => {
    await stack.flushAudit();
    // Subgraphs ship on their own timer (LOG_SHIP_FLUSH_MS): give them a few rounds.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await stack.flushAudit();
    const errors = (await stack
      .dataSource('audit')
      .query(`SELECT component, message FROM audit.logs WHERE level IN ('ERROR', 'CRITICAL')`)) as unknown[];
    expect(errors).toEqual([]);
  });
});
