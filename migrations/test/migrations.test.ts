import { createTestDatabase, type TestDatabase } from '@socgraph/shared/testing';
import { Client } from 'pg';
import { migrate, SUBGRAPH_SCHEMAS } from '../src';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('migrations');
});
afterAll(async () => db?.drop());

async function tablesIn(schema: string): Promise<string[]> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

describe('migration runner', () => {
  it('applies every schema once, is idempotent, and reverts cleanly', async () => {
    const first = await migrate({ urlFor: () => db.url });
    expect(first.map((r) => r.subgraph)).toEqual(SUBGRAPH_SCHEMAS);
    expect(first.every((r) => r.applied.length > 0)).toBe(true);
    expect(await tablesIn('identity')).toEqual(
      expect.arrayContaining(['users', 'roles', 'customers', 'user_sessions', 'api_keys', 'migrations']),
    );

    const again = await migrate({ urlFor: () => db.url });
    expect(again.every((r) => r.applied.length === 0)).toBe(true);

    const down = await migrate({ urlFor: () => db.url, subgraphs: ['identity'], direction: 'down' });
    expect(down[0]?.reverted).toHaveLength(1);
    expect(await tablesIn('identity')).toEqual(['migrations']);

    const up = await migrate({ urlFor: () => db.url, subgraphs: ['identity'] });
    expect(up[0]?.applied).toHaveLength(1);
  });

  it('reverts and re-applies audit cleanly', async () => {
    await migrate({ urlFor: () => db.url });
    expect(await tablesIn('audit')).toEqual(expect.arrayContaining(['audit_logs', 'auth_audit_log', 'logs']));
    await migrate({ urlFor: () => db.url, subgraphs: ['audit'], direction: 'down' });
    expect(await tablesIn('audit')).toEqual(['migrations']);
    const up = await migrate({ urlFor: () => db.url, subgraphs: ['audit'] });
    expect(up[0]?.applied).toHaveLength(1);
  });

  it('refuses an unknown subgraph', async () => {
    await expect(migrate({ urlFor: () => db.url, subgraphs: ['nope'] })).rejects.toThrow(/Unknown subgraph/);
  });
});
