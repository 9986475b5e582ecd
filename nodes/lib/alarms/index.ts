export * from './types';
export * from './engine';
export * from './kpis';
export * from './commands';
