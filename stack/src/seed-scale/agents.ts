import { agentMetricsRollupSql } from '@socgraph/agents';
import type { SeedDb } from './db';
import { seedJobs } from './jobs';
import { DAY_MS, pad, type SeedWorld, WINDOW_MS } from './plan';
import type { Rand } from './prng';

/**
 * agents' share: marketplace agents (owned by the seeded admin), executions by analysts and
 * customer users (a priced one names its credit hold, which billing.ts writes in identity),
 * each pair's interaction summary and each agent's totals derived from them in SQL, the hourly
 * and daily metric rollups by the rollup job's own statement; endpoint agents per customer with
 * zero to four vulnerabilities each; the job queue's history and the schedules (jobs.ts).
 */
const A = 'agents';
const TYPES = ['summarizer', 'classifier', 'enricher', 'general'];
const CVES: [string, string, string][] = [
  ['CVE-2024-3094', 'Critical', 'xz/liblzma backdoor'],
  ['CVE-2021-44228', 'Critical', 'Apache Log4j remote code execution'],
  ['CVE-2023-4863', 'High', 'libwebp heap buffer overflow'],
  ['CVE-2022-0778', 'Medium', 'OpenSSL infinite loop in BN_mod_sqrt'],
  ['CVE-2023-44487', 'High', 'HTTP/2 rapid reset'],
  ['CVE-2024-6387', 'High', 'OpenSSH regreSSHion'],
  ['CVE-2023-38545', 'High', 'curl SOCKS5 heap overflow'],
  ['CVE-2022-3602', 'Medium', 'OpenSSL X.509 buffer overrun'],
  ['CVE-2021-3156', 'High', 'sudo Baron Samedit'],
  ['CVE-2020-1472', 'Critical', 'Netlogon Zerologon'],
  ['CVE-2019-0708', 'Critical', 'RDP BlueKeep'],
  ['CVE-2023-23397', 'Critical', 'Outlook NTLM leak'],
  ['CVE-2022-22965', 'Critical', 'Spring4Shell'],
  ['CVE-2021-34527', 'High', 'Windows Print Spooler PrintNightmare'],
  ['CVE-2018-13379', 'Low', 'Fortinet path traversal'],
  ['CVE-2017-0144', 'Informational', 'SMBv1 EternalBlue (patched)'],
];
const OS = ['Windows Server 2022', 'Windows 11', 'Ubuntu 22.04', 'Debian 12', 'macOS 14', 'RHEL 9'];
const ERRORS: Record<string, [number | null, string]> = {
  failed: [503, 'AGENT_HTTP_ERROR'],
  timeout: [null, 'AGENT_TIMEOUT'],
  error: [500, 'AGENT_ERROR'],
};

const iso = (ms: number): string => new Date(ms).toISOString();

export async function seedAgents(db: SeedDb, world: SeedWorld, rand: Rand): Promise<void> {
  const { plan, anchor } = world;
  const start = anchor - WINDOW_MS;
  const owner = String(world.users.find((u) => u.role === 'admin')!.id);
  const agentIds = Array.from({ length: plan.marketplaceAgents }, (_, i) => `seed-agent-${pad(i + 1)}`);
  const prices: number[] = [];
  await db.insert(
    `${A}.agent`,
    [
      ['id', 'text'],
      ['name', 'text'],
      ['description', 'text'],
      ['run_url', 'text'],
      ['type', 'text'],
      ['price_per_execution_cents', 'int'],
      ['owner_id', 'text'],
      ['pricing', 'jsonb'],
      ['metadata', 'jsonb'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
    ],
    agentIds.length,
    (i) => {
      const price = rand.pick([0, 5, 10, 25, 50]);
      prices.push(price);
      const type = rand.pick(TYPES);
      return [
        agentIds[i],
        `Seed ${type} ${pad(i + 1)}`,
        `A seeded ${type} agent`,
        `http://127.0.0.1:4104/${type === 'summarizer' ? 'summarize' : 'classify'}`,
        type,
        price,
        owner,
        '{"currency":"USD"}',
        '{"seed":true}',
        iso(start),
        iso(start),
      ];
    },
  );

  const callers = [...world.analysts, ...world.customerUsers].map((u) => String(u.id));
  await db.insert(
    `${A}.agent_execution`,
    [
      ['id', 'text'],
      ['execution_id', 'text'],
      ['agent_id', 'text'],
      ['user_id', 'text'],
      ['idempotency_key', 'text'],
      ['request_hash', 'text'],
      ['status', 'text'],
      ['duration_ms', 'int'],
      ['credits_consumed', 'int'],
      ['price_cents', 'int'],
      ['http_status', 'int'],
      ['error_code', 'text'],
      ['input_size', 'int'],
      ['output_size', 'int'],
      ['hold_id', 'text'],
      ['started_at', 'timestamptz'],
      ['completed_at', 'timestamptz'],
      ['created_at', 'timestamptz'],
    ],
    plan.executions,
    (i) => {
      const agent = rand.int(0, agentIds.length - 1);
      const roll = rand.float();
      const status =
        roll < 0.85 ? 'success' : roll < 0.92 ? 'failed' : roll < 0.97 ? 'timeout' : roll < 0.99 ? 'error' : 'running';
      const started = start + rand.int(0, WINDOW_MS - DAY_MS);
      const duration = status === 'running' ? null : rand.int(40, status === 'timeout' ? 30_000 : 3000);
      const price = prices[agent]!;
      const [httpStatus, errorCode] = ERRORS[status] ?? [status === 'success' ? 200 : null, null];
      return [
        rand.uuid(),
        rand.uuid(),
        agentIds[agent],
        rand.pick(callers),
        `seed-${pad(i + 1, 8)}`,
        rand.hex(64),
        status,
        duration,
        status === 'success' ? price : 0,
        price,
        httpStatus,
        errorCode,
        rand.int(10, 5000),
        status === 'success' ? rand.int(10, 20_000) : null,
        // Priced executions reserve credits first (identity's credit hold).
        price > 0 ? rand.uuid() : null,
        iso(started),
        duration === null ? null : iso(started + duration),
        iso(started),
      ];
    },
  );

  // Summaries in SQL, ordered, so the bigserial ids come out the same every run.
  await db.timed(
    `${A}.user_agent_interaction`,
    `INSERT INTO ${A}.user_agent_interaction (user_id, agent_id, total_executions, successful_executions, rating,
       is_favorite, first_used_at, last_used_at, created_at, updated_at)
     SELECT user_id, agent_id, count(*), count(*) FILTER (WHERE status = 'success'),
            CASE WHEN abs(hashtext(user_id || agent_id)) % 3 = 0 THEN NULL ELSE 1 + abs(hashtext(agent_id || user_id)) % 5 END,
            abs(hashtext(user_id || agent_id)) % 7 = 0, min(started_at), max(started_at), min(started_at), max(started_at)
       FROM ${A}.agent_execution GROUP BY user_id, agent_id ORDER BY user_id, agent_id`,
  );
  await db.timed(
    `${A}.agent`,
    `UPDATE ${A}.agent a SET total_executions = s.n, total_users = s.users, last_executed_at = s.last,
       avg_rating = (SELECT round(avg(rating), 2) FROM ${A}.user_agent_interaction WHERE agent_id = a.id)
       FROM (SELECT agent_id, count(*) AS n, count(DISTINCT user_id) AS users, max(started_at) AS last
               FROM ${A}.agent_execution GROUP BY agent_id) s
      WHERE a.id = s.agent_id`,
    [],
    false,
  );

  // The rollup job's statements (computed at the anchor): the rows it would write itself.
  for (const period of ['hourly', 'daily'] as const) {
    await db.timed(`${A}.agent_metrics`, agentMetricsRollupSql(period), [iso(anchor)]);
  }

  // ----- endpoint agents and their vulnerabilities -----
  const endpoints: { agentId: string; customer: string; seen: number }[] = [];
  await db.insert(
    `${A}.agents`,
    [
      ['id', 'int'],
      ['agent_id', 'text'],
      ['hostname', 'text'],
      ['ip_address', 'text'],
      ['os', 'text'],
      ['status', 'text'],
      ['last_seen', 'timestamptz'],
      ['critical_asset', 'bool'],
      ['customer_code', 'text'],
      ['quarantined', 'bool'],
      ['created_at', 'timestamptz'],
    ],
    plan.endpointAgents,
    (i) => {
      const customer = world.customerCodes[i % world.customerCodes.length]!;
      const host = Math.floor(i / world.customerCodes.length) + 1;
      const agentId = `ep-${customer.toLowerCase()}-${pad(host)}`;
      const seen = anchor - rand.int(0, 7 * DAY_MS);
      endpoints.push({ agentId, customer, seen });
      return [
        i + 1,
        agentId,
        `host-${customer.toLowerCase()}-${host}`,
        `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        rand.pick(OS),
        rand.pick(['active', 'active', 'active', 'disconnected', 'never_connected', 'pending']),
        iso(seen),
        rand.chance(0.1),
        customer,
        rand.chance(0.02),
        iso(start),
      ];
    },
  );
  await db.syncSequence(`${A}.agents`);
  const vulnerabilities = endpoints.flatMap((e) =>
    rand.pickDistinct(CVES, rand.int(0, 4)).map((cve) => ({ ...e, cve })),
  );
  await db.insert(
    `${A}.agent_vulnerabilities`,
    [
      ['id', 'int'],
      ['cve_id', 'text'],
      ['severity', 'text'],
      ['title', 'text'],
      ['status', 'text'],
      ['discovered_at', 'timestamptz'],
      ['agent_id', 'text'],
      ['customer_code', 'text'],
    ],
    vulnerabilities.length,
    (i) => {
      const v = vulnerabilities[i]!;
      return [
        i + 1,
        v.cve[0],
        v.cve[1],
        v.cve[2],
        rand.pick(['open', 'open', 'in_progress', 'resolved', 'ignored']),
        iso(v.seen - rand.int(0, 30 * DAY_MS)),
        v.agentId,
        v.customer,
      ];
    },
  );
  await db.syncSequence(`${A}.agent_vulnerabilities`);

  await seedJobs(db, world, rand.fork('jobs'));
}
