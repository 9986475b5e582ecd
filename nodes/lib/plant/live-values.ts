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

/** Told of every stored sample. `v` is the tag's slot, valid during the call only (the next
 * sample of the tag overwrites it): copy the fields to keep them. */
export type LiveListener = (tag: string, v: Readonly<LiveValue>) => void;

/** Trend samples kept per tag for diagnosis, the console's small trend and the LLM's trend tool. */
const TREND_LENGTH = 120;
/** A tag's trend is a ring of TREND_LENGTH (time, value) pairs, interleaved: one cache line per point. */
const TREND_BLOCK = TREND_LENGTH * 2;
/**
 * Trend blocks are cut from shared buffers of this many blocks (about 480 kB each), not allocated
 * per tag: with 10,000 tags each trend point written once a second, a per-tag object holding two
 * typed arrays cost five cache misses per point (object, two views, two backing stores); a block
 * in a shared buffer costs one or two, and a buffer is never copied to grow.
 */
const BLOCKS_PER_CHUNK = 256;

/**
 * One tag's place in the table, and its latest sample. A reader that updates the same tags many
 * times a second takes each tag's slot once (slot()) and updates through it (updateSlot()), so a
 * sample costs no lookup by tag name. Slots live as long as the table.
 * A sample is copied into the slot, overwriting the last one: storing it allocates nothing and
 * holds on to nothing the caller allocated. (At 10,000 items changing every 100 ms, keeping a new
 * object per sample for one change period made every one of them survive a young-generation
 * collection, and garbage collection became a third of the OPC UA reader's cost.) A number is
 * kept in a field that only ever holds numbers, which V8 overwrites in place (no heap number per sample);
 * a field that also held booleans would point to a new heap number per sample.
 */
export class LiveSlot implements Readonly<LiveValue> {
  /** @internal the value when it is a number */
  num = Number.NaN;
  /** @internal the value when it is not */
  other: TagValue = '';
  /** @internal */
  isNumber = false;
  /** @internal false until the first sample */
  has = false;
  quality: Quality = 'bad';
  timestamp = 0;
  source: string | undefined = undefined;
  /** @internal the buffer holding this tag's trend block (undefined until the first point) */
  trendChunk: Float64Array | undefined = undefined;
  /** @internal where the block starts in trendChunk */
  trendOffset = 0;
  /** @internal next ring position, and points held */
  trendHead = 0;
  trendCount = 0;
  /** @internal no trend point is due before this time (one compare for most samples). */
  nextTrendAt = -Infinity;

  constructor(readonly tag: string) {}

  /** The latest value (meaningful once the slot has a sample: see LiveValueTable.get()). */
  get value(): TagValue {
    return this.isNumber ? this.num : this.other;
  }
}

export class LiveValueTable {
  private readonly slots = new Map<string, LiveSlot>();
  // Copied on change, so a listener that unsubscribes (or subscribes) during an update is safe.
  private listeners: LiveListener[] = [];
  private trendEveryMs = 1000;
  private chunk: Float64Array | undefined;
  private chunkBlocksUsed = BLOCKS_PER_CHUNK;

  constructor(opts: { trendEveryMs?: number } = {}) {
    if (opts.trendEveryMs) this.trendEveryMs = opts.trendEveryMs;
  }

  /** The slot of a tag, created empty if the tag has no value yet. */
  slot(tag: string): LiveSlot {
    let s = this.slots.get(tag);
    if (!s) {
      s = new LiveSlot(tag);
      this.slots.set(tag, s);
    }
    return s;
  }

  update(tag: string, v: LiveValue): LiveSlot | undefined {
    return this.updateSlot(this.slot(tag), v);
  }

  /**
   * Stores a sample unless it is older than the one held (a late message must not roll the plant
   * back) or the very same reading again (the read node stored it, and the alarm and reason nodes
   * pass the same sample on): neither reaches the listeners.
   * The sample's fields are copied into the slot (see LiveSlot), so the caller may reuse its
   * object. Returns the slot when the sample was stored, undefined when it was not: a reader may
   * hand the slot on as the tag's sample (the OPC UA reader reports it), but only for as long as
   * it needs the current state, since the next sample overwrites it.
   */
  updateSlot(slot: LiveSlot, v: LiveValue): LiveSlot | undefined {
    const value = v.value;
    if (slot.has && (v.timestamp < slot.timestamp || (v.timestamp === slot.timestamp && value === slot.value && v.quality === slot.quality))) return undefined;
    if (typeof value === 'number') {
      slot.num = value;
      slot.isNumber = true;
    } else {
      slot.other = value;
      slot.isNumber = false;
    }
    slot.quality = v.quality;
    slot.timestamp = v.timestamp;
    slot.source = v.source;
    slot.has = true;
    if (slot.isNumber || typeof value === 'boolean') this.recordTrend(slot);
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](slot.tag, slot);
      } catch {
        // A listener's failure must not stop the others or the reader that called update().
      }
    }
    return slot;
  }

  /** The tag's latest sample: a copy, the caller's to keep (the slot changes in place). */
  get(tag: string): LiveValue | undefined {
    const s = this.slots.get(tag);
    return s?.has ? copyOf(s) : undefined;
  }

  /** Value for condition evaluation: unknown when missing or of bad quality. */
  goodValue(tag: string): TagValue | undefined {
    const s = this.slots.get(tag);
    return s?.has && s.quality !== 'bad' ? s.value : undefined;
  }

  snapshot(): Record<string, LiveValue> {
    const out: Record<string, LiveValue> = {};
    for (const [tag, s] of this.slots) if (s.has) out[tag] = copyOf(s);
    return out;
  }

  trend(tag: string, sinceMs = 0): Array<[number, number]> {
    const slot = this.slots.get(tag);
    const buf = slot?.trendChunk;
    if (!slot || !buf) return [];
    const out: Array<[number, number]> = [];
    for (let i = 0; i < slot.trendCount; i++) {
      const at = slot.trendOffset + 2 * ((slot.trendHead - slot.trendCount + i + TREND_LENGTH) % TREND_LENGTH);
      if (buf[at] >= sinceMs) out.push([buf[at], buf[at + 1]]);
    }
    return out;
  }

  onUpdate(l: LiveListener): () => void {
    this.listeners = [...this.listeners, l];
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }

  private recordTrend(slot: LiveSlot): void {
    if (slot.quality === 'bad' || slot.timestamp < slot.nextTrendAt) return;
    let buf = slot.trendChunk;
    if (!buf) {
      if (this.chunkBlocksUsed === BLOCKS_PER_CHUNK) {
        this.chunk = new Float64Array(BLOCKS_PER_CHUNK * TREND_BLOCK);
        this.chunkBlocksUsed = 0;
      }
      buf = this.chunk!;
      slot.trendChunk = buf;
      slot.trendOffset = this.chunkBlocksUsed++ * TREND_BLOCK;
    }
    slot.nextTrendAt = slot.timestamp + this.trendEveryMs;
    const at = slot.trendOffset + 2 * slot.trendHead;
    buf[at] = slot.timestamp;
    buf[at + 1] = slot.isNumber ? slot.num : slot.other ? 1 : 0;
    slot.trendHead = slot.trendHead + 1 === TREND_LENGTH ? 0 : slot.trendHead + 1;
    if (slot.trendCount < TREND_LENGTH) slot.trendCount++;
  }
}

function copyOf(v: LiveValue): LiveValue {
  return v.source === undefined ? { value: v.value, quality: v.quality, timestamp: v.timestamp } : { value: v.value, quality: v.quality, timestamp: v.timestamp, source: v.source };
}
