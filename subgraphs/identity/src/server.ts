import path from 'node:path';
import { defineSubgraph } from '@socgraph/shared';
import { identityConfigFrom } from './config';
import { createIdentityContext } from './context';
import { identityEntities } from './entities';
import { failureCounterJob } from './failure-counter';
import { resolvers } from './resolvers';
import { mutationAccess } from './resolvers/mutation-access';
import { seedIdentityDemo } from './seed';

export const SUBGRAPH_NAME = 'identity';

export const identitySubgraph = defineSubgraph({
  name: SUBGRAPH_NAME,
  defaultPort: 4001,
  schemaPaths: [path.join(__dirname, 'schema.graphql')],
  resolvers,
  mutationAccess,
  entities: identityEntities,
  config: identityConfigFrom,
  createContext: createIdentityContext,
  seedDemo: seedIdentityDemo,
  jobs: ({ dataSource }) => [failureCounterJob(dataSource)],
  audit: {
    resources: {
      users: 'User',
      user_customer_access: { type: 'User', idColumn: 'user_id' },
      user_tag_access: { type: 'User', idColumn: 'user_id' },
      roles: 'Role',
      role_tag_access: { type: 'Role', idColumn: 'role_id' },
      customers: { type: 'Customer', idColumn: 'customer_code' },
      user_sessions: { type: 'Session', idColumn: 'session_id' },
      api_keys: 'ApiKey',
      transactions: 'Transaction',
      mandates: 'Mandate',
    },
  },
});

export const typeDefs = identitySubgraph.typeDefs;
