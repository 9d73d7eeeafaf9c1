import { ConfigError } from '@socgraph/shared';
import { gatewayConfigFrom } from './config';
import { startGateway } from './server';

/** Runs the gateway alone (production): `tsx gateway/src/main.ts`, subgraphs elsewhere. */
async function main(): Promise<void> {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  const config = gatewayConfigFrom(process.env);
  // The gateway makes its own logger, which also ships its warnings to audit (LOG_SHIP_LEVEL).
  const gateway = await startGateway(config);
  const { logger } = gateway;

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      gateway.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  // Configuration problems are the operator's to fix: print them plainly, without a stack.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
