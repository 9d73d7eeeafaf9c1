import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, postGraphQL, type TestDatabase } from '@socgraph/testkit';
import { freePort, startProcessGraph, startServiceProcess, type RunningProcessGraph } from '../src/processes';
import { SUBGRAPH_NAMES } from '../src/registry';

/**
 * `pnpm start`'s default: every service in its own process (stack/src/processes.ts), here with
 * the gateway as a cluster of two workers. The demo seed is done by the launcher before the
 * services start; the graph answers through the gateway with tag RBAC; stop() leaves no process.
 */

jest.setTimeout(240_000);

const PASSWORD = 'demo-password-for-process-tests';
const secret = () => randomBytes(32).toString('base64url');

let database: TestDatabase;
let graph: RunningProcessGraph;
beforeAll(async () => {
  database = await createTestDatabase('processes');
  graph = await startProcessGraph({
    databaseUrl: database.url,
    port: 0,
    jwtSecret: secret(),
    internalTokenSecret: secret(),
    seedDemo: { password: PASSWORD },
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      LOG_SHIP_LEVEL: 'off',
      PASSWORD_SCRYPT_COST: '1024',
      AUDIT_SIGNING_KEY: secret(),
      SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      METRICS_OPEN: 'true',
    },
    gatewayWorkers: 2,
    output: 'ignore',
  });
});
afterAll(async () => {
  await graph?.stop();
  await database?.drop();
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Node processes in a process group (the gateway's primary and its workers). */
const nodeProcessesInGroup = (pgid: number): number =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[2]) === pgid && stat.includes('(node)');
      } catch {
        return false;
      }
    }).length;

it('runs every subgraph and the gateway as processes of their own, seeded, answering through the gateway', async () => {
  expect([...graph.subgraphs.keys()].sort()).toEqual([...SUBGRAPH_NAMES].sort());
  const pids = [graph.gateway.pid, ...[...graph.subgraphs.values()].map((s) => s.pid)];
  expect(new Set(pids).size).toBe(SUBGRAPH_NAMES.length + 1);
  expect(pids).not.toContain(process.pid);
  expect(graph.seedLines.join('\n')).toMatch(/login analyst/);
  // The cluster primary and its two workers.
  expect(nodeProcessesInGroup(graph.gateway.pid)).toBe(3);

  const login = await postGraphQL<{ login: { token: string } }>(
    graph.gateway.graphqlUrl,
    `mutation { login(username: "analyst", password: "${PASSWORD}") { token } }`,
  );
  const token = login.body.data?.login.token;
  expect(token).toEqual(expect.any(String));
  // Several requests, so both workers answer some: each must know the session and tag RBAC.
  for (let i = 0; i < 6; i++) {
    const alerts = await postGraphQL<{ me: { username: string }; alerts: { totalCount: number } }>(
      graph.gateway.graphqlUrl,
      '{ me { username } alerts { totalCount } }',
      {},
      { authorization: `Bearer ${token}` },
    );
    expect(alerts.body.errors).toBeUndefined();
    expect(alerts.body.data).toEqual({ me: { username: 'analyst' }, alerts: { totalCount: 5 } });
  }
  // A subgraph is reachable on its own port, refusing calls without the gateway's internal token.
  const direct = await postGraphQL(graph.subgraphs.get('identity')?.graphqlUrl ?? '', '{ me { id } }');
  expect(direct.status).toBe(401);
  expect(direct.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});

it('stops every process, cluster workers included', async () => {
  const leaders = [graph.gateway, ...graph.subgraphs.values()];
  await graph.stop();
  for (const service of leaders) {
    expect(service.running).toBe(false);
    expect(alive(service.pid)).toBe(false);
    // Nothing is left in its process group (the gateway's workers led by its primary).
    expect(() => process.kill(-service.pid, 0)).toThrow();
  }
});

it('writes a service straight into its log file, and says its last lines when it dies before it is healthy', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'service-logs-'));
  try {
    const script =
      'for (let i = 1; i <= 40; i++) console.log(`line ${i}`); console.error("giving up"); process.exit(3);';
    const started = startServiceProcess({
      name: 'dies-early',
      args: ['-e', script],
      port: await freePort(),
      env: { PATH: process.env.PATH },
      output: { dir },
      healthTimeoutMs: 10_000,
    });
    const failure = await started.then(
      () => null,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/dies-early exited \(3\) before it was healthy/);
    // The tail comes from the file the process wrote itself (stdout and stderr, in order).
    expect(failure?.message).toContain('line 40\n  giving up');
    expect(failure?.message).not.toContain('line 10\n');
    const file = readFileSync(path.join(dir, 'dies-early.log'), 'utf8');
    expect(file.split('\n')).toHaveLength(42);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
