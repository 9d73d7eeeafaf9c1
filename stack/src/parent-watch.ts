/**
 * Preloaded (`node --import`) into every service the process launcher (processes.ts) spawns:
 * when the launcher is gone without stopping it (killed with SIGKILL, crashed), the service is
 * re-parented and stops itself as if told to (SIGTERM), instead of holding its port for ever.
 * A cluster worker watches its primary the same way.
 */
const parent = process.ppid;

setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}, 1_000).unref();
