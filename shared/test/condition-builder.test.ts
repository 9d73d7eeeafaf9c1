import { DataSource } from 'typeorm';
import { ConditionBuilder, runNamed } from '../src';
import { createTestDatabase, type TestDatabase } from '@socgraph/testkit';

/** The list-filter builder's conditions, run in Postgres over a scratch table. */
let db: TestDatabase;
let ds: DataSource;
beforeAll(async () => {
  db = await createTestDatabase('conditions');
  ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
  await ds.query(`
    CREATE TABLE items (id int PRIMARY KEY, name text, owner text, kind text, parent text,
      doc tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(name, ''))) STORED);
    CREATE TABLE item_labels (item_id int, label_id int);
    INSERT INTO items (id, name, owner, kind, parent) VALUES
      (1, 'red fox', 'Alice', 'a', NULL), (2, 'blue fox', 'bob', 'b', 'x'), (3, 'red hen', 'ALICE', 'c', 'y');
    INSERT INTO item_labels VALUES (1, 10), (2, 20), (3, 10), (3, 30);`);
});
afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

async function ids(builder: ConditionBuilder): Promise<number[]> {
  const { sql, params } = builder.build();
  const rows = await runNamed<{ id: number }>(ds, `SELECT i.id FROM items i WHERE ${sql} ORDER BY i.id`, params);
  return rows.map((r) => r.id);
}

const link = { table: 'item_labels', rowColumn: 'item_id', targetColumn: 'label_id' };

describe('ConditionBuilder', () => {
  it('adds nothing for absent, empty or blank values', async () => {
    const b = new ConditionBuilder('i')
      .anyOf('kind', [])
      .anyOf('kind', null)
      .equalsIgnoringCase('owner', '  ', 'filter.owner')
      .linkedToAny(link, [])
      .matchesText('doc', undefined, 'filter.search')
      .isNull('parent', null);
    expect(b.build().sql).toBe('TRUE');
    expect(await ids(b)).toEqual([1, 2, 3]);
  });

  it('matches any of a list, case-insensitive names, links, full text and NULL tests, ANDed', async () => {
    expect(await ids(new ConditionBuilder('i').anyOf('kind', ['a', 'c']))).toEqual([1, 3]);
    expect(await ids(new ConditionBuilder('i').equalsIgnoringCase('owner', 'alice', 'filter.owner'))).toEqual([1, 3]);
    expect(await ids(new ConditionBuilder('i').linkedToAny(link, [10]))).toEqual([1, 3]);
    expect(await ids(new ConditionBuilder('i').linkedToAny(link, [20, 30]))).toEqual([2, 3]);
    expect(await ids(new ConditionBuilder('i').matchesText('doc', 'fox -blue', 'filter.search'))).toEqual([1]);
    expect(await ids(new ConditionBuilder('i').matchesText('doc', '"red hen"', 'filter.search'))).toEqual([3]);
    expect(await ids(new ConditionBuilder('i').isNull('parent', true))).toEqual([1]);
    expect(await ids(new ConditionBuilder('i').isNull('parent', false))).toEqual([2, 3]);
    const both = new ConditionBuilder('i').linkedToAny(link, [10]).linkedToAny(link, [30]).anyOf('kind', ['a', 'c']);
    expect(await ids(both)).toEqual([3]);
  });

  it('treats wildcards and quotes as text, never as SQL or patterns', async () => {
    expect(await ids(new ConditionBuilder('i').equalsIgnoringCase('owner', '%', 'filter.owner'))).toEqual([]);
    expect(await ids(new ConditionBuilder('i').equalsIgnoringCase('owner', "' OR 1=1 --", 'f'))).toEqual([]);
    expect(await ids(new ConditionBuilder('i').matchesText('doc', "'):* | !", 'filter.search'))).toEqual([]);
  });

  it('rejects over-long text and inverted periods with BAD_USER_INPUT naming the field', () => {
    const bad = (field: string) =>
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field }) });
    expect(() => new ConditionBuilder('i').equalsIgnoringCase('owner', 'x'.repeat(65), 'filter.owner', 64)).toThrow(
      bad('filter.owner'),
    );
    expect(() => new ConditionBuilder('i').matchesText('doc', 'x'.repeat(201), 'filter.search')).toThrow(
      bad('filter.search'),
    );
    const later = new Date('2026-02-01T00:00:00Z');
    const earlier = new Date('2026-01-01T00:00:00Z');
    expect(() => new ConditionBuilder('i').period('created', later, earlier)).toThrow(bad('filter.from'));
    expect(() =>
      new ConditionBuilder('i').period('created', later, earlier, {
        from: 'filter.createdAfter',
        to: 'filter.createdBefore',
      }),
    ).toThrow(bad('filter.createdAfter'));
  });
});
