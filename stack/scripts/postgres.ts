/**
 * `DATA_DIR=... pnpm exec tsx stack/scripts/postgres.ts`: starts the embedded Postgres of a
 * DATA_DIR (the one `pnpm start` / `pnpm seed` use), prints its URL and keeps it running until
 * Ctrl-C or SIGTERM, for psql, EXPLAIN sessions and scripts against a seeded data set.
 */
import path from 'node:path';
import { startEmbeddedPostgres } from '@socgraph/testkit/embedded-postgres';
import { DEFAULT_DATA_DIR } from '../src/stack';

async function main(): Promise<void> {
  const dataDir = path.resolve(process.env.DATA_DIR || DEFAULT_DATA_DIR);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), persistent: true });
  console.log(postgres.url);
  const stop = () => void postgres.stop().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
