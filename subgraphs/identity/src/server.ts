import path from 'node:path';
import { defineSubgraph } from '@socgraph/shared';
import { identityConfigFrom } from './config';
import { createIdentityContext } from './context';
import { identityEntities } from './entities';
import { resolvers } from './resolvers';
import { seedIdentityDemo } from './seed';

export const SUBGRAPH_NAME = 'identity';

export const identitySubgraph = defineSubgraph({
  name: SUBGRAPH_NAME,
  schemaPath: path.join(__dirname, 'schema.graphql'),
  resolvers,
  entities: identityEntities,
  config: identityConfigFrom,
  createContext: createIdentityContext,
  seedDemo: seedIdentityDemo,
});

export const typeDefs = identitySubgraph.typeDefs;
