export * from './quality';
export * from './values';
export * from './batch';
export * from './backoff';
export * from './exception';
export * from './config';
