import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Per-test-file databases on the run's one PostgreSQL (embedded, started by the global
 * setup, or the server at DATABASE_URL). Each test file gets a fresh, empty database.
 */
export const TEST_ADMIN_URL_ENV = 'SOCGRAPH_TEST_ADMIN_URL';

export function testAdminUrl(): string {
  const url = process.env[TEST_ADMIN_URL_ENV];
  if (!url) throw new Error(`${TEST_ADMIN_URL_ENV} is not set: run tests through jest (global setup)`);
  return url;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  drop: () => Promise<void>;
}

export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const adminUrl = testAdminUrl();
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
