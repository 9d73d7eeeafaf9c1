import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../src/paths';

/**
 * `pnpm migrate` as an operator runs it: without a database URL it migrates the embedded
 * Postgres of DATA_DIR and says so (it once failed there, asking Postgres for port 0), and in
 * production it refuses to guess.
 */
const run = promisify(execFile);
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const SCRIPT = path.join(REPO_ROOT, 'stack', 'scripts', 'migrate.ts');
let dataDir: string;

/** The environment without any database URL, so the command must pick the embedded Postgres. */
function envWithout(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.endsWith('DATABASE_URL')));
  return { ...env, NODE_ENV: 'development', DATA_DIR: dataDir, ...extra };
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'socgraph-migrate-'));
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

describe('pnpm migrate', () => {
  it('migrates the embedded Postgres of DATA_DIR when no URL is set, saying so, and reverts one step', async () => {
    const up = await run(TSX, [SCRIPT], { cwd: REPO_ROOT, env: envWithout({}), timeout: 120_000 });
    expect(up.stdout).toMatch(/No DATABASE_URL .*migrating the embedded Postgres in /);
    expect(up.stdout).toMatch(/identity: applied IdentityInitial/);

    const again = await run(TSX, [SCRIPT], { cwd: REPO_ROOT, env: envWithout({}), timeout: 120_000 });
    expect(again.stdout).not.toMatch(/applied/);

    const down = await run(TSX, [SCRIPT, 'down', '--subgraph', 'identity'], {
      cwd: REPO_ROOT,
      env: envWithout({}),
      timeout: 120_000,
    });
    expect(down.stdout).toMatch(/identity: reverted /);
  }, 300_000);

  it('refuses to guess in production', async () => {
    await expect(
      run(TSX, [SCRIPT], { cwd: REPO_ROOT, env: envWithout({ NODE_ENV: 'production' }), timeout: 60_000 }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/set DATABASE_URL/) });
  }, 120_000);
});
