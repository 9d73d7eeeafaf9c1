import { Client } from 'pg';
import {
  and,
  canSeeTaggedRow,
  customerCondition,
  tagCondition,
  type Principal,
  type TagAccessSettings,
  type UntaggedAlertBehavior,
} from '../src';
import { createTestDatabase, testPrincipal, type TestDatabase } from '@socgraph/testkit';

/**
 * The pure policy and its SQL form must agree on every combination: rows of a scratch table
 * are filtered in Postgres by the SQL conditions and compared with canSeeTaggedRow.
 */
const ROWS: { id: number; customer: string | null; tags: number[] }[] = [
  { id: 1, customer: 'A', tags: [] },
  { id: 2, customer: 'A', tags: [1] },
  { id: 3, customer: 'B', tags: [2] },
  { id: 4, customer: 'B', tags: [1, 2] },
  { id: 5, customer: 'C', tags: [3] },
  { id: 6, customer: null, tags: [] },
  { id: 7, customer: 'C', tags: [] },
];

let db: TestDatabase;
let client: Client;
beforeAll(async () => {
  db = await createTestDatabase('policy');
  client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query(
    `CREATE TABLE rows (id int PRIMARY KEY, customer_code text); CREATE TABLE row_tags (row_id int, tag_id int)`,
  );
  for (const row of ROWS) {
    await client.query(`INSERT INTO rows VALUES ($1, $2)`, [row.id, row.customer]);
    for (const tag of row.tags) await client.query(`INSERT INTO row_tags VALUES ($1, $2)`, [row.id, tag]);
  }
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

/** TypeORM-style :named params to $n for a plain pg query. */
function toPositional(sql: string, params: Record<string, unknown>): [string, unknown[]] {
  const values: unknown[] = [];
  const text = sql.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    values.push(params[name]);
    return `$${values.length}`;
  });
  return [text, values];
}

async function visibleInSql(p: Principal, form: 'set' | 'probe' = 'set'): Promise<number[]> {
  const condition = and(
    customerCondition(p, 'r.customer_code'),
    tagCondition(
      p,
      { rowId: 'r.id', linkTable: 'row_tags', linkRowColumn: 'row_id', linkTagColumn: 'tag_id' },
      { form },
    ),
  );
  const [sql, values] = toPositional(`SELECT id FROM rows r WHERE ${condition.sql} ORDER BY id`, condition.params);
  return (await client.query<{ id: number }>(sql, values)).rows.map((r) => r.id);
}

const behaviours: UntaggedAlertBehavior[] = ['VISIBLE_TO_ALL', 'ADMIN_ONLY', 'DEFAULT_TAG'];
const settingsCases: TagAccessSettings[] = [
  { enabled: false, untaggedAlertBehavior: 'VISIBLE_TO_ALL', defaultTagId: null },
  ...behaviours.map((b) => ({
    enabled: true,
    untaggedAlertBehavior: b,
    defaultTagId: b === 'DEFAULT_TAG' ? '3' : null,
  })),
];
const principals: Principal[] = [];
for (const role of ['admin', 'analyst', 'customer_user', 'auditor', 'scheduler']) {
  for (const tagIds of [[], ['1'], ['2', '3']]) {
    for (const customerCodes of [[], ['A'], ['B', 'C']]) {
      principals.push(testPrincipal({ role, tagIds, customerCodes, userId: '9' }));
    }
  }
}

describe('access policy: pure functions and SQL agree', () => {
  it.each(settingsCases)('settings %j', async (tagAccess) => {
    for (const base of principals) {
      const p = { ...base, tagAccess };
      const expected = ROWS.filter((r) =>
        canSeeTaggedRow(p, { customerCode: r.customer, tagIds: r.tags.map(String) }),
      ).map((r) => r.id);
      // Both SQL forms of the tag test (tagCondition's `form`) select the same rows.
      for (const form of ['set', 'probe'] as const) {
        expect({ p: [p.role, p.tagIds, p.customerCodes, form], ids: await visibleInSql(p, form) }).toEqual({
          p: [p.role, p.tagIds, p.customerCodes, form],
          ids: expected,
        });
      }
    }
  });

  it('follows architecture.md on representative cases', () => {
    const on = (b: UntaggedAlertBehavior, defaultTagId: string | null = null): TagAccessSettings => ({
      enabled: true,
      untaggedAlertBehavior: b,
      defaultTagId,
    });
    const analyst = (tagIds: string[], tagAccess: TagAccessSettings, customerCodes: string[] = []) =>
      testPrincipal({ role: 'analyst', tagIds, tagAccess, customerCodes });
    const untagged = { customerCode: 'A', tagIds: [] };
    const tagged = { customerCode: 'A', tagIds: ['1'] };
    expect(canSeeTaggedRow(analyst([], on('VISIBLE_TO_ALL')), tagged)).toBe(false);
    expect(canSeeTaggedRow(analyst([], on('VISIBLE_TO_ALL')), untagged)).toBe(true);
    expect(canSeeTaggedRow(analyst(['1'], on('ADMIN_ONLY')), untagged)).toBe(false);
    expect(canSeeTaggedRow(testPrincipal({ tagAccess: on('ADMIN_ONLY') }), untagged)).toBe(true);
    expect(canSeeTaggedRow(analyst(['5'], on('DEFAULT_TAG', '5')), untagged)).toBe(true);
    expect(canSeeTaggedRow(analyst(['1'], on('DEFAULT_TAG', '5')), untagged)).toBe(false);
    expect(canSeeTaggedRow(analyst(['1'], on('VISIBLE_TO_ALL'), ['B']), tagged)).toBe(false);
    // customer users are not tag-filtered, but see only their customers
    expect(
      canSeeTaggedRow(
        testPrincipal({ role: 'customer_user', tagAccess: on('ADMIN_ONLY'), customerCodes: ['A'] }),
        tagged,
      ),
    ).toBe(true);
    expect(canSeeTaggedRow(testPrincipal({ role: 'customer_user', customerCodes: [] }), tagged)).toBe(false);
  });
});
