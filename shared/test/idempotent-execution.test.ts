import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { buildSchema, graphql } from 'graphql';
import type { DataSource } from 'typeorm';
import {
  auditMutations,
  auditOutboxMigrationSql,
  canonicalJson,
  conflict,
  createSubgraphDataSource,
  idempotencyKeyProblem,
  idempotencyKeysMigrationSql,
  idempotencySubjectOf,
  idempotentAnswerContext,
  idempotentExecution,
  isDatabaseUnavailable,
  operationFingerprint,
  purgeExpiredIdempotencyKeys,
  requestScope,
  requestTransaction,
  secretBoxFromConfig,
  IDEMPOTENT_REPLAY_HEADER,
  type GraphQLResolverMap,
  type SecretsConfig,
  type SubgraphContext,
} from '../src';
import { createTestDatabase, testPrincipal, type TestDatabase } from '@socgraph/testkit';

/**
 * A subgraph's side of Idempotency-Key on a real database, below the HTTP server: the keyed
 * request as one transaction with each audited mutation in a savepoint of its own.
 */

let db: TestDatabase;
let dataSource: DataSource;
const SCHEMA = 'idemdemo';

beforeAll(async () => {
  db = await createTestDatabase('idempotency');
  dataSource = createSubgraphDataSource({ subgraph: SCHEMA, url: db.url, entities: [] });
  await dataSource.initialize();
  await dataSource.query(`CREATE SCHEMA ${SCHEMA}`);
  await dataSource.query(`CREATE TABLE ${SCHEMA}.notes (id serial PRIMARY KEY, text text NOT NULL UNIQUE)`);
  for (const statement of [...auditOutboxMigrationSql(SCHEMA, { notes: {} }), ...idempotencyKeysMigrationSql(SCHEMA)]) {
    await dataSource.query(statement);
  }
  build();
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});
beforeEach(async () => {
  await dataSource.query(`TRUNCATE ${SCHEMA}.notes, ${SCHEMA}.audit_outbox, ${SCHEMA}.idempotency_keys`);
});

const schema = buildSchema(`
  type Note { id: Int! text: String! }
  type Query { note(id: Int!): Note }
  type Mutation { addNote(text: String!): Note!, failingNote(text: String!): Note }
`);
const resolvers: GraphQLResolverMap<SubgraphContext> = {
  Mutation: {
    addNote: async (_: unknown, args: { text: string }) => {
      const [row] = (await dataSource.query(`INSERT INTO ${SCHEMA}.notes (text) VALUES ($1) RETURNING id, text`, [
        args.text,
      ])) as { id: number; text: string }[];
      return row;
    },
    failingNote: async (_: unknown, args: { text: string }) => {
      await dataSource.query(`INSERT INTO ${SCHEMA}.notes (text) VALUES ($1)`, [args.text]);
      throw conflict('refused after writing');
    },
  },
};
const context: SubgraphContext = { principal: testPrincipal(), requestId: 'req-idem', clientIp: null, userAgent: null };

let runs = 0;
/** Executes the body as the subgraph's Apollo would, counting runs. */
const runOf =
  (body: { query: string; variables?: Record<string, unknown> }) => async (): Promise<HTTPGraphQLResponse> => {
    runs += 1;
    const result = await graphql({
      schema,
      source: body.query,
      variableValues: body.variables ?? {},
      rootValue,
      contextValue: context,
    });
    const headers = new HeaderMap();
    headers.set('content-type', 'application/json');
    return { status: 200, headers, body: { kind: 'complete', string: JSON.stringify(result) } };
  };

// Built once the DataSource exists (beforeAll).
let rootValue: Record<string, unknown>;
let execute: ReturnType<typeof idempotentExecution<SubgraphContext>>;
const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const boxK1 = secretBoxFromConfig({ SECRETS_ENCRYPTION_KEY: K1, SECRETS_KEY_ID: 'k1', SECRETS_PREVIOUS_KEYS: '' });
/** The same subgraph with other secrets settings (a replica after a key rotation). */
const executeWith = (settings: SecretsConfig) =>
  idempotentExecution<SubgraphContext>({
    subgraph: SCHEMA,
    dataSource,
    retentionHours: 24,
    box: secretBoxFromConfig(settings),
  });
function build(): void {
  const wrapped = auditMutations(resolvers, { subgraph: SCHEMA, dataSource }) as { Mutation: Record<string, unknown> };
  rootValue = Object.fromEntries(
    Object.entries(wrapped.Mutation).map(([field, resolve]) => [
      field,
      (args: unknown, ctx: SubgraphContext, info: unknown) =>
        (resolve as (p: unknown, a: unknown, c: SubgraphContext, i: unknown) => unknown)(undefined, args, ctx, info),
    ]),
  );
  execute = idempotentExecution<SubgraphContext>({ subgraph: SCHEMA, dataSource, retentionHours: 24, box: boxK1 });
}
const requestWith = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

async function send(body: { query: string; variables?: Record<string, unknown> }, key?: string, via = execute) {
  const response = await via(runOf(body), {
    req: requestWith(key ? { 'idempotency-key': key } : {}),
    body,
    context,
  });
  const text = response.body.kind === 'complete' ? response.body.string : '';
  return { response, parsed: JSON.parse(text) as { data: Record<string, unknown> | null; errors?: unknown[] } };
}

const count = async (table: string) =>
  Number(((await dataSource.query(`SELECT count(*) AS n FROM ${SCHEMA}.${table}`)) as { n: string }[])[0]?.n);

describe('idempotentExecution', () => {
  it('replays a keyed request without running it; another body under the key is CONFLICT', async () => {
    runs = 0;
    const body = { query: `mutation ($t: String!) { addNote(text: $t) { id text } }`, variables: { t: 'one' } };
    const first = await send(body, 'k-1');
    const again = await send(body, 'k-1');
    expect(runs).toBe(1);
    expect(again.parsed).toEqual(first.parsed);
    expect(again.response.headers.get(IDEMPOTENT_REPLAY_HEADER)).toBe('true');
    expect(await count('notes')).toBe(1);
    expect(await count('audit_outbox')).toBe(1);
    const other = await send({ ...body, variables: { t: 'two' } }, 'k-1');
    expect(other.parsed.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'CONFLICT' }) }),
    ]);
    expect(runs).toBe(1);
    // Without a key, nothing is stored.
    await send({ ...body, variables: { t: 'unkeyed' } });
    expect(await count('idempotency_keys')).toBe(1);
  });

  it('keeps what committed when a later mutation of the request fails, and stores that answer', async () => {
    runs = 0;
    const body = { query: `mutation { a: addNote(text: "kept") { id } b: failingNote(text: "dropped") { id } }` };
    const first = await send(body, 'k-2');
    expect(first.parsed.errors).toHaveLength(1);
    const notes = (await dataSource.query(`SELECT text FROM ${SCHEMA}.notes`)) as { text: string }[];
    expect(notes.map((n) => n.text)).toEqual(['kept']);
    // One entry each: the success, and the failure that rolled back to its savepoint.
    const statuses = (await dataSource.query(
      `SELECT payload->>'status' AS status FROM ${SCHEMA}.audit_outbox ORDER BY seq`,
    )) as { status: string }[];
    expect(statuses.map((s) => s.status)).toEqual(['success', 'failure']);
    // "kept" was applied: a retry must not apply it again, so the mixed answer is what repeats.
    const again = await send(body, 'k-2');
    expect(runs).toBe(1);
    expect(again.parsed).toEqual(first.parsed);
  });

  it('stores nothing when every mutation failed, so a retry runs again', async () => {
    runs = 0;
    const body = { query: `mutation { failingNote(text: "nope") { id } }` };
    await send(body, 'k-3');
    await send(body, 'k-3');
    expect(runs).toBe(2);
    expect(await count('idempotency_keys')).toBe(0);
    expect(await count('notes')).toBe(0);
  });

  it('purges keys past their retention', async () => {
    await send({ query: `mutation { addNote(text: "old") { id } }` }, 'k-4');
    await send({ query: `mutation { addNote(text: "new") { id } }` }, 'k-5');
    await dataSource.query(
      `UPDATE ${SCHEMA}.idempotency_keys SET created_at = now() - interval '2 hours' WHERE key = 'k-4'`,
    );
    expect(await purgeExpiredIdempotencyKeys(dataSource, SCHEMA, 1)).toBe(1);
    expect(
      ((await dataSource.query(`SELECT key FROM ${SCHEMA}.idempotency_keys`)) as { key: string }[]).map((r) => r.key),
    ).toEqual(['k-5']);
  });
});

describe('stored answers', () => {
  // Personal data in the answer (a name, an address): it must not sit in the table in clear.
  const PERSONAL = 'Jane Doe <jane.doe@example.com>';
  const body = { query: `mutation ($t: String!) { addNote(text: $t) { id text } }`, variables: { t: PERSONAL } };
  const storedRows = async () =>
    (await dataSource.query(
      `SELECT t::text AS whole, response_body, response_status FROM ${SCHEMA}.idempotency_keys t`,
    )) as { whole: string; response_body: string; response_status: number }[];
  const errorOf = (parsed: { errors?: unknown[] }) => parsed.errors?.[0] as { extensions?: Record<string, unknown> };

  it('are sealed: the row holds no personal data in clear, and the replay is the identical answer', async () => {
    runs = 0;
    const first = await send(body, 's-1');
    expect(first.parsed.errors).toBeUndefined();
    const [row] = await storedRows();
    expect(row?.response_body).toMatch(/^v1:k1:[\w-]+:[\w-]+:[\w-]+$/);
    // Each holds a character base64url lacks, so the ciphertext cannot contain it by chance.
    for (const part of ['Jane Doe', 'jane.doe@', 'example.com', '"addNote"']) expect(row?.whole).not.toContain(part);
    const again = await send(body, 's-1');
    expect(runs).toBe(1);
    expect(again.parsed).toEqual(first.parsed);
    expect(again.response.headers.get(IDEMPOTENT_REPLAY_HEADER)).toBe('true');
  });

  it('replay after a key rotation, with the previous key in SECRETS_PREVIOUS_KEYS', async () => {
    runs = 0;
    const first = await send(body, 's-2');
    const rotated = executeWith({
      SECRETS_ENCRYPTION_KEY: K2,
      SECRETS_KEY_ID: 'k2',
      SECRETS_PREVIOUS_KEYS: `k1:${K1}`,
    });
    const again = await send(body, 's-2', rotated);
    expect(runs).toBe(1);
    expect(again.parsed).toEqual(first.parsed);
    // New answers are sealed with the new key.
    await send({ ...body, variables: { t: 'after rotation' } }, 's-2b', rotated);
    expect((await storedRows()).map((r) => r.response_body.slice(0, 6)).sort()).toEqual(['v1:k1:', 'v1:k2:']);
  });

  it('sealed with a key not configured here: SERVICE_UNAVAILABLE, retry safe, and nothing runs again', async () => {
    runs = 0;
    await send(body, 's-3');
    const withoutK1 = executeWith({ SECRETS_ENCRYPTION_KEY: K2, SECRETS_KEY_ID: 'k2', SECRETS_PREVIOUS_KEYS: '' });
    const again = await send(body, 's-3', withoutK1);
    expect(again.parsed.data).toBeNull();
    expect(errorOf(again.parsed).extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      reason: 'sealing-key',
      retrySafe: true,
      outcome: 'APPLIED',
    });
    expect(runs).toBe(1);
    expect(await count('notes')).toBe(1);
    // Once the key is configured again, the same key replays.
    expect((await send(body, 's-3')).parsed.data).toMatchObject({ addNote: { text: PERSONAL } });
    expect(runs).toBe(1);
  });

  it.each([
    [
      'its ciphertext altered',
      `overlay(response_body placing (CASE WHEN substr(response_body, 60, 1) = 'A' THEN 'B' ELSE 'A' END) from 60 for 1)`,
    ],
    ['its status altered', null],
    ['garbage in clear', `'not an answer'`],
    ["another key's answer copied over it", 'other'],
  ])('a stored answer with %s is CONFLICT, and the mutation does not run again', async (_case, change) => {
    runs = 0;
    await send(body, 's-4');
    await send({ ...body, variables: { t: 'another note' } }, 's-4-other');
    if (change === null) {
      await dataSource.query(`UPDATE ${SCHEMA}.idempotency_keys SET response_status = 500 WHERE key = 's-4'`);
    } else if (change === 'other') {
      await dataSource.query(
        `UPDATE ${SCHEMA}.idempotency_keys SET response_body = (SELECT response_body FROM ${SCHEMA}.idempotency_keys WHERE key = 's-4-other') WHERE key = 's-4'`,
      );
    } else {
      await dataSource.query(`UPDATE ${SCHEMA}.idempotency_keys SET response_body = ${change} WHERE key = 's-4'`);
    }
    const again = await send(body, 's-4');
    expect(again.parsed.data).toBeNull();
    expect(errorOf(again.parsed).extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'Idempotency-Key',
      reason: 'ANSWER_UNREADABLE',
    });
    expect(runs).toBe(2);
    expect(await count('notes')).toBe(2);
    expect(await count('audit_outbox')).toBe(2);
  });

  it('stored in clear before answers were sealed (a rollout): still replayed', async () => {
    runs = 0;
    const first = await send(body, 's-5');
    await dataSource.query(`UPDATE ${SCHEMA}.idempotency_keys SET response_body = $1 WHERE key = 's-5'`, [
      JSON.stringify(first.parsed),
    ]);
    const again = await send(body, 's-5');
    expect(runs).toBe(1);
    expect(again.parsed).toEqual(first.parsed);
  });

  it('hold only what the replay needs: data and errors', async () => {
    const query = `mutation { addNote(text: "extras") { id } }`;
    const withExtensions = async (): Promise<HTTPGraphQLResponse> => {
      const headers = new HeaderMap();
      headers.set('content-type', 'application/json');
      const text = JSON.stringify({ data: { addNote: { id: 1 } }, extensions: { trace: PERSONAL } });
      return { status: 200, headers, body: { kind: 'complete', string: text } };
    };
    await execute(withExtensions, { req: requestWith({ 'idempotency-key': 's-6' }), body: { query }, context });
    const [row] = await storedRows();
    const opened = boxK1.open(
      row!.response_body,
      idempotentAnswerContext(SCHEMA, {
        subject: idempotencySubjectOf(context.principal)!,
        key: 's-6',
        requestHash: operationFingerprint(query, null, undefined),
        status: 200,
      }),
    );
    expect(JSON.parse(opened)).toEqual({ data: { addNote: { id: 1 } } });
  });
});

describe('a request transaction past its deadline', () => {
  it('rolls back, and leaves no transaction open on the pooled connection', async () => {
    // One connection, so the next query gets the very connection the late transaction used.
    const single = createSubgraphDataSource({ subgraph: SCHEMA, url: db.url, entities: [], poolSize: 1 });
    await single.initialize();
    try {
      const late = requestScope.run(
        'req-late',
        () =>
          requestTransaction.run(single, async () => {
            await single.query(`INSERT INTO ${SCHEMA}.notes (text) VALUES ('late')`);
            await new Promise((resolve) => setTimeout(resolve, 300));
            // Past the deadline: this statement (and COMMIT) are refused before they are sent.
            await single.query(`SELECT 1`);
          }),
        { deadline: Date.now() + 150 },
      );
      await expect(late).rejects.toThrow(/deadline/);
      const [state] = (await single.query(`SELECT now() = statement_timestamp() AS fresh`)) as { fresh: boolean }[];
      // Outside a transaction every statement has its own timestamp; inside a leftover one they would differ.
      expect(state?.fresh).toBe(true);
      expect(await count('notes')).toBe(0);
    } finally {
      await single.destroy();
    }
  });
});

it('treats a request transaction whose connection TypeORM released on an error as the database down', async () => {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  await runner.release();
  const error: unknown = await runner.query('SELECT 1').catch((caught: unknown) => caught);
  expect(isDatabaseUnavailable(error)).toBe(true);
  expect(isDatabaseUnavailable(new Error('syntax error'))).toBe(false);
});

describe('keys and fingerprints', () => {
  it('accepts 1 to 255 printable ASCII characters', () => {
    expect(idempotencyKeyProblem(undefined)).toBeNull();
    expect(idempotencyKeyProblem('0f5c5d6e-8d0b-4c55-9b43-5a0c8c4e7b11')).toBeNull();
    expect(idempotencyKeyProblem('x'.repeat(255))).toBeNull();
    expect(idempotencyKeyProblem('')).toMatch(/1 to 255/);
    expect(idempotencyKeyProblem('x'.repeat(256))).toMatch(/1 to 255/);
    expect(idempotencyKeyProblem('tab\there')).toMatch(/printable/);
    expect(idempotencyKeyProblem(['a', 'b'])).toMatch(/once/);
  });

  it('hashes variables whatever their key order, and tells bodies apart', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    const same = operationFingerprint('mutation M { m }', 'M', { a: 1, b: 2 });
    expect(operationFingerprint('mutation M { m }', 'M', { b: 2, a: 1 })).toBe(same);
    expect(operationFingerprint('mutation M { m }', 'M', { a: 1, b: 3 })).not.toBe(same);
    expect(operationFingerprint('mutation N { m }', 'M', { a: 1, b: 2 })).not.toBe(same);
    expect(operationFingerprint('mutation M { m }', null, { a: 1, b: 2 })).not.toBe(same);
  });
});
