export * from './alarm-input';
export * from './incidents';
export * from './feedback';
export * from './followup';
export * from './rate-limit';
export * from './suggestion';
export * from './engine';
