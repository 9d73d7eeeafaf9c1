import { randomUUID } from 'node:crypto';
import type { TestSubgraph } from '@socgraph/testkit';
import { rollUpAgentMetrics } from '../src/services/metrics-rollup';
import { InMemoryCredits } from './credits-double';
import { CUSTOMER_C1, countStatements, errorFields, ok, registerAgent, rows, startAgents } from './support';

/** Rollups against values computed here, independently, from the raw executions written. */
interface Raw {
  agentId: string;
  userId: string;
  status: 'success' | 'failed' | 'timeout' | 'error';
  durationMs: number;
  credits: number;
  errorCode: string | null;
  startedAt: Date;
}

/** percentile_cont: linear interpolation between the closest ranks. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

function expected(raws: Raw[]) {
  const durations = raws.map((r) => r.durationMs);
  const errorCounts: Record<string, number> = {};
  for (const r of raws) if (r.errorCode) errorCounts[r.errorCode] = (errorCounts[r.errorCode] ?? 0) + 1;
  const credits = raws.reduce((sum, r) => sum + r.credits, 0);
  return {
    totalExecutions: raws.length,
    successfulExecutions: raws.filter((r) => r.status === 'success').length,
    failedExecutions: raws.filter((r) => r.status === 'failed').length,
    timeoutExecutions: raws.filter((r) => r.status === 'timeout').length,
    errorExecutions: raws.filter((r) => r.status === 'error').length,
    minDurationMs: Math.min(...durations),
    maxDurationMs: Math.max(...durations),
    avgDurationMs: durations.reduce((a, b) => a + b, 0) / durations.length,
    p95DurationMs: percentile(durations, 0.95),
    p99DurationMs: percentile(durations, 0.99),
    uniqueUsers: new Set(raws.map((r) => r.userId)).size,
    totalCreditsConsumed: credits,
    avgCreditsPerExecution: credits / raws.length,
    errorCounts,
  };
}

let agents: TestSubgraph;
let agentIds: string[];
const all: Raw[] = [];

/** Deterministic pseudo-random numbers, so a failure can be reproduced. */
let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

async function insert(raws: Raw[]): Promise<void> {
  for (const r of raws) {
    await agents.dataSource.query(
      `INSERT INTO agents.agent_execution (id, execution_id, agent_id, user_id, idempotency_key, request_hash, status,
         duration_ms, credits_consumed, price_cents, error_code, started_at, completed_at)
       VALUES ($1, $2, $3, $4, $5, 'h', $6, $7, $8, 10, $9, $10, $10::timestamptz + make_interval(secs => $7::int / 1000.0))`,
      [
        randomUUID(),
        randomUUID(),
        r.agentId,
        r.userId,
        randomUUID(),
        r.status,
        r.durationMs,
        r.credits,
        r.errorCode,
        r.startedAt,
      ],
    );
  }
  all.push(...raws);
}

function generate(hourStart: string, hours: number, perHour: number): Raw[] {
  const raws: Raw[] = [];
  const statuses = ['success', 'success', 'success', 'failed', 'timeout', 'error'] as const;
  const codes = { success: null, failed: 'AGENT_HTTP_ERROR', timeout: 'AGENT_TIMEOUT', error: 'AGENT_BAD_RESPONSE' };
  for (let h = 0; h < hours; h++) {
    for (let i = 0; i < perHour; i++) {
      const status = statuses[Math.floor(random() * statuses.length)]!;
      raws.push({
        agentId: agentIds[Math.floor(random() * agentIds.length)]!,
        userId: `user-${Math.floor(random() * 7)}`,
        status,
        durationMs: 20 + Math.floor(random() * 3000),
        credits: status === 'success' ? 10 : 0,
        errorCode: codes[status],
        startedAt: new Date(new Date(hourStart).getTime() + h * 3_600_000 + Math.floor(random() * 3_599_000)),
      });
    }
  }
  return raws;
}

beforeAll(async () => {
  agents = await startAgents(new InMemoryCredits(), { AGENT_METRICS_INTERVAL_MS: '0' });
  agentIds = [
    await registerAgent(agents, { runUrl: 'http://127.0.0.1:9/a' }),
    await registerAgent(agents, { runUrl: 'http://127.0.0.1:9/b' }),
  ];
});
afterAll(async () => agents.stop());

interface Metric extends ReturnType<typeof expected> {
  bucketStart: string;
}
const METRICS = `query ($id: ID!, $period: MetricPeriod!, $from: DateTime!, $to: DateTime!) {
  agent(id: $id) { metrics(period: $period, from: $from, to: $to) {
    bucketStart totalExecutions successfulExecutions failedExecutions timeoutExecutions errorExecutions
    minDurationMs maxDurationMs avgDurationMs p95DurationMs p99DurationMs uniqueUsers totalCreditsConsumed
    avgCreditsPerExecution errorCounts } } }`;

async function metricsOf(agentId: string, period: 'HOURLY' | 'DAILY', from: string, to: string): Promise<Metric[]> {
  const data = await ok<{ agent: { metrics: Metric[] } }>(agents, METRICS, { id: agentId, period, from, to });
  return data.agent.metrics;
}

function expectBucket(metric: Metric, raws: Raw[]): void {
  const want = expected(raws);
  const { avgDurationMs, p95DurationMs, p99DurationMs, avgCreditsPerExecution, ...exact } = want;
  expect(metric).toMatchObject(exact);
  expect(metric.avgDurationMs).toBeCloseTo(avgDurationMs, 6);
  expect(metric.p95DurationMs).toBeCloseTo(p95DurationMs, 6);
  expect(metric.p99DurationMs).toBeCloseTo(p99DurationMs, 6);
  expect(metric.avgCreditsPerExecution).toBeCloseTo(avgCreditsPerExecution, 6);
}

const inHour = (r: Raw, agentId: string, start: Date) =>
  r.agentId === agentId && r.startedAt >= start && r.startedAt.getTime() < start.getTime() + 3_600_000;

describe('agent metrics rollups', () => {
  it('equal the values computed from the raw executions, hourly and daily', async () => {
    await insert(generate('2026-01-10T09:00:00Z', 3, 60));
    expect(await rollUpAgentMetrics(agents.dataSource)).toBe(true);
    for (const agentId of agentIds) {
      const hourly = await metricsOf(agentId, 'HOURLY', '2026-01-10T00:00:00Z', '2026-01-11T00:00:00Z');
      expect(hourly.map((m) => m.bucketStart)).toEqual([
        '2026-01-10T09:00:00.000Z',
        '2026-01-10T10:00:00.000Z',
        '2026-01-10T11:00:00.000Z',
      ]);
      for (const metric of hourly)
        expectBucket(
          metric,
          all.filter((r) => inHour(r, agentId, new Date(metric.bucketStart))),
        );
      const daily = await metricsOf(agentId, 'DAILY', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
      expect(daily).toHaveLength(1);
      expectBucket(
        daily[0]!,
        all.filter((r) => r.agentId === agentId),
      );
    }
  });

  it('is idempotent, and catches up on every bucket missed during downtime', async () => {
    const before = await rows(
      agents,
      `SELECT agent_id, period, date, hour, total_executions, p95_duration_ms FROM agents.agent_metrics ORDER BY 1, 2, 3, 4`,
    );
    await rollUpAgentMetrics(agents.dataSource);
    expect(
      await rows(
        agents,
        `SELECT agent_id, period, date, hour, total_executions, p95_duration_ms FROM agents.agent_metrics ORDER BY 1, 2, 3, 4`,
      ),
    ).toEqual(before);

    // "Downtime": executions over the next two days, then one rollup.
    await insert(generate('2026-01-10T12:00:00Z', 40, 5));
    await rollUpAgentMetrics(agents.dataSource);
    for (const agentId of agentIds) {
      const hourly = await metricsOf(agentId, 'HOURLY', '2026-01-10T00:00:00Z', '2026-01-13T00:00:00Z');
      const hoursWithRuns = new Set(
        all.filter((r) => r.agentId === agentId).map((r) => Math.floor(r.startedAt.getTime() / 3_600_000) * 3_600_000),
      );
      expect(hourly).toHaveLength(hoursWithRuns.size);
      for (const metric of hourly)
        expectBucket(
          metric,
          all.filter((r) => inHour(r, agentId, new Date(metric.bucketStart))),
        );
      const daily = await metricsOf(agentId, 'DAILY', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
      for (const metric of daily) {
        const start = new Date(metric.bucketStart);
        expectBucket(
          metric,
          all.filter(
            (r) =>
              r.agentId === agentId && r.startedAt >= start && r.startedAt.getTime() < start.getTime() + 86_400_000,
          ),
        );
      }
      expect(daily.map((m) => m.bucketStart)).toEqual([
        '2026-01-10T00:00:00.000Z',
        '2026-01-11T00:00:00.000Z',
        '2026-01-12T00:00:00.000Z',
      ]);
    }
  });

  it('refuses inverted or oversized ranges, and follows agent visibility', async () => {
    const id = agentIds[0]!;
    const inverted = await agents.query(
      METRICS,
      { id, period: 'HOURLY', from: '2026-01-11T00:00:00Z', to: '2026-01-10T00:00:00Z' },
      CUSTOMER_C1,
    );
    expect(errorFields(inverted)).toEqual(['to']);
    const huge = await agents.query(
      METRICS,
      { id, period: 'HOURLY', from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z' },
      CUSTOMER_C1,
    );
    expect(errorFields(huge)).toEqual(['to']);
    const anonymous = await agents.query(METRICS, {
      id,
      period: 'DAILY',
      from: '2026-01-01T00:00:00Z',
      to: '2026-02-01T00:00:00Z',
    });
    expect(anonymous.body.data).toEqual({ agent: null });
  });

  it('costs the same statements for 2 agents as for many', async () => {
    const query = `query { agents(first: 50) { edges { node { id metrics(period: DAILY, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { totalExecutions } } } } }`;
    const few = await countStatements(agents, query, {});
    for (let i = 0; i < 10; i++) await registerAgent(agents, { runUrl: 'http://127.0.0.1:9/c' });
    const many = await countStatements(agents, query, {});
    expect(many.result.body.errors).toBeUndefined();
    expect(many.statements).toBe(few.statements);
  });
});
