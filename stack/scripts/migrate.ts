import path from 'node:path';
import { parseArgs } from 'node:util';
import { migrate } from '@socgraph/migrations';
import { databaseUrlFor } from '@socgraph/shared';
import { startEmbeddedPostgres } from '@socgraph/testkit/embedded-postgres';
import { SCHEMA_MIGRATIONS, SUBGRAPH_NAMES } from '../src/registry';
import { DEFAULT_DATA_DIR } from '../src/stack';

const USAGE = `pnpm migrate [up|down] [--subgraph NAME]... [--steps N]

  up (default)   apply pending migrations of every subgraph schema, or of those named
  down           revert the last --steps migrations (default 1) of each named subgraph
  Subgraphs: ${SUBGRAPH_NAMES.join(', ')}
  Connection: <NAME>_DATABASE_URL, else DATABASE_URL, else the embedded Postgres in DATA_DIR (.data/).`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { subgraph: { type: 'string', multiple: true }, steps: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return console.log(USAGE);
  const direction = positionals[0] ?? 'up';
  if (direction !== 'up' && direction !== 'down') throw new Error(`Unknown direction ${direction}\n\n${USAGE}`);
  const steps = values.steps ? Number(values.steps) : 1;
  if (!Number.isInteger(steps) || steps < 1) throw new Error('--steps must be a positive integer');
  if (direction === 'down' && !values.subgraph?.length)
    throw new Error('down needs --subgraph: reverting every schema at once is never what you want');

  // Without a database URL, migrate the same embedded Postgres that `pnpm start` uses.
  const needsEmbedded = SUBGRAPH_NAMES.some((s) => !databaseUrlFor(s));
  const embedded = needsEmbedded
    ? await startEmbeddedPostgres({
        dataDir: path.join(process.env.DATA_DIR || DEFAULT_DATA_DIR, 'postgres'),
        persistent: true,
      })
    : null;
  try {
    await migrate({
      urlFor: (s) => databaseUrlFor(s) ?? embedded!.url,
      schemas: SCHEMA_MIGRATIONS,
      ...(values.subgraph ? { subgraphs: values.subgraph } : {}),
      direction,
      steps,
      log: (message) => console.log(message),
    });
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
