// Report by exception (DESIGN §2): a tag is emitted only when its value moved by more than its
// deadband since it was last emitted, or its quality changed; a periodic full refresh re-sends
// everything so a consumer that missed a message (or was deployed later) catches up. Node-RED
// deep-clones a message for every extra wire, so fewer, smaller messages matter.
import type { Quality, TagValue } from '../plant';

export interface Sample {
  value: TagValue;
  quality: Quality;
  timestamp: number;
}

export type OutputMode = 'batch' | 'per-tag';

export function exceeds(prev: TagValue, next: TagValue, deadband: number): boolean {
  if (typeof prev === 'number' && typeof next === 'number') {
    if (Number.isNaN(prev) || Number.isNaN(next)) return !(Number.isNaN(prev) && Number.isNaN(next));
    return deadband > 0 ? Math.abs(next - prev) > deadband : next !== prev;
  }
  return prev !== next;
}

export class ExceptionReporter {
  private readonly reported = new Map<string, Sample>();
  private readonly latest = new Map<string, Sample>();
  private pending = new Map<string, Sample>();

  constructor(private readonly deadbandOf: (tag: string) => number = () => 0) {}

  /** Takes a new sample; true when it is to be reported (it is then queued until takePending). */
  offer(tag: string, s: Sample): boolean {
    this.latest.set(tag, s);
    const prev = this.reported.get(tag);
    if (prev && prev.quality === s.quality && !exceeds(prev.value, s.value, this.deadbandOf(tag))) return false;
    this.reported.set(tag, s);
    this.pending.set(tag, s);
    return true;
  }

  /** The samples to report now (each tag once, its newest reportable sample); clears the queue. */
  takePending(): Map<string, Sample> {
    const out = this.pending;
    this.pending = new Map();
    return out;
  }

  /** Every tag's latest sample, reported whether it changed or not (the periodic refresh). */
  fullRefresh(): Map<string, Sample> {
    this.pending = new Map();
    for (const [tag, s] of this.latest) this.reported.set(tag, s);
    return new Map(this.latest);
  }

  latestOf(tag: string): Sample | undefined {
    return this.latest.get(tag);
  }

  /** Forgets a tag (removed from the plant model), so a re-added tag is reported afresh. */
  forget(tag: string): void {
    this.reported.delete(tag);
    this.latest.delete(tag);
    this.pending.delete(tag);
  }
}

/** The messages of one report: one batch message, or one message per tag (DESIGN §2 contracts). */
export function reportMessages(samples: Map<string, Sample>, mode: OutputMode, source: string): Array<Record<string, unknown>> {
  if (samples.size === 0) return [];
  if (mode === 'batch') {
    const payload: Record<string, Sample> = {};
    for (const [tag, s] of samples) payload[tag] = { value: s.value, quality: s.quality, timestamp: s.timestamp };
    return [{ topic: 'batch', payload, source }];
  }
  const out: Array<Record<string, unknown>> = [];
  for (const [tag, s] of samples) out.push({ topic: tag, payload: s.value, quality: s.quality, timestamp: s.timestamp, source });
  return out;
}
