import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createSubgraphDataSource, subgraphUrlVariable } from '@socgraph/shared';
import type { RunningPostgres } from '@socgraph/testkit/embedded-postgres';
import { REPO_ROOT } from './paths';
import { portOffsetOf, SUBGRAPHS } from './registry';
import { migrateRegistered, startLocalDatabase, type LocalGraphOptions } from './local-database';

/**
 * The whole graph with every service in its own Node process, as production runs it (one per
 * container), only on one machine: Postgres (given or embedded), migrations and the demo seed
 * done here, then `subgraphs/<name>/src/main.ts` and `gateway/src/main.ts` spawned with
 * `node --import tsx`, each waited for on its /health. Every process gets a process group of its
 * own, so stopping one stops whatever it started (the gateway's cluster workers), and a terminal's
 * Ctrl-C reaches only the launcher, which stops them in order: the gateway, the subgraphs (audit
 * last: the others' outbox relays deliver to it), then Postgres. With `gatewayWorkers` > 1 the
 * gateway is a node:cluster of that many workers sharing its port (gateway-cluster.ts).
 */
export interface ProcessGraphOptions extends LocalGraphOptions {
  /** Settings for one service only, by name (`gateway` or a subgraph's), over `env`. */
  serviceEnv?: Partial<Record<string, NodeJS.ProcessEnv>>;
  /** Gateway worker processes (node:cluster); 1 (default): the gateway's own main. */
  gatewayWorkers?: number;
  /**
   * Where the services' output goes: `prefix` (default) writes each line to this process's
   * stdout/stderr as `[name] line`; a folder: one `<name>.log` each; `ignore`: nowhere.
   */
  output?: 'prefix' | 'ignore' | { dir: string };
  /** Longest wait for one service's /health. Default 120 s (six tsx start-ups on a loaded machine). */
  healthTimeoutMs?: number;
  /** Progress lines. */
  log?: (message: string) => void;
}

/** One running service process. */
export interface ServiceProcess {
  /** `gateway` or the subgraph's name. */
  name: string;
  /** Base URL (`http://host:port`). */
  url: string;
  graphqlUrl: string;
  port: number;
  /** The process id (the cluster primary's for a gateway with workers); also its process group id. */
  readonly pid: number;
  /** Whether the process is still running. */
  readonly running: boolean;
  /** SIGTERM, then SIGKILL to its whole group after `graceMs` (default 10 s); resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface RunningProcessGraph {
  gateway: ServiceProcess;
  subgraphs: Map<string, ServiceProcess>;
  databaseUrl: string;
  /** The embedded server, when one was started. */
  postgres: RunningPostgres | null;
  /** What the demo seeders reported (logins, counts). */
  seedLines: string[];
  /** The environment the gateway runs with (subgraph URLs, secrets, settings), for a further gateway beside it. */
  gatewayEnv: NodeJS.ProcessEnv;
  /** Stops the gateway, then the subgraphs (audit last), then embedded Postgres. */
  stop(): Promise<void>;
}

/** The gateway as a cluster of workers (stack/src/gateway-cluster.ts), or its own main. */
export const GATEWAY_ENTRY = path.join(REPO_ROOT, 'gateway', 'src', 'main.ts');
export const CLUSTER_ENTRY = path.join(__dirname, 'gateway-cluster.ts');
/** Preloaded into every service: it ends itself when the launcher is gone (killed without a chance to stop it). */
const PARENT_WATCH = path.join(__dirname, 'parent-watch.ts');

const subgraphEntry = (name: string): string => path.join(REPO_ROOT, 'subgraphs', name, 'src', 'main.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const { freePort: free } = await import('@socgraph/testkit/embedded-postgres');
  return free();
}

interface Spawned {
  child: ChildProcess;
  /** The last lines it printed, for the error when it dies before it is healthy. */
  tail(): string[];
  exited: Promise<void>;
}

type Output = NonNullable<ProcessGraphOptions['output']>;

const TAIL_LINES = 30;

/** `node --import tsx <entry>`, with the launcher watch preloaded (and `SERVICE_NODE_ARGS`, e.g. `--cpu-prof`). */
const tsxArgs = (entry: string): string[] => [
  ...(process.env.SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
  '--import',
  'tsx',
  '--import',
  PARENT_WATCH,
  entry,
];

function spawnService(name: string, args: readonly string[], env: NodeJS.ProcessEnv, output: Output): Spawned {
  // A log directory gets the service's own file descriptor: its lines go to the file without
  // passing through this process, which under load (the bench: a line per request) would spend
  // a share of the cores the graph is measured on.
  const logFile = typeof output === 'object' ? path.join(output.dir, `${name}.log`) : null;
  const fd = logFile ? openSync(logFile, 'a') : null;
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env,
    stdio: fd === null ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
    // Its own process group: signals from the terminal reach only the launcher, and stop()
    // reaches the service and everything it started (cluster workers) at once.
    detached: true,
  });
  if (fd !== null) closeSync(fd);
  const lines: string[] = [];
  for (const [stream, sink] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      if (output === 'prefix') sink.write(`[${name}] ${line}\n`);
    });
  }
  const tail = (): string[] =>
    logFile ? readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-TAIL_LINES) : [...lines];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, tail, exited };
}

/** Whether anything of a process group is left (a zombie not yet reaped counts). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (at most `ms`) until a process group is empty. */
async function groupGone(pgid: number, ms = 2_000): Promise<void> {
  for (const until = Date.now() + ms; groupAlive(pgid) && Date.now() < until;) await sleep(25);
}

/** Signals the whole group of a service (it leads one: `detached`); ESRCH once it is gone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function waitHealthy(
  url: string,
  spawned: Spawned,
  name: string,
  timeoutMs: number,
  healthPath = '/health',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) {
      throw new Error(
        `${name} exited (${spawned.child.exitCode ?? spawned.child.signalCode}) before it was healthy; its last lines:\n  ${spawned.tail().join('\n  ')}`,
      );
    }
    try {
      const response = await fetch(`${url}${healthPath}`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(150);
  }
  throw new Error(
    `${name} not healthy at ${url}${healthPath} after ${timeoutMs} ms; its last lines:\n  ${spawned.tail().join('\n  ')}`,
  );
}

function serviceProcess(name: string, url: string, port: number, spawned: Spawned): ServiceProcess {
  let stopping: Promise<void> | null = null;
  const { child } = spawned;
  return {
    name,
    url,
    graphqlUrl: `${url}/graphql`,
    port,
    get pid() {
      return child.pid ?? 0;
    },
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    stop(graceMs = 10_000) {
      return (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          // The leader is gone; anything it left in its group goes too.
          signalGroup(child, 'SIGKILL');
          if (child.pid) await groupGone(child.pid);
          return;
        }
        // The leader only: it stops what it started (a cluster primary its workers) in its own order.
        child.kill('SIGTERM');
        const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
        await spawned.exited;
        clearTimeout(timer);
        // Cluster workers normally leave with their primary; none may outlive it (nor tsx's esbuild).
        signalGroup(child, 'SIGKILL');
        if (child.pid) await groupGone(child.pid);
      })());
    },
  };
}

export async function startProcessGraph(options: ProcessGraphOptions): Promise<RunningProcessGraph> {
  const log = options.log ?? (() => undefined);
  const env = { ...process.env, ...options.env };
  const registered = options.subgraphs ?? SUBGRAPHS;
  const host = options.host ?? '127.0.0.1';
  // Where the launcher itself connects: a wildcard listen address is reached on loopback.
  const reachHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const gatewayPort = options.port ?? 4000;
  const output = options.output ?? 'prefix';
  const healthTimeoutMs = options.healthTimeoutMs ?? 120_000;
  if (typeof output === 'object') await mkdir(output.dir, { recursive: true });

  const stoppers: { name: string; stop: () => Promise<void> }[] = [];
  const running = new Set<ChildProcess>();
  // Never leave services behind, even when this process ends without calling stop().
  const killOnExit = (): void => {
    for (const child of running) signalGroup(child, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  const stopAll = async (): Promise<void> => {
    const errors: unknown[] = [];
    while (stoppers.length) {
      const next = stoppers.pop();
      if (!next) break;
      try {
        await next.stop();
      } catch (error) {
        errors.push(error);
      }
    }
    process.removeListener('exit', killOnExit);
    if (errors.length) throw new AggregateError(errors, 'Some parts of the graph failed to stop');
  };

  try {
    const database = await startLocalDatabase(options, log);
    const postgres = database.postgres;
    if (postgres) stoppers.push({ name: 'postgres', stop: () => postgres.stop() });
    const databaseUrl = database.url;
    const fallbackUrl = databaseUrl;
    // `<NAME>_DATABASE_URL` moves one subgraph elsewhere; an inherited DATABASE_URL does not
    // override the database this launcher was given or started.
    const urlFor = (subgraph: string): string => env[`${subgraph.toUpperCase()}_DATABASE_URL`] || fallbackUrl;

    await migrateRegistered(registered, urlFor, log);

    // The demo seed runs here, on DataSources of its own, before any service reads the tables.
    const seedLines: string[] = [];
    if (options.seedDemo) {
      for (const { service, entities } of registered) {
        if (!service.seedDemo) continue;
        const dataSource = createSubgraphDataSource({ subgraph: service.name, url: urlFor(service.name), entities });
        await dataSource.initialize();
        try {
          seedLines.push(...(await service.seedDemo(dataSource, { env, ...options.seedDemo })));
        } finally {
          await dataSource.destroy();
        }
      }
    }

    // Every port is known before anything starts, so each service is told where the others are.
    const ports = new Map<string, number>();
    for (const subgraph of registered) {
      const name = subgraph.service.name;
      const given = options.subgraphPorts?.[name];
      ports.set(
        name,
        given !== undefined && given !== 0
          ? given
          : gatewayPort === 0 || given === 0
            ? await freePort()
            : gatewayPort + portOffsetOf(subgraph),
      );
    }
    const gatewayListenPort = gatewayPort === 0 ? await freePort() : gatewayPort;
    const baseUrl = (port: number) => `http://${reachHost}:${port}`;
    const urls = Object.fromEntries(
      [...ports].map(([name, port]) => [subgraphUrlVariable(name), `${baseUrl(port)}/graphql`]),
    );
    const common: NodeJS.ProcessEnv = {
      ...env,
      ...urls,
      HOST: host,
      JWT_SECRET: options.jwtSecret,
      INTERNAL_TOKEN_SECRET: options.internalTokenSecret,
    };

    const subgraphs = new Map<string, ServiceProcess>();
    // Stopped together, before audit (the others' relays deliver to it until they stop), after the gateway.
    stoppers.push({ name: 'audit', stop: () => subgraphs.get('audit')?.stop() ?? Promise.resolve() });
    stoppers.push({
      name: 'subgraphs',
      stop: async () => {
        const others = [...subgraphs.values()].filter((s) => s.name !== 'audit');
        const failed = (await Promise.allSettled(others.map((s) => s.stop()))).find((r) => r.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
      },
    });
    // In parallel: relays and log shipping retry until audit answers, and nothing is written yet.
    const starting = registered.map(async ({ service }) => {
      const name = service.name;
      const port = ports.get(name) ?? 0;
      const spawned = spawnService(
        name,
        tsxArgs(subgraphEntry(name)),
        {
          ...common,
          ...options.serviceEnv?.[name],
          [`${name.toUpperCase()}_PORT`]: String(port),
          // Only the launcher decides which database each subgraph uses.
          DATABASE_URL: urlFor(name),
          [`${name.toUpperCase()}_DATABASE_URL`]: urlFor(name),
        },
        output,
      );
      running.add(spawned.child);
      const started = serviceProcess(name, baseUrl(port), port, spawned);
      subgraphs.set(name, started);
      await waitHealthy(started.url, spawned, name, healthTimeoutMs);
      log(`Subgraph ${name} at ${started.graphqlUrl} (pid ${started.pid})`);
    });
    const results = await Promise.allSettled(starting);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    const workers = Math.max(1, options.gatewayWorkers ?? 1);
    const gatewayEnv = { ...common, ...options.serviceEnv?.gateway };
    const spawned = spawnService(
      'gateway',
      tsxArgs(workers > 1 ? CLUSTER_ENTRY : GATEWAY_ENTRY),
      {
        ...gatewayEnv,
        PORT: String(gatewayListenPort),
        ...(workers > 1 ? { GATEWAY_WORKERS: String(workers), GATEWAY_ENTRY } : {}),
      },
      output,
    );
    running.add(spawned.child);
    const gateway = serviceProcess('gateway', baseUrl(gatewayListenPort), gatewayListenPort, spawned);
    stoppers.push({ name: 'gateway', stop: () => gateway.stop() });
    await waitHealthy(gateway.url, spawned, 'gateway', healthTimeoutMs);
    log(`Gateway at ${gateway.graphqlUrl} (pid ${gateway.pid}${workers > 1 ? `, ${workers} workers` : ''})`);

    let stopping: Promise<void> | null = null;
    return {
      gateway,
      subgraphs,
      databaseUrl,
      postgres,
      seedLines,
      gatewayEnv,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

export interface ServiceProcessOptions {
  name: string;
  /** A TypeScript entry run with `node --import tsx`, or node's own arguments (`args`). */
  entry?: string;
  args?: readonly string[];
  port: number;
  host?: string;
  /** The whole environment of the process. */
  env: NodeJS.ProcessEnv;
  /** Default `/health`. */
  healthPath?: string;
  output?: ProcessGraphOptions['output'];
  healthTimeoutMs?: number;
}

/**
 * One more service process beside a graph (a second gateway with other settings, a reference
 * gateway for the bench), started and stopped the way the graph's own are. The caller stops it.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const output = options.output ?? 'prefix';
  if (typeof output === 'object') await mkdir(output.dir, { recursive: true });
  const args = options.args ?? (options.entry ? tsxArgs(options.entry) : null);
  if (!args) throw new Error(`${options.name}: an entry or node arguments are required`);
  const spawned = spawnService(options.name, args, options.env, output);
  const killOnExit = (): void => signalGroup(spawned.child, 'SIGKILL');
  process.once('exit', killOnExit);
  void spawned.exited.then(() => process.removeListener('exit', killOnExit));
  const started = serviceProcess(
    options.name,
    `http://${options.host ?? '127.0.0.1'}:${options.port}`,
    options.port,
    spawned,
  );
  try {
    await waitHealthy(started.url, spawned, options.name, options.healthTimeoutMs ?? 120_000, options.healthPath);
  } catch (error) {
    await started.stop(2_000);
    throw error;
  }
  return started;
}

export { freePort };
