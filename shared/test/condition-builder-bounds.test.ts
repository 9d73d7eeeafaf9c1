import { Client } from 'pg';
import { ConditionBuilder, type FilterLink } from '../src';
import { createTestDatabase, type TestDatabase } from '@socgraph/testkit';

/**
 * The list-filter builder as surveillance uses it, run in Postgres over a scratch table: text
 * rules with patterns, lower bounds, enum columns compared as text, tag links, full text and
 * periods; an absent or blank value adds nothing, and a bad one is BAD_USER_INPUT naming the
 * field before any SQL is built.
 */
let db: TestDatabase;
let client: Client;
beforeAll(async () => {
  db = await createTestDatabase('condition_bounds');
  client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query(`
    CREATE TYPE level AS ENUM ('low', 'high');
    CREATE TABLE rows (id int PRIMARY KEY, code text, level level, score float, at timestamptz, doc tsvector);
    CREATE TABLE row_tags (row_id int, tag_id int);
    INSERT INTO rows VALUES
      (1, 'a-1', 'low', 0.2, '2026-06-01T00:00:00Z', to_tsvector('simple', 'red car at the gate')),
      (2, 'b-2', 'high', 0.9, '2026-06-02T00:00:00Z', to_tsvector('simple', 'person at the door')),
      (3, 'c-3', 'high', 0.5, '2026-06-03T00:00:00Z', to_tsvector('simple', 'red person'));
    INSERT INTO row_tags VALUES (1, 10), (2, 20), (3, 10), (3, 20);
  `);
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

/** TypeORM-style :named params to $n (a `::` cast is not a parameter). */
async function ids(builder: ConditionBuilder): Promise<number[]> {
  const { sql, params } = builder.build();
  const values: unknown[] = [];
  const text = sql.replace(/(?<!:):([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    values.push(params[name]);
    return `$${values.length}`;
  });
  const result = await client.query<{ id: number }>(`SELECT r.id FROM rows r WHERE ${text} ORDER BY r.id`, values);
  return result.rows.map((r) => r.id);
}

const TAGS: FilterLink = { table: 'row_tags', rowColumn: 'row_id', targetColumn: 'tag_id' };
const CODE = { max: 10, pattern: /^[a-z0-9-]+$/, patternHint: 'may hold a-z, 0-9 and - only' };

const badInput = (field: string) =>
  expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field }) });

describe('ConditionBuilder', () => {
  it('adds nothing for absent or empty values', async () => {
    const b = new ConditionBuilder('r')
      .equals('code', '  ', 'filter.code', CODE)
      .anyOf('level::text', [])
      .anyOf('level::text', null)
      .atLeast('score', undefined)
      .linkedToAny(TAGS, [])
      .matchesText('doc', ' ', 'filter.search')
      .period('at', null, undefined);
    expect(b.build()).toEqual({ sql: 'TRUE', params: {} });
    expect(await ids(b)).toEqual([1, 2, 3]);
  });

  it('narrows by each helper, all given conditions together', async () => {
    const r = () => new ConditionBuilder('r');
    expect(await ids(r().equals('code', ' b-2 ', 'filter.code', CODE))).toEqual([2]);
    expect(await ids(r().anyOf('level::text', ['high']))).toEqual([2, 3]);
    expect(await ids(r().anyOf('id', [1, 3]))).toEqual([1, 3]);
    expect(await ids(r().atLeast('score', 0.5))).toEqual([2, 3]);
    expect(await ids(r().linkedToAny(TAGS, [10]))).toEqual([1, 3]);
    expect(await ids(r().linkedToAny(TAGS, [10, 20]))).toEqual([1, 2, 3]);
    expect(await ids(r().matchesText('doc', 'red -car', 'filter.search'))).toEqual([3]);
    expect(await ids(r().matchesText('doc', '"the door"', 'filter.search'))).toEqual([2]);
    const june2 = new Date('2026-06-02T00:00:00Z');
    expect(await ids(r().period('at', june2, new Date('2026-06-03T00:00:00Z')))).toEqual([2]);
    expect(await ids(r().period('at', june2, june2))).toEqual([]);
    expect(await ids(r().anyOf('level::text', ['high']).linkedToAny(TAGS, [10]).atLeast('score', 0.1))).toEqual([3]);
  });

  it('keeps parameter names apart from another builder on another alias', () => {
    const a = new ConditionBuilder('r').atLeast('score', 1).build();
    const b = new ConditionBuilder('s').atLeast('score', 1).build();
    expect(Object.keys({ ...a.params, ...b.params })).toHaveLength(2);
  });

  it('refuses bad values naming the field', () => {
    const r = () => new ConditionBuilder('r');
    expect(() => r().equals('code', 'B 2', 'filter.code', CODE)).toThrow(badInput('filter.code'));
    expect(() => r().equals('code', 'x'.repeat(11), 'filter.code', CODE)).toThrow(badInput('filter.code'));
    expect(() => r().equals('code', 'x'.repeat(11), 'filter.code', 10)).toThrow(badInput('filter.code'));
    expect(() => r().matchesText('doc', 'x'.repeat(201), 'filter.search')).toThrow(badInput('filter.search'));
    expect(() => r().period('at', new Date('2026-06-02'), new Date('2026-06-01'))).toThrow(badInput('filter.from'));
    expect(() => r().period('at', new Date('nope'), null)).toThrow(badInput('filter.from'));
    expect(() => r().period('at', null, new Date('nope'))).toThrow(badInput('filter.to'));
    const named = { from: 'filter.createdAfter', to: 'filter.createdBefore' };
    expect(() => r().period('at', null, new Date('nope'), named)).toThrow(badInput('filter.createdBefore'));
  });
});
