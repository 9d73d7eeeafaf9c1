/**
 * `pnpm exec tsx stack/scripts/explain.ts`: the SQL of the bench's read operations as the
 * subgraphs run it, each statement EXPLAIN (ANALYZE, BUFFERS)ed on the data it ran on. For the
 * subgraph hot path of issue 14 (bench/history/explain-scale-100-*.md).
 *
 * It starts the embedded Postgres of DATA_DIR (seed it first: `DATA_DIR=... pnpm seed --scale 100`),
 * adds the bench's own data and logins (as `pnpm bench --scale N` does), starts the whole graph
 * in this process, records every statement the subgraphs' TypeORM loggers see under each
 * request's id, and explains each distinct SELECT with the parameters it ran with, inside a
 * transaction that is rolled back. Output: a Markdown summary on stdout and every plan in
 * EXPLAIN_OUT (default /tmp/explain-plans.md).
 *
 *   --only a,b     just these operations      --as-admin-too   each operation also as bench_admin
 *   --seeded-login U  the analyst's operations also as this login of the scale set (default seed_analyst_0001)
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedPostgres } from '@socgraph/testkit/embedded-postgres';
import { Client } from 'pg';
import { benchCredentials } from '../src/bench/credentials';
import { benchOperations } from '../src/bench/operations';
import { DEFAULT_SEED_PASSWORD } from '../src/seed-scale';
import { benchIds, seedBench } from '../src/bench/seed';
import { REPO_ROOT } from '../src/paths';
import { DEFAULT_DATA_DIR, startStack } from '../src/stack';

const PASSWORD = 'bench explain password';

interface Recorded {
  subgraph: string;
  requestId: string | undefined;
  query: string;
  parameters: unknown[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Sort Method'?: string;
  Plans?: PlanNode[];
}

/** Seq scans (with rows read) and sorts (with rows sorted) anywhere in a plan. */
function findings(node: PlanNode, out: string[] = []): string[] {
  const loops = node['Actual Loops'] ?? 1;
  const rows = (node['Actual Rows'] ?? 0) * loops;
  if (node['Node Type'] === 'Seq Scan') {
    const read = rows + (node['Rows Removed by Filter'] ?? 0) * loops;
    out.push(`Seq Scan ${node['Relation Name']} (read ${read}, kept ${rows}, loops ${loops})`);
  }
  if (node['Node Type'] === 'Sort' || node['Node Type'] === 'Incremental Sort') {
    const input = node.Plans?.[0];
    const inRows = ((input?.['Actual Rows'] ?? 0) * (input?.['Actual Loops'] ?? 1)).toString();
    out.push(`${node['Node Type']} of ${inRows} rows (${node['Sort Method'] ?? '?'})`);
  }
  for (const child of node.Plans ?? []) findings(child, out);
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, 'as-admin-too': { type: 'boolean' }, 'seeded-login': { type: 'string' } },
  });
  const dataDir = path.resolve(process.env.DATA_DIR || DEFAULT_DATA_DIR);
  const secretsFile = path.join(dataDir, 'secrets.json');
  const secrets = existsSync(secretsFile)
    ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>)
    : {};
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), persistent: true });
  const random = () => randomBytes(32).toString('base64url');
  const internalTokenSecret = random();
  const stack = await startStack({
    databaseUrl: postgres.url,
    port: 0,
    jwtSecret: random(),
    internalTokenSecret,
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      LOG_SHIP_LEVEL: 'off',
      AUDIT_SIGNING_KEY: secrets.auditSigningKey ?? random(),
      SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      RATE_LIMITS: 'default=100000/100000',
      API_KEY_RATE_LIMITS: 'default=100000/100000',
    },
  }).catch(async (error: unknown) => {
    await postgres.stop();
    throw error;
  });
  const { requestScope } = await import('@socgraph/shared');
  const recorded: Recorded[] = [];
  for (const [subgraph, started] of stack.subgraphs) {
    const logger = started.dataSource.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      recorded.push({
        subgraph,
        requestId: requestScope.requestId(),
        query,
        parameters: Array.isArray(parameters) ? parameters : [],
      });
      original(query, parameters, runner);
    };
  }
  const client = new Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const seeded = await seedBench({
      databaseUrl: postgres.url,
      password: PASSWORD,
      users: 2000,
      customers: 50,
      alertsPerCustomer: 20,
    });
    console.error(`bench data ${seeded.seeded ? 'seeded' : 'already there'}: ${JSON.stringify(seeded.counts)}`);
    await client.query('ANALYZE');
    const gatewayUrl = stack.gateway.graphqlUrl;
    const credentials = await benchCredentials({ gatewayUrl, password: PASSWORD });
    // A login of the scale set too (tag RBAC over its customers and tags), unless --seeded-login ''.
    const seededLogin = values['seeded-login'] ?? 'seed_analyst_0001';
    const headersOf: Record<string, Record<string, string>> = { ...credentials.gateway };
    if (seededLogin) {
      const login = await fetch(gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`,
          variables: { u: seededLogin, p: process.env.SEED_PASSWORD || DEFAULT_SEED_PASSWORD },
        }),
      });
      const token = ((await login.json()) as { data?: { login?: { token: string } } }).data?.login?.token;
      if (!token) throw new Error(`login ${seededLogin} failed`);
      headersOf[seededLogin] = { authorization: `Bearer ${token}` };
    }
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'gateway', 'persisted-queries.json'), 'utf8')) as {
      operations: { id: string; name: string; body: string }[];
    };
    const alertsOp = manifest.operations.find((o) => o.name === 'Alerts')!;
    const operations = benchOperations({
      ...(await benchIds(postgres.url)),
      persistedAlerts: { id: alertsOp.id, body: alertsOp.body },
    }).filter((op) => !op.oursOnly && (!values.only || values.only.split(',').includes(op.name)));

    const summary: string[] = [
      '| operation | as | subgraph | statements | ms | findings |',
      '| --- | --- | --- | --- | --- | --- |',
    ];
    const plans: string[] = [];
    for (const op of operations) {
      const roles: string[] = [op.as];
      if (values['as-admin-too'] && op.as !== 'admin' && op.as !== 'partner') roles.push('admin');
      if (seededLogin && op.as === 'analyst' && op.name !== 'case-view') roles.push(seededLogin);
      for (const role of roles) {
        const send = async () => {
          const response = await fetch(gatewayUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headersOf[role] },
            body: JSON.stringify(
              op.persistedId && role === 'partner'
                ? {
                    extensions: { persistedQuery: { version: 1, sha256Hash: op.persistedId } },
                    variables: op.variables,
                  }
                : { query: op.query, variables: op.variables },
            ),
          });
          const text = await response.text();
          if (!text.startsWith('{"data":{') || text.includes('"errors":['))
            throw new Error(`${op.name}: ${text.slice(0, 300)}`);
          return String(response.headers.get('x-request-id'));
        };
        await send(); // warm caches (principal, plans)
        const requestId = await send();
        const statements = recorded.filter((r) => r.requestId === requestId);
        plans.push(`\n## ${op.name} as ${role} (${statements.length} statements)\n`);
        for (const [i, s] of statements.entries()) {
          const isRead = /^\s*(SELECT|WITH)\b/i.test(s.query) && !/\b(INSERT|UPDATE|DELETE)\b/i.test(s.query);
          plans.push(
            `### ${i + 1}. ${s.subgraph}\n\n\`\`\`sql\n${s.query}\n\`\`\`\n\nparameters: \`${JSON.stringify(s.parameters).slice(0, 400)}\`\n`,
          );
          if (!isRead) {
            summary.push(
              `| ${op.name} | ${role} | ${s.subgraph} | ${i + 1}: ${s.query.slice(0, 40).replace(/\|/g, '/')} | | not explained |`,
            );
            continue;
          }
          await client.query('BEGIN');
          try {
            await client.query(`SET LOCAL search_path TO ${s.subgraph}, public`);
            const json = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
              `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${s.query}`,
              s.parameters,
            );
            const text = await client.query<{ 'QUERY PLAN': string }>(
              `EXPLAIN (ANALYZE, BUFFERS) ${s.query}`,
              s.parameters,
            );
            const [{ Plan, 'Execution Time': ms }] = json.rows[0]!['QUERY PLAN'];
            const found = findings(Plan);
            summary.push(
              `| ${op.name} | ${role} | ${s.subgraph} | ${i + 1}: ${s.query.replace(/\s+/g, ' ').slice(0, 60).replace(/\|/g, '/')} | ${ms.toFixed(2)} | ${found.join('; ')} |`,
            );
            plans.push(`\`\`\`\n${text.rows.map((r) => r['QUERY PLAN']).join('\n')}\n\`\`\`\n`);
          } finally {
            await client.query('ROLLBACK');
          }
        }
      }
    }
    writeFileSync(process.env.EXPLAIN_OUT || '/tmp/explain-plans.md', plans.join('\n'));
    console.log(summary.join('\n'));
  } finally {
    await client.end();
    await stack.stop();
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
