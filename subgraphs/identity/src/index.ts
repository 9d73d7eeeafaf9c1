export { identitySubgraph, typeDefs, SUBGRAPH_NAME } from './server';
export { identityConfigFrom, type IdentityConfig } from './config';
export { identityEntities } from './entities';
export { hashPassword } from './services/password';
export { bootstrapUser, type BootstrapUser } from './bootstrap';
export { hashApiKeySecret } from './services/api-key.service';
