// The live value table (DESIGN §2): the latest value, quality and timestamp of every tag.
// Owned by the copilot-plant config node; every copilot node that receives a tag sample
// updates it, and nodes that need the present state of the plant read it here.
import type { Quality, TagValue } from './model';

export interface LiveValue {
  value: TagValue;
  quality: Quality;
  timestamp: number;
  source?: string;
}

/**
 * A tag's record in the table, overwritten in place by each newer sample: storing a sample
 * allocates nothing. (At 10,000 items changing every 100 ms, keeping a new object per sample for
 * one change period made every one of them survive a young-generation collection, and garbage
 * collection became a third of the OPC UA reader's cost.) Numeric tags get a record of their own
 * class, so V8 keeps `value` as an unboxed double overwritten in place rather than a pointer to a
 * new heap number per sample; a tag whose value changes type gets a new record.
 */
class NumberRecord {
  constructor(
    public value: number,
    public quality: Quality,
    public timestamp: number,
    public source: string | undefined,
  ) {}
}
class OtherRecord {
  constructor(
    public value: TagValue,
    public quality: Quality,
    public timestamp: number,
    public source: string | undefined,
  ) {}
}
type HeldValue = NumberRecord | OtherRecord;

/** Told of every stored sample. `v` is the table's own record of the tag, valid during the call
 * only (the next sample of the tag overwrites it): copy the fields to keep them. */
export type LiveListener = (tag: string, v: Readonly<LiveValue>) => void;

/** Trend samples kept per tag for diagnosis, the console's small trend and the LLM's trend tool. */
const TREND_LENGTH = 120;

interface Trend {
  t: Float64Array;
  v: Float64Array;
  n: number;
  head: number;
}

/**
 * One tag's place in the table. A reader that updates the same tags many times a second takes
 * each tag's slot once (slot()) and updates through it (updateSlot()), so a sample costs no
 * lookup by tag name. Slots live as long as the table.
 */
export interface LiveSlot {
  readonly tag: string;
  /** @internal the tag's record, owned by the table and overwritten in place; read through get(). */
  value: HeldValue | undefined;
  /** @internal */
  trend: Trend | undefined;
  /** @internal no trend point is due before this time (one compare for most samples). */
  nextTrendAt: number;
}

export class LiveValueTable {
  private readonly slots = new Map<string, LiveSlot>();
  // Copied on change, so a listener that unsubscribes (or subscribes) during an update is safe.
  private listeners: LiveListener[] = [];
  private trendEveryMs = 1000;

  constructor(opts: { trendEveryMs?: number } = {}) {
    if (opts.trendEveryMs) this.trendEveryMs = opts.trendEveryMs;
  }

  /** The slot of a tag, created empty if the tag has no value yet. */
  slot(tag: string): LiveSlot {
    let s = this.slots.get(tag);
    if (!s) {
      s = { tag, value: undefined, trend: undefined, nextTrendAt: -Infinity };
      this.slots.set(tag, s);
    }
    return s;
  }

  update(tag: string, v: LiveValue): Readonly<LiveValue> | undefined {
    return this.updateSlot(this.slot(tag), v);
  }

  /**
   * Stores a sample unless it is older than the one held (a late message must not roll the plant
   * back) or the very same reading again (the read node stored it, and the alarm and reason nodes
   * pass the same sample on): neither reaches the listeners.
   * The sample's fields are copied into the slot's record (see NumberRecord), so the caller may
   * reuse its object. Returns the record when the sample was stored, undefined when it was not: a
   * reader may hand that record on (the OPC UA reader reports it), but only for as long as it
   * needs the current state, since the next sample overwrites it.
   */
  updateSlot(slot: LiveSlot, v: LiveValue): Readonly<LiveValue> | undefined {
    let held = slot.value;
    if (held && (v.timestamp < held.timestamp || (v.timestamp === held.timestamp && v.value === held.value && v.quality === held.quality))) return undefined;
    const numeric = typeof v.value === 'number';
    if (held && numeric === held instanceof NumberRecord) {
      held.value = v.value;
      held.quality = v.quality;
      held.timestamp = v.timestamp;
      held.source = v.source;
    } else {
      held = slot.value = numeric ? new NumberRecord(v.value as number, v.quality, v.timestamp, v.source) : new OtherRecord(v.value, v.quality, v.timestamp, v.source);
    }
    if (typeof held.value === 'number' || typeof held.value === 'boolean') this.recordTrend(slot, held);
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](slot.tag, held);
      } catch {
        // A listener's failure must not stop the others or the reader that called update().
      }
    }
    return held;
  }

  /** The tag's latest sample: a copy, the caller's to keep (the table's record changes in place). */
  get(tag: string): LiveValue | undefined {
    const held = this.slots.get(tag)?.value;
    return held && copyOf(held);
  }

  /** Value for condition evaluation: unknown when missing or of bad quality. */
  goodValue(tag: string): TagValue | undefined {
    const v = this.slots.get(tag)?.value;
    return v && v.quality !== 'bad' ? v.value : undefined;
  }

  snapshot(): Record<string, LiveValue> {
    const out: Record<string, LiveValue> = {};
    for (const [tag, s] of this.slots) if (s.value) out[tag] = copyOf(s.value);
    return out;
  }

  trend(tag: string, sinceMs = 0): Array<[number, number]> {
    const tr = this.slots.get(tag)?.trend;
    if (!tr) return [];
    const out: Array<[number, number]> = [];
    for (let i = 0; i < tr.n; i++) {
      const k = (tr.head - tr.n + i + TREND_LENGTH) % TREND_LENGTH;
      if (tr.t[k] >= sinceMs) out.push([tr.t[k], tr.v[k]]);
    }
    return out;
  }

  onUpdate(l: LiveListener): () => void {
    this.listeners = [...this.listeners, l];
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }

  private recordTrend(slot: LiveSlot, v: LiveValue): void {
    if (v.quality === 'bad' || v.timestamp < slot.nextTrendAt) return;
    let tr = slot.trend;
    if (!tr) {
      tr = { t: new Float64Array(TREND_LENGTH), v: new Float64Array(TREND_LENGTH), n: 0, head: 0 };
      slot.trend = tr;
    }
    slot.nextTrendAt = v.timestamp + this.trendEveryMs;
    tr.t[tr.head] = v.timestamp;
    tr.v[tr.head] = typeof v.value === 'boolean' ? (v.value ? 1 : 0) : (v.value as number);
    tr.head = (tr.head + 1) % TREND_LENGTH;
    tr.n = Math.min(tr.n + 1, TREND_LENGTH);
  }
}

function copyOf(v: LiveValue): LiveValue {
  return v.source === undefined ? { value: v.value, quality: v.quality, timestamp: v.timestamp } : { value: v.value, quality: v.quality, timestamp: v.timestamp, source: v.source };
}
