/**
 * The gateway as a node:cluster of GATEWAY_WORKERS workers sharing one port (the primary
 * accepts connections and hands them out round-robin), started by the process launcher
 * (processes.ts) when `gatewayWorkers` > 1. Each worker runs the gateway's own main
 * (GATEWAY_ENTRY) with the same environment. A worker that dies is replaced (at most one a
 * second); SIGTERM or SIGINT stops every worker gracefully and then the primary.
 *
 * What each worker keeps to itself unless REDIS_URL is set (docs/operations.md): rate-limit
 * buckets, the APQ cache and principal-cache evictions after logout or key revocation.
 */
import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';

const workers = Math.max(1, Number(process.env.GATEWAY_WORKERS) || 1);
const entry = process.env.GATEWAY_ENTRY;
if (!entry) {
  console.error('GATEWAY_ENTRY: required (the gateway main each worker runs)');
  process.exit(1);
}

cluster.setupPrimary({
  exec: entry,
  execArgv: ['--import', 'tsx', '--import', path.join(__dirname, 'parent-watch.ts')],
});

let stopping = false;
let lastRestart = 0;
const fork = (): Worker => cluster.fork();

cluster.on('exit', (worker, code, signal) => {
  if (stopping) {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    return;
  }
  console.error(`gateway worker ${worker.process.pid} exited (${code ?? signal}); starting another`);
  const wait = Math.max(0, lastRestart + 1_000 - Date.now());
  lastRestart = Date.now() + wait;
  setTimeout(fork, wait);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (alive.length === 0) process.exit(0);
    // The launcher signals the primary only (processes.ts): the workers hear it from here.
    for (const worker of alive) worker.process.kill('SIGTERM');
  });
}

for (let i = 0; i < workers; i++) fork();
