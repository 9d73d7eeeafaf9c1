export { agentsSubgraph, createAgentsSubgraph, SUBGRAPH_NAME, type AgentsSubgraphOptions } from './server';
export { agentsConfigFrom, type AgentsConfig } from './config';
export { agentsEntities } from './entities';
export type { CreditHold, CreditsClient, ReserveRequest } from './services/credits';
