import path from 'node:path';
import { defineSubgraph } from '@socgraph/shared';
import { auditConfigFrom } from './config';
import { createAuditContext } from './context';
import { auditEntities } from './entities';
import { resolvers } from './resolvers';

export const SUBGRAPH_NAME = 'audit';

export const auditSubgraph = defineSubgraph({
  name: SUBGRAPH_NAME,
  schemaPath: path.join(__dirname, 'schema.graphql'),
  resolvers,
  entities: auditEntities,
  config: auditConfigFrom,
  createContext: createAuditContext,
});
