// Monitored items are created in batches: one CreateMonitoredItems call per batch. One call per
// item costs a round trip each (minutes for 10,000 items); one call for everything can exceed
// the server's MaxMonitoredItemsPerCall and fails as a whole.
export const DEFAULT_BATCH_SIZE = 1000;

export function batches<T>(items: readonly T[], size = DEFAULT_BATCH_SIZE): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive whole number, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
