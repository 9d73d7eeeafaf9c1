import path from 'node:path';
import { defineSubgraph } from '@socgraph/shared';
import { auditConfigFrom } from './config';
import { createAuditContext } from './context';
import { auditEntities } from './entities';
import { resolvers } from './resolvers';

export const SUBGRAPH_NAME = 'audit';

/**
 * Not composed yet: `pnpm compose` picks up every subgraphs/<name>/src/schema.graphql, and the
 * gateway's readiness probes every subgraph of the supergraph, so a composed but unstarted audit
 * would make /ready fail. Wiring it in = rename audit.graphql to schema.graphql, add
 * `auditSubgraph` to gateway/src/subgraphs.ts, run `pnpm compose` and `pnpm persisted:check`.
 */
export const auditSubgraph = defineSubgraph({
  name: SUBGRAPH_NAME,
  schemaPath: path.join(__dirname, 'audit.graphql'),
  resolvers,
  entities: auditEntities,
  config: auditConfigFrom,
  createContext: createAuditContext,
});
