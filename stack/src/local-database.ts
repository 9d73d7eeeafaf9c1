import path from 'node:path';
import { migrate } from '@socgraph/migrations';
import type { RunningPostgres } from '@socgraph/testkit/embedded-postgres';
import { REPO_ROOT } from './paths';
import type { RegisteredSubgraph } from './registry';

/** Where `pnpm start` keeps its embedded Postgres and development secrets unless DATA_DIR says otherwise. */
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, '.data');

export interface LocalDatabaseOptions {
  /** Use this server; when absent, an embedded Postgres in `dataDir/postgres` is started. */
  databaseUrl?: string;
  dataDir?: string;
  postgresPort?: number;
  postgresSettings?: Readonly<Record<string, string>>;
  postgresFast?: boolean;
}

/**
 * The database a local graph runs on, as both launchers (in-process `startStack`, one process
 * per service `startProcessGraph`) bring it up: the given URL, or an embedded Postgres that
 * keeps its data between runs. `postgres` is what the caller stops; null for a given URL.
 */
export async function startLocalDatabase(
  options: LocalDatabaseOptions,
  log: (line: string) => void,
): Promise<{ url: string; postgres: RunningPostgres | null }> {
  if (options.databaseUrl) return { url: options.databaseUrl, postgres: null };
  const dataDir = path.join(options.dataDir ?? DEFAULT_DATA_DIR, 'postgres');
  log(`Starting embedded PostgreSQL (data in ${dataDir})`);
  // Loaded only when needed: embedded-postgres is ESM, which jest workers (always given a URL) cannot load.
  const { startEmbeddedPostgres } = await import('@socgraph/testkit/embedded-postgres');
  const pg = await startEmbeddedPostgres({
    dataDir,
    persistent: true,
    ...(options.postgresFast ? { fast: true } : {}),
    ...(options.postgresSettings ? { settings: options.postgresSettings } : {}),
    ...(options.postgresPort !== undefined ? { port: options.postgresPort } : {}),
  });
  // As root in a private checkout the postgres user cannot reach DATA_DIR: say where the data went.
  if (pg.dataDir !== dataDir) log(`PostgreSQL data kept in ${pg.dataDir} (the postgres user cannot reach ${dataDir})`);
  return { url: pg.url, postgres: pg };
}

/** Applies every registered subgraph's pending migrations, each to its own database URL. */
export async function migrateRegistered(
  registered: readonly RegisteredSubgraph[],
  urlFor: (subgraph: string) => string,
  log: (line: string) => void,
): Promise<void> {
  await migrate({
    urlFor,
    schemas: registered.map((s) => ({ name: s.service.name, migrations: s.migrations })),
    log: (line) => log(`migrations: ${line}`),
  });
}
