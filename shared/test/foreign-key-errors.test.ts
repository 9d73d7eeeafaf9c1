import type { DataSource } from 'typeorm';
import { createSubgraphDataSource, foreignKeyError } from '../src';
import { createTestDatabase, type TestDatabase } from '@socgraph/testkit';

/**
 * `foreignKeyError` reads Postgres' own foreign-key violations (raised here for real, on tables
 * shaped like identity's), so its codes follow what the server reports, not a hand-made shape.
 */
let db: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  db = await createTestDatabase('fk');
  dataSource = createSubgraphDataSource({ subgraph: 'identity', url: db.url, entities: [] });
  await dataSource.initialize();
  await dataSource.query(`CREATE SCHEMA identity`);
  await dataSource.query(`CREATE TABLE identity.users (id serial PRIMARY KEY)`);
  await dataSource.query(`CREATE TABLE identity.notes (user_id int NOT NULL REFERENCES identity.users (id))`);
  await dataSource.query(`INSERT INTO identity.users (id) VALUES (1), (2)`);
  await dataSource.query(`INSERT INTO identity.notes (user_id) VALUES (2)`);
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

async function failure(sql: string): Promise<unknown> {
  try {
    await dataSource.query(sql);
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${sql} to fail`);
}

it('the caller itself missing: UNAUTHENTICATED, sign in again', async () => {
  const error = await failure(`INSERT INTO identity.notes (user_id) VALUES (42)`);
  expect(foreignKeyError(error, { actorUserId: '42' })?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  expect(foreignKeyError(error, { actorUserId: '42' })?.message).toBe(
    'The signed-in user no longer exists; sign in again',
  );
});

it('another missing row: BAD_USER_INPUT naming the argument when one matches the column, no internals', async () => {
  const error = await failure(`INSERT INTO identity.notes (user_id) VALUES (42)`);
  const named = foreignKeyError(error, { actorUserId: '1', args: { input: { userId: '42', text: 'x' } } });
  expect(named?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.userId' });
  expect(named?.message).toBe('input.userId names a row that does not exist (or was just deleted)');
  const unnamed = foreignKeyError(error, { actorUserId: null, args: { id: '3' } });
  expect(unnamed?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  expect(unnamed?.message).not.toMatch(/notes|users|fkey|42/);
});

it('a row still referenced: CONFLICT', async () => {
  const error = await failure(`DELETE FROM identity.users WHERE id = 2`);
  expect(foreignKeyError(error, { actorUserId: '2' })?.extensions).toEqual({ code: 'CONFLICT' });
});

it('anything else is not its business', async () => {
  const error = await failure(`INSERT INTO identity.users (id) VALUES (1)`);
  expect(foreignKeyError(error, { actorUserId: '1' })).toBeNull();
});
