import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  createLogger,
  createSubgraphDataSource,
  startSubgraphServer,
  type SubgraphModule,
  type SubgraphService,
  type SubgraphStartOptions,
} from '@socgraph/shared';
import { gql } from 'graphql-tag';
import type { DataSource } from 'typeorm';
import { identityConfigFrom, type IdentityConfig } from './config';
import { createIdentityContext, type IdentityContext } from './context';
import { identityEntities } from './entities';
import { resolvers } from './resolvers';
import { seedIdentityDemo } from './seed';

export const SUBGRAPH_NAME = 'identity';

/** The SDL file is the schema: read it, do not restate it in code. */
export const typeDefs = gql(readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8'));

export function identityModule(dataSource: DataSource, config: IdentityConfig): SubgraphModule<IdentityContext> {
  return {
    name: SUBGRAPH_NAME,
    typeDefs,
    resolvers,
    createContext: (base) => createIdentityContext({ dataSource, config }, base),
    isReady: async () => {
      await dataSource.query('SELECT 1');
      return true;
    },
  };
}

export const identitySubgraph: SubgraphService = {
  name: SUBGRAPH_NAME,
  async start(options: SubgraphStartOptions) {
    const config = identityConfigFrom({
      ...options.env,
      INTERNAL_TOKEN_SECRET: options.internalTokenSecret,
      JWT_SECRET: options.jwtSecret,
    });
    const logger = options.logger ?? createLogger(`subgraph-${SUBGRAPH_NAME}`, config.LOG_LEVEL);
    const dataSource = createSubgraphDataSource({
      subgraph: SUBGRAPH_NAME,
      url: options.databaseUrl,
      entities: identityEntities,
    });
    await dataSource.initialize();
    try {
      const running = await startSubgraphServer(identityModule(dataSource, config), {
        port: options.port,
        ...(options.host ? { host: options.host } : {}),
        internalTokenSecret: config.INTERNAL_TOKEN_SECRET,
        logger,
      });
      return {
        ...running,
        dataSource,
        stop: async () => {
          await running.stop();
          await dataSource.destroy();
        },
      };
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
  },
  seedDemo: seedIdentityDemo,
};
