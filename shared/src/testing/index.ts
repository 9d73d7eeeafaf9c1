export * from './databases';
export * from './subgraph';
