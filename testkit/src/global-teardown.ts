import type { RunningPostgres } from './embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const pg = (globalThis as { __socgraphTestPostgres?: RunningPostgres }).__socgraphTestPostgres;
  await pg?.stop();
}
