import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sumMetric, type RunStats } from '../src/bench/measure';
import { benchOperations, cleanAnswer } from '../src/bench/operations';
import { ratiosOf, writeReport, type BenchReport, type OperationResult } from '../src/bench/report';

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
      targets: { ours: stats(120, 10, 40), hive: stats(100), 'hive-dedup': stats(300), direct: stats(200) },
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
    expect(md).toContain('| me | 1.2 | 0.4 | — | 0.6 | 4 | — |');
    expect(md).toContain(
      '- me: misses ours ÷ direct 0.6 (< 0.8); p99 ÷ p50 4 (> 3, at full load; half load not measured)',
    );
    expect(md).toContain('- alert-queue: misses ours ÷ Hive 0.5 (< 1.2)');
    expect(JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8')).date).toBe('2026-12-02T00:00:00.000Z');
    const history = readFileSync(path.join(dir, 'history.md'), 'utf8');
    expect(history.match(/^## 2026-12-0\d/gm)).toEqual(['## 2026-12-01', '## 2026-12-02']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
