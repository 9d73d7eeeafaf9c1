export * from './compose';
export * from './demo-activity';
export * from './paths';
export * from './registry';
export * from './seed-scale';
export * from './stack';
export * from './testing';
