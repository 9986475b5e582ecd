// Reconnection delays: exponential with full jitter, capped, never ending. Jitter keeps many
// clients from hammering a PLC that just restarted all at the same instant. Shared by the OPC UA
// connection and the Modbus TCP and RTU clients.
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30000 };

/** Delay before reconnection attempt `attempt` (1 = first retry). */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.max(0, attempt - 1));
  // Half fixed, half random: never 0 ms (a tight loop), never above the cap.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
