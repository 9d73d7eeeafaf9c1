export * from './databases';
export * from './graphql';
export * from './principals';
export * from './subgraph';
export * from './races';
