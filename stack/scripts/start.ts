/**
 * `pnpm start`: the whole graph on one machine. Embedded PostgreSQL (data kept in DATA_DIR)
 * unless DATABASE_URL is set, migrations, demo data on an empty database, every subgraph and
 * the gateway with Apollo Sandbox. Ctrl-C stops everything, Postgres included.
 *
 * Every service runs in its own Node process (stack/src/processes.ts), so the graph uses every
 * core; GATEWAY_WORKERS=N makes the gateway a cluster of N workers on its port.
 * `pnpm start --single-process` (or SINGLE_PROCESS=true) runs it all in this process instead.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@socgraph/shared';
import { playDemoActivity } from '../src/demo-activity';
import { startProcessGraph } from '../src/processes';
import { SUBGRAPH_NAMES } from '../src/registry';
import { DEFAULT_DATA_DIR, startStack } from '../src/stack';

process.env.APOLLO_TELEMETRY_DISABLED = '1';

interface DevSecrets {
  jwtSecret: string;
  internalTokenSecret: string;
  /** HMAC key of the audit hash chains (added when first needed, so older files keep working). */
  auditSigningKey?: string;
  /** AES-256-GCM key of stored credentials (SECRETS_ENCRYPTION_KEY, base64 32 bytes), added when first needed. */
  secretsEncryptionKey?: string;
  demoPassword?: string;
}

const random = (bytes: number): string => randomBytes(bytes).toString('base64url');

/**
 * Development secrets kept in DATA_DIR/secrets.json, so tokens (and the generated demo
 * password) survive restarts. Never used in production, where the secrets must be given.
 */
function devSecrets(dataDir: string): DevSecrets {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>;
    if (saved.jwtSecret && saved.internalTokenSecret) return saved as DevSecrets;
  }
  const secrets: DevSecrets = { jwtSecret: random(32), internalTokenSecret: random(32) };
  saveSecrets(file, secrets);
  console.log(`Generated development JWT_SECRET and INTERNAL_TOKEN_SECRET in ${file} (tokens survive restarts).`);
  return secrets;
}

function saveSecrets(file: string, secrets: DevSecrets): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
}

/** What `pnpm start` prints and stops, whichever way the graph runs. */
interface StartedGraph {
  url: string;
  graphqlUrl: string;
  /** Set when an embedded server was started. */
  postgresUrl: string | null;
  seedLines: string[];
  stop(): Promise<void>;
}

const TRUE = /^(1|true|yes)$/i;

/**
 * The service processes run with NODE_ENV=production (graphql-js and other libraries skip their
 * development checks) unless NODE_ENV was set. A development start keeps its development
 * defaults, now spelled out: Sandbox introspection for anonymous callers and API keys, and an
 * open /metrics (each only when not set).
 */
function productionMode(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.NODE_ENV) return {};
  return {
    NODE_ENV: 'production',
    ...(env.ALLOW_ANONYMOUS_INTROSPECTION ? {} : { ALLOW_ANONYMOUS_INTROSPECTION: 'true' }),
    ...(env.API_KEY_INTROSPECTION ? {} : { API_KEY_INTROSPECTION: 'true' }),
    ...(env.METRICS_OPEN || env.METRICS_TOKEN ? {} : { METRICS_OPEN: 'true' }),
  };
}

async function main(): Promise<void> {
  const env = process.env;
  const production = env.NODE_ENV === 'production';
  const singleProcess = process.argv.includes('--single-process') || TRUE.test(env.SINGLE_PROCESS ?? '');
  const dataDir = path.resolve(env.DATA_DIR || DEFAULT_DATA_DIR);
  // Ports are checked together, so every bad one is reported at once.
  const problems: string[] = [];
  const portOf = (variable: string): number | undefined => {
    const given = env[variable];
    if (!given) return undefined;
    const value = Number(given);
    if (!Number.isInteger(value) || value < 0 || value > 65535)
      problems.push(`${variable}: not a port number (${given})`);
    return value;
  };
  const port = portOf('PORT') ?? 4000;
  const postgresPort = portOf('POSTGRES_PORT');
  // IDENTITY_PORT, INCIDENTS_PORT, ...: a subgraph's own port instead of PORT + its offset.
  const subgraphPorts: Partial<Record<string, number>> = {};
  for (const name of SUBGRAPH_NAMES) {
    const given = portOf(`${name.toUpperCase()}_PORT`);
    if (given !== undefined) subgraphPorts[name] = given;
  }
  const workersGiven = env.GATEWAY_WORKERS;
  const gatewayWorkers = workersGiven ? Number(workersGiven) : 1;
  if (!Number.isInteger(gatewayWorkers) || gatewayWorkers < 1 || gatewayWorkers > 64)
    problems.push(`GATEWAY_WORKERS: a number of worker processes from 1 to 64 (${workersGiven})`);
  if (singleProcess && gatewayWorkers > 1)
    problems.push('GATEWAY_WORKERS: needs per-service processes, not --single-process');
  if (problems.length) throw new ConfigError(problems);

  let jwtSecret = env.JWT_SECRET || '';
  let internalTokenSecret = env.INTERNAL_TOKEN_SECRET || '';
  let demoPassword = env.DEMO_PASSWORD || '';
  let saved: DevSecrets | null = null;
  if (!jwtSecret || !internalTokenSecret) {
    if (production) {
      throw new ConfigError(['JWT_SECRET and INTERNAL_TOKEN_SECRET: required in production (at least 32 characters)']);
    }
    saved = devSecrets(dataDir);
    jwtSecret ||= saved.jwtSecret;
    internalTokenSecret ||= saved.internalTokenSecret;
  }
  let auditSigningKey = env.AUDIT_SIGNING_KEY || '';
  if (!auditSigningKey) {
    if (production) throw new ConfigError(['AUDIT_SIGNING_KEY: required in production (at least 32 characters)']);
    saved ??= devSecrets(dataDir);
    if (!saved.auditSigningKey) {
      saved.auditSigningKey = random(32);
      saveSecrets(path.join(dataDir, 'secrets.json'), saved);
    }
    auditSigningKey = saved.auditSigningKey;
  }
  let secretsEncryptionKey = env.SECRETS_ENCRYPTION_KEY || '';
  if (!secretsEncryptionKey) {
    if (production) throw new ConfigError(['SECRETS_ENCRYPTION_KEY: required in production (32 bytes, base64)']);
    saved ??= devSecrets(dataDir);
    if (!saved.secretsEncryptionKey) {
      saved.secretsEncryptionKey = randomBytes(32).toString('base64');
      saveSecrets(path.join(dataDir, 'secrets.json'), saved);
    }
    secretsEncryptionKey = saved.secretsEncryptionKey;
  }
  let generatedPassword = false;
  if (!demoPassword) {
    if (saved?.demoPassword) demoPassword = saved.demoPassword;
    else {
      demoPassword = random(12);
      generatedPassword = true;
    }
  }

  const settings: NodeJS.ProcessEnv = {
    AUDIT_SIGNING_KEY: auditSigningKey,
    SECRETS_ENCRYPTION_KEY: secretsEncryptionKey,
    // The demo marketplace's agents answer on a small local agent (agents' demo-agent.ts), beside the graph.
    ...(production || env.AGENT_DEMO_PORT ? {} : { AGENT_DEMO_PORT: String(port === 0 ? 0 : port + 104) }),
  };
  const common = {
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    dataDir,
    ...(postgresPort !== undefined ? { postgresPort } : {}),
    port,
    subgraphPorts,
    ...(env.HOST ? { host: env.HOST } : {}),
    jwtSecret,
    internalTokenSecret,
    seedDemo: { password: demoPassword },
    log: (line: string) => console.log(line),
  };
  let graph: StartedGraph;
  if (singleProcess) {
    const stack = await startStack({ ...common, env: { ...env, ...settings } });
    graph = {
      url: stack.gateway.url,
      graphqlUrl: stack.gateway.graphqlUrl,
      postgresUrl: stack.postgres ? stack.databaseUrl : null,
      seedLines: stack.seedLines,
      stop: () => stack.stop(),
    };
  } else {
    const processes = await startProcessGraph({
      ...common,
      env: { ...settings, ...productionMode(env) },
      // The demo marketplace's local agent and its loopback run URLs are development features of agents.
      ...(env.NODE_ENV ? {} : { serviceEnv: { agents: { NODE_ENV: 'development' } } }),
      gatewayWorkers,
    });
    graph = {
      url: processes.gateway.url,
      graphqlUrl: processes.gateway.graphqlUrl,
      postgresUrl: processes.postgres ? processes.databaseUrl : null,
      seedLines: processes.seedLines,
      stop: () => processes.stop(),
    };
  }

  let stoppingSince = 0;
  const shutdown = (signal: string): void => {
    if (stoppingSince) {
      // A terminal's Ctrl-C reaches this process twice (directly and relayed by tsx): only a
      // later, deliberate second Ctrl-C skips the graceful stop.
      if (Date.now() - stoppingSince < 2_000) return;
      console.error('Forced exit: PostgreSQL may still be running.');
      process.exit(1);
    }
    stoppingSince = Date.now();
    console.log(`\n${signal}: stopping the gateway, subgraphs and PostgreSQL...`);
    graph.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const seeded = graph.seedLines.length > 0;
  if (seeded) {
    try {
      graph.seedLines.push(await playDemoActivity(graph.graphqlUrl, demoPassword));
    } catch (error) {
      console.warn(`Demo activity incomplete: ${(error as Error).message}`);
    }
  }
  // Remember a generated password only once it is the one the demo users actually have.
  if (seeded && generatedPassword && saved) saveSecrets(path.join(dataDir, 'secrets.json'), { ...saved, demoPassword });

  console.log('');
  console.log(`Apollo Sandbox:   ${graph.url}/`);
  console.log(`GraphQL endpoint: ${graph.graphqlUrl}`);
  if (graph.postgresUrl) console.log(`PostgreSQL:       ${graph.postgresUrl}`);
  if (seeded) {
    console.log('\nDemo data seeded:');
    for (const line of graph.seedLines) console.log(`  ${line}`);
    console.log(
      `Demo password (every demo login): ${demoPassword}${generatedPassword ? ' (generated; set DEMO_PASSWORD to choose one)' : ''}`,
    );
  } else if (saved?.demoPassword && !env.DEMO_PASSWORD) {
    console.log(`\nDemo logins: admin, analyst, customer_user, auditor; password ${saved.demoPassword}`);
  } else {
    console.log('\nThe database already had data: demo logins keep the password they were seeded with.');
  }
  console.log('\nCtrl-C stops everything.');
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
