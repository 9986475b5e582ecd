export * from './types';
export * from './validate';
export * from './context';
export * from './advisor';
export * from './providers';
export * from './settings';
