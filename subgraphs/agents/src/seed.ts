import { randomUUID } from 'node:crypto';
import type { DemoSeedOptions } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import { agentsConfigSchema } from './config';
import { createHash } from 'node:crypto';
import { rollUpAgentMetrics } from './services/metrics-rollup';
import { seedTelemetryAndResponsibleAi } from './seed-telemetry-rai';
import { METRICS_ROLLUP_JOB, Scheduler, scheduleDefinitions } from './services/scheduler';
import { T } from './services/visibility';

/**
 * agents' share of the demo world, on an empty agents schema: three marketplace agents served
 * by the local demo agent (`AGENT_DEMO_PORT`), a week of executions by the demo analyst and
 * customer user with ratings, and their metrics; endpoint agents of the demo customers with
 * vulnerabilities. identity's demo seed creates admin, analyst, customer_user, auditor in that
 * order on an empty database, so their ids are 1 to 4.
 */
const OWNER = '1';
const USERS = ['2', '3'];

const ENDPOINTS: [string, string, string, string, boolean][] = [
  ['001', 'acme-dc01', 'ACME', 'Windows Server 2022', false],
  ['002', 'acme-laptop-17', 'ACME', 'Windows 11', true],
  ['003', 'globex-web01', 'GLOBEX', 'Ubuntu 22.04', false],
  ['004', 'globex-db02', 'GLOBEX', 'Debian 12', false],
];

const VULNERABILITIES: [string, string, string, string][] = [
  ['CVE-2024-3094', 'Critical', 'xz/liblzma backdoor', 'open'],
  ['CVE-2021-44228', 'Critical', 'Apache Log4j remote code execution (Log4Shell)', 'resolved'],
  ['CVE-2023-4863', 'High', 'libwebp heap buffer overflow', 'in_progress'],
  ['CVE-2022-0778', 'Medium', 'OpenSSL infinite loop in BN_mod_sqrt', 'open'],
];

export async function seedAgentsDemo(dataSource: DataSource, options: DemoSeedOptions): Promise<string[]> {
  const [{ n } = { n: 0 }] = (await dataSource.query(`SELECT count(*)::int AS n FROM ${T.agent}`)) as { n: number }[];
  if (n > 0) return [];
  const port = agentsConfigSchema.shape.AGENT_DEMO_PORT.parse(options.env?.AGENT_DEMO_PORT || undefined) || 4104;
  const base = `http://127.0.0.1:${port}`;
  const agents = [
    {
      name: 'Summarizer',
      path: '/summarize',
      price: 25,
      type: 'summarizer',
      schema: {
        type: 'object',
        required: ['text'],
        properties: { text: { type: 'string', minLength: 1, maxLength: 20000 } },
      },
    },
    {
      name: 'Phishing classifier',
      path: '/classify',
      price: 10,
      type: 'classifier',
      schema: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
    },
    { name: 'Flaky enricher', path: '/flaky', price: 0, type: 'general', schema: { type: 'object' } },
  ];
  await dataSource.transaction(async (tx) => {
    for (const [i, agent] of agents.entries()) {
      const id = `demo-agent-${i + 1}`;
      await tx.query(
        `INSERT INTO ${T.agent} (id, name, description, run_url, type, price_per_execution_cents, input_schema, owner_id, pricing, metadata)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '{"currency":"USD"}', '{"demo":true}')`,
        [
          id,
          agent.name,
          `Demo agent served by the local demo agent at ${base}${agent.path}`,
          `${base}${agent.path}`,
          agent.type,
          agent.price,
          JSON.stringify(agent.schema),
          OWNER,
        ],
      );
      // A week of history: 6 executions a day per user, one in six failing or timing out.
      for (let day = 7; day >= 1; day--) {
        for (const [u, userId] of USERS.entries()) {
          for (let k = 0; k < 6; k++) {
            const status = (day + k + u) % 6 === 0 ? (k % 2 ? 'failed' : 'timeout') : 'success';
            const duration = 80 + ((day * 37 + k * 53 + u * 11 + i * 29) % 900);
            await tx.query(
              `INSERT INTO ${T.execution} (id, execution_id, agent_id, user_id, idempotency_key, request_hash, status, duration_ms,
                 credits_consumed, price_cents, http_status, error_code, input_size, output_size, started_at, completed_at)
               VALUES ($1, $2, $3, $4, $5, 'demo', $6, $7::int, $8, $9, $10, $11, 40, 120,
                 date_trunc('day', now()) - make_interval(days => $12::int) + make_interval(hours => 8 + $13::int),
                 date_trunc('day', now()) - make_interval(days => $12::int) + make_interval(hours => 8 + $13::int) + make_interval(secs => $7::int / 1000.0))`,
              [
                randomUUID(),
                randomUUID(),
                id,
                userId,
                `demo-${id}-${userId}-${day}-${k}`,
                status,
                duration,
                status === 'success' ? agent.price : 0,
                agent.price,
                status === 'failed' ? 503 : status === 'success' ? 200 : null,
                status === 'failed' ? 'AGENT_HTTP_ERROR' : status === 'timeout' ? 'AGENT_TIMEOUT' : null,
                day,
                k,
              ],
            );
          }
        }
      }
      for (const [u, userId] of USERS.entries()) {
        await tx.query(
          `INSERT INTO ${T.interaction} (user_id, agent_id, total_executions, successful_executions, rating, feedback, is_favorite, first_used_at, last_used_at)
           SELECT $1::varchar, $2::varchar, count(*), count(*) FILTER (WHERE status = 'success'), $3::smallint, $4::text, $5::boolean,
                  min(started_at), max(started_at)
             FROM ${T.execution} WHERE agent_id = $2::varchar AND user_id = $1::varchar`,
          [userId, id, 5 - ((i + u) % 3), u === 0 ? 'Saves me time on triage' : null, i === u],
        );
      }
      await tx.query(
        `UPDATE ${T.agent} a SET total_executions = s.n, total_users = s.users, last_executed_at = s.last,
           avg_rating = (SELECT round(avg(rating), 2) FROM ${T.interaction} WHERE agent_id = a.id)
           FROM (SELECT count(*) AS n, count(DISTINCT user_id) AS users, max(started_at) AS last FROM ${T.execution} WHERE agent_id = $1) s
          WHERE a.id = $1`,
        [id],
      );
    }
    for (const [suffix, hostname, customer, os, quarantined] of ENDPOINTS) {
      const agentId = endpointId(customer, suffix);
      await tx.query(
        `INSERT INTO ${T.endpoint} (agent_id, hostname, ip_address, os, status, last_seen, critical_asset, customer_code, quarantined)
         VALUES ($1, $2, $3, $4, 'active', now(), $5, $6, $7)`,
        [agentId, hostname, `10.20.0.${Number(suffix)}`, os, suffix === '001', customer, quarantined],
      );
      for (const [v, [cve, severity, title, status]] of VULNERABILITIES.entries()) {
        if ((Number(suffix) + v) % 2 === 0) continue;
        await tx.query(
          `INSERT INTO ${T.vulnerability} (cve_id, severity, title, status, agent_id, customer_code) VALUES ($1, $2, $3, $4, $5, $6)`,
          [cve, severity, title, status, agentId, customer],
        );
      }
    }
    await seedTelemetryAndResponsibleAi(tx);
    await seedReports(tx);
  });
  await rollUpAgentMetrics(dataSource);
  // The scheduled rollup, as the agents process creates it; the rollup above counts as its last success.
  await new Scheduler(dataSource).ensure(
    scheduleDefinitions(
      agentsConfigSchema
        .pick({ AGENT_METRICS_INTERVAL_MS: true })
        .parse({ AGENT_METRICS_INTERVAL_MS: options.env?.AGENT_METRICS_INTERVAL_MS || undefined }),
    ),
  );
  await dataSource.query(`UPDATE ${T.schedule} SET last_success = now() WHERE job_id = $1`, [METRICS_ROLLUP_JOB]);
  // A nightly snapshot of the Wazuh alert indices, disabled: the demo has no indexer (WAZUH_INDEXER_URL).
  await dataSource.query(
    `INSERT INTO ${T.snapshotSchedule} (name, index_pattern, repository, time_interval_minutes, retention_days, enabled, created_by)
     VALUES ('wazuh-alerts-nightly', 'wazuh-alerts-4.x-*', 'wazuh-backups', 1440, 30, false, 'admin')
     ON CONFLICT (name) DO NOTHING`,
  );
  return [
    `Demo agents: ${agents.length} marketplace agents at ${base} (AGENT_DEMO_PORT=${port} runs the demo agent), ${ENDPOINTS.length} endpoint agents (${ENDPOINTS.map(([suffix, , customer]) => endpointId(customer, suffix)).join(', ')}) with reports and artefacts`,
  ];
}

/** The demo endpoint agents' ids; incidents' demo assets name the same ones. */
export const endpointId = (customer: string, suffix: string): string => `agent-${customer.toLowerCase()}-${suffix}`;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A vulnerability report per demo host, an SCA report per customer, and collected artefacts of two hosts. */
async function seedReports(tx: { query(sql: string, params?: unknown[]): Promise<unknown> }): Promise<void> {
  for (const [suffix, hostname, customer] of ENDPOINTS) {
    const agentId = endpointId(customer, suffix);
    const present = VULNERABILITIES.filter((_, v) => (Number(suffix) + v) % 2 !== 0);
    const bySeverity = (severity: string) => present.filter(([, s]) => s === severity).length;
    const key = `vulnerability-reports/${customer.toLowerCase()}/${hostname}-weekly.pdf`;
    await tx.query(
      `INSERT INTO ${T.vulnerabilityReport} (report_name, customer_code, agent_id, bucket_name, object_key, file_name,
         content_type, file_size, file_hash, generated_at, generated_by, total_vulnerabilities, critical_count, high_count,
         medium_count, low_count, status)
       VALUES ($1, $2, $3, 'copilot-reports', $4, $5, 'application/pdf', $6, $7, now() - interval '1 day', 'admin', $8, $9, $10, $11, 0, 'completed')`,
      [
        `Weekly vulnerabilities of ${hostname}`,
        customer,
        agentId,
        key,
        `${hostname}-weekly.pdf`,
        48_000 + present.length * 1_500,
        sha256(key),
        present.length,
        bySeverity('Critical'),
        bySeverity('High'),
        bySeverity('Medium'),
      ],
    );
    if (suffix === '001' || suffix === '003') {
      const artifact = suffix === '001' ? 'Windows.KapeFiles.Targets' : 'Linux.Sys.BashHistory';
      const objectKey = `artifacts/${agentId}/F.DEMO${suffix}/${artifact}.zip`;
      await tx.query(
        `INSERT INTO ${T.artifact} (agent_id, velociraptor_id, artifact_name, flow_id, bucket_name, object_key, file_name,
           content_type, file_size, file_hash, status, collected_by)
         VALUES ($1, $2, $3, $4, 'copilot-artifacts', $5, $6, 'application/zip', $7, $8, 'completed', 'service:velociraptor')`,
        [
          agentId,
          `C.demo${suffix}`,
          artifact,
          `F.DEMO${suffix}`,
          objectKey,
          `${artifact}.zip`,
          1_250_000,
          sha256(objectKey),
        ],
      );
    }
  }
  for (const [customer, passed, failed] of [
    ['ACME', 182, 41],
    ['GLOBEX', 150, 73],
  ] as const) {
    const objectKey = `sca-reports/${customer.toLowerCase()}/cis-benchmarks.pdf`;
    await tx.query(
      `INSERT INTO ${T.scaReport} (report_name, customer_code, bucket_name, object_key, file_name, content_type, file_size,
         file_hash, generated_at, generated_by, policy_filter, total_policies, total_checks, passed_count, failed_count,
         not_applicable_count, average_score, status)
       VALUES ($1, $2, 'copilot-reports', $3, 'cis-benchmarks.pdf', 'application/pdf', 96000, $4, now() - interval '2 days',
         'admin', 'CIS benchmarks', 2, $5, $6, $7, 12, $8, 'completed')`,
      [
        `${customer} CIS benchmark assessment`,
        customer,
        objectKey,
        sha256(objectKey),
        passed + failed + 12,
        passed,
        failed,
        Math.round((passed / (passed + failed)) * 10_000) / 100,
      ],
    );
  }
}
