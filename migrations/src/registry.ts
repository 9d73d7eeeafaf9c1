import type { MigrationInterface } from 'typeorm';
import { auditMigrations } from '../audit';
import { identityMigrations } from '../identity';
import { incidentsMigrations } from '../incidents';

type MigrationClass = new () => MigrationInterface;

/**
 * Every subgraph schema and its migrations, in the order subgraphs start. A new subgraph
 * adds one line here and one folder beside `identity/`.
 */
export const migrationsBySubgraph: Record<string, MigrationClass[]> = {
  identity: identityMigrations,
  incidents: incidentsMigrations,
  audit: auditMigrations,
};

export const SUBGRAPH_SCHEMAS = Object.keys(migrationsBySubgraph);
