import type { DataSource } from 'typeorm';
import type { OutboxRelay } from '../audit/outbox-relay';
import type { Logger } from '../logger';
import type { MutationAccess } from '../policy/mutation-access';
import type { RunningSubgraph } from './subgraph-server';

/**
 * What each subgraph package exports (e.g. `identitySubgraph`), so that `pnpm start`, the
 * test harness and each subgraph's own `index.ts` start every subgraph the same way.
 */
export interface SubgraphStartOptions {
  databaseUrl: string;
  /** 0 for an ephemeral port. */
  port: number;
  host?: string;
  internalTokenSecret: string;
  /** Secret of the user tokens identity issues and the gateway verifies. */
  jwtSecret: string;
  /** Further settings (each subgraph validates its own with loadConfig). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

export interface StartedSubgraph extends RunningSubgraph {
  dataSource: DataSource;
  /** Delivers the subgraph's audit outbox (tests flush it or read its backlog). */
  auditRelay?: OutboxRelay;
}

export interface DemoSeedOptions {
  /** Password for every demo login. */
  password: string;
  /** The settings the subgraph runs with (a seeder hashes and sizes as the service would). */
  env?: NodeJS.ProcessEnv;
}

export interface SubgraphService {
  name: string;
  start(options: SubgraphStartOptions): Promise<StartedSubgraph>;
  /** Who may run each of its mutations (api.md "Roles" as data); tests check the graph against it. */
  mutationAccess?: MutationAccess;
  /** Seeds a small demo world when the subgraph's tables are empty; returns lines to print. */
  seedDemo?(dataSource: DataSource, options: DemoSeedOptions): Promise<string[]>;
}
