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

export type LiveListener = (tag: string, v: LiveValue) => void;

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
  /** @internal held by the table; read through get(). */
  value: LiveValue | undefined;
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

  update(tag: string, v: LiveValue): void {
    this.updateSlot(this.slot(tag), v);
  }

  /**
   * Stores a sample unless it is older than the one held (a late message must not roll the plant
   * back) or the very same reading again (the read node stored it, and the alarm and reason nodes
   * pass the same sample on): neither reaches the listeners.
   */
  updateSlot(slot: LiveSlot, v: LiveValue): void {
    const held = slot.value;
    if (held && (v.timestamp < held.timestamp || (v.timestamp === held.timestamp && v.value === held.value && v.quality === held.quality))) return;
    slot.value = v;
    if (typeof v.value === 'number' || typeof v.value === 'boolean') this.recordTrend(slot, v);
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](slot.tag, v);
      } catch {
        // A listener's failure must not stop the others or the reader that called update().
      }
    }
  }

  get(tag: string): LiveValue | undefined {
    return this.slots.get(tag)?.value;
  }

  /** Value for condition evaluation: unknown when missing or of bad quality. */
  goodValue(tag: string): TagValue | undefined {
    const v = this.get(tag);
    return v && v.quality !== 'bad' ? v.value : undefined;
  }

  snapshot(): Record<string, LiveValue> {
    const out: Record<string, LiveValue> = {};
    for (const [tag, s] of this.slots) if (s.value) out[tag] = s.value;
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
