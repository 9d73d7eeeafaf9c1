import { auditSubgraph } from '@socgraph/audit';
import { identitySubgraph } from '@socgraph/identity';
import { incidentsSubgraph } from '@socgraph/incidents';
import type { SubgraphService } from '@socgraph/shared';

/**
 * Every subgraph the stack starts, in start order (identity, incidents, surveillance, agents,
 * audit). A new subgraph adds its SubgraphService here, and `pnpm compose` picks up its schema.
 */
export const subgraphRegistry: readonly SubgraphService[] = [identitySubgraph, incidentsSubgraph, auditSubgraph];
