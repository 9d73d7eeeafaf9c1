import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { RunStats } from './measure';

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

const ratio = (a: number | undefined, b: number | undefined): number | null =>
  a && b ? Math.round((a / b) * 100) / 100 : null;

export function ratiosOf(results: readonly OperationResult[]): Ratios[] {
  return results.map(({ operation, targets }) => ({
    operation,
    oursOverHive: ratio(targets.ours?.reqPerSec, targets.hive?.reqPerSec),
    oursDedupOverHiveDedup: ratio(targets['ours-dedup']?.reqPerSec, targets['hive-dedup']?.reqPerSec),
    oursOverHiveDedup: ratio(targets.ours?.reqPerSec, targets['hive-dedup']?.reqPerSec),
    oursOverDirect: ratio(targets.ours?.reqPerSec, targets.direct?.reqPerSec),
    p99OverP50: ratio(targets.ours?.p99, targets.ours?.p50),
    p99OverP50HalfLoad: ratio(targets.ours?.halfLoad?.p99, targets.ours?.halfLoad?.p50),
  }));
}

const show = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : String(value);

function resultTable(results: readonly OperationResult[]): string[] {
  const lines = [
    '| operation | target | req/s | p50 ms | p95 ms | p99 ms | errors | response bytes | SQL/req | subgraph req/req | plan fetches/req | gateway CPU % | gateway peak RSS MB | subgraphs CPU % | Postgres CPU % |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of results) {
    for (const [target, stats] of Object.entries(result.targets) as [TargetName, RunStats][]) {
      lines.push(
        `| ${result.operation} | ${TARGET_TITLES[target]} | ${stats.reqPerSec} | ${stats.p50} | ${stats.p95} | ${stats.p99} | ${stats.errors} | ${show(stats.responseBytes)} | ${show(stats.statementsPerRequest)} | ${show(stats.subgraphRequestsPerRequest)} | ${show(stats.planFetchesPerRequest)} | ${show(stats.gatewayCpuPercent)} | ${show(stats.gatewayPeakRssMb)} | ${show(stats.subgraphsCpuPercent)} | ${show(stats.postgresCpuPercent)} |`,
      );
    }
  }
  return lines;
}

function ratioTable(ratios: readonly Ratios[]): string[] {
  const lines = [
    '| operation | ours ÷ Hive (dedup off) | ours ÷ Hive (dedup on) | ours dedup ÷ Hive dedup | ours ÷ direct | p99 ÷ p50 (ours, full load) | p99 ÷ p50 (ours, half load) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of ratios) {
    lines.push(
      `| ${r.operation} | ${show(r.oursOverHive)} | ${show(r.oursOverHiveDedup)} | ${show(r.oursDedupOverHiveDedup)} | ${show(r.oursOverDirect)} | ${show(r.p99OverP50)} | ${show(r.p99OverP50HalfLoad)} |`,
    );
  }
  return lines;
}

/** Targets of issue 14, checked against the ratios of this run (no thresholds fail a run). */
function targetLines(ratios: readonly Ratios[]): string[] {
  const lines: string[] = [];
  for (const r of ratios) {
    const misses: string[] = [];
    if (r.oursOverHive !== null && r.oursOverHive < 1.2) misses.push(`ours ÷ Hive ${r.oursOverHive} (< 1.2)`);
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

function historyEntry(report: BenchReport): string {
  const s = report.settings;
  return [
    `## ${report.date} (${s.quick ? 'quick' : 'full'}; ${s.connections} connections, ${s.durationSeconds} s each; ${report.machine.cores} cores, load ${report.machine.loadAverage.join('/')})`,
    '',
    `\`${report.command}\`; settings: ${Object.entries(report.settings)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')}`,
    '',
    '| operation | ours req/s | Hive req/s | Hive dedup req/s | direct req/s | ours ÷ Hive | ours ÷ Hive dedup | ours ÷ direct | p99 ÷ p50 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...report.results.map((result, i) => {
      const r = report.ratios[i];
      const t = result.targets;
      return `| ${result.operation} | ${show(t.ours?.reqPerSec)} | ${show(t.hive?.reqPerSec)} | ${show(t['hive-dedup']?.reqPerSec)} | ${show(t.direct?.reqPerSec)} | ${show(r?.oursOverHive)} | ${show(r?.oursOverHiveDedup)} | ${show(r?.oursOverDirect)} | ${show(r?.p99OverP50)} |`;
    }),
    ...(report.notes.length ? ['', ...report.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

export function writeReport(
  dir: string,
  report: BenchReport,
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
    ...targetLines(report.ratios),
    '',
    '## Every run',
    '',
    ...resultTable(report.results),
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
  appendFileSync(history, historyEntry(report));
  return { latestMd, latestJson, history };
}
