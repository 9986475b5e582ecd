export * from './store';
export * from './tokens';
export * from './schema';
export * from './write';
