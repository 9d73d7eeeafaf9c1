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
  postgresCpuPercent: number | null;
}

const TICKS_PER_SECOND = 100;
const PAGE_KB = 4;

/** Pids of a process group (a service started `detached` leads its own). */
function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start after its closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) pids.push(Number(entry));
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

/** CPU ticks and RSS summed over process groups. */
function groupSample(pgids: readonly number[]): { ticks: number; rssMb: number } {
  let ticks = 0;
  let rssMb = 0;
  for (const pgid of pgids) {
    for (const pid of groupPids(pgid)) {
      const sample = procSample(pid);
      if (sample) {
        ticks += sample.ticks;
        rssMb += sample.rssMb;
      }
    }
  }
  return { ticks, rssMb };
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
  subgraphPgids: number[];
  postgresPgid: number | null;
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

async function cannon(request: RunRequest, seconds: number, onLatency: ((ms: number) => void) | null) {
  let bad = 0;
  let firstError: string | null = null;
  const result = await autocannon({
    url: request.url,
    method: 'POST',
    connections: request.connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...request.headers },
    body: request.body,
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

export async function measure(request: RunRequest, observed: Observed): Promise<RunStats> {
  if (request.warmupSeconds > 0) await cannon(request, request.warmupSeconds, null);

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
  const groups = {
    gateway: observed.gatewayPgid ? [observed.gatewayPgid] : [],
    subgraphs: observed.subgraphPgids,
    postgres: observed.postgresPgid ? [observed.postgresPgid] : [],
  };

  const before = {
    statements: await observed.statements?.total(),
    subgraphRequests: await subgraphRequests(),
    planFetches: await planFetches(),
    gateway: groupSample(groups.gateway),
    subgraphs: groupSample(groups.subgraphs),
    postgres: groupSample(groups.postgres),
  };
  let peakRss = before.gateway.rssMb;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, groupSample(groups.gateway).rssMb);
  }, 250);
  const latencies: number[] = [];
  const started = performance.now();
  const { result, bad, firstError } = await cannon(request, request.durationSeconds, (ms) => latencies.push(ms));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  // What the run left in flight (access-log batches, relays) is counted with it, not the next run.
  const after = {
    gateway: groupSample(groups.gateway),
    subgraphs: groupSample(groups.subgraphs),
    postgres: groupSample(groups.postgres),
    statements: await observed.statements?.total(),
    subgraphRequests: await subgraphRequests(),
    planFetches: await planFetches(),
  };
  peakRss = Math.max(peakRss, after.gateway.rssMb);

  const requests = result.requests.total;
  const sorted = latencies.sort((a, b) => a - b);
  const perRequest = (a: number | null | undefined, b: number | null | undefined): number | null =>
    a === null || a === undefined || b === null || b === undefined || requests === 0 ? null : round((b - a) / requests, 2);
  const cpu = (a: { ticks: number }, b: { ticks: number }, present: boolean): number | null =>
    present ? round(((b.ticks - a.ticks) / TICKS_PER_SECOND / seconds) * 100, 0) : null;
  return {
    requests,
    reqPerSec: round(requests / seconds, 0),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    // A non-2xx answer also fails the body check: counted once.
    errors: Math.max(bad, result.non2xx) + result.errors + result.timeouts,
    firstError,
    statementsPerRequest: perRequest(before.statements, after.statements),
    subgraphRequestsPerRequest: perRequest(before.subgraphRequests, after.subgraphRequests),
    planFetchesPerRequest: perRequest(before.planFetches, after.planFetches),
    gatewayCpuPercent: cpu(before.gateway, after.gateway, groups.gateway.length > 0),
    gatewayPeakRssMb: groups.gateway.length ? round(peakRss, 0) : null,
    subgraphsCpuPercent: cpu(before.subgraphs, after.subgraphs, groups.subgraphs.length > 0),
    postgresCpuPercent: cpu(before.postgres, after.postgres, groups.postgres.length > 0),
  };
}
