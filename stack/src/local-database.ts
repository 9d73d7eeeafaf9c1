import path from 'node:path';
import { migrate } from '@socgraph/migrations';
import type { DemoSeedOptions } from '@socgraph/shared';
import type { RunningPostgres } from '@socgraph/testkit/embedded-postgres';
import { REPO_ROOT } from './paths';
import type { RegisteredSubgraph } from './registry';

/** Where `pnpm start` keeps its embedded Postgres and development secrets unless DATA_DIR says otherwise. */
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, '.data');

export interface LocalDatabaseOptions {
  /** Postgres for every subgraph (`<NAME>_DATABASE_URL` in env still wins). None: embedded Postgres. */
  databaseUrl?: string;
  /** Where embedded Postgres keeps its data between runs. Default `.data/` at the repo root. */
  dataDir?: string;
  /** Embedded Postgres port; default a free one. */
  postgresPort?: number;
  /** Embedded Postgres server settings (`-c name=value`), e.g. pg_stat_statements for the bench. */
  postgresSettings?: Readonly<Record<string, string>>;
  /** Embedded Postgres without durability (throw-away data: bench, tests). */
  postgresFast?: boolean;
}

/** What both launchers (in-process `startStack`, one process per service `startProcessGraph`) take. */
export interface LocalGraphOptions extends LocalDatabaseOptions {
  /** Gateway port (default 4000); each subgraph gets PORT + its registry port offset. 0: all free ports. */
  port?: number;
  /** Per-subgraph port overrides, by name. */
  subgraphPorts?: Partial<Record<string, number>>;
  host?: string;
  jwtSecret: string;
  internalTokenSecret: string;
  /** Seeds every subgraph's demo data (each skips itself when not empty). */
  seedDemo?: DemoSeedOptions;
  /** Settings for every service (LOG_LEVEL, INTROSPECTION, AUDIT_SIGNING_KEY, ...), over this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to every subgraph of the registry. */
  subgraphs?: readonly RegisteredSubgraph[];
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
