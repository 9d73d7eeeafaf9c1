export { auditSubgraph, SUBGRAPH_NAME } from './server';
export { auditConfigFrom, type AuditConfig } from './config';
export { auditEntities } from './entities';
