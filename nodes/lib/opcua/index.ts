export * from './quality';
export * from './values';
export * from './batch';
export * from './config';
