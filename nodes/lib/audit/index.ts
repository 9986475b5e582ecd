export * from './audit-log';
export * from './canonical';
export * from './appender';
