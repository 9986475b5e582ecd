// Report by exception's one rule (DESIGN §2), shared by the Modbus and OPC UA readers: has a
// value moved far enough from the one last reported to be reported again?
import type { TagValue } from './model';

/**
 * True when `next` differs from `prev` by more than `deadband` (numbers), or at all (booleans,
 * text, or a change of type). NaN equals NaN here, so a value stuck at NaN is reported once.
 */
export function exceeds(prev: TagValue, next: TagValue, deadband: number): boolean {
  if (typeof prev === 'number' && typeof next === 'number') {
    if (Number.isNaN(prev) || Number.isNaN(next)) return !(Number.isNaN(prev) && Number.isNaN(next));
    return deadband > 0 ? Math.abs(next - prev) > deadband : next !== prev;
  }
  return prev !== next;
}
