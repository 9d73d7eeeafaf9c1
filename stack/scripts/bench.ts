/**
 * `pnpm bench`: throughput and latency of the whole graph on this machine. Starts the stack
 * on a throw-away embedded PostgreSQL (or DATABASE_URL), seeds a dataset of `--users` users
 * over `--customers` customers, and drives the gateway with autocannon (a well-kept HTTP load
 * generator) through a few dashboard-shaped queries. Prints requests/s and latency percentiles.
 *
 *   pnpm bench [--duration 10] [--connections 20] [--users 2000] [--customers 50] [--only users]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { StartedSubgraph } from '@socgraph/shared';
import { hashPassword } from '@socgraph/identity';
import { startStack } from '../src/stack';

process.env.APOLLO_TELEMETRY_DISABLED = '1';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    users: { type: 'string', default: '2000' },
    customers: { type: 'string', default: '50' },
    only: { type: 'string' },
  },
});

/** `as`: whose token runs the scenario (the analyst is tag-filtered, so its alerts pay for RBAC). */
const SCENARIOS: { name: string; query: string; variables?: Record<string, unknown>; as?: 'admin' | 'analyst' }[] = [
  { name: 'me', query: '{ me { id username role { name } } }' },
  {
    name: 'users',
    query: `query ($first: Int) { users(first: $first) { totalCount edges { node { id username role { name tagAccess { id } } customers { code } tagAccess { id } } } } }`,
    variables: { first: 50 },
  },
  { name: 'customers', query: '{ customers(first: 50) { totalCount edges { node { code name } } } }' },
  {
    name: 'alerts',
    as: 'analyst',
    query: `query ($first: Int) { alerts(first: $first) { totalCount edges { node { id name severity tags { name } iocs { value } assignee { username } customer { name } } } } }`,
    variables: { first: 50 },
  },
  {
    // The write path: the comment, its audit entry in the outbox, the relay, audit's chain append.
    name: 'comment',
    query: `mutation ($id: ID!) { addAlertComment(alertId: $id, comment: "bench") { id } }`,
    variables: { id: '1' },
  },
];

async function seed(
  dataSource: StartedSubgraph['dataSource'],
  users: number,
  customers: number,
  password: string,
): Promise<void> {
  const hash = await hashPassword(password, 16_384);
  await dataSource.query(
    `INSERT INTO identity.customers (customer_code, customer_name)
     SELECT 'BENCH' || g, 'Bench customer ' || g FROM generate_series(1, $1) g`,
    [customers],
  );
  await dataSource.query(
    `INSERT INTO identity.users (username, email, password_hash, role_id)
     SELECT CASE WHEN g = 1 THEN 'admin' ELSE 'user' || g END, 'user' || g || '@bench.local', $2,
            (SELECT id FROM identity.roles WHERE name = CASE WHEN g = 1 THEN 'admin' WHEN g % 3 = 0 THEN 'customer_user' ELSE 'analyst' END)
       FROM generate_series(1, $1) g`,
    [users, hash],
  );
  await dataSource.query(
    `INSERT INTO identity.user_customer_access (user_id, customer_code)
     SELECT u.id, 'BENCH' || (1 + (u.id + k) % $1) FROM identity.users u, generate_series(0, 2) k WHERE u.username <> 'admin'
     ON CONFLICT DO NOTHING`,
    [customers],
  );
  await dataSource.query(
    `INSERT INTO identity.user_tag_access (user_id, tag_id)
     SELECT u.id, 1 + (u.id * 7 + k) % 40 FROM identity.users u, generate_series(0, 3) k ON CONFLICT DO NOTHING`,
  );
}

/**
 * 20 alerts per customer over 40 tags (half untagged), with IoCs, and tag RBAC on, so the
 * analyst scenario pays for the EXISTS conditions a real tag-filtered reader does.
 */
async function seedAlerts(dataSource: StartedSubgraph['dataSource'], customers: number): Promise<void> {
  await dataSource.query(
    `INSERT INTO incidents.incident_management_alerttag (tag) SELECT 'tag' || g FROM generate_series(1, 40) g`,
  );
  await dataSource.query(
    `INSERT INTO incidents.incident_management_alert (alert_name, alert_description, customer_code, source, assigned_to)
     SELECT 'Alert ' || g, 'Bench alert ' || g, 'BENCH' || (1 + g % $1), 'bench', 'user' || (2 + g % 50)
       FROM generate_series(1, $1 * 20) g`,
    [customers],
  );
  await dataSource.query(
    `INSERT INTO incidents.incident_management_alert_to_tag (alert_id, tag_id)
     SELECT id, 1 + (id * 7 + k) % 40 FROM incidents.incident_management_alert, generate_series(0, 1) k
      WHERE id % 2 = 0 ON CONFLICT DO NOTHING`,
  );
  await dataSource.query(
    `INSERT INTO incidents.incident_management_ioc (value, type) SELECT '198.51.100.' || (g % 250), 'ip' FROM generate_series(1, 250) g`,
  );
  await dataSource.query(
    `INSERT INTO incidents.incident_management_alert_to_ioc (alert_id, ioc_id)
     SELECT a.id, 1 + a.id % 250 FROM incidents.incident_management_alert a`,
  );
  await dataSource.query(
    `INSERT INTO incidents.incident_management_tag_access_settings (enabled, untagged_alert_behavior) VALUES (true, 'VISIBLE_TO_ALL')`,
  );
}

async function main(): Promise<void> {
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'socgraph-bench-'));
  const password = randomBytes(12).toString('base64url');
  const stack = await startStack({
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir }),
    port: 0,
    jwtSecret: randomBytes(32).toString('base64url'),
    internalTokenSecret: randomBytes(32).toString('base64url'),
    // Limits high enough never to refuse, so the limiter's cost is measured but not its refusals.
    env: {
      AUDIT_SIGNING_KEY: randomBytes(32).toString('base64url'),
      SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'silent',
      RATE_LIMITS: 'default=1000000/1000000',
    },
    log: (line) => console.log(line),
  });
  try {
    const identity = stack.subgraphs.get('identity');
    if (!identity) throw new Error('identity subgraph missing');
    await seed(identity.dataSource, Number(values.users), Number(values.customers), password);
    const incidents = stack.subgraphs.get('incidents');
    if (!incidents) throw new Error('incidents subgraph missing');
    await seedAlerts(incidents.dataSource, Number(values.customers));
    const url = `${stack.gateway.url}/graphql`;
    const login = (await (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `mutation { login(username: "admin", password: "${password}") { token } }` }),
      })
    ).json()) as { data?: { login: { token: string } } };
    const token = login.data?.login.token;
    if (!token) throw new Error(`login failed: ${JSON.stringify(login)}`);
    // user2 is an analyst (see seed): give it four tags, so its alert list is tag-filtered.
    await identity.dataSource.query(
      `INSERT INTO identity.user_tag_access (user_id, tag_id)
       SELECT id, t FROM identity.users, unnest(ARRAY[1, 2, 3, 4]) t WHERE username = 'user2' ON CONFLICT DO NOTHING`,
    );
    const analystLogin = (await (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `mutation { login(username: "user2", password: "${password}") { token } }` }),
      })
    ).json()) as { data?: { login: { token: string } } };
    const tokens = { admin: token, analyst: analystLogin.data?.login.token ?? token };

    console.log(
      `\n${values.users} users, ${values.customers} customers; ${connections} connections, ${duration}s per scenario\n`,
    );
    console.log('scenario     req/s    p50 ms  p97.5 ms  p99 ms  errors  non-2xx');
    for (const scenario of SCENARIOS.filter((s) => !values.only || s.name === values.only)) {
      const result = await autocannon({
        url,
        method: 'POST',
        connections,
        duration,
        // The load generator runs in a worker thread, off the event loop of the servers under test.
        workers: 1,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[scenario.as ?? 'admin']}` },
        body: JSON.stringify({ query: scenario.query, variables: scenario.variables ?? {} }),
      });
      console.log(
        [
          scenario.name.padEnd(10),
          result.requests.average.toFixed(0).padStart(7),
          String(result.latency.p50).padStart(9),
          String(result.latency.p97_5).padStart(9),
          String(result.latency.p99).padStart(7),
          String(result.errors).padStart(7),
          String(result.non2xx).padStart(8),
        ].join(' '),
      );
      if (scenario.query.startsWith('mutation')) {
        // The trail keeps up when little waits in the outbox right after the load stops.
        const pending = (await incidents.auditRelay?.pending()) ?? 0;
        const started = Date.now();
        await incidents.auditRelay?.flush(60_000);
        console.log(
          `           audit outbox: ${pending} entries waiting at the end, delivered in ${Date.now() - started} ms`,
        );
      }
    }
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
