export * from './codec';
export * from './planner';
export * from './master';
export * from './tcp-client';
export * from './rtu-client';
export * from './poller';
export * from './tag-io';
