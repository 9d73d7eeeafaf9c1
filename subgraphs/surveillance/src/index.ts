export { surveillanceSubgraph, SUBGRAPH_NAME } from './server';
export { surveillanceConfigFrom, type SurveillanceConfig } from './config';
export { surveillanceEntities } from './entities';
