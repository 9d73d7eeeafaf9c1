import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bestRound, sumMetric, type RunStats, type SoakStats } from '../src/bench/measure';
import { benchOperations, cleanAnswer } from '../src/bench/operations';
import {
  ratiosOf,
  soakVerdict,
  writeReport,
  type BenchReport,
  type OperationResult,
  type SoakReport,
} from '../src/bench/report';

/** The bench's pure parts: response checks, metric parsing, ratios, and the report files. */

const stats = (reqPerSec: number, p50 = 10, p99 = 20): RunStats => ({
  requests: reqPerSec * 10,
  reqPerSec,
  p50,
  p95: p99,
  p99,
  errors: 0,
  firstError: null,
  statementsPerRequest: 3,
  subgraphRequestsPerRequest: 1,
  planFetchesPerRequest: 1,
  gatewayCpuPercent: 50,
  gatewayPeakRssMb: 200,
  subgraphsCpuPercent: 40,
  subgraphCpuPercent: { identity: 35, audit: 4, agents: 1 },
  benchCpuPercent: 30,
  postgresCpuPercent: 10,
  responseBytes: 1000,
  halfLoad: null,
});

it('counts only clean answers: data, and no errors', () => {
  expect(cleanAnswer('{"data":{"me":{"id":"1"}}}')).toBe(true);
  expect(cleanAnswer('{"data":{"me":null},"errors":[{"message":"x"}]}')).toBe(false);
  expect(cleanAnswer('{"errors":[{"message":"x"}]}')).toBe(false);
  expect(cleanAnswer('{"data":null}')).toBe(false);
  expect(cleanAnswer('')).toBe(false);
});

it('sums a counter over every label set of a Prometheus exposition', () => {
  const text = [
    '# HELP subgraph_fetch_duration_seconds x',
    'subgraph_fetch_duration_seconds_bucket{le="0.1",subgraph="identity"} 4',
    'subgraph_fetch_duration_seconds_count{subgraph="identity",outcome="ok"} 4',
    'subgraph_fetch_duration_seconds_count{subgraph="incidents",outcome="ok"} 6',
    'subgraph_fetch_duration_seconds_sum{subgraph="incidents"} 0.5',
  ].join('\n');
  expect(sumMetric(text, 'subgraph_fetch_duration_seconds_count')).toBe(10);
  expect(sumMetric(text, 'graphql_request_duration_seconds_count')).toBe(0);
});

it('names each operation once, with a subgraph for direct runs only where one subgraph answers', () => {
  const ops = benchOperations({
    caseId: '1',
    commentAlertId: '2',
    persistedAlerts: { id: 'abc', body: 'query Alerts { x }' },
  });
  expect(new Set(ops.map((o) => o.name)).size).toBe(ops.length);
  expect(ops.filter((o) => !o.slow).map((o) => o.name)).toEqual([
    'alert-queue',
    'case-view',
    'me',
    'alerts-list',
    'audit-search',
    'partner-persisted',
    'camera-wall',
    'agent-leaderboard',
  ]);
  expect(ops.find((o) => o.name === 'partner-persisted')).toMatchObject({ as: 'partner', persistedId: 'abc' });
  expect(ops.find((o) => o.name === 'alert-queue')?.subgraph).toBeUndefined();
});

it('computes the ratios and writes latest.md, latest.json and a history entry per run', () => {
  const results: OperationResult[] = [
    {
      operation: 'me',
      title: 'me',
      subgraph: 'identity',
      targets: {
        ours: stats(120, 10, 40),
        hive: { ...stats(100), gatewayCpuPercent: 80 },
        'hive-dedup': stats(300),
        direct: stats(200),
      },
    },
    { operation: 'alert-queue', title: 'alerts', subgraph: null, targets: { ours: stats(50), hive: stats(100) } },
  ];
  const ratios = ratiosOf(results);
  expect(ratios[0]).toEqual({
    operation: 'me',
    oursOverHive: 1.2,
    oursDedupOverHiveDedup: null,
    oursOverHiveDedup: 0.4,
    oursOverDirect: 0.6,
    // Hive spent 8 ms of gateway CPU per request (80% of a core at 100 req/s), ours 4.17.
    hiveGatewayCpuOverOurs: 1.92,
    hiveDedupGatewayCpuOverOursDedup: null,
    p99OverP50: 4,
    p99OverP50HalfLoad: null,
  });
  expect(ratios[1]?.oursOverDirect).toBeNull();

  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
  try {
    const report: BenchReport = {
      date: '2026-12-01T00:00:00.000Z',
      command: 'pnpm bench --quick',
      machine: { cpuModel: 'cpu', cores: 2, memoryGb: 4, loadAverage: [1, 1, 1], os: 'Linux' },
      versions: { node: 'v20' },
      settings: { quick: true, connections: 10, durationSeconds: 1.5 },
      data: { alerts: 1000 },
      results,
      ratios,
      notes: ['a note'],
    };
    writeReport(dir, report);
    writeReport(dir, { ...report, date: '2026-12-02T00:00:00.000Z' });
    const md = readFileSync(path.join(dir, 'latest.md'), 'utf8');
    expect(md).toContain('| me | 1.2 | 0.4 | — | 0.6 | 1.92 | — | 4 | — |');
    // CPU per request by tier: gateway, subgraphs, Postgres, the bench process, and their sum.
    expect(md).toContain('| me | ours | 120 | 4.17 | 3.33 | 0.83 | 2.5 | 10.83 |');
    expect(md).toContain(
      '- me: misses ours ÷ direct 0.6 (< 0.8); p99 ÷ p50 4 (> 3, at full load; half load not measured)',
    );
    expect(md).toContain('- alert-queue: misses ours ÷ Hive 0.5 (< 1.2)');
    // The subgraphs that spent ≥ 2% of a core, busiest first, and the bench process's own share.
    expect(md).toContain('| 40 | identity 35, audit 4 | 10 | 30 |');
    expect(JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8')).date).toBe('2026-12-02T00:00:00.000Z');
    const history = readFileSync(path.join(dir, 'history.md'), 'utf8');
    expect(history.match(/^## 2026-12-0\d/gm)).toEqual(['## 2026-12-01', '## 2026-12-02']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const soakStats = (warmupRssMb: number, finalRssMb: number): SoakStats => ({
  warmupSeconds: 30,
  soakSeconds: 300,
  connections: 10,
  operations: ['me', 'alert-queue'],
  processes: 1,
  requests: 30_000,
  reqPerSec: 100,
  p50: 50,
  p99: 120,
  errors: 0,
  firstError: null,
  warmupRssMb,
  finalRssMb,
  peakRssMb: Math.max(warmupRssMb, finalRssMb) + 5,
  ratio: Math.round((finalRssMb / warmupRssMb) * 1000) / 1000,
  samples: [
    { seconds: 0, sumMb: warmupRssMb, maxMb: warmupRssMb },
    { seconds: 300, sumMb: finalRssMb, maxMb: finalRssMb },
  ],
});

const baseReport = (results: OperationResult[]): BenchReport => ({
  date: '2026-12-01T00:00:00.000Z',
  command: 'pnpm bench --quick',
  machine: { cpuModel: 'cpu', cores: 2, memoryGb: 4, loadAverage: [1, 1, 1], os: 'Linux' },
  versions: { node: 'v20' },
  settings: { quick: true, connections: 10, durationSeconds: 1.5 },
  data: { alerts: 1000 },
  results,
  ratios: ratiosOf(results),
  notes: [],
});

it("keeps a target's best round, with the first round's counts, every round's errors and req/s", () => {
  const first = { ...stats(100), statementsPerRequest: 4, errors: 1, firstError: 'boom' };
  const second = { ...stats(130, 8, 16), statementsPerRequest: 9, halfLoad: { reqPerSec: 65, p50: 5, p99: 9 } };
  const best = bestRound([first, second, stats(120)]);
  expect(best).toMatchObject({
    reqPerSec: 130,
    p50: 8,
    p99: 16,
    statementsPerRequest: 4,
    errors: 1,
    firstError: 'boom',
  });
  expect(best.halfLoad).toEqual({ reqPerSec: 65, p50: 5, p99: 9 });
  expect(best.roundsReqPerSec).toEqual([100, 130, 120]);
  expect(bestRound([first]).roundsReqPerSec).toBeUndefined();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
  try {
    writeReport(dir, baseReport([{ operation: 'me', title: 'me', subgraph: null, targets: { ours: best } }]));
    expect(readFileSync(path.join(dir, 'latest.md'), 'utf8')).toContain(
      '| me | ours | 130 (rounds: 100, 130, 120) | 8 |',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('judges p99 ÷ p50 at half load where it was measured, at full load only where not', () => {
  const halfMeasured = { ...stats(100, 10, 50), halfLoad: { reqPerSec: 50, p50: 8, p99: 20 } };
  const halfBad = { ...stats(100, 10, 20), halfLoad: { reqPerSec: 50, p50: 8, p99: 40 } };
  const results: OperationResult[] = [
    { operation: 'me', title: 'me', subgraph: null, targets: { ours: halfMeasured } },
    { operation: 'case-view', title: 'case', subgraph: null, targets: { ours: halfBad } },
  ];
  const ratios = ratiosOf(results);
  expect(ratios.map((r) => [r.p99OverP50, r.p99OverP50HalfLoad])).toEqual([
    [5, 2.5],
    [2, 5],
  ]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
  try {
    writeReport(dir, baseReport(results));
    const md = readFileSync(path.join(dir, 'latest.md'), 'utf8');
    // Full load 5× but half load 2.5×: the target (set at half load) is met.
    expect(md).toContain('- me: meets the targets measured here');
    expect(md).toContain('- case-view: misses p99 ÷ p50 5 at half load (> 3)');
    expect(md).toContain('| me | — | — | — | — | — | — | 5 | 2.5 |');
    expect(readFileSync(path.join(dir, 'history.md'), 'utf8')).toContain(
      '| me | 100 | — | — | — | — | — | — | 5 | 2.5 |',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('says whether the soak kept the gateway RSS within 10% of its value after warm-up', () => {
  expect(soakVerdict(soakStats(200, 219)).meets).toBe(true);
  expect(soakVerdict(soakStats(200, 220)).meets).toBe(true);
  expect(soakVerdict(soakStats(200, 230))).toEqual({
    meets: false,
    line: 'gateway RSS after the 300 s soak 230 MB, +15% on 200 MB after warm-up: misses the target (within 10%) by 5 points',
  });
  expect(soakVerdict(soakStats(200, 190)).line).toContain('-5% on 200 MB after warm-up: meets the target');
});

it('adds a Soak section to the report and a soak entry to the history, and leaves the report alone without one', () => {
  const results: OperationResult[] = [{ operation: 'me', title: 'me', subgraph: null, targets: { ours: stats(100) } }];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
  try {
    writeReport(dir, baseReport(results));
    const plain = readFileSync(path.join(dir, 'latest.md'), 'utf8');
    expect(plain).not.toContain('Soak');
    expect(plain).not.toContain('soak');

    const soak: SoakReport = {
      date: '2026-12-01T01:00:00.000Z',
      command: 'pnpm bench --soak 300',
      loadAverage: [2, 2, 2],
      gatewayWorkers: 1,
      stats: soakStats(200, 210),
    };
    writeReport(dir, { ...baseReport(results), soak }, { soakOnly: true });
    const md = readFileSync(path.join(dir, 'latest.md'), 'utf8');
    // The operation runs stay; the soak comes in as a section of its own.
    expect(md).toContain('| me | — | — | — | — | — | — | 2 | — |');
    expect(md).toContain('## Soak');
    expect(md).toContain('| 200 | 210 | 215 | 1.05 | meets (≤ 1.1) | 100 | 50 | 120 | 30000 | 0 |');
    expect(md).toContain(
      '- soak (2026-12-01T01:00:00.000Z): gateway RSS after the 300 s soak 210 MB, +5% on 200 MB after warm-up: meets the target (within 10%)',
    );
    expect(md).toContain('RSS over the soak (s: MB): 0: 200, 300: 210.');
    expect(JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8')).soak.stats.ratio).toBe(1.05);
    const history = readFileSync(path.join(dir, 'history.md'), 'utf8');
    expect(history.match(/^## .*$/gm)).toEqual([
      '## 2026-12-01T00:00:00.000Z (quick; 10 connections, 1.5 s each; 2 cores, load 1/1/1)',
      '## 2026-12-01T01:00:00.000Z (soak; 10 connections, 300 s after 30 s warm-up; load 2/2/2)',
    ]);
    expect(history).toContain('`pnpm bench --soak 300`: gateway RSS after the 300 s soak 210 MB, +5% on 200 MB');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
