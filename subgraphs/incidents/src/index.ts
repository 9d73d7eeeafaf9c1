export { incidentsSubgraph, SUBGRAPH_NAME } from './server';
export { incidentsConfigFrom, type IncidentsConfig } from './config';
export { incidentsEntities } from './entities';
