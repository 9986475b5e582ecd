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
 */
export class ExceptionReporter<S extends Sample = Sample> {
  private readonly reported: Array<S | undefined>;
  private readonly latest: Array<S | undefined>;
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
    this.queued = new Uint8Array(tags.length);
  }

  /** Takes item `index`'s new sample; true when it is to be reported (it is then queued until takePending). */
  offer(index: number, s: S): boolean {
    if (index < 0 || index >= this.tags.length) return false;
    this.latest[index] = s;
    const prev = this.reported[index];
    if (prev && prev.quality === s.quality && !exceeds(prev.value, s.value, this.deadbands[index] ?? 0)) return false;
    this.reported[index] = s;
    if (!this.queued[index]) {
      this.queued[index] = 1;
      this.pending.push(index);
    }
    return true;
  }

  /** The samples to report now (each tag once, its newest reportable sample); clears the queue. */
  takePending(): Report<S> {
    const out: Report<S> = { tags: [], samples: [] };
    for (const i of this.pending) {
      this.queued[i] = 0;
      out.tags.push(this.tags[i]);
      out.samples.push(this.reported[i]!);
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
      out.tags.push(this.tags[i]);
      out.samples.push(s);
    }
    return out;
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

/** The messages of one report: one batch message, or one message per tag (DESIGN §2 contracts). */
export function reportMessages(report: Report, mode: OutputMode, source: string): Array<Record<string, unknown>> {
  const { tags, samples } = report;
  if (tags.length === 0) return [];
  if (mode === 'batch') {
    // Copies, never the held samples: a downstream function that edits msg.payload must not
    // change the live value table or what this reporter compares against.
    const payload: Record<string, Sample> = {};
    for (let i = 0; i < tags.length; i++) {
      const s = samples[i];
      payload[tags[i]] = { value: s.value, quality: s.quality, timestamp: s.timestamp };
    }
    return [{ topic: 'batch', payload, source }];
  }
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < tags.length; i++) {
    const s = samples[i];
    out.push({ topic: tags[i], payload: s.value, quality: s.quality, timestamp: s.timestamp, source });
  }
  return out;
}
