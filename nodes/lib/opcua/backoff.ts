// The reconnection back-off lives in nodes/lib/backoff.ts (the Modbus clients use it too);
// re-exported here for the OPC UA connection and existing importers.
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from '../backoff';
