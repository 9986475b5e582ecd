export * from './schema';
export * from './model';
export * from './condition';
export * from './duration';
export * from './loader';
export * from './csv';
export * from './live-values';
export * from './deadband';
