// Report by exception (DESIGN §2), shared by the Modbus and OPC UA readers: a tag is emitted
// only when its value moved by more than its deadband since it was last emitted, or its quality
// changed; a periodic full refresh re-sends everything so a consumer that missed a message (or
// was deployed later) catches up. Node-RED deep-clones a message for every extra wire, so fewer,
// smaller messages matter.
import type { Quality, TagValue } from './model';
import { exceeds } from './deadband';

export interface Sample {
  value: TagValue;
  quality: Quality;
  timestamp: number;
}

export type OutputMode = 'batch' | 'per-tag';

/** What a report is made of: `samples[i]` is the sample of `tags[i]`, in report order. Two flat
 * arrays rather than a pair per tag: a report of 10,000 tags allocates nothing per tag. */
export interface Report<S extends Sample = Sample> {
  tags: string[];
  samples: S[];
}

/**
 * The reporting state of one fixed list of tags, addressed by their index in that list: a
 * subscription (or a Modbus read plan) names its items by index, so a sample costs array reads
 * here, not map lookups by tag name (at 10,000 items changing every 100 ms those lookups were a
 * third of the node's CPU). `S` is what a reader offers (a Sample, or more); the reports hold the
 * very objects offered.
 * The deadband is measured from the value and quality last reported, kept here apart from the
 * objects: a reader may offer one record per item that it overwrites in place (the OPC UA reader
 * does, so a notification allocates nothing). A report then carries the record as it is when the
 * report is taken, and that state becomes the reference.
 */
export class ExceptionReporter<S extends Sample = Sample> {
  private readonly reported: Array<S | undefined>;
  private readonly latest: Array<S | undefined>;
  /** The value and quality of item i's last report (quality undefined: never reported). A number
   * is kept in `refNumber` (refIsNumber[i] = 1), unboxed: the reference changes with nearly every
   * sample, and a pointer to each new heap number would keep it alive past a young collection. */
  private readonly refNumber: Float64Array;
  private readonly refIsNumber: Uint8Array;
  private readonly refOther: TagValue[];
  private readonly refQuality: Array<Quality | undefined>;
  private readonly queued: Uint8Array;
  private pending: number[] = [];
  private indexByTag: Map<string, number> | undefined;

  /** `tags[i]` is item i's tag; `deadbands[i]` its deadband (0 or missing: any change counts). */
  constructor(
    readonly tags: readonly string[],
    private readonly deadbands: readonly number[] = [],
  ) {
    this.reported = new Array<S | undefined>(tags.length).fill(undefined);
    this.latest = new Array<S | undefined>(tags.length).fill(undefined);
    this.refNumber = new Float64Array(tags.length);
    this.refIsNumber = new Uint8Array(tags.length);
    this.refOther = new Array<TagValue>(tags.length).fill(0);
    this.refQuality = new Array<Quality | undefined>(tags.length).fill(undefined);
    this.queued = new Uint8Array(tags.length);
  }

  /** Takes item `index`'s new sample; true when it is to be reported (it is then queued until takePending). */
  offer(index: number, s: S): boolean {
    if (index < 0 || index >= this.tags.length) return false;
    this.latest[index] = s;
    const q = this.refQuality[index];
    if (q !== undefined && q === s.quality && !exceeds(this.refOf(index), s.value, this.deadbands[index] ?? 0)) return false;
    this.reported[index] = s;
    this.setRef(index, s);
    if (!this.queued[index]) {
      this.queued[index] = 1;
      this.pending.push(index);
    }
    return true;
  }

  /** The samples to report now (each tag once, its newest reportable sample); clears the queue. */
  takePending(): Report<S> {
    const pending = this.pending;
    const n = pending.length;
    // Filled in place rather than grown by push (a report of thousands of tags copied its arrays
    // a dozen times as they grew).
    const out: Report<S> = { tags: new Array<string>(n), samples: new Array<S>(n) };
    for (let k = 0; k < n; k++) {
      const i = pending[k];
      this.queued[i] = 0;
      const s = this.reported[i]!;
      this.setRef(i, s);
      out.tags[k] = this.tags[i];
      out.samples[k] = s;
    }
    this.pending = [];
    return out;
  }

  /** Every tag's latest sample, reported whether it changed or not (the periodic refresh). */
  fullRefresh(): Report<S> {
    for (const i of this.pending) this.queued[i] = 0;
    this.pending = [];
    const out: Report<S> = { tags: [], samples: [] };
    for (let i = 0; i < this.tags.length; i++) {
      const s = this.latest[i];
      if (!s) continue;
      this.reported[i] = s;
      this.setRef(i, s);
      out.tags.push(this.tags[i]);
      out.samples.push(s);
    }
    return out;
  }

  private refOf(i: number): TagValue {
    return this.refIsNumber[i] ? this.refNumber[i] : this.refOther[i];
  }

  private setRef(i: number, s: Sample): void {
    if (typeof s.value === 'number') {
      this.refNumber[i] = s.value;
      this.refIsNumber[i] = 1;
    } else {
      this.refOther[i] = s.value;
      this.refIsNumber[i] = 0;
    }
    this.refQuality[i] = s.quality;
  }

  latestOf(index: number): S | undefined {
    return this.latest[index];
  }

  /** The latest sample of a tag by name (for carrying state over to a reporter of a new list). */
  latestOfTag(tag: string): S | undefined {
    this.indexByTag ??= new Map(this.tags.map((t, i) => [t, i]));
    const i = this.indexByTag.get(tag);
    return i === undefined ? undefined : this.latest[i];
  }
}

/**
 * Tags per batch message at most: a larger report goes out as several batch messages in a row.
 * A payload of more than about 2,700 tags (measured: 2,700 no, 2,800 yes on Node 20) is one of
 * V8's "large objects", which are promoted to the old generation whole the first time a
 * collection finds them alive; a consumer that keeps the last message (Node-RED's function node
 * does) then turned every report into old-generation garbage, and garbage collection into a
 * third of the OPC UA reader's CPU at 10,000 tags. Well below that, but no lower: every extra
 * message costs a Node-RED delivery (with 1,000 the Modbus bench lost 15 % per tag sample).
 */
export const BATCH_MAX_TAGS = 2500;

/** A reported sample; a bad one may say why (the Modbus reader's request error). */
export type ReportedSample = Sample & { error?: string };

/**
 * One tag's entry of a batch payload, `{ value, quality, timestamp }`, built by a constructor
 * rather than an object literal. V8 watches where object literals are allocated and, when it finds
 * most of one site's objects still alive at a young-generation collection, allocates every later
 * object of that site directly in the old generation ("allocation-site pretenuring"). A consumer
 * that keeps the last message until the next one arrives (Node-RED's function node keeps it in its
 * sandbox) can trip that, and from then on every report, thousands of entries a second, was
 * old-generation garbage (80 bytes per entry, and building an entry took about three times as
 * long: bench/report-pretenuring.js, which forces the collections so the outcome is certain). In a
 * live Node-RED it depends on timing: in standalone OPC UA runs at 10,000 tags the old generation
 * grew 6.4 MB/s when it happened and under 0.6 MB/s when it did not. Objects made by `new` are
 * never pretenured this way.
 * Its prototype is Object.prototype, so to every consumer an entry is the plain object the contract
 * describes (JSON, Node-RED's cloneMessage, lodash's isPlainObject all see one).
 */
function BatchEntry(this: ReportedSample, value: TagValue, quality: Quality, timestamp: number) {
  this.value = value;
  this.quality = quality;
  this.timestamp = timestamp;
}
BatchEntry.prototype = Object.prototype;
const newBatchEntry = BatchEntry as unknown as new (value: TagValue, quality: Quality, timestamp: number) => ReportedSample;

/**
 * The messages of one report (DESIGN §2 contracts), for both readers: batch messages of up to
 * BATCH_MAX_TAGS tags, or one message per tag. A sample's `error` goes along where it has one.
 * Send each with its own send(): Node-RED deep-clones all but the first of a multi-message send().
 */
export function reportMessages(report: Report<ReportedSample>, mode: OutputMode, source: string | undefined): Array<Record<string, unknown>> {
  const { tags, samples } = report;
  const out: Array<Record<string, unknown>> = [];
  if (mode === 'batch') {
    for (let start = 0; start < tags.length; start += BATCH_MAX_TAGS) {
      // Copies, never the held samples: a downstream function that edits msg.payload must not
      // change the live value table or what this reporter compares against.
      const payload: Record<string, ReportedSample> = {};
      const end = Math.min(tags.length, start + BATCH_MAX_TAGS);
      for (let i = start; i < end; i++) {
        const s = samples[i];
        const entry = new newBatchEntry(s.value, s.quality, s.timestamp);
        if (s.error) entry.error = s.error;
        payload[tags[i]] = entry;
      }
      out.push({ topic: 'batch', payload, source });
    }
    return out;
  }
  for (let i = 0; i < tags.length; i++) {
    const s = samples[i];
    const m: Record<string, unknown> = { topic: tags[i], payload: s.value, quality: s.quality, timestamp: s.timestamp, source };
    if (s.error) m.error = s.error;
    out.push(m);
  }
  return out;
}
