export * from './deviation';
export * from './diagnose';
export * from './snapshot';
export * from './explain';
