import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres';
import { TEST_ADMIN_URL_ENV } from './databases';

/** One PostgreSQL per test run: DATABASE_URL when given, else an embedded one in a temp dir. */
export default async function globalSetup(): Promise<void> {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  if (process.env.DATABASE_URL) {
    process.env[TEST_ADMIN_URL_ENV] = process.env.DATABASE_URL;
    return;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'socgraph-test-pg-'));
  const pg: RunningPostgres = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'data'),
    persistent: false,
    fast: true,
  });
  process.env[TEST_ADMIN_URL_ENV] = pg.url;
  (globalThis as { __socgraphTestPostgres?: RunningPostgres }).__socgraphTestPostgres = pg;
}
