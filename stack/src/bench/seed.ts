import { hashPassword } from '@socgraph/identity';
import { Client } from 'pg';

/**
 * The bench's data, in bulk SQL on top of the demo seed: `customers` bench customers with
 * `alertsPerCustomer` alerts each (half tagged with two of 40 tags, each with an IoC and an
 * asset, assigned to bench users), tag RBAC on, 100 cases of five alerts and three comments,
 * 50 cameras with tags, 20 marketplace agents with 30 days of daily metrics, and the bench's
 * own logins (bench_admin, bench_analyst with ten customers and four tags, bench_auditor).
 * Skipped when bench_admin exists (an attached graph seeded before): then only the logins'
 * password is reset to this run's.
 */
export interface BenchSeedOptions {
  databaseUrl: string;
  password: string;
  users: number;
  customers: number;
  alertsPerCustomer: number;
}

export interface BenchSeedSummary {
  seeded: boolean;
  counts: Record<string, number>;
}

const BENCH_LOGINS = [
  { username: 'bench_admin', role: 'admin' },
  { username: 'bench_analyst', role: 'analyst' },
  { username: 'bench_auditor', role: 'auditor' },
] as const;

export async function seedBench(options: BenchSeedOptions): Promise<BenchSeedSummary> {
  const client = new Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    const hash = await hashPassword(options.password, 16_384);
    const existing = await client.query(`SELECT 1 FROM identity.users WHERE username = 'bench_admin'`);
    if (existing.rowCount) {
      await client.query(`UPDATE identity.users SET password_hash = $1 WHERE username LIKE 'bench\\_%'`, [hash]);
      return { seeded: false, counts: await countRows(client) };
    }
    const { customers, users } = options;
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO identity.customers (customer_code, customer_name)
       SELECT 'BENCH' || g, 'Bench customer ' || g FROM generate_series(1, $1::int) g`,
      [customers],
    );
    for (const login of BENCH_LOGINS) {
      await client.query(
        `INSERT INTO identity.users (username, email, password_hash, role_id)
         VALUES ($1::text, $1::text || '@bench.example.com', $2, (SELECT id FROM identity.roles WHERE name = $3))`,
        [login.username, hash, login.role],
      );
    }
    // Assignees and a user list of realistic size; they never log in (same hash, never used).
    await client.query(
      `INSERT INTO identity.users (username, email, password_hash, role_id)
       SELECT 'user' || g, 'user' || g || '@bench.example.com', $2,
              (SELECT id FROM identity.roles WHERE name = CASE WHEN g % 3 = 0 THEN 'customer_user' ELSE 'analyst' END)
         FROM generate_series(1, $1) g`,
      [users, hash],
    );
    await client.query(
      `INSERT INTO identity.user_customer_access (user_id, customer_code)
       SELECT u.id, 'BENCH' || (1 + (u.id + k) % $1::int) FROM identity.users u, generate_series(0, 2) k
        WHERE u.username LIKE 'user%' ON CONFLICT DO NOTHING`,
      [customers],
    );
    await client.query(
      `INSERT INTO identity.user_customer_access (user_id, customer_code)
       SELECT u.id, 'BENCH' || g FROM identity.users u, generate_series(1, LEAST(10, $1::int)) g
        WHERE u.username = 'bench_analyst'`,
      [customers],
    );

    await client.query(
      `INSERT INTO incidents.incident_management_alerttag (tag) SELECT 'bench-tag-' || g FROM generate_series(1, 40) g`,
    );
    const tags = (
      await client.query<{ id: number }>(
        `SELECT id FROM incidents.incident_management_alerttag WHERE tag LIKE 'bench-tag-%' ORDER BY id`,
      )
    ).rows.map((r) => r.id);
    await client.query(
      `INSERT INTO identity.user_tag_access (user_id, tag_id)
       SELECT u.id, t FROM identity.users u, unnest($1::int[]) t WHERE u.username = 'bench_analyst'`,
      [tags.slice(0, 4)],
    );
    await client.query(
      `INSERT INTO incidents.incident_management_alert
         (alert_name, alert_description, customer_code, source, assigned_to, severity, alert_creation_time)
       SELECT 'Bench alert ' || g, 'Bench alert ' || g || ' description', 'BENCH' || (1 + g % $1::int), 'bench',
              'user' || (1 + g % GREATEST(1, LEAST($2::int, 50))),
              (ARRAY['Informational', 'Low', 'Medium', 'High', 'Critical'])[1 + g % 5],
              now() - g * interval '1 minute'
         FROM generate_series(1, $1::int * $3::int) g`,
      [customers, users, options.alertsPerCustomer],
    );
    await client.query(
      `INSERT INTO incidents.incident_management_alert_to_tag (alert_id, tag_id)
       SELECT a.id, ($1::int[])[1 + (a.id * 7 + k) % 40] FROM incidents.incident_management_alert a, generate_series(0, 1) k
        WHERE a.source = 'bench' AND a.id % 2 = 0 ON CONFLICT DO NOTHING`,
      [tags],
    );
    await client.query(
      `INSERT INTO incidents.incident_management_ioc (value, type)
       SELECT 'bench-ioc-' || g, 'domain' FROM generate_series(1, 250) g ON CONFLICT DO NOTHING`,
    );
    await client.query(
      `INSERT INTO incidents.incident_management_alert_to_ioc (alert_id, ioc_id)
       SELECT a.id, i.id FROM incidents.incident_management_alert a
         JOIN incidents.incident_management_ioc i ON i.value = 'bench-ioc-' || (1 + a.id % 250) AND i.type = 'domain'
        WHERE a.source = 'bench'`,
    );
    await client.query(
      `INSERT INTO incidents.incident_management_asset (alert_linked, asset_name, agent_id, customer_code)
       SELECT a.id, 'host-' || a.id, 'agent-' || (a.id % 100), a.customer_code
         FROM incidents.incident_management_alert a WHERE a.source = 'bench'`,
    );
    await client.query(
      `INSERT INTO incidents.incident_management_tag_access_settings (enabled, untagged_alert_behavior)
       VALUES (true, 'VISIBLE_TO_ALL')
       ON CONFLICT (singleton) DO UPDATE SET enabled = true, untagged_alert_behavior = 'VISIBLE_TO_ALL'`,
    );
    // Cases of five alerts of one customer, three comments each.
    await client.query(
      `INSERT INTO incidents.incident_management_case (case_name, case_description, customer_code, assigned_to)
       SELECT 'Bench case ' || g, 'Bench case ' || g, 'BENCH' || (1 + g % LEAST(10, $1::int)), 'user' || (1 + g % 50)
         FROM generate_series(1, 100) g`,
      [customers],
    );
    await client.query(
      `INSERT INTO incidents.incident_management_casealertlink (case_id, alert_id)
       SELECT c.id, a.id FROM incidents.incident_management_case c
         CROSS JOIN LATERAL (SELECT id FROM incidents.incident_management_alert
                              WHERE customer_code = c.customer_code AND source = 'bench'
                              ORDER BY id OFFSET (c.id % 10) * 5 LIMIT 5) a
        WHERE c.case_name LIKE 'Bench case %'`,
    );
    await client.query(
      `INSERT INTO incidents.incident_management_case_comment (case_id, comment, user_name)
       SELECT c.id, 'Bench note ' || k, 'user' || (1 + (c.id + k) % 50)
         FROM incidents.incident_management_case c, generate_series(1, 3) k WHERE c.case_name LIKE 'Bench case %'`,
    );

    await client.query(
      `INSERT INTO surveillance.cameras (id, name, folder_path, location, customer_code, last_seen_at)
       SELECT 'bench_cam_' || g, 'Bench camera ' || g, '/bench/cam' || g, 'Floor ' || (g % 5),
              'BENCH' || (1 + g % LEAST(10, $1::int)), now() - g * interval '1 second'
         FROM generate_series(1, 50) g`,
      [customers],
    );
    await client.query(
      `INSERT INTO surveillance.camera_tags (camera_id, tag_id)
       SELECT 'bench_cam_' || g, ($1::int[])[1 + (g + k) % 8] FROM generate_series(1, 50) g, generate_series(0, 1) k
       ON CONFLICT DO NOTHING`,
      [tags],
    );

    await client.query(
      `INSERT INTO agents.agent (id, name, description, run_url, type, price_per_execution_cents, owner_id,
                                 total_executions, total_users, avg_rating, last_executed_at)
       SELECT 'bench_agent_' || g, 'Bench agent ' || g, 'A bench agent', 'https://agents.bench.example.com/run/' || g,
              (ARRAY['triage', 'enrichment', 'general'])[1 + g % 3], 10 * g,
              (SELECT id::text FROM identity.users WHERE username = 'bench_admin'),
              1000 * g, 10 * g, 3 + (g % 20) / 10.0, now() - g * interval '1 hour'
         FROM generate_series(1, 20) g`,
    );
    await client.query(
      `INSERT INTO agents.agent_metrics (agent_id, period, date, hour, bucket_start, total_executions,
                                         successful_executions, failed_executions, avg_duration_ms, unique_users)
       SELECT 'bench_agent_' || g, 'daily', d::date, NULL, d, 100 + g, 90 + g, 10, 250.0 + g, 5 + g % 7
         FROM generate_series(1, 20) g,
              generate_series(date_trunc('day', now()) - interval '29 days', date_trunc('day', now()), interval '1 day') d`,
    );
    await client.query('COMMIT');
    return { seeded: true, counts: await countRows(client) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/** Rows of the tables the operations read, for the report. */
export async function countRows(client: Client): Promise<Record<string, number>> {
  const tables = {
    users: 'identity.users',
    customers: 'identity.customers',
    alerts: 'incidents.incident_management_alert',
    taggedAlerts: '(SELECT DISTINCT alert_id FROM incidents.incident_management_alert_to_tag) t',
    cases: 'incidents.incident_management_case',
    cameras: 'surveillance.cameras',
    agents: 'agents.agent',
    auditEntries: 'audit.audit_logs',
  };
  const counts: Record<string, number> = {};
  for (const [name, table] of Object.entries(tables)) {
    try {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      counts[name] = rows[0]?.n ?? 0;
    } catch {
      // a table this checkout does not have
    }
  }
  return counts;
}

/** The ids the operations name: a case bench_analyst may see (customer BENCH2) and a bench alert. */
export async function benchIds(databaseUrl: string): Promise<{ caseId: string; commentAlertId: string }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const cases = await client.query<{ id: number }>(
      `SELECT c.id FROM incidents.incident_management_case c
        WHERE c.case_name LIKE 'Bench case %' AND c.customer_code = 'BENCH2' ORDER BY c.id LIMIT 1`,
    );
    const alerts = await client.query<{ id: number }>(
      `SELECT id FROM incidents.incident_management_alert WHERE source = 'bench' ORDER BY id LIMIT 1`,
    );
    if (!cases.rows[0] || !alerts.rows[0]) throw new Error('no bench case or alert (the seed did not run?)');
    return { caseId: String(cases.rows[0].id), commentAlertId: String(alerts.rows[0].id) };
  } finally {
    await client.end();
  }
}

/** The data the report describes, counted when the runs start (the audit trail made by then). */
export async function benchDataCounts(databaseUrl: string): Promise<Record<string, number>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await countRows(client);
  } finally {
    await client.end();
  }
}
