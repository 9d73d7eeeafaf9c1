import path from 'node:path';
import { defineSubgraph } from '@socgraph/shared';
import { incidentsConfigFrom } from './config';
import { createIncidentsContext } from './context';
import { incidentsEntities } from './entities';
import { resolvers } from './resolvers';
import { seedIncidentsDemo } from './seed';

export const SUBGRAPH_NAME = 'incidents';

export const incidentsSubgraph = defineSubgraph({
  name: SUBGRAPH_NAME,
  schemaPath: path.join(__dirname, 'schema.graphql'),
  resolvers,
  entities: incidentsEntities,
  config: incidentsConfigFrom,
  createContext: createIncidentsContext,
  seedDemo: seedIncidentsDemo,
});
