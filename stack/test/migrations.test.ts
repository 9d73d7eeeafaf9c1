import { createTestDatabase, type TestDatabase } from '@socgraph/testkit';
import { Client } from 'pg';
import { migrate as runMigrations, type MigrateOptions } from '@socgraph/migrations';
import { registeredSubgraph, SCHEMA_MIGRATIONS, SUBGRAPH_NAMES } from '../src';

/** The runner over every registered schema, as `pnpm migrate` runs it. */
const migrate = (options: Omit<MigrateOptions, 'schemas'>) => runMigrations({ ...options, schemas: SCHEMA_MIGRATIONS });

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

/** Reverts a schema's migrations one by one (the runner reverts the newest per call). */
async function revertAll(schema: string): Promise<number> {
  let reverted = 0;
  for (;;) {
    const down = await migrate({ urlFor: () => db.url, subgraphs: [schema], direction: 'down' });
    const count = down[0]?.reverted.length ?? 0;
    if (count === 0) return reverted;
    reverted += count;
  }
}

describe('migration runner', () => {
  it('applies every schema once, is idempotent, and reverts cleanly', async () => {
    const first = await migrate({ urlFor: () => db.url });
    expect(first.map((r) => r.subgraph)).toEqual(SUBGRAPH_NAMES);
    expect(first.every((r) => r.applied.length > 0)).toBe(true);
    expect(await tablesIn('identity')).toEqual(
      expect.arrayContaining(['users', 'roles', 'customers', 'user_sessions', 'api_keys', 'migrations']),
    );

    const again = await migrate({ urlFor: () => db.url });
    expect(again.every((r) => r.applied.length === 0)).toBe(true);

    const down = await migrate({ urlFor: () => db.url, subgraphs: ['identity'], direction: 'down' });
    // One step reverts the newest migration only (whichever that is).
    expect(down[0]?.reverted).toEqual([registeredSubgraph('identity').migrations.at(-1)?.name]);
    const applied = 1 + (await revertAll('identity'));
    expect(await tablesIn('identity')).toEqual(['migrations']);

    const up = await migrate({ urlFor: () => db.url, subgraphs: ['identity'] });
    expect(up[0]?.applied).toHaveLength(applied);
  });

  it('reverts and re-applies audit cleanly', async () => {
    await migrate({ urlFor: () => db.url });
    expect(await tablesIn('audit')).toEqual(expect.arrayContaining(['audit_logs', 'auth_audit_log', 'logs']));
    const reverted = await revertAll('audit');
    expect(await tablesIn('audit')).toEqual(['migrations']);
    const up = await migrate({ urlFor: () => db.url, subgraphs: ['audit'] });
    expect(up[0]?.applied).toHaveLength(reverted);
  });

  // The audit trail's before/after comes from capture triggers: a table added without one
  // would change silently. Listed here are the only tables that are not captured, and why
  // (besides every schema's plumbing: migrations, the capture and outbox tables, and the
  // idempotency keys, which store a mutation's answer next to the change the trail describes).
  it('captures changes on every table a mutation can change', async () => {
    await migrate({ urlFor: () => db.url });
    const notCaptured: Record<string, string[]> = {
      identity: [],
      incidents: [],
      // Telemetry samples are ingested in bulk by the scheduler; the ingesting mutation's entry reports the counts.
      agents: ['gpu_stats', 'system_metrics'],
      // The chains and logs are written by internal deliveries only, and pruned in bulk by retention;
      // retention_archive is written in bulk by retention (its run's entry reports the counts);
      // audit_chain_verifications only by verifyAuditChain, a read.
      audit: [
        'api_access_log',
        'audit_chain_checkpoints',
        'audit_chain_heads',
        'audit_chain_verifications',
        'audit_logs',
        'auth_audit_log',
        'logs',
        'rate_limit_violations',
        'retention_archive',
      ],
    };
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const schema of SUBGRAPH_NAMES) {
        const { rows } = await client.query<{ table_name: string }>(
          `SELECT c.relname AS table_name
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind = 'r'
              AND c.relname NOT IN ('migrations', 'audit_capture', 'audit_outbox', 'idempotency_keys')
              AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'audit_capture')
            ORDER BY 1`,
          [schema],
        );
        expect({ schema, tables: rows.map((r) => r.table_name) }).toEqual({
          schema,
          tables: notCaptured[schema] ?? [],
        });
      }
    } finally {
      await client.end();
    }
  });

  // Keyed mutations (Idempotency-Key) store their answers there; without it they would fail.
  it('gives every schema its idempotency keys table', async () => {
    await migrate({ urlFor: () => db.url });
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ schema: string }>(
        `SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'idempotency_keys' ORDER BY 1`,
      );
      expect(rows.map((r) => r.schema).sort()).toEqual([...SUBGRAPH_NAMES].sort());
    } finally {
      await client.end();
    }
  });

  it('refuses an unknown subgraph', async () => {
    await expect(migrate({ urlFor: () => db.url, subgraphs: ['nope'] })).rejects.toThrow(/Unknown subgraph/);
  });
});
