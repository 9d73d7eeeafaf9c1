import { ConfigError, configFields, createLogger, databaseUrlFor, loadConfig } from '@socgraph/shared';
import { z } from 'zod';
import { identitySubgraph } from './server';

/** Runs identity alone (production): `tsx subgraphs/identity/src/main.ts`. */
async function main(): Promise<void> {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  const logger = createLogger('subgraph-identity');
  const env = loadConfig(
    z.object({
      IDENTITY_PORT: configFields.port(4001),
      HOST: z.string().default('127.0.0.1'),
      INTERNAL_TOKEN_SECRET: configFields.secret(),
      JWT_SECRET: configFields.secret(),
    }),
  );
  const databaseUrl = databaseUrlFor('identity');
  if (!databaseUrl) throw new ConfigError(['IDENTITY_DATABASE_URL or DATABASE_URL: required']);
  const running = await identitySubgraph.start({
    databaseUrl,
    port: env.IDENTITY_PORT,
    host: env.HOST,
    internalTokenSecret: env.INTERNAL_TOKEN_SECRET,
    jwtSecret: env.JWT_SECRET,
    env: process.env,
    logger,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void running.stop().then(() => process.exit(0)));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
