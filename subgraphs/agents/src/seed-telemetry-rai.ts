import type { EntityManager } from 'typeorm';
import { TELEMETRY_TABLES } from './services/telemetry.service';
import { RAI_TABLES } from './services/responsible-ai.service';
import { T } from './services/visibility';

/**
 * The demo's telemetry and responsible-AI records (inside the agents demo seed's transaction):
 * a day of GPU samples every five minutes and hourly CPU values for two endpoint agents' hosts
 * and the platform's gateway; decisions of the phishing classifier on its executions (one
 * waiting for review), a bias detection, last week's fairness metrics and an ethics report in review.
 */
export async function seedTelemetryAndResponsibleAi(tx: EntityManager): Promise<void> {
  for (const [agentId, gpus] of [
    ['agent-acme-001', 1],
    ['agent-globex-003', 2],
  ] as const) {
    await tx.query(
      `INSERT INTO ${TELEMETRY_TABLES.gpu} (agent_id, gpu_index, recorded_at, gpu_name, gpu_utilization, memory_used, memory_total,
         temperature, power_usage, inference_fps, fan_speed, memory_bandwidth_utilization, pstate)
       SELECT $1, g, date_trunc('hour', now()) - make_interval(mins => 5 * s), 'NVIDIA L4',
              round((50 + 40 * sin(s / 24.0 + g))::numeric, 2), 8000 + (s * 37 + g * 500) % 12000, 24000,
              round((55 + 15 * sin(s / 24.0 + g))::numeric, 1), round((40 + 30 * sin(s / 24.0 + g))::numeric, 1),
              round((30 + 10 * cos(s / 12.0))::numeric, 1), 40 + (s % 30), round((35 + 25 * sin(s / 30.0))::numeric, 2), 0
         FROM generate_series(0, 287) AS s, generate_series(0, $2::int - 1) AS g`,
      [agentId, gpus],
    );
  }
  await tx.query(
    `INSERT INTO ${TELEMETRY_TABLES.system} (agent_id, component, metric, value, unit, recorded_at)
     SELECT e.agent_id, 'host', 'cpu.usage_percent', round((20 + 60 * abs(sin(h / 5.0 + e.id)))::numeric, 2), 'percent',
            date_trunc('hour', now()) - make_interval(hours => h)
       FROM ${T.endpoint} e, generate_series(0, 23) AS h
     UNION ALL
     SELECT NULL, 'gateway', 'cpu.usage_percent', round((10 + 30 * abs(cos(h / 6.0)))::numeric, 2), 'percent',
            date_trunc('hour', now()) - make_interval(hours => h)
       FROM generate_series(0, 23) AS h`,
  );

  const classifier = 'demo-agent-2';
  await tx.query(
    `INSERT INTO ${RAI_TABLES.decision} (agent_id, execution_id, decision_type, decision, confidence, explanation, factors,
       model_version, review_status, created_at)
     SELECT x.agent_id, x.id, 'phishing_verdict', CASE WHEN n % 3 = 0 THEN 'malicious' ELSE 'benign' END,
            round((0.55 + (n % 9) * 0.05)::numeric, 2),
            CASE WHEN n % 3 = 0 THEN 'Sender domain is new and the link target differs from its text'
                 ELSE 'Known sender, no links' END,
            jsonb_build_object('domainAge', 0.5, 'linkMismatch', CASE WHEN n % 3 = 0 THEN 0.4 ELSE 0 END),
            'phish-clf-2026.05', CASE WHEN n = 1 THEN 'pending' ELSE 'not_required' END, x.completed_at
       FROM (SELECT x.*, row_number() OVER (ORDER BY x.started_at DESC) AS n FROM ${T.execution} x
              WHERE x.agent_id = $1 AND x.status = 'success') x
      WHERE n <= 6`,
    [classifier],
  );
  await tx.query(
    `INSERT INTO ${RAI_TABLES.bias} (agent_id, bias_type, protected_attribute, severity, bias_score, threshold, details)
     VALUES ($1, 'language_skew', 'language', 'medium', 0.18, 0.1,
             '{"note": "Non-English mails are flagged malicious twice as often at equal risk signals"}')`,
    [classifier],
  );
  await tx.query(
    `INSERT INTO ${RAI_TABLES.fairness} (agent_id, metric_name, protected_attribute, privileged_group, unprivileged_group,
       value, threshold, passed, sample_size, period_start, period_end)
     VALUES ($1, 'disparate_impact_ratio', 'language', 'en', 'other', 0.74, 0.8, false, 84,
             date_trunc('week', now()) - interval '7 days', date_trunc('week', now())),
            ($1, 'equal_opportunity_difference', 'language', 'en', 'other', 0.06, 0.1, true, 84,
             date_trunc('week', now()) - interval '7 days', date_trunc('week', now()))`,
    [classifier],
  );
  await tx.query(
    `INSERT INTO ${RAI_TABLES.ethics} (id, agent_id, title, summary, findings, risk_level, status, created_by, submitted_at,
       period_start, period_end)
     VALUES ('00000000-0000-4000-8000-000000000e01', $1, 'Phishing classifier: language fairness',
             'Verdicts on non-English mail fail the four-fifths rule last week.',
             '[{"finding": "disparate impact 0.74 on language", "severity": "medium"}]', 'medium', 'in_review', 'admin', now(),
             date_trunc('week', now()) - interval '7 days', date_trunc('week', now()))`,
    [classifier],
  );
}
