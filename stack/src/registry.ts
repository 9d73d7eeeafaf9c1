import { agentsEntities, agentsSubgraph } from '@socgraph/agents';
import { auditEntities, auditSubgraph } from '@socgraph/audit';
import { identityEntities, identitySubgraph } from '@socgraph/identity';
import { incidentsEntities, incidentsSubgraph } from '@socgraph/incidents';
import type { MigrationClass, SchemaMigrations } from '@socgraph/migrations';
import { agentsMigrations } from '@socgraph/migrations/agents';
import { auditMigrations } from '@socgraph/migrations/audit';
import { identityMigrations } from '@socgraph/migrations/identity';
import { incidentsMigrations } from '@socgraph/migrations/incidents';
import { surveillanceMigrations } from '@socgraph/migrations/surveillance';
import type { DefinedSubgraph, SubgraphDataSourceOptions } from '@socgraph/shared';
import { surveillanceEntities, surveillanceSubgraph } from '@socgraph/surveillance';

/** A subgraph as the stack knows it: its service, its schema's migrations, its place in the port plan. */
export interface RegisteredSubgraph {
  /** The service (`defineSubgraph`): name, SDL, start, demo seed. */
  service: DefinedSubgraph;
  /** Its migrations folder (`migrations/<name>/`), oldest first. */
  migrations: readonly MigrationClass[];
  /**
   * Its TypeORM entities, for work done beside a subgraph running in another process (the
   * demo seed of `pnpm start`'s per-service processes, on a DataSource of the stack's own).
   */
  entities: SubgraphDataSourceOptions['entities'];
}

/** The gateway's default port; a subgraph's default port (`defaultPort`, its own setting) sits this far above it. */
export const DEFAULT_GATEWAY_PORT = 4000;

/**
 * How far above the gateway's port a subgraph listens under `pnpm start` (4001 → 1), so
 * `PORT=5000 pnpm start` moves the whole graph together. Fixed per subgraph, not per position:
 * adding one never moves another.
 */
export const portOffsetOf = (subgraph: RegisteredSubgraph): number =>
  subgraph.service.defaultPort - DEFAULT_GATEWAY_PORT;

/**
 * THE list of subgraphs: the only place in the repo that names them all. `pnpm start`, the
 * test stack, `pnpm compose`, `pnpm migrate`, the demo seed and the end-to-end tests read it.
 * Order is migration and seed order; audit starts first regardless (every outbox relay
 * delivers to it). Adding a subgraph: docs/adding-a-subgraph.md.
 */
export const SUBGRAPHS: readonly RegisteredSubgraph[] = [
  { service: identitySubgraph, migrations: identityMigrations, entities: identityEntities },
  { service: incidentsSubgraph, migrations: incidentsMigrations, entities: incidentsEntities },
  { service: agentsSubgraph, migrations: agentsMigrations, entities: agentsEntities },
  { service: surveillanceSubgraph, migrations: surveillanceMigrations, entities: surveillanceEntities },
  { service: auditSubgraph, migrations: auditMigrations, entities: auditEntities },
];

export const SUBGRAPH_NAMES: readonly string[] = SUBGRAPHS.map((s) => s.service.name);

/** Every registered schema's migrations, for the runner. */
export const SCHEMA_MIGRATIONS: readonly SchemaMigrations[] = SUBGRAPHS.map((s) => ({
  name: s.service.name,
  migrations: s.migrations,
}));

export function registeredSubgraph(name: string): RegisteredSubgraph {
  const found = SUBGRAPHS.find((s) => s.service.name === name);
  if (!found) throw new Error(`Unknown subgraph ${name} (known: ${SUBGRAPH_NAMES.join(', ')})`);
  return found;
}
