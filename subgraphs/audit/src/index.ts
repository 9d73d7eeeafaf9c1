export { auditSubgraph, SUBGRAPH_NAME } from './server';
export { auditConfigFrom, type AuditConfig } from './config';
export { auditEntities } from './entities';
// The chains' hashing, for bulk writers (stack's `pnpm seed`) that must produce rows verification accepts.
export { canonicalJson, chainHash, GENESIS_HASH, sign } from './services/canonical';
export { CHAINS, type ChainName } from './services/chain';
