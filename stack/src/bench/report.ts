import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { RunStats, SoakStats } from './measure';

/**
 * The bench report: `bench/results/latest.json` (everything), `latest.md` (the tables and
 * ratios), and `history.md`, to which every run appends a dated entry, so the effect of each
 * tuning step stays on record.
 */

/** Where an operation was sent: our gateway, Hive (dedup off/on), or the owning subgraph directly. */
export type TargetName = 'ours' | 'ours-dedup' | 'hive' | 'hive-dedup' | 'direct';

export const TARGET_TITLES: Record<TargetName, string> = {
  ours: 'ours',
  'ours-dedup': 'ours (dedup on)',
  hive: 'Hive (dedup off)',
  'hive-dedup': 'Hive (dedup on)',
  direct: 'direct subgraph',
};

export interface OperationResult {
  operation: string;
  title: string;
  subgraph: string | null;
  targets: Partial<Record<TargetName, RunStats>>;
}

export interface Ratios {
  operation: string;
  oursOverHive: number | null;
  oursDedupOverHiveDedup: number | null;
  oursOverHiveDedup: number | null;
  oursOverDirect: number | null;
  /**
   * Gateway CPU time per request, Hive's ÷ ours (dedup off on both; and on both): above 1, ours
   * does a request's gateway work on less CPU. Unlike req/s it does not depend on how the two
   * cores are shared with the subgraphs and Postgres (the same for both gateways).
   */
  hiveGatewayCpuOverOurs: number | null;
  hiveDedupGatewayCpuOverOursDedup: number | null;
  /** Of our gateway's run at full load. */
  p99OverP50: number | null;
  /** Of our gateway at half its measured throughput (full runs only). */
  p99OverP50HalfLoad: number | null;
}

export interface BenchReport {
  date: string;
  command: string;
  machine: { cpuModel: string; cores: number; memoryGb: number; loadAverage: number[]; os: string };
  versions: Record<string, string>;
  settings: Record<string, string | number | boolean>;
  data: Record<string, number>;
  results: OperationResult[];
  ratios: Ratios[];
  notes: string[];
  /** The last `pnpm bench --soak` run (its own date and command: a soak runs apart from the operation runs). */
  soak?: SoakReport;
}

/** Issue 14's memory target: gateway RSS after a soak within this fraction of its value after warm-up. */
export const SOAK_RSS_TOLERANCE = 0.1;

export interface SoakReport {
  date: string;
  command: string;
  loadAverage: number[];
  gatewayWorkers: number;
  stats: SoakStats;
}

/** Whether a soak met the RSS target (final ≤ warm-up × 1.1), and by how much it missed. */
export function soakVerdict(stats: SoakStats): { meets: boolean; line: string } {
  const percent = Math.round((stats.ratio - 1) * 1000) / 10;
  const meets = stats.warmupRssMb > 0 && stats.ratio <= 1 + SOAK_RSS_TOLERANCE;
  const change = `${percent >= 0 ? '+' : ''}${percent}%`;
  return {
    meets,
    line: meets
      ? `gateway RSS after the ${stats.soakSeconds} s soak ${stats.finalRssMb} MB, ${change} on ${stats.warmupRssMb} MB after warm-up: meets the target (within ${SOAK_RSS_TOLERANCE * 100}%)`
      : `gateway RSS after the ${stats.soakSeconds} s soak ${stats.finalRssMb} MB, ${change} on ${stats.warmupRssMb} MB after warm-up: misses the target (within ${SOAK_RSS_TOLERANCE * 100}%) by ${Math.round((percent - SOAK_RSS_TOLERANCE * 100) * 10) / 10} points`,
  };
}

function soakLines(soak: SoakReport): string[] {
  const s = soak.stats;
  // The samples, about a dozen of them: enough to see a trend without the whole series (in latest.json).
  const step = Math.max(1, Math.ceil(s.samples.length / 12));
  const shown = s.samples.filter((_, i) => i % step === 0 || i === s.samples.length - 1);
  return [
    `${soak.date}, \`${soak.command}\`; load average at start ${soak.loadAverage.join(' / ')}.`,
    '',
    `Through ours only (as in the runs: in-flight deduplication off): ${s.connections} connections for ${s.soakSeconds} s after a ${s.warmupSeconds} s warm-up of the same load, each connection sending in turn ${s.operations.map((o) => `\`${o}\``).join(', ')}. ` +
      `RSS is the sum over the gateway's process group (${s.processes} process${s.processes === 1 ? '' : 'es'}${soak.gatewayWorkers > 1 ? `: the cluster primary and ${soak.gatewayWorkers} workers` : ''}), read from /proc.`,
    '',
    '| warm-up RSS MB | final RSS MB | peak RSS MB | final ÷ warm-up | target | req/s | p50 ms | p99 ms | requests | errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${s.warmupRssMb} | ${s.finalRssMb} | ${s.peakRssMb} | ${s.ratio} | ${soakVerdict(s).meets ? 'meets' : 'misses'} (≤ ${1 + SOAK_RSS_TOLERANCE}) | ${s.reqPerSec} | ${s.p50} | ${s.p99} | ${s.requests} | ${s.errors} |`,
    '',
    `RSS over the soak (s: MB${soak.gatewayWorkers > 1 ? ', largest process in brackets' : ''}): ${shown
      .map((x) => `${x.seconds}: ${x.sumMb}${soak.gatewayWorkers > 1 ? ` (${x.maxMb})` : ''}`)
      .join(', ')}.`,
    ...(s.firstError ? ['', `First error: \`${s.firstError.replaceAll('`', "'")}\``] : []),
  ];
}

export function machineInfo(): BenchReport['machine'] {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
    os: `${os.type()} ${os.release()}`,
  };
}

/** Installed versions of the packages that decide the figures, as the workspace package that uses each sees it. */
export function packageVersions(names: readonly string[], fromPackages: readonly string[]): Record<string, string> {
  const versions: Record<string, string> = { node: process.version };
  for (const name of names) {
    for (const from of fromPackages) {
      try {
        const entry = createRequire(path.join(from, 'package.json')).resolve(name);
        // Up from the entry to the package's own manifest (exports may hide package.json).
        for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
          const file = path.join(dir, 'package.json');
          if (!existsSync(file)) continue;
          const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
          if (manifest.name !== name) continue;
          versions[name] = manifest.version;
          break;
        }
        if (versions[name]) break;
      } catch {
        // not a dependency of this package
      }
    }
  }
  return versions;
}

const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a && b ? Math.round((a / b) * 100) / 100 : null;

/** Milliseconds of CPU per request a tier spent (its % of one core over the run ÷ req/s). */
export const cpuMsPerRequest = (cpuPercent: number | null | undefined, reqPerSec: number): number | null =>
  cpuPercent === null || cpuPercent === undefined || reqPerSec <= 0
    ? null
    : Math.round(((cpuPercent * 10) / reqPerSec) * 100) / 100;

const gatewayMs = (stats: RunStats | undefined): number | null =>
  stats ? cpuMsPerRequest(stats.gatewayCpuPercent, stats.reqPerSec) : null;

export function ratiosOf(results: readonly OperationResult[]): Ratios[] {
  return results.map(({ operation, targets }) => ({
    operation,
    oursOverHive: ratio(targets.ours?.reqPerSec, targets.hive?.reqPerSec),
    oursDedupOverHiveDedup: ratio(targets['ours-dedup']?.reqPerSec, targets['hive-dedup']?.reqPerSec),
    oursOverHiveDedup: ratio(targets.ours?.reqPerSec, targets['hive-dedup']?.reqPerSec),
    oursOverDirect: ratio(targets.ours?.reqPerSec, targets.direct?.reqPerSec),
    hiveGatewayCpuOverOurs: ratio(gatewayMs(targets.hive), gatewayMs(targets.ours)),
    hiveDedupGatewayCpuOverOursDedup: ratio(gatewayMs(targets['hive-dedup']), gatewayMs(targets['ours-dedup'])),
    p99OverP50: ratio(targets.ours?.p99, targets.ours?.p50),
    p99OverP50HalfLoad: ratio(targets.ours?.halfLoad?.p99, targets.ours?.halfLoad?.p50),
  }));
}

const show = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : String(value);

/** The subgraphs that spent at least 2% of a core, busiest first: `identity 55, audit 8`. */
function busiest(bySubgraph: Record<string, number> | undefined): string {
  const shown = Object.entries(bySubgraph ?? {})
    .filter(([, percent]) => percent >= 2)
    .sort((a, b) => b[1] - a[1]);
  return shown.length ? shown.map(([name, percent]) => `${name} ${percent}`).join(', ') : '—';
}

/** Where each request's CPU went, by tier: what decides req/s when all of them share two cores. */
function cpuTable(results: readonly OperationResult[]): string[] {
  const lines = [
    '| operation | target | req/s | gateway | subgraphs | Postgres | bench process | all |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of results) {
    for (const [target, stats] of Object.entries(result.targets) as [TargetName, RunStats][]) {
      const tiers = [
        stats.gatewayCpuPercent,
        stats.subgraphsCpuPercent,
        stats.postgresCpuPercent,
        stats.benchCpuPercent,
      ];
      const all = tiers.reduce<number>((sum, percent) => sum + (percent ?? 0), 0);
      lines.push(
        `| ${result.operation} | ${TARGET_TITLES[target]} | ${stats.reqPerSec} | ${tiers.map((percent) => show(cpuMsPerRequest(percent, stats.reqPerSec))).join(' | ')} | ${show(cpuMsPerRequest(all, stats.reqPerSec))} |`,
      );
    }
  }
  return lines;
}

function resultTable(results: readonly OperationResult[]): string[] {
  const lines = [
    '| operation | target | req/s | p50 ms | p95 ms | p99 ms | errors | response bytes | SQL/req | subgraph req/req | plan fetches/req | gateway CPU % | gateway peak RSS MB | subgraphs CPU % | busiest subgraphs CPU % | Postgres CPU % | bench process CPU % |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of results) {
    for (const [target, stats] of Object.entries(result.targets) as [TargetName, RunStats][]) {
      lines.push(
        `| ${result.operation} | ${TARGET_TITLES[target]} | ${stats.reqPerSec}${stats.roundsReqPerSec ? ` (rounds: ${stats.roundsReqPerSec.join(', ')})` : ''} | ${stats.p50} | ${stats.p95} | ${stats.p99} | ${stats.errors} | ${show(stats.responseBytes)} | ${show(stats.statementsPerRequest)} | ${show(stats.subgraphRequestsPerRequest)} | ${show(stats.planFetchesPerRequest)} | ${show(stats.gatewayCpuPercent)} | ${show(stats.gatewayPeakRssMb)} | ${show(stats.subgraphsCpuPercent)} | ${busiest(stats.subgraphCpuPercent)} | ${show(stats.postgresCpuPercent)} | ${show(stats.benchCpuPercent)} |`,
      );
    }
  }
  return lines;
}

function ratioTable(ratios: readonly Ratios[]): string[] {
  const lines = [
    '| operation | ours ÷ Hive (dedup off) | ours ÷ Hive (dedup on) | ours dedup ÷ Hive dedup | ours ÷ direct | gateway CPU per request, Hive ÷ ours (dedup off) | the same, dedup on | p99 ÷ p50 (ours, full load) | p99 ÷ p50 (ours, half load) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of ratios) {
    lines.push(
      `| ${r.operation} | ${show(r.oursOverHive)} | ${show(r.oursOverHiveDedup)} | ${show(r.oursDedupOverHiveDedup)} | ${show(r.oursOverDirect)} | ${show(r.hiveGatewayCpuOverOurs)} | ${show(r.hiveDedupGatewayCpuOverOursDedup)} | ${show(r.p99OverP50)} | ${show(r.p99OverP50HalfLoad)} |`,
    );
  }
  return lines;
}

/** Targets of issue 14, checked against the ratios of this run (no thresholds fail a run). */
function targetLines(ratios: readonly Ratios[], soak: SoakReport | undefined): string[] {
  const lines: string[] = [];
  if (soak) lines.push(`- soak (${soak.date}): ${soakVerdict(soak.stats).line}`);
  for (const r of ratios) {
    const misses: string[] = [];
    if (r.oursOverHive !== null && r.oursOverHive < 1.2) misses.push(`ours ÷ Hive ${r.oursOverHive} (< 1.2)`);
    if (r.oursDedupOverHiveDedup !== null && r.oursDedupOverHiveDedup < 1.2)
      misses.push(`ours dedup ÷ Hive dedup ${r.oursDedupOverHiveDedup} (< 1.2)`);
    if (r.oursOverDirect !== null && r.oursOverDirect < 0.8) misses.push(`ours ÷ direct ${r.oursOverDirect} (< 0.8)`);
    if (r.p99OverP50HalfLoad !== null && r.p99OverP50HalfLoad > 3)
      misses.push(`p99 ÷ p50 ${r.p99OverP50HalfLoad} at half load (> 3)`);
    else if (r.p99OverP50HalfLoad === null && r.p99OverP50 !== null && r.p99OverP50 > 3)
      misses.push(`p99 ÷ p50 ${r.p99OverP50} (> 3, at full load; half load not measured)`);
    lines.push(
      `- ${r.operation}: ${misses.length ? `misses ${misses.join('; ')}` : 'meets the targets measured here'}`,
    );
  }
  return lines;
}

function soakHistoryEntry(soak: SoakReport): string {
  const s = soak.stats;
  return [
    `## ${soak.date} (soak; ${s.connections} connections, ${s.soakSeconds} s after ${s.warmupSeconds} s warm-up; load ${soak.loadAverage.join('/')})`,
    '',
    `\`${soak.command}\`: ${soakVerdict(s).line}; peak ${s.peakRssMb} MB; ${s.reqPerSec} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, ${s.errors} errors.`,
    '',
  ].join('\n');
}

function historyEntry(report: BenchReport): string {
  const s = report.settings;
  return [
    `## ${report.date} (${s.quick ? 'quick' : 'full'}; ${s.connections} connections, ${s.durationSeconds} s each; ${report.machine.cores} cores, load ${report.machine.loadAverage.join('/')})`,
    '',
    `\`${report.command}\`; settings: ${Object.entries(report.settings)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')}`,
    '',
    '| operation | ours req/s | Hive req/s | Hive dedup req/s | direct req/s | ours ÷ Hive | ours ÷ Hive dedup | ours ÷ direct | p99 ÷ p50 | p99 ÷ p50 half load |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...report.results.map((result, i) => {
      const r = report.ratios[i];
      const t = result.targets;
      return `| ${result.operation} | ${show(t.ours?.reqPerSec)} | ${show(t.hive?.reqPerSec)} | ${show(t['hive-dedup']?.reqPerSec)} | ${show(t.direct?.reqPerSec)} | ${show(r?.oursOverHive)} | ${show(r?.oursOverHiveDedup)} | ${show(r?.oursOverDirect)} | ${show(r?.p99OverP50)} | ${show(r?.p99OverP50HalfLoad)} |`;
    }),
    ...(report.notes.length ? ['', ...report.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

/**
 * Writes latest.{json,md} and appends to history.md: the operation runs' entry, or with
 * `soakOnly` (a `pnpm bench --soak` run, merged into the last report) the soak's.
 */
export function writeReport(
  dir: string,
  report: BenchReport,
  { soakOnly = false }: { soakOnly?: boolean } = {},
): { latestMd: string; latestJson: string; history: string } {
  mkdirSync(dir, { recursive: true });
  const latestJson = path.join(dir, 'latest.json');
  const latestMd = path.join(dir, 'latest.md');
  const history = path.join(dir, 'history.md');
  writeFileSync(latestJson, `${JSON.stringify(report, null, 2)}\n`);
  const m = report.machine;
  const md = [
    '# Bench: latest run',
    '',
    `${report.date}, \`${report.command}\`. Written by \`pnpm bench\` (stack/scripts/bench.ts); every run also appends to [history.md](history.md).`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}; load average at start ${m.loadAverage.join(' / ')}. ` +
      'Absolute figures depend on what else the machine runs; compare ratios within one run.',
    '',
    `Versions: ${Object.entries(report.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
    `Settings: ${Object.entries(report.settings)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')}.`,
    '',
    `Data: ${Object.entries(report.data)
      .map(([k, v]) => `${v.toLocaleString('en-US')} ${k}`)
      .join(', ')}.`,
    '',
    '## Ratios',
    '',
    ...ratioTable(report.ratios),
    '',
    '## Against the targets of issue 14',
    '',
    ...targetLines(report.ratios, report.soak),
    '',
    // Where a target is missed, what was tried and what each attempt measured (issue 14).
    'What was tried for these targets, and what each change measured: ' +
      'the tuning log [../history/tuning-2026-12-01.md](../history/tuning-2026-12-01.md) and the hot-path ' +
      'plans at scale 100 [../history/explain-scale-100-2026-12-01.md](../history/explain-scale-100-2026-12-01.md).',
    '',
    ...(report.soak ? ['## Soak', '', ...soakLines(report.soak), ''] : []),
    '## Every run',
    '',
    ...resultTable(report.results),
    '',
    '## CPU per request',
    '',
    'Milliseconds of CPU per request by tier (its CPU over the run ÷ requests). The gateway, the subgraphs, ' +
      'Postgres and the load generator share the two cores, so req/s follows the sum ("all"); the gateway ' +
      'column is what a gateway itself costs, and the ratio table compares it (Hive ÷ ours).',
    '',
    ...cpuTable(report.results),
    '',
    '## Operations',
    '',
    ...report.results.map((r) => `- \`${r.operation}\`: ${r.title}${r.subgraph ? ` (direct: ${r.subgraph})` : ''}`),
    '',
    ...(report.notes.length ? ['## Notes', '', ...report.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
  writeFileSync(latestMd, md);
  if (!existsSync(history))
    writeFileSync(
      history,
      '# Bench history\n\nOne entry per `pnpm bench` run, newest last (stack/src/bench/report.ts).\n\n',
    );
  appendFileSync(history, soakOnly && report.soak ? soakHistoryEntry(report.soak) : historyEntry(report));
  return { latestMd, latestJson, history };
}
