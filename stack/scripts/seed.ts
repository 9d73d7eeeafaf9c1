/**
 * `pnpm seed --scale N`: the deterministic benchmark data set (stack/src/seed-scale, described
 * in docs/operations.md) in the database `pnpm start` uses: the embedded Postgres in DATA_DIR
 * (.data/), or DATABASE_URL / <NAME>_DATABASE_URL. Prints rows per second per table.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { databaseUrlFor } from '@socgraph/shared';
import { startEmbeddedPostgres } from '@socgraph/testkit/embedded-postgres';
import { SUBGRAPH_NAMES } from '../src/registry';
import { DEFAULT_SEED_PASSWORD, formatSeedReport, seedAtScale, SeedRefusedError } from '../src/seed-scale';
import { DEFAULT_DATA_DIR } from '../src/stack';

const USAGE = `pnpm seed --scale N [--seed S] [--password P] [--reset] [--scrypt-cost C] [--print-api-keys]

  --scale N        1 = 1,000 alerts, 200 cases, 10,000 audit entries, 5 cameras, 10,000 detections,
                   1,000 agent executions (and users, customers, tags, ... to match); linear in N
  --seed S         PRNG seed (default 1): the same seed gives the same rows
  --password P     password of every seeded login (default SEED_PASSWORD or "${DEFAULT_SEED_PASSWORD}")
  --reset          empty the five schemas first (otherwise a database with data is refused)
  --scrypt-cost C  scrypt cost of the password hash (default PASSWORD_SCRYPT_COST or 32768)
  --print-api-keys print the seeded partner API keys' secrets to stdout (otherwise never shown)
  With REDIS_URL (and REDIS_KEY_PREFIX) set as the gateways have them, the new tag-access settings'
  eviction is published to serving gateways; without, they read the settings within TAG_SETTINGS_REFRESH_SECONDS.
  Connection: <NAME>_DATABASE_URL, else DATABASE_URL, else the embedded Postgres in DATA_DIR (.data/).
  Audit chains are signed with AUDIT_SIGNING_KEY, else the key \`pnpm start\` keeps in DATA_DIR/secrets.json.`;

/**
 * The audit signing key `pnpm start` will use: AUDIT_SIGNING_KEY, else DATA_DIR/secrets.json
 * (start's development secrets). When that file lacks a key, one is added in start's format, so
 * the chains seeded now still verify once `pnpm start` runs.
 */
function signingKey(dataDir: string): string {
  if (process.env.AUDIT_SIGNING_KEY) return process.env.AUDIT_SIGNING_KEY;
  const file = path.join(dataDir, 'secrets.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  const random = (bytes: number) => randomBytes(bytes).toString('base64url');
  // start.ts regenerates the whole file when either token secret is missing: write all three.
  const secrets = {
    ...saved,
    jwtSecret: saved.jwtSecret || random(32),
    internalTokenSecret: saved.internalTokenSecret || random(32),
    auditSigningKey: saved.auditSigningKey || random(32),
  };
  if (JSON.stringify(secrets) !== JSON.stringify(saved)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    console.log(`Saved development secrets (audit signing key) in ${file}`);
  }
  return secrets.auditSigningKey;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string' },
      seed: { type: 'string' },
      password: { type: 'string' },
      reset: { type: 'boolean' },
      'scrypt-cost': { type: 'string' },
      'print-api-keys': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return console.log(USAGE);
  const scale = Number(values.scale ?? '1');
  const seed = Number(values.seed ?? '1');
  const scryptCost = Number(values['scrypt-cost'] ?? (process.env.PASSWORD_SCRYPT_COST || '32768'));
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`--scale must be a positive number\n\n${USAGE}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer\n\n${USAGE}`);
  const dataDir = path.resolve(process.env.DATA_DIR || DEFAULT_DATA_DIR);

  const needsEmbedded = SUBGRAPH_NAMES.some((s) => !databaseUrlFor(s));
  const embedded = needsEmbedded
    ? await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), persistent: true })
    : null;
  try {
    const report = await seedAtScale({
      urlFor: (s) => databaseUrlFor(s) ?? embedded!.url,
      scale,
      seed,
      password: values.password ?? (process.env.SEED_PASSWORD || DEFAULT_SEED_PASSWORD),
      scryptCost,
      signingKey: signingKey(dataDir),
      reset: values.reset ?? false,
      ...(process.env.REDIS_URL
        ? { redis: { url: process.env.REDIS_URL, keyPrefix: process.env.REDIS_KEY_PREFIX || 'socgraph:' } }
        : {}),
      log: (line) => console.log(line),
    });
    console.log(`\nSeeded scale ${scale} (seed ${seed}):\n\n${formatSeedReport(report)}\n`);
    const { logins } = report;
    console.log(
      `Logins (password as given): ${logins.admin}, ${logins.auditor}, ${logins.analysts[0]}..${logins.analysts.at(-1)}, ` +
        `${logins.customerUsers[0]}..${logins.customerUsers.at(-1)}`,
    );
    const active = report.apiKeys.filter((k) => !k.revoked).length;
    if (values['print-api-keys']) {
      console.log(`\nPartner API keys (x-api-key header; ${active} active of ${report.apiKeys.length}):`);
      for (const k of report.apiKeys) {
        console.log(
          `${k.secret}  ${k.owner}  ${k.clientName}${k.persistedOnly ? ' (persisted only)' : ''}${k.revoked ? ' REVOKED' : ''}`,
        );
      }
    } else {
      console.log(`${report.apiKeys.length} partner API keys (${active} active): --print-api-keys shows their secrets`);
    }
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof SeedRefusedError || !(error instanceof Error) ? String(error) : error.stack);
  process.exit(1);
});
