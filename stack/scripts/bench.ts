/**
 * `pnpm bench`: throughput and latency of named dashboard operations through our gateway, side
 * by side in the same run with GraphQL Hive Gateway (deduplication off and on) on the same
 * subgraphs and data, and straight against the owning subgraph for single-subgraph operations.
 * Brings the graph up as `pnpm start` does, one process per service (stack/src/processes.ts), on
 * a throw-away embedded Postgres with pg_stat_statements, or attaches to a running one. Writes
 * bench/results/latest.{md,json} and appends to bench/results/history.md.
 *
 *   pnpm bench                  full run (10 s per operation and target after 3 s warm-up, 20 connections)
 *   pnpm bench --quick          under two minutes (1 s each after 3 counting requests, 10 connections)
 *   pnpm bench --only me,alert-queue --targets ours,hive
 *   pnpm bench --targets ours,hive  fewer targets (default: ours, ours-dedup, hive, hive-dedup, direct;
 *                               ours-dedup is ours with SUBGRAPH_DEDUP=true, or --dedup-env NAME=value)
 *   pnpm bench --workers 2      the gateway as a cluster of two workers (GATEWAY_WORKERS)
 *   pnpm bench --attach http://host:4000/graphql   a running graph: DATABASE_URL to seed it;
 *       INTERNAL_TOKEN_SECRET and IDENTITY_URL, INCIDENTS_URL, ... for Hive and the direct runs
 *   pnpm bench --scale N        also the data set of `pnpm seed --scale N` (stack/src/seed-scale)
 *   pnpm bench --soak [S]       instead of the operation runs: S seconds (default 300) of a steady mix
 *                               of them through ours after a warm-up, the gateway's RSS sampled; the
 *                               result is merged into latest.{md,json} as its "Soak" section
 *   pnpm bench --half-load S    seconds of ours' run at half its throughput (default: as --duration; 0: off)
 *   pnpm bench --rounds N       rounds per operation, targets interleaved, each target's best round kept
 *                               (default 2; --quick 1)
 *
 * Module by module: bench/operations.ts (what is sent), seed.ts (the data), credentials.ts
 * (tokens, API key, pre-signed internal tokens), hive.ts (the reference gateway), measure.ts
 * (autocannon and what the graph spent), report.ts (files and ratios).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { benchCredentials, type BenchCredentials } from '../src/bench/credentials';
import { hiveGatewayPackage, startHiveGateway } from '../src/bench/hive';
import {
  bestRound,
  measure,
  soak,
  statementCounter,
  type Observed,
  type RunStats,
  type StatementCounter,
} from '../src/bench/measure';
import { benchOperations, cleanAnswer, type BenchOperation } from '../src/bench/operations';
import {
  machineInfo,
  packageVersions,
  ratiosOf,
  TARGET_TITLES,
  writeReport,
  type BenchReport,
  type OperationResult,
  type TargetName,
} from '../src/bench/report';
import { benchDataCounts, benchIds, seedBench } from '../src/bench/seed';
import { REPO_ROOT, SUPERGRAPH_PATH } from '../src/paths';
import {
  CLUSTER_ENTRY,
  freePort,
  GATEWAY_ENTRY,
  startProcessGraph,
  startServiceProcess,
  type RunningProcessGraph,
  type ServiceProcess,
} from '../src/processes';
import { SUBGRAPH_NAMES } from '../src/registry';
import { seedAtScale } from '../src/seed-scale';

process.env.APOLLO_TELEMETRY_DISABLED = '1';

const DEFAULT_SOAK_SECONDS = 300;
const args = process.argv.slice(2);
// `--soak` takes an optional number of seconds, which parseArgs cannot say: a bare one gets the default.
const soakAt = args.indexOf('--soak');
if (soakAt >= 0 && !/^\d+(\.\d+)?$/.test(args[soakAt + 1] ?? ''))
  args.splice(soakAt + 1, 0, String(DEFAULT_SOAK_SECONDS));

const { values } = parseArgs({
  args,
  options: {
    soak: { type: 'string' },
    'half-load': { type: 'string' },
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    count: { type: 'string' },
    users: { type: 'string' },
    customers: { type: 'string', default: '50' },
    'alerts-per-customer': { type: 'string', default: '20' },
    only: { type: 'string' },
    targets: { type: 'string', default: 'ours,ours-dedup,hive,hive-dedup,direct' },
    'ours-dedup': { type: 'boolean', default: false },
    'dedup-env': { type: 'string', default: 'SUBGRAPH_DEDUP=true' },
    workers: { type: 'string', default: process.env.GATEWAY_WORKERS ?? '1' },
    'log-level': { type: 'string', default: 'info' },
    attach: { type: 'string' },
    scale: { type: 'string' },
    rounds: { type: 'string' },
    out: { type: 'string', default: path.join(REPO_ROOT, 'bench', 'results') },
  },
});

const quick = values.quick;
const soakSeconds = values.soak === undefined ? 0 : Number(values.soak);
// Quick: 1 s, so that with ours' half-load runs it still finishes in under two minutes.
const durationSeconds = Number(values.duration ?? (quick ? 1 : 10));
const settings = {
  quick,
  durationSeconds,
  /** Ours once more at half its measured throughput, for the latency target (0: not). */
  halfLoadSeconds: Number(values['half-load'] ?? durationSeconds),
  // Quick: the sequential counting requests (below) are the warm-up.
  warmupSeconds: Number(values.warmup ?? (quick ? 0 : 3)),
  /** Requests sent one at a time before each run, for the per-request counts. */
  countRequests: Number(values.count ?? (quick ? 3 : 20)),
  connections: Number(values.connections ?? (quick ? 10 : 20)),
  users: Number(values.users ?? (quick ? 200 : 2000)),
  customers: Number(values.customers),
  alertsPerCustomer: Number(values['alerts-per-customer']),
  gatewayWorkers: Number(values.workers),
  logLevel: values['log-level'],
  dedupEnv: values['dedup-env'],
  scale: values.scale ? Number(values.scale) : 0,
  /**
   * Rounds per operation, the targets interleaved in each (ours, Hive, ..., ours, Hive, ...); a
   * target's figures are its best round. Two gateways measured minutes apart on a shared machine
   * see different neighbours: interleaving and best-of let a passing neighbour cost neither.
   */
  rounds: Number(values.rounds ?? (quick ? 1 : 2)),
};
if (!Number.isInteger(settings.rounds) || settings.rounds < 1) throw new Error(`--rounds ${values.rounds}: 1 or more`);
const wanted = new Set(values.targets.split(',').map((t) => t.trim()) as TargetName[]);
if (values['ours-dedup']) wanted.add('ours-dedup');
// A soak loads our gateway alone.
if (soakSeconds > 0) for (const t of [...wanted]) if (t !== 'ours') wanted.delete(t);
if (values.soak !== undefined && !(soakSeconds > 0)) throw new Error(`--soak ${values.soak}: seconds expected`);
if (soakSeconds > 0 && values.attach)
  throw new Error('--soak reads the gateway RSS from /proc: it needs the graph it starts, not --attach');

const log = (line: string) => console.log(`[bench] ${line}`);
const started = Date.now();

/** `pnpm seed --scale N`'s data set, signed with the audit key the graph runs with (so its chains verify). */
async function seedScaleData(databaseUrl: string, scale: number, signingKey: string): Promise<void> {
  // A graph of our own is a throw-away one: its demo rows make way for the scale set. An
  // attached graph is someone's: the seeder refuses it unless its schemas are empty.
  const reset = !values.attach;
  const report = await seedAtScale({ urlFor: () => databaseUrl, scale, signingKey, log, migrate: false, reset });
  log(`scale ${scale}: ${report.totalRows.toLocaleString('en')} rows in ${Math.round(report.seconds)} s`);
}

/** Postgres' postmaster pid (it leads its process group), from the data directory. */
function postmasterPid(dataDir: string): number | null {
  try {
    return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}

/** Makes 100 (quick: 30) audit entries on alerts the ordinary way: comments through the gateway. */
async function auditTrail(gatewayUrl: string, credentials: BenchCredentials, databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client
    .query<{ id: number }>(
      `SELECT id FROM incidents.incident_management_alert WHERE source = 'bench' ORDER BY id LIMIT 10`,
    )
    .finally(() => client.end());
  const count = quick ? 30 : 100;
  const send = async (i: number) => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...credentials.gateway.admin },
      body: JSON.stringify({
        query: `mutation ($id: ID!, $c: String!) { addAlertComment(alertId: $id, comment: $c) { id } }`,
        variables: { id: String(rows[i % rows.length]?.id ?? 1), c: `bench comment ${i}` },
      }),
    });
    if (!cleanAnswer(await response.text())) throw new Error('addAlertComment failed while seeding the audit trail');
  };
  for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => send(i + k)));
}

interface Target {
  name: TargetName;
  /** The URL for an operation; null: this target does not serve it. */
  urlFor(operation: BenchOperation): string | null;
  headersFor(operation: BenchOperation): Record<string, string>;
  bodyFor(operation: BenchOperation): string;
  observed: Pick<Observed, 'gatewayPgid' | 'gatewayMetricsUrl'>;
}

/** The report in --out as the last run left it, if any. */
function lastReport(): BenchReport | null {
  const file = path.join(values.out, 'latest.json');
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  } catch {
    return null;
  }
}

const textBody = (op: BenchOperation): string => JSON.stringify({ query: op.query, variables: op.variables });

async function main(): Promise<void> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'socgraph-bench-'));
  const password = randomBytes(12).toString('base64url');
  const internalTokenSecret = process.env.INTERNAL_TOKEN_SECRET || randomBytes(32).toString('base64url');
  const output = { dir: path.join(workDir, 'logs') };
  const stoppers: (() => Promise<void>)[] = [];
  const notes: string[] = [];
  let graph: RunningProcessGraph | null = null;
  let statements: StatementCounter | null = null;
  let finished = false;
  try {
    let gatewayUrl: string;
    let databaseUrl: string;
    let subgraphUrls: Record<string, string> = {};
    let subgraphPgids: Record<string, number> = {};
    let postgresPid: number | null = null;
    let gatewayPgid: number | null = null;
    const serviceEnv = {
      LOG_LEVEL: settings.logLevel,
      // "ours" is compared with Hive's dedup off; ours-dedup (a second gateway) with it on.
      SUBGRAPH_DEDUP: 'false',
      METRICS_OPEN: 'true',
      // Limits high enough never to refuse: their cost is measured, not their refusals.
      RATE_LIMITS: 'default=1000000/1000000',
      API_KEY_RATE_LIMITS: 'default=1000000/1000000',
      // Relays deliver when a write nudges them; without the idle polls (3 statements a second
      // per subgraph) the per-request statement counts are the requests' own.
      AUDIT_RELAY_INTERVAL_MS: '600000',
      AUDIT_SIGNING_KEY: randomBytes(32).toString('base64url'),
      SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };
    if (values.attach) {
      gatewayUrl = values.attach;
      databaseUrl = process.env.DATABASE_URL ?? '';
      if (!databaseUrl) throw new Error('--attach needs DATABASE_URL (the graph database, to seed the bench data)');
      for (const name of SUBGRAPH_NAMES) {
        const url = process.env[`${name.toUpperCase()}_URL`];
        if (url) subgraphUrls[name] = url;
      }
      if (!process.env.INTERNAL_TOKEN_SECRET || !subgraphUrls.identity || !subgraphUrls.incidents) {
        notes.push('attached without INTERNAL_TOKEN_SECRET and subgraph URLs: ours only');
        for (const t of ['hive', 'hive-dedup', 'direct', 'ours-dedup'] as const) wanted.delete(t);
      }
      wanted.delete('ours-dedup');
      notes.push('attached to a running graph: its CPU and RSS are not read (no process ids)');
    } else {
      log(
        `starting the graph (one process per service${settings.gatewayWorkers > 1 ? `, ${settings.gatewayWorkers} gateway workers` : ''}); logs in ${output.dir}`,
      );
      graph = await startProcessGraph({
        dataDir: workDir,
        postgresFast: true,
        postgresSettings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.max': '10000' },
        port: 0,
        jwtSecret: randomBytes(32).toString('base64url'),
        internalTokenSecret,
        seedDemo: { password },
        env: { NODE_ENV: 'production', ...serviceEnv },
        gatewayWorkers: settings.gatewayWorkers,
        output,
        log,
      });
      stoppers.push(() => graph?.stop() ?? Promise.resolve());
      gatewayUrl = graph.gateway.graphqlUrl;
      databaseUrl = graph.databaseUrl;
      subgraphUrls = Object.fromEntries([...graph.subgraphs].map(([name, s]) => [name, s.graphqlUrl]));
      subgraphPgids = Object.fromEntries([...graph.subgraphs].map(([name, s]) => [name, s.pid]));
      gatewayPgid = graph.gateway.pid;
      if (graph.postgres) postgresPid = postmasterPid(graph.postgres.dataDir);
    }
    log(`graph up after ${Math.round((Date.now() - started) / 1000)} s`);

    if (settings.scale > 0) {
      await seedScaleData(
        databaseUrl,
        settings.scale,
        process.env.AUDIT_SIGNING_KEY ?? serviceEnv.AUDIT_SIGNING_KEY ?? '',
      );
    }
    const seeded = await seedBench({
      databaseUrl,
      password,
      users: settings.users,
      customers: settings.customers,
      alertsPerCustomer: settings.alertsPerCustomer,
    });
    const internal = subgraphUrls.identity && subgraphUrls.incidents;
    const credentials = await benchCredentials({
      gatewayUrl,
      password,
      ...(internal
        ? {
            internal: {
              secret: internalTokenSecret,
              identityUrl: subgraphUrls.identity ?? '',
              incidentsUrl: subgraphUrls.incidents ?? '',
            },
          }
        : {}),
    });
    if (seeded.seeded) await auditTrail(gatewayUrl, credentials, databaseUrl);
    const data = await benchDataCounts(databaseUrl);
    statements = await statementCounter(databaseUrl);
    if (!statements) notes.push('pg_stat_statements is not loaded in this Postgres: no SQL statement counts');

    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'gateway', 'persisted-queries.json'), 'utf8')) as {
      operations: { id: string; name: string; body: string }[];
    };
    const alertsOp = manifest.operations.find((o) => o.name === 'Alerts');
    if (!alertsOp) throw new Error('the persisted-operation manifest has no Alerts operation');
    const operations = benchOperations({
      ...(await benchIds(databaseUrl)),
      persistedAlerts: { id: alertsOp.id, body: alertsOp.body },
    }).filter((op) => (values.only ? values.only.split(',').includes(op.name) : !(quick || soakSeconds) || !op.slow));

    // ---- the targets ----
    const targets: Target[] = [];
    const oursTarget = (name: TargetName, url: string, pgid: number | null): Target => ({
      name,
      urlFor: () => url,
      headersFor: (op) => credentials.gateway[op.as],
      bodyFor: (op) =>
        op.persistedId
          ? JSON.stringify({
              variables: op.variables,
              extensions: { persistedQuery: { version: 1, sha256Hash: op.persistedId } },
            })
          : textBody(op),
      observed: { gatewayPgid: pgid, gatewayMetricsUrl: url.replace(/\/graphql$/, '/metrics') },
    });
    if (wanted.has('ours')) targets.push(oursTarget('ours', gatewayUrl, gatewayPgid));
    const [dedupName, dedupValue = 'true'] = settings.dedupEnv.split('=');
    const extra: Promise<void>[] = [];
    if (wanted.has('ours-dedup') && graph && dedupName) {
      extra.push(
        (async () => {
          const port = await freePort();
          const gateway = await startServiceProcess({
            name: 'gateway-dedup',
            // Like ours: a cluster when ours is one.
            entry: settings.gatewayWorkers > 1 ? CLUSTER_ENTRY : GATEWAY_ENTRY,
            port,
            env: {
              ...graph.gatewayEnv,
              PORT: String(port),
              [dedupName]: dedupValue,
              ...(settings.gatewayWorkers > 1
                ? { GATEWAY_WORKERS: String(settings.gatewayWorkers), GATEWAY_ENTRY }
                : {}),
            },
            output,
          });
          stoppers.push(() => gateway.stop());
          targets.push(oursTarget('ours-dedup', gateway.graphqlUrl, gateway.pid));
        })(),
      );
    }
    for (const dedup of [false, true]) {
      const name: TargetName = dedup ? 'hive-dedup' : 'hive';
      if (!wanted.has(name)) continue;
      extra.push(
        (async () => {
          const hive: ServiceProcess = await startHiveGateway({
            supergraphPath: SUPERGRAPH_PATH,
            subgraphUrls,
            dedup,
            workDir,
            output,
          });
          stoppers.push(() => hive.stop());
          targets.push({
            name,
            urlFor: () => hive.graphqlUrl,
            headersFor: (op) => ({ 'x-internal-token': credentials.internal[op.as] }),
            bodyFor: textBody,
            observed: { gatewayPgid: hive.pid, gatewayMetricsUrl: null },
          });
        })(),
      );
    }
    await Promise.all(extra);
    if (wanted.has('direct') && internal) {
      targets.push({
        name: 'direct',
        urlFor: (op) => (op.subgraph ? (subgraphUrls[op.subgraph] ?? null) : null),
        headersFor: (op) => ({ 'x-internal-token': credentials.internal[op.as] }),
        bodyFor: textBody,
        observed: { gatewayPgid: null, gatewayMetricsUrl: null },
      });
    }
    const order: TargetName[] = ['ours', 'ours-dedup', 'hive', 'hive-dedup', 'direct'];
    targets.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    log(
      `targets: ${targets.map((t) => TARGET_TITLES[t.name]).join(', ')}; ready after ${Math.round((Date.now() - started) / 1000)} s`,
    );

    if (soakSeconds > 0) {
      const ours = targets.find((t) => t.name === 'ours');
      if (!ours || !gatewayPgid) throw new Error('--soak: our gateway is not running');
      const stats = await soak({
        url: gatewayUrl,
        requests: operations.map((op) => ({ name: op.name, headers: ours.headersFor(op), body: ours.bodyFor(op) })),
        connections: Number(values.connections ?? 10),
        // 30 s left the gateway's heap short of its plateau (275 MB, then 430 MB 25 s into the
        // soak, flat from there); after 90 s it is on it (bench/results/history.md, both runs).
        warmupSeconds: Number(values.warmup ?? 90),
        soakSeconds,
        sampleSeconds: 5,
        gatewayPgid,
        log,
      });
      // Into the last report, which keeps its operation runs: the soak is a section of its own.
      const soakReport = {
        date: new Date().toISOString(),
        command: `pnpm bench ${process.argv.slice(2).join(' ')}`,
        loadAverage: machineInfo().loadAverage,
        gatewayWorkers: settings.gatewayWorkers,
        stats,
      };
      const previous = lastReport();
      const report: BenchReport = previous
        ? { ...previous, soak: soakReport }
        : {
            date: soakReport.date,
            command: soakReport.command,
            machine: machineInfo(),
            versions: {},
            settings: { ...settings },
            data,
            results: [],
            ratios: [],
            notes: [],
            soak: soakReport,
          };
      const files = writeReport(values.out, report, { soakOnly: true });
      finished = true;
      log(
        `soak: RSS ${stats.warmupRssMb} MB after warm-up, ${stats.finalRssMb} MB at the end (× ${stats.ratio}), peak ${stats.peakRssMb} MB; ${stats.reqPerSec} req/s, ${stats.errors} errors`,
      );
      log(
        `wrote the soak into ${path.relative(process.cwd(), files.latestMd)} and ${path.relative(process.cwd(), files.latestJson)}`,
      );
      return;
    }

    // ---- the runs ----
    const results: OperationResult[] = [];
    for (const op of operations) {
      const result: OperationResult = {
        operation: op.name,
        title: op.title,
        subgraph: op.subgraph ?? null,
        targets: {},
      };
      results.push(result);
      const rounds = new Map<TargetName, RunStats[]>();
      const refused = new Set<TargetName>();
      for (let round = 1; round <= settings.rounds; round++) {
        const last = round === settings.rounds;
        for (const target of targets) {
          const url = target.urlFor(op);
          if (!url || (op.oursOnly && target.name !== 'ours') || refused.has(target.name)) continue;
          const body = target.bodyFor(op);
          const stats = await measure(
            {
              url,
              headers: target.headersFor(op),
              body,
              connections: settings.connections,
              durationSeconds: settings.durationSeconds,
              // The first round warms each target up and counts its per-request work; later rounds only load it.
              warmupSeconds: round === 1 ? settings.warmupSeconds : 0,
              uniquePerRequest: op.uniquePerRequest ?? false,
              halfLoadSeconds: target.name === 'ours' && last ? settings.halfLoadSeconds : 0,
            },
            {
              ...target.observed,
              subgraphPgids,
              postgresPid,
              subgraphMetricsUrls: Object.values(subgraphUrls).map((u) => u.replace(/\/graphql$/, '/metrics')),
              statements,
            },
            round === 1 ? settings.countRequests : 1,
          );
          if ('refused' in stats) {
            // A target that cannot answer is reported, not loaded.
            refused.add(target.name);
            notes.push(
              `${op.name} through ${TARGET_TITLES[target.name]} did not answer cleanly: ${stats.refused.slice(0, 200)}`,
            );
            log(`${op.name} / ${target.name}: not measured (${stats.refused.slice(0, 120)})`);
            continue;
          }
          rounds.set(target.name, [...(rounds.get(target.name) ?? []), stats]);
          log(
            `${op.name.padEnd(18)} ${target.name.padEnd(10)}${settings.rounds > 1 ? ` round ${round}` : ''} ${String(stats.reqPerSec).padStart(6)} req/s  p50 ${stats.p50} p95 ${stats.p95} p99 ${stats.p99} ms  errors ${stats.errors}  ${stats.responseBytes ?? '—'} B  SQL/req ${stats.statementsPerRequest ?? '—'}  subgraph req/req ${stats.subgraphRequestsPerRequest ?? '—'}  gateway CPU ${stats.gatewayCpuPercent ?? '—'}%  RSS ${stats.gatewayPeakRssMb ?? '—'} MB  subgraphs ${JSON.stringify(stats.subgraphCpuPercent)}  Postgres ${stats.postgresCpuPercent ?? '—'}%  bench ${stats.benchCpuPercent}%`,
          );
        }
      }
      for (const target of targets) {
        const runs = rounds.get(target.name);
        if (!runs?.length) continue;
        const stats = bestRound(runs);
        result.targets[target.name] = stats;
        if (op.detections)
          notes.push(`${op.name}: ${Math.round(stats.reqPerSec * op.detections)} detections/s through ours`);
        if (stats.errors)
          notes.push(
            `${op.name} through ${TARGET_TITLES[target.name]}: ${stats.errors} errors, first: ${stats.firstError ?? 'socket error or timeout'}`,
          );
      }
    }

    // ---- the report ----
    let postgresVersion = 'unknown';
    const pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
    const version = (await pg.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version;
    postgresVersion = version?.split(' ')[0] ?? 'unknown';
    await pg.end();
    const ratios = ratiosOf(results);
    if (settings.gatewayWorkers > 1)
      notes.push(
        `our gateway ran as ${settings.gatewayWorkers} workers: its /metrics answers for one worker at a time, so plan fetches/req may be low; CPU and RSS cover them all`,
      );
    if (!wanted.has('ours-dedup'))
      notes.push(
        `ours ran without in-flight deduplication (the comparison with dedup on is \`pnpm bench --ours-dedup\`, ${settings.dedupEnv})`,
      );
    notes.push(
      `SQL/req, subgraph req/req and plan fetches/req are counted over ${settings.countRequests} requests sent one at a time before each run, on an idle graph: SQL/req is every statement Postgres ran (pg_stat_statements, BEGIN/COMMIT included, outbox relays' idle polling off, access-log ingestion and principal lookups included); subgraph req/req every GraphQL request the subgraphs served (plan fetches, principal lookups, access-log deliveries); plan fetches/req our gateway's own count of its query plans' fetches. Sequential requests are never deduplicated (dedup shows in req/s), and a batch flush (access log, every second) falls on few of them: under load it is shared by many more.`,
    );
    const report = {
      date: new Date().toISOString(),
      command: `pnpm bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
      machine: machineInfo(),
      versions: {
        ...packageVersions(
          ['@apollo/gateway', '@apollo/server', '@apollo/subgraph', 'graphql', 'typeorm', 'pg', 'autocannon'],
          ['gateway', 'shared', 'stack'].map((p) => path.join(REPO_ROOT, p)),
        ),
        '@graphql-hive/gateway': hiveGatewayPackage().version,
        postgres: postgresVersion,
      },
      settings: {
        ...settings,
        nodeEnv: 'production',
        mode: values.attach ? 'attached' : 'one process per service',
        totalSeconds: 0,
      },
      data,
      results,
      ratios,
      notes,
      // The last soak stays in the report (dated: it ran apart), until the next `--soak`.
      ...(lastReport()?.soak ? { soak: lastReport()?.soak } : {}),
    };
    report.settings.totalSeconds = Math.round((Date.now() - started) / 1000);
    const files = writeReport(values.out, report);
    console.log('');
    console.log(readFileSync(files.latestMd, 'utf8').split('## Every run')[0]);
    finished = true;
    log(
      `wrote ${path.relative(process.cwd(), files.latestMd)}, ${path.relative(process.cwd(), files.latestJson)}, appended to ${path.relative(process.cwd(), files.history)}; ${report.settings.totalSeconds} s in all`,
    );
  } finally {
    await statements?.close().catch(() => undefined);
    for (const stop of stoppers.reverse()) await stop().catch((error: unknown) => console.error(error));
    // A failed run keeps the services' logs to look at.
    if (finished) rmSync(workDir, { recursive: true, force: true });
    else console.error(`[bench] services' logs kept in ${output.dir}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
