import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { cleanAnswer } from './operations';

/**
 * One measured run: autocannon against one target with one body, every response checked,
 * and around it what the graph spent: CPU and peak RSS of process groups (from /proc), SQL
 * statements (pg_stat_statements), GraphQL requests the subgraphs served and the fetches our
 * gateway's query plans made (their /metrics).
 */

export interface RunRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** `[<id>]` in the body made unique per request (writes that must not repeat). */
  uniquePerRequest: boolean;
  /** After the run, this many seconds at half its throughput (issue 14's latency target is set there); 0: not. */
  halfLoadSeconds?: number;
}

export interface RunStats {
  requests: number;
  reqPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  /** Responses that were not a clean answer (non-2xx, GraphQL errors, no data) plus socket errors and timeouts. */
  errors: number;
  /** The first bad answer, cut short, to say what went wrong. */
  firstError: string | null;
  statementsPerRequest: number | null;
  /** GraphQL requests all subgraphs served, per bench request (plan fetches, principal lookups, access-log ingestion). */
  subgraphRequestsPerRequest: number | null;
  /** Fetches our gateway's query plans made per request (its subgraph_fetch_duration_seconds count). */
  planFetchesPerRequest: number | null;
  /** CPU of the gateway's process group, as % of one core over the run. */
  gatewayCpuPercent: number | null;
  gatewayPeakRssMb: number | null;
  /** CPU of every subgraph process and of Postgres, % of one core. */
  subgraphsCpuPercent: number | null;
  /** The same by subgraph (which one a target makes work, and how much audit's access log costs). */
  subgraphCpuPercent: Record<string, number>;
  /** The bench process itself (load generator, log files): it shares the two cores with the graph. */
  benchCpuPercent: number;
  postgresCpuPercent: number | null;
  /** Size of a clean answer (the same data through every target should be about the same size). */
  responseBytes: number | null;
  /** Latency at half the measured throughput (autocannon's overallRate), when asked for. */
  halfLoad: { reqPerSec: number; p50: number; p99: number } | null;
  /** With `--rounds`: req/s of every round, in order (the figures above are the best round's). */
  roundsReqPerSec?: number[];
}

/**
 * One target's rounds as one result: the round with the most req/s (its latency and CPU, which
 * belong to that throughput), the per-request counts of the first round (counted over the most
 * requests), the half-load run wherever it was made, and every round's req/s.
 */
export function bestRound(runs: readonly RunStats[]): RunStats {
  const [first, ...rest] = runs;
  if (!first) throw new Error('bestRound: no runs');
  const best = rest.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a), first);
  return {
    ...best,
    statementsPerRequest: first.statementsPerRequest,
    subgraphRequestsPerRequest: first.subgraphRequestsPerRequest,
    planFetchesPerRequest: first.planFetchesPerRequest,
    responseBytes: first.responseBytes,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    firstError: runs.find((run) => run.firstError)?.firstError ?? null,
    halfLoad: runs.find((run) => run.halfLoad)?.halfLoad ?? null,
    ...(runs.length > 1 ? { roundsReqPerSec: runs.map((run) => run.reqPerSec) } : {}),
  };
}

const TICKS_PER_SECOND = 100;
const PAGE_KB = 4;

/**
 * Pids of a process group (a service started `detached` leads its own), or of a process and its
 * children (Postgres: every backend calls setsid, so it has no group to find them by).
 */
function groupPids(pgid: number, by: 'group' | 'children' = 'group'): number[] {
  const pids: number[] = by === 'children' ? [pgid] : [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start after its closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[by === 'group' ? 2 : 1]) === pgid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** utime + stime of a process in clock ticks, and its resident set in MB. */
function procSample(pid: number): { ticks: number; rssMb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // state is field 3 of stat; after the command, utime is index 11, stime 12, rss 21.
    return {
      ticks: Number(fields[11]) + Number(fields[12]),
      rssMb: (Number(fields[21]) * PAGE_KB) / 1024,
    };
  } catch {
    return null;
  }
}

/** The pids of process groups, listed once per run (a scan of /proc is not free on a loaded machine). */
function pidsOf(pgids: readonly number[]): number[] {
  return pgids.flatMap((pgid) => groupPids(pgid));
}

/** Per process: CPU ticks so far and resident set (those gone meanwhile are left out). */
interface Sample {
  ticks: Map<number, number>;
  rssMb: number;
}

function sampleOf(pids: readonly number[]): Sample {
  const ticks = new Map<number, number>();
  let rssMb = 0;
  for (const pid of pids) {
    const sample = procSample(pid);
    if (sample) {
      ticks.set(pid, sample.ticks);
      rssMb += sample.rssMb;
    }
  }
  return { ticks, rssMb };
}

/** CPU ticks spent between two samples: by each process seen at the end (a new one from zero). */
function ticksBetween(before: Sample, after: Sample): number {
  let sum = 0;
  for (const [pid, ticks] of after.ticks) sum += ticks - (before.ticks.get(pid) ?? 0);
  return sum;
}

/** Sum of a counter (every label set) in a Prometheus text exposition. */
export function sumMetric(text: string, name: string): number {
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm')))
    sum += Number(match[1]);
  return sum;
}

async function scrape(url: string, name: string): Promise<number | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return null;
    return sumMetric(await response.text(), name);
  } catch {
    return null;
  }
}

export interface Observed {
  /** Process groups: the gateway under test, every subgraph, Postgres. */
  gatewayPgid: number | null;
  /** Subgraph name -> the process group of its service. */
  subgraphPgids: Record<string, number>;
  /** The postmaster; its backends are its children. */
  postgresPid: number | null;
  /** The subgraphs' /metrics URLs (their GraphQL request counts). */
  subgraphMetricsUrls: string[];
  /** Our gateway's /metrics (plan fetches); null for other targets. */
  gatewayMetricsUrl: string | null;
  /** A connection for pg_stat_statements; null when not available. */
  statements: StatementCounter | null;
}

/** Statements Postgres ran, from pg_stat_statements (loaded with shared_preload_libraries). */
export interface StatementCounter {
  total(): Promise<number>;
  close(): Promise<void>;
}

export async function statementCounter(databaseUrl: string): Promise<StatementCounter | null> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query('SELECT sum(calls) FROM pg_stat_statements');
  } catch {
    await client.end();
    return null;
  }
  return {
    async total() {
      // The bench's own reads of the view are not the graph's work.
      const { rows } = await client.query<{ n: string | null }>(
        `SELECT sum(calls)::bigint AS n FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%'`,
      );
      return Number(rows[0]?.n ?? 0);
    },
    close: () => client.end(),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function cannon(
  request: RunRequest,
  seconds: number,
  onLatency: ((ms: number) => void) | null,
  overallRate?: number,
) {
  let bad = 0;
  let firstError: string | null = null;
  const result = await autocannon({
    url: request.url,
    method: 'POST',
    connections: request.connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...request.headers },
    body: request.body,
    idReplacement: request.uniquePerRequest,
    ...(overallRate ? { overallRate } : {}),
    verifyBody: (raw) => {
      const body = raw === undefined ? '' : String(raw);
      const ok = cleanAnswer(body);
      if (!ok) {
        bad += 1;
        firstError ??= body.slice(0, 300);
      }
      return ok;
    },
    setupClient: (client) => {
      if (onLatency) client.on('response', (_status: number, _bytes: number, ms: number) => onLatency(ms));
    },
  });
  return { result, bad, firstError: firstError as string | null };
}

/** POSTs the run's body once; the answer's size when clean, else what came back. */
async function once(request: RunRequest): Promise<number | string> {
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...request.headers },
      body: request.uniquePerRequest ? request.body.replaceAll('[<id>]', randomUUID()) : request.body,
      signal: AbortSignal.timeout(30_000),
    });
    const body = await response.text();
    return cleanAnswer(body) ? Buffer.byteLength(body) : `${response.status} ${body.slice(0, 300)}`;
  } catch (error) {
    return (error as Error).message;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The work one request costs, counted over `countRequests` sent one after another once the
 * graph is idle (what an earlier run left in flight is done): statements, subgraph requests,
 * plan fetches. The bench turns the outbox relays' idle polling off, so Postgres' count is the
 * requests' own work. Under load the counts would mix in requests autocannon abandoned at its stop.
 */
async function countPerRequest(request: RunRequest, observed: Observed, countRequests: number) {
  const subgraphRequests = async (): Promise<number | null> => {
    let sum = 0;
    for (const url of observed.subgraphMetricsUrls) {
      const n = await scrape(url, 'graphql_request_duration_seconds_count');
      if (n === null) return null;
      sum += n;
    }
    return sum;
  };
  const planFetches = () =>
    observed.gatewayMetricsUrl ? scrape(observed.gatewayMetricsUrl, 'subgraph_fetch_duration_seconds_count') : null;
  // Idle: the subgraphs' request counts stay put for 300 ms (at most 5 s).
  let last = await subgraphRequests();
  for (const until = Date.now() + 5_000; Date.now() < until;) {
    await sleep(300);
    const now = await subgraphRequests();
    if (now === last) break;
    last = now;
  }
  const before = { statements: await observed.statements?.total(), subgraph: last, plan: await planFetches() };
  let bad = 0;
  let firstBad: string | null = null;
  let responseBytes: number | null = null;
  for (let i = 0; i < Math.max(1, countRequests); i++) {
    const answer = await once(request);
    if (typeof answer === 'number') {
      responseBytes ??= answer;
      continue;
    }
    bad += 1;
    firstBad ??= answer;
  }
  const after = {
    statements: await observed.statements?.total(),
    subgraph: await subgraphRequests(),
    plan: await planFetches(),
  };
  const per = (a: number | null | undefined, b: number | null | undefined): number | null =>
    a === null || a === undefined || b === null || b === undefined || countRequests === 0
      ? null
      : round((b - a) / countRequests, 2);
  return {
    bad,
    firstBad,
    responseBytes,
    statementsPerRequest: per(before.statements, after.statements),
    subgraphRequestsPerRequest: per(before.subgraph, after.subgraph),
    planFetchesPerRequest: per(before.plan, after.plan),
  };
}

/**
 * `countRequests` sequential requests for the per-request counts, the warm-up, then the
 * measured run. When none of the counting requests is answered cleanly the target cannot serve
 * the operation: `{ refused }` says what came back, and no load is sent.
 */
export async function measure(
  request: RunRequest,
  observed: Observed,
  countRequests: number,
): Promise<RunStats | { refused: string }> {
  const counted = await countPerRequest(request, observed, countRequests);
  if (counted.bad >= Math.max(1, countRequests)) return { refused: counted.firstBad ?? 'no clean answer' };
  if (request.warmupSeconds > 0) await cannon(request, request.warmupSeconds, null);

  const groups = {
    gateway: pidsOf(observed.gatewayPgid ? [observed.gatewayPgid] : []),
    subgraphs: pidsOf(Object.values(observed.subgraphPgids)),
    bySubgraph: Object.entries(observed.subgraphPgids).map(([name, pgid]) => ({ name, pids: pidsOf([pgid]) })),
    // Postgres starts a backend per new connection: listed again at the end.
    postgres: observed.postgresPid ? groupPids(observed.postgresPid, 'children') : [],
  };
  const before = {
    gateway: sampleOf(groups.gateway),
    subgraphs: sampleOf(groups.subgraphs),
    bySubgraph: groups.bySubgraph.map(({ pids }) => sampleOf(pids)),
    postgres: sampleOf(groups.postgres),
    bench: process.cpuUsage(),
  };
  let peakRss = before.gateway.rssMb;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, sampleOf(groups.gateway).rssMb);
  }, 250);
  const latencies: number[] = [];
  const started = performance.now();
  const { result, bad, firstError } = await cannon(request, request.durationSeconds, (ms) => latencies.push(ms));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const after = {
    gateway: sampleOf(groups.gateway),
    subgraphs: sampleOf(groups.subgraphs),
    bySubgraph: groups.bySubgraph.map(({ pids }) => sampleOf(pids)),
    bench: process.cpuUsage(before.bench),
    // Backends started during the run count from zero, so the union of both lists is right.
    postgres: sampleOf([
      ...new Set([...groups.postgres, ...(observed.postgresPid ? groupPids(observed.postgresPid, 'children') : [])]),
    ]),
  };
  peakRss = Math.max(peakRss, after.gateway.rssMb);

  const requests = result.requests.total;
  const sorted = latencies.sort((a, b) => a - b);
  let halfLoad: RunStats['halfLoad'] = null;
  const rate = Math.round(requests / seconds / 2);
  if ((request.halfLoadSeconds ?? 0) > 0 && rate >= 1) {
    const halfLatencies: number[] = [];
    const halfStarted = performance.now();
    const half = await cannon(request, request.halfLoadSeconds ?? 0, (ms) => halfLatencies.push(ms), rate);
    const halfSorted = halfLatencies.sort((a, b) => a - b);
    halfLoad = {
      reqPerSec: round(half.result.requests.total / ((performance.now() - halfStarted) / 1000), 0),
      p50: round(percentile(halfSorted, 50)),
      p99: round(percentile(halfSorted, 99)),
    };
  }
  // Processes that ended during the run (a Postgres backend) are not counted: a slight undercount.
  const cpu = (a: Sample, b: Sample, present: boolean): number | null =>
    present ? round((ticksBetween(a, b) / TICKS_PER_SECOND / seconds) * 100, 0) : null;
  return {
    requests,
    reqPerSec: round(requests / seconds, 0),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    // A non-2xx answer also fails the body check: counted once.
    errors: counted.bad + Math.max(bad, result.non2xx) + result.errors + result.timeouts,
    firstError: firstError ?? counted.firstBad,
    statementsPerRequest: counted.statementsPerRequest,
    subgraphRequestsPerRequest: counted.subgraphRequestsPerRequest,
    planFetchesPerRequest: counted.planFetchesPerRequest,
    gatewayCpuPercent: cpu(before.gateway, after.gateway, groups.gateway.length > 0),
    gatewayPeakRssMb: groups.gateway.length ? round(peakRss, 0) : null,
    subgraphsCpuPercent: cpu(before.subgraphs, after.subgraphs, groups.subgraphs.length > 0),
    subgraphCpuPercent: Object.fromEntries(
      groups.bySubgraph.map(({ name }, i) => [name, cpu(before.bySubgraph[i]!, after.bySubgraph[i]!, true) ?? 0]),
    ),
    benchCpuPercent: round(((after.bench.user + after.bench.system) / 1e6 / seconds) * 100, 0),
    postgresCpuPercent: cpu(before.postgres, after.postgres, groups.postgres.length > 0),
    responseBytes: counted.responseBytes,
    halfLoad,
  };
}

/** One request of the soak's mix: what one bench operation sends through our gateway. */
export interface SoakRequest {
  name: string;
  headers: Record<string, string>;
  body: string;
}

export interface SoakRequestOptions {
  url: string;
  requests: readonly SoakRequest[];
  connections: number;
  warmupSeconds: number;
  soakSeconds: number;
  /** Seconds between RSS samples. */
  sampleSeconds: number;
  /** The gateway's process group (with GATEWAY_WORKERS: the primary and its workers). */
  gatewayPgid: number;
  log?: (line: string) => void;
}

/** RSS of the gateway's processes at one moment. */
export interface RssSample {
  /** Seconds since the soak (after warm-up) began. */
  seconds: number;
  /** Sum over the gateway's process group (primary and workers). */
  sumMb: number;
  /** The largest single process of the group. */
  maxMb: number;
}

export interface SoakStats {
  warmupSeconds: number;
  soakSeconds: number;
  connections: number;
  /** The operations of the mix, each connection sending them in turn. */
  operations: string[];
  processes: number;
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  firstError: string | null;
  /** Gateway RSS (sum over its process group) after the warm-up, at the end, and the peak during the soak. */
  warmupRssMb: number;
  finalRssMb: number;
  peakRssMb: number;
  /** finalRssMb ÷ warmupRssMb. */
  ratio: number;
  samples: RssSample[];
}

function rssOf(pids: readonly number[]): { sumMb: number; maxMb: number } {
  let sumMb = 0;
  let maxMb = 0;
  for (const pid of pids) {
    const sample = procSample(pid);
    if (!sample) continue;
    sumMb += sample.rssMb;
    maxMb = Math.max(maxMb, sample.rssMb);
  }
  return { sumMb: round(sumMb), maxMb: round(maxMb) };
}

/**
 * Issue 14's memory target: a warm-up of the mixed load, the gateway's RSS, then the same steady
 * mix for `soakSeconds` with RSS sampled every `sampleSeconds`. Each autocannon connection sends
 * the operations in turn, so the mix stays the same throughout.
 */
export async function soak(options: SoakRequestOptions): Promise<SoakStats> {
  let bad = 0;
  let firstError: string | null = null;
  const run = (seconds: number, onLatency: ((ms: number) => void) | null) =>
    autocannon({
      url: options.url,
      connections: options.connections,
      duration: seconds,
      requests: options.requests.map((r) => ({
        method: 'POST' as const,
        headers: { 'content-type': 'application/json', ...r.headers },
        body: r.body,
      })),
      verifyBody: (raw) => {
        const body = raw === undefined ? '' : String(raw);
        const ok = cleanAnswer(body);
        if (!ok && onLatency) {
          bad += 1;
          firstError ??= body.slice(0, 300);
        }
        return ok;
      },
      setupClient: (client) => {
        if (onLatency) client.on('response', (_status: number, _bytes: number, ms: number) => onLatency(ms));
      },
    });
  if (options.warmupSeconds > 0) {
    options.log?.(`soak: ${options.warmupSeconds} s warm-up`);
    await run(options.warmupSeconds, null);
  }
  // Listed after the warm-up: a cluster's workers are all up by then.
  const pids = pidsOf([options.gatewayPgid]);
  const start = performance.now();
  const samples: RssSample[] = [{ seconds: 0, ...rssOf(pids) }];
  options.log?.(`soak: RSS after warm-up ${samples[0]?.sumMb} MB; ${options.soakSeconds} s of load`);
  const sampler = setInterval(() => {
    const sample = { seconds: round((performance.now() - start) / 1000, 0), ...rssOf(pids) };
    samples.push(sample);
    if (samples.length % 6 === 0) options.log?.(`soak: ${sample.seconds} s, RSS ${sample.sumMb} MB`);
  }, options.sampleSeconds * 1000);
  const latencies: number[] = [];
  const result = await run(options.soakSeconds, (ms) => latencies.push(ms));
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  // The final reading replaces a sampler tick of the same second.
  if (samples.at(-1)?.seconds === round(seconds, 0)) samples.pop();
  samples.push({ seconds: round(seconds, 0), ...rssOf(pids) });
  const sorted = latencies.sort((a, b) => a - b);
  const warmupRssMb = samples[0]?.sumMb ?? 0;
  const finalRssMb = samples.at(-1)?.sumMb ?? 0;
  return {
    warmupSeconds: options.warmupSeconds,
    soakSeconds: options.soakSeconds,
    connections: options.connections,
    operations: options.requests.map((r) => r.name),
    processes: pids.length,
    requests: result.requests.total,
    reqPerSec: round(result.requests.total / seconds, 0),
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    errors: Math.max(bad, result.non2xx) + result.errors + result.timeouts,
    firstError,
    warmupRssMb,
    finalRssMb,
    peakRssMb: Math.max(...samples.map((s) => s.sumMb)),
    ratio: warmupRssMb ? round(finalRssMb / warmupRssMb, 3) : 0,
    samples,
  };
}
