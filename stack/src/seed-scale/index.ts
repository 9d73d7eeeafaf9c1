import { migrate } from '@socgraph/migrations';
import pg from 'pg';
import { SCHEMA_MIGRATIONS } from '../registry';
import { seedAgents } from './agents';
import { seedAudit } from './audit';
import { seedBilling } from './billing';
import { SeedDb, type TableStat } from './db';
import { buildWorld, seedIdentity, type SeededApiKey } from './identity';
import { seedIncidents } from './incidents';
import { planFor, type SeedPlan } from './plan';
import { Rand } from './prng';
import { seedSurveillance } from './surveillance';

export { planFor, type SeedPlan, type SeedUser } from './plan';
export type { TableStat } from './db';
export type { SeededApiKey } from './identity';

/**
 * `pnpm seed --scale N` (docs/operations.md, "Benchmark data"): a deterministic data set across every subgraph
 * for benchmarks. Same seed, scale and anchor: the same rows, ids and hashes every run (given the
 * same audit signing key). Written with bulk INSERTs straight into each subgraph's schema,
 * through every CHECK, foreign key and unique index, the ledger triggers included.
 *
 * It refuses a database that already holds data (users, alerts, cameras, agents, ...): mixing
 * with other rows would make neither deterministic. `reset: true` empties the five schemas
 * first (not their migration history, identity's roles or audit's chain heads, which go back
 * to genesis).
 */
export interface SeedOptions {
  /** The database of each subgraph (the same URL for all in the usual set-up). */
  urlFor: (subgraph: string) => string;
  scale: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** Password of every seeded login (default `seed-password`). */
  password?: string;
  /** scrypt cost of that password's hash; default identity's default (32768). Tests pass 1024. */
  scryptCost?: number;
  /** The audit chains' HMAC key: the audit subgraph's AUDIT_SIGNING_KEY, or verification fails. */
  signingKey: string;
  /** Every timestamp lies in the 90 days before this instant (default 2026-12-01T00:00:00Z). */
  anchor?: Date;
  /** Empty the schemas first instead of refusing a non-empty database. */
  reset?: boolean;
  /**
   * Build each big table's secondary indexes after its rows, in the module's transaction
   * (default true; false keeps every index in place, e.g. beside a stack that is serving).
   */
  deferIndexes?: boolean;
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  /**
   * The gateways' Redis (their REDIS_URL and REDIS_KEY_PREFIX): the seed then publishes the
   * tag-access settings' eviction, as a gateway does after updateTagAccessSettings, so serving
   * replicas read the seeded settings at once. Without it they do within TAG_SETTINGS_REFRESH_SECONDS.
   */
  redis?: { url: string; keyPrefix?: string };
  log?: (line: string) => void;
}

export interface SeedReport {
  plan: SeedPlan;
  tables: TableStat[];
  totalRows: number;
  /** Wall time of the writes, and of the ANALYZE after them. */
  seconds: number;
  analyzeSeconds: number;
  /** The logins, all with the seed's password. */
  logins: { admin: string; auditor: string; analysts: string[]; customerUsers: string[] };
  /** The partner API keys with their secrets (the database holds only their hashes). */
  apiKeys: SeededApiKey[];
  /** Gateway replicas told of the new tag-access settings over Redis (null: no `redis` option, or it failed). */
  settingsEvictedOn: number | null;
}

export const DEFAULT_SEED_PASSWORD = 'seed-password';
export const DEFAULT_SEED_ANCHOR = new Date('2026-12-01T00:00:00.000Z');

const SCHEMAS = ['identity', 'incidents', 'surveillance', 'agents', 'audit'] as const;

/** Tables whose rows mean "this database already has data". */
const OCCUPIED: [schema: string, table: string][] = [
  ['identity', 'users'],
  ['identity', 'customers'],
  ['incidents', 'incident_management_alerttag'],
  ['incidents', 'incident_management_alert'],
  ['incidents', 'incident_management_case'],
  ['surveillance', 'cameras'],
  ['agents', 'agent'],
  ['agents', 'agents'],
];

/** Rows the migrations themselves write: kept by a reset. */
const KEPT = new Set(['identity.roles', 'audit.audit_chain_heads']);

export class SeedRefusedError extends Error {}

async function reset(db: SeedDb, schema: string): Promise<void> {
  const tables = (
    await db.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = $1 AND tablename <> 'migrations'`,
      [schema],
    )
  )
    .map((t) => t.name)
    .filter((t) => !KEPT.has(t));
  if (tables.length) await db.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`);
  if (schema === 'audit') {
    await db.query(`UPDATE audit.audit_chain_heads SET last_seq = 0, last_hash = repeat('0', 64)`);
  }
}

export async function seedAtScale(options: SeedOptions): Promise<SeedReport> {
  const log = options.log ?? (() => undefined);
  const plan = planFor(options.scale);
  const rand = new Rand(options.seed ?? 1);
  const anchor = (options.anchor ?? DEFAULT_SEED_ANCHOR).getTime();
  if (options.migrate ?? true) {
    await migrate({
      urlFor: options.urlFor,
      schemas: SCHEMA_MIGRATIONS,
      subgraphs: [...SCHEMAS],
      log: (line) => log(`migrations: ${line}`),
    });
  }

  // One connection per distinct database, shared by the schemas on it.
  const clients = new Map<string, pg.Client>();
  const dbs = new Map<string, SeedDb>();
  try {
    for (const schema of SCHEMAS) {
      const url = options.urlFor(schema);
      let client = clients.get(url);
      if (!client) {
        client = new pg.Client({ connectionString: url, application_name: 'socgraph-seed' });
        await client.connect();
        // A crash means re-seeding anyway: no need to wait for each batch's WAL flush.
        await client.query(`SET synchronous_commit = off`);
        // Room for the index builds after each module's rows.
        await client.query(`SET maintenance_work_mem = '256MB'`);
        clients.set(url, client);
      }
      dbs.set(schema, new SeedDb(client));
    }
    const db = (schema: string): SeedDb => dbs.get(schema)!;

    if (options.reset) {
      for (const schema of SCHEMAS) await reset(db(schema), schema);
      log('reset: emptied the identity, incidents, surveillance, agents and audit schemas');
    } else {
      const occupied: string[] = [];
      for (const [schema, table] of OCCUPIED) {
        const [row] = await db(schema).query<{ any: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM ${schema}.${table}) AS any`,
        );
        if (row?.any) occupied.push(`${schema}.${table}`);
      }
      if (occupied.length) {
        throw new SeedRefusedError(
          `The database already has data (${occupied.join(', ')}): seeding is deterministic only on empty schemas. ` +
            'Use --reset (reset: true) to empty them first.',
        );
      }
    }

    const world = buildWorld(plan, rand.fork('world'), anchor);
    const started = performance.now();
    // Per module: the tables whose secondary indexes are built after their rows (SeedDb.withDeferredIndexes).
    const deferred: Record<string, string[]> = {
      identity: [],
      // Not credit_holds: its deferred foreign key's pending checks forbid an index build before commit.
      billing: ['identity.transactions', 'identity.transaction_audit_log'],
      incidents: [
        'incidents.incident_management_alert',
        'incidents.incident_management_alert_to_tag',
        'incidents.incident_management_alert_to_ioc',
        'incidents.incident_management_asset',
        'incidents.incident_management_comment',
        'incidents.incident_management_case',
        'incidents.incident_management_casealertlink',
        'incidents.incident_management_case_comment',
      ],
      surveillance: [
        'surveillance.events',
        'surveillance.detections',
        'surveillance.event_detections',
        'surveillance.alerts',
      ],
      // Not the job queue's tables nor the rollups: a serving agents subgraph writes them, and
      // an index dropped under it would lock them in an order its transactions could deadlock with.
      agents: ['agents.agent_execution'],
      audit: ['audit.audit_logs', 'audit.auth_audit_log', 'audit.api_access_log'],
    };
    let apiKeys: SeededApiKey[] = [];
    // [step, its schema, write]: billing follows the agents' executions it charges for.
    const steps: [string, string, () => Promise<void>][] = [
      [
        'identity',
        'identity',
        async () => {
          apiKeys = await seedIdentity(db('identity'), world, rand.fork('identity'), {
            password: options.password ?? DEFAULT_SEED_PASSWORD,
            scryptCost: options.scryptCost ?? 32_768,
          });
        },
      ],
      ['incidents', 'incidents', () => seedIncidents(db('incidents'), world, rand.fork('incidents'))],
      ['surveillance', 'surveillance', () => seedSurveillance(db('surveillance'), world, rand.fork('surveillance'))],
      ['agents', 'agents', () => seedAgents(db('agents'), world, rand.fork('agents'))],
      ['billing', 'identity', () => seedBilling(db('identity'), db('agents'), world, rand.fork('billing'))],
      ['audit', 'audit', () => seedAudit(db('audit'), world, rand.fork('audit'), options.signingKey)],
    ];
    for (const [name, schema, step] of steps) {
      const stepStarted = performance.now();
      await db(schema).withDeferredIndexes(options.deferIndexes === false ? [] : (deferred[name] ?? []), step);
      log(`${name}: ${((performance.now() - stepStarted) / 1000).toFixed(1)} s`);
    }
    const settingsEvictedOn = options.redis ? await announceSettings(options.redis, log) : null;
    const seconds = (performance.now() - started) / 1000;

    const analyzeStarted = performance.now();
    for (const client of clients.values()) {
      for (const schema of SCHEMAS) {
        if (clients.get(options.urlFor(schema)) !== client) continue;
        const tables = await client.query<{ name: string }>(
          `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = $1`,
          [schema],
        );
        for (const t of tables.rows) await client.query(`ANALYZE ${t.name}`);
      }
    }
    const analyzeSeconds = (performance.now() - analyzeStarted) / 1000;
    log(`ANALYZE: ${analyzeSeconds.toFixed(1)} s`);

    const tables = [...dbs.values()].filter((d, i, all) => all.indexOf(d) === i).flatMap((d) => [...d.stats.values()]);
    return {
      plan,
      tables,
      totalRows: tables.reduce((sum, t) => sum + t.rows, 0),
      seconds,
      analyzeSeconds,
      logins: {
        admin: world.users.find((u) => u.role === 'admin')!.username,
        auditor: world.users.find((u) => u.role === 'auditor')!.username,
        analysts: world.analysts.map((u) => u.username),
        customerUsers: world.customerUsers.map((u) => u.username),
      },
      apiKeys,
      settingsEvictedOn,
    };
  } finally {
    for (const client of clients.values()) await client.end().catch(() => undefined);
  }
}

/**
 * The seed writes the tag-access settings row as updateTagAccessSettings does (incidents.ts);
 * what the mutation adds is the gateway's eviction, published here the way gateways share it.
 * A failure is logged, not thrown: the rows are committed, and gateways refresh by themselves.
 */
async function announceSettings(
  redis: NonNullable<SeedOptions['redis']>,
  log: (line: string) => void,
): Promise<number | null> {
  // Loaded only when asked: the gateway's modules are not the seed's otherwise.
  const { connectRedis, evictionChannel, publishEviction } = await import('@socgraph/gateway');
  const client = connectRedis(redis.url);
  client.on('error', () => undefined);
  try {
    const replicas = await publishEviction(client, evictionChannel(redis.keyPrefix ?? 'socgraph:'), {
      kind: 'tagAccessSettings',
    });
    log(`tag-access settings: eviction published to ${replicas} gateway replica(s)`);
    return replicas;
  } catch (error) {
    log(
      `tag-access settings: could not publish the eviction (${String(error)}); gateways refresh within TAG_SETTINGS_REFRESH_SECONDS`,
    );
    return null;
  } finally {
    client.disconnect();
  }
}

/** The report as a table: rows and rows per second per table. */
export function formatSeedReport(report: SeedReport): string {
  const lines = [
    `| table | rows | seconds | rows/s |`,
    `| --- | ---: | ---: | ---: |`,
    ...report.tables
      .filter((t) => t.rows > 0)
      .map(
        (t) =>
          `| ${t.table} | ${t.rows.toLocaleString('en-US')} | ${(t.ms / 1000).toFixed(2)} | ${Math.round(
            t.rows / Math.max(t.ms / 1000, 0.001),
          ).toLocaleString('en-US')} |`,
      ),
    `| **total** | ${report.totalRows.toLocaleString('en-US')} | ${report.seconds.toFixed(1)} | ${Math.round(
      report.totalRows / report.seconds,
    ).toLocaleString('en-US')} |`,
  ];
  return `${lines.join('\n')}\n\nANALYZE: ${report.analyzeSeconds.toFixed(1)} s`;
}
