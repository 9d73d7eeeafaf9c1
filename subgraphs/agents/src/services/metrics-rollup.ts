import type { DataSource } from 'typeorm';
import { T } from './visibility';

/**
 * Hourly and daily AgentMetric rows (seed 002's AgentMetrics), computed in SQL from the
 * finished executions: counts by status, avg/min/max/p95/p99 duration (percentile_cont),
 * distinct users, credits, error counts by code. Each run recomputes every bucket from the
 * last one it wrote (one bucket back, for executions that finished after it ran) up to now:
 * running twice writes the same rows, and a run after downtime fills every bucket missed.
 */
export type MetricPeriod = 'hourly' | 'daily';

const UNITS: Record<MetricPeriod, { unit: 'hour' | 'day'; step: string }> = {
  hourly: { unit: 'hour', step: '1 hour' },
  daily: { unit: 'day', step: '1 day' },
};

/** A lock id of its own, so one replica at a time rolls up. */
const ROLLUP_LOCK = 4_004_001;

/**
 * One period's rollup statement. `$1` is the rows' computed_at (null: now()); `pnpm seed` runs
 * the same statement with its anchor, so its rollups are what this job would write.
 */
export function agentMetricsRollupSql(period: MetricPeriod): string {
  const { unit, step } = UNITS[period];
  return `
    WITH since AS (
      SELECT coalesce(max(bucket_start) - interval '${step}', '-infinity'::timestamptz) AS at
        FROM ${T.metricsTable} WHERE period = '${period}'
    ), src AS (
      SELECT x.agent_id, x.user_id, x.status, x.duration_ms, x.credits_consumed, x.error_code,
             date_trunc('${unit}', x.started_at, 'UTC') AS bucket
        FROM ${T.execution} x, since
       WHERE x.status <> 'running' AND x.started_at >= since.at
    ), codes AS (
      SELECT agent_id, bucket, jsonb_object_agg(error_code, n) AS counts
        FROM (SELECT agent_id, bucket, error_code, count(*) AS n FROM src WHERE error_code IS NOT NULL GROUP BY 1, 2, 3) c
       GROUP BY 1, 2
    ), agg AS (
      SELECT agent_id, bucket,
             count(*) AS total,
             count(*) FILTER (WHERE status = 'success') AS ok,
             count(*) FILTER (WHERE status = 'failed') AS failed,
             count(*) FILTER (WHERE status = 'timeout') AS timeout,
             count(*) FILTER (WHERE status = 'error') AS error,
             avg(duration_ms)::double precision AS avg_d,
             min(duration_ms) AS min_d,
             max(duration_ms) AS max_d,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99,
             count(DISTINCT user_id) AS users,
             sum(credits_consumed) AS credits
        FROM src GROUP BY 1, 2
    )
    INSERT INTO ${T.metricsTable} AS m (agent_id, period, date, hour, bucket_start, total_executions,
      successful_executions, failed_executions, timeout_executions, error_executions, avg_duration_ms,
      min_duration_ms, max_duration_ms, p95_duration_ms, p99_duration_ms, unique_users,
      total_credits_consumed, avg_credits_per_execution, error_counts, computed_at)
    SELECT agg.agent_id, '${period}', (agg.bucket AT TIME ZONE 'UTC')::date,
           ${period === 'hourly' ? `extract(hour FROM agg.bucket AT TIME ZONE 'UTC')::smallint` : 'NULL'},
           agg.bucket, agg.total, agg.ok, agg.failed, agg.timeout, agg.error, agg.avg_d, agg.min_d, agg.max_d,
           agg.p95, agg.p99, agg.users, agg.credits, agg.credits::double precision / agg.total,
           coalesce(codes.counts, '{}'::jsonb), coalesce($1::timestamptz, now())
      FROM agg LEFT JOIN codes USING (agent_id, bucket)
     ORDER BY agg.agent_id, agg.bucket
    ON CONFLICT ON CONSTRAINT agent_metrics_bucket DO UPDATE SET
      total_executions = EXCLUDED.total_executions, successful_executions = EXCLUDED.successful_executions,
      failed_executions = EXCLUDED.failed_executions, timeout_executions = EXCLUDED.timeout_executions,
      error_executions = EXCLUDED.error_executions, avg_duration_ms = EXCLUDED.avg_duration_ms,
      min_duration_ms = EXCLUDED.min_duration_ms, max_duration_ms = EXCLUDED.max_duration_ms,
      p95_duration_ms = EXCLUDED.p95_duration_ms, p99_duration_ms = EXCLUDED.p99_duration_ms,
      unique_users = EXCLUDED.unique_users, total_credits_consumed = EXCLUDED.total_credits_consumed,
      avg_credits_per_execution = EXCLUDED.avg_credits_per_execution, error_counts = EXCLUDED.error_counts,
      computed_at = EXCLUDED.computed_at`;
}

/** One rollup of both periods, under an advisory lock; returns false when another replica holds it. */
export async function rollUpAgentMetrics(dataSource: DataSource): Promise<boolean> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    const [lock] = (await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [ROLLUP_LOCK])) as {
      locked: boolean;
    }[];
    if (!lock?.locked) return false;
    try {
      await runner.query(agentMetricsRollupSql('hourly'), [null]);
      await runner.query(agentMetricsRollupSql('daily'), [null]);
      return true;
    } finally {
      await runner.query(`SELECT pg_advisory_unlock($1)`, [ROLLUP_LOCK]);
    }
  } finally {
    await runner.release();
  }
}
