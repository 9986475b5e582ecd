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

export class LiveValueTable {
  private readonly values = new Map<string, LiveValue>();
  private readonly trends = new Map<string, { t: Float64Array; v: Float64Array; n: number; head: number }>();
  private readonly listeners = new Set<LiveListener>();
  private trendEveryMs = 1000;

  constructor(opts: { trendEveryMs?: number } = {}) {
    if (opts.trendEveryMs) this.trendEveryMs = opts.trendEveryMs;
  }

  /**
   * Stores a sample unless it is older than the one held (a late message must not roll the plant
   * back) or the very same reading again (the read node stored it, and the alarm and reason nodes
   * pass the same sample on): neither reaches the listeners.
   */
  update(tag: string, v: LiveValue): void {
    const held = this.values.get(tag);
    if (held && (v.timestamp < held.timestamp || (v.timestamp === held.timestamp && v.value === held.value && v.quality === held.quality))) return;
    this.values.set(tag, v);
    if (typeof v.value === 'number' || typeof v.value === 'boolean') this.recordTrend(tag, v);
    for (const l of this.listeners) {
      try {
        l(tag, v);
      } catch {
        // A listener's failure must not stop the others or the reader that called update().
      }
    }
  }

  get(tag: string): LiveValue | undefined {
    return this.values.get(tag);
  }

  /** Value for condition evaluation: unknown when missing or of bad quality. */
  goodValue(tag: string): TagValue | undefined {
    const v = this.values.get(tag);
    return v && v.quality !== 'bad' ? v.value : undefined;
  }

  snapshot(): Record<string, LiveValue> {
    return Object.fromEntries(this.values);
  }

  trend(tag: string, sinceMs = 0): Array<[number, number]> {
    const tr = this.trends.get(tag);
    if (!tr) return [];
    const out: Array<[number, number]> = [];
    for (let i = 0; i < tr.n; i++) {
      const k = (tr.head - tr.n + i + TREND_LENGTH) % TREND_LENGTH;
      if (tr.t[k] >= sinceMs) out.push([tr.t[k], tr.v[k]]);
    }
    return out;
  }

  onUpdate(l: LiveListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private recordTrend(tag: string, v: LiveValue): void {
    if (v.quality === 'bad') return;
    let tr = this.trends.get(tag);
    if (!tr) {
      tr = { t: new Float64Array(TREND_LENGTH), v: new Float64Array(TREND_LENGTH), n: 0, head: 0 };
      this.trends.set(tag, tr);
    }
    const last = (tr.head - 1 + TREND_LENGTH) % TREND_LENGTH;
    if (tr.n && v.timestamp - tr.t[last] < this.trendEveryMs) return;
    tr.t[tr.head] = v.timestamp;
    tr.v[tr.head] = typeof v.value === 'boolean' ? (v.value ? 1 : 0) : (v.value as number);
    tr.head = (tr.head + 1) % TREND_LENGTH;
    tr.n = Math.min(tr.n + 1, TREND_LENGTH);
  }
}
