// One poll cycle for the plant-model tags of a Modbus connection: planned, coalesced reads,
// decoding, report by exception (the plant's ExceptionReporter: per-tag deadband plus a periodic
// full refresh), and honest quality: a failed request marks exactly its tags bad with the time
// of the failure; a stale value is never passed on as good.
import type { TagSample } from '../messages';
import type { Tag, TagValue } from '../plant';
import { ExceptionReporter, isModbusSource } from '../plant';
import { decodeRegisters, isBitArea, pointOf, readFunctionCode, type ModbusPoint } from './codec';
import { readBits, readRegisters, type ModbusMaster } from './master';
import { planReads, type PlannedRead } from './planner';

/** A tag sample (the message contract) plus, on a bad one, why. */
export interface TagSampleOut extends TagSample {
  error?: string;
}

export interface PollStats {
  polls: number;
  requests: number;
  failedRequests: number;
  lastPollMs: number;
  lastError?: string;
  goodTags: number;
  badTags: number;
}

export interface PollerOptions {
  defaultUnitId: number;
  maxGap?: number;
  /** A full refresh sends every tag regardless of its deadband (ms; 0 = never). */
  fullRefreshMs?: number;
}

/**
 * The sample of a value read from the device, at `timestamp`. A NaN or infinite float is a device
 * telling us it has no valid value: bad quality, with `lastValue` (the tag's last known value,
 * context only) as its value. Used by the poller and by copilot-modbus's readTag.
 */
export function sampleOfRead(tag: string, value: number | boolean, timestamp: number, lastValue: TagValue = 0): TagSampleOut {
  if (typeof value === 'number' && !Number.isFinite(value)) return { tag, value: lastValue, quality: 'bad', timestamp, error: 'the device sent NaN or infinity' };
  return { tag, value, quality: 'good', timestamp };
}

/** A polled tag: its index in the poller's item list (and its reporter) and its name. */
interface Item {
  index: number;
  tag: string;
}

export class ModbusPoller {
  private readonly plan: Array<PlannedRead<Item>>;
  /** Indexed like the items: item i is the i-th tag with a valid Modbus point. */
  private readonly reporter: ExceptionReporter<TagSampleOut>;
  private lastFullRefresh = 0;
  readonly invalid: Array<{ tag: string; error: string }> = [];
  readonly stats: PollStats = { polls: 0, requests: 0, failedRequests: 0, lastPollMs: 0, goodTags: 0, badTags: 0 };

  constructor(
    tags: Tag[],
    private readonly opts: PollerOptions,
  ) {
    const points: Array<{ key: Item; point: ModbusPoint }> = [];
    const names: string[] = [];
    const deadbands: number[] = [];
    for (const t of tags) {
      if (!isModbusSource(t.source)) continue;
      try {
        const point = pointOf(t.source);
        points.push({ key: { index: names.length, tag: t.name }, point });
        names.push(t.name);
        deadbands.push(t.deadband ?? 0);
      } catch (e) {
        this.invalid.push({ tag: t.name, error: (e as Error).message });
      }
    }
    this.reporter = new ExceptionReporter<TagSampleOut>(names, deadbands);
    this.plan = planReads(points, { defaultUnitId: opts.defaultUnitId, maxGap: opts.maxGap });
  }

  get requests(): ReadonlyArray<PlannedRead<Item>> {
    return this.plan;
  }

  /** The tags polled, in item order (the order of `all` in a poll result). */
  get tags(): readonly string[] {
    return this.reporter.tags;
  }

  get tagCount(): number {
    return this.reporter.tags.length;
  }

  /**
   * Reads every planned request (concurrently: the connection's queue and in-flight limit
   * decide what actually goes on the wire) and returns all samples (in item order) plus the
   * ones to report: those that moved by more than their deadband or changed quality, or all of
   * them on a full refresh.
   */
  async poll(master: ModbusMaster, now: () => number = Date.now, forceFull = false): Promise<{ all: TagSampleOut[]; changed: TagSampleOut[]; full: boolean }> {
    const started = now();
    const full = forceFull || this.opts.fullRefreshMs !== undefined && this.opts.fullRefreshMs > 0 && started - this.lastFullRefresh >= this.opts.fullRefreshMs;
    if (full) this.lastFullRefresh = started;
    const all = new Array<TagSampleOut>(this.reporter.tags.length);
    await Promise.all(this.plan.map((r) => this.read(master, r, now, all)));
    let good = 0;
    for (let i = 0; i < all.length; i++) {
      if (all[i].quality === 'good') good++;
      this.reporter.offer(i, all[i]);
    }
    const changed = (full ? this.reporter.fullRefresh() : this.reporter.takePending()).samples;
    this.stats.polls++;
    this.stats.lastPollMs = now() - started;
    this.stats.goodTags = good;
    this.stats.badTags = all.length - good;
    return { all, changed, full };
  }

  /** Reads one planned request and puts its samples into `out` at their items' indexes. */
  private async read(master: ModbusMaster, r: PlannedRead<Item>, now: () => number, out: TagSampleOut[]): Promise<void> {
    this.stats.requests++;
    try {
      if (isBitArea(r.area)) {
        const bits = await readBits(master, r.unitId, readFunctionCode(r.area), r.start, r.count);
        const ts = now();
        for (const i of r.items) out[i.key.index] = sampleOfRead(i.key.tag, bits[i.offset], ts);
        return;
      }
      const data = await readRegisters(master, r.unitId, readFunctionCode(r.area), r.start, r.count);
      const ts = now();
      for (const i of r.items) out[i.key.index] = sampleOfRead(i.key.tag, decodeRegisters(i.point, data.subarray(i.offset * 2)), ts, this.lastValue(i.key.index));
    } catch (e) {
      this.stats.failedRequests++;
      const error = (e as Error).message;
      this.stats.lastError = error;
      const ts = now();
      // Bad quality carries the last known value only as context; consumers must not use it.
      for (const i of r.items) out[i.key.index] = { tag: i.key.tag, value: this.lastValue(i.key.index), quality: 'bad', timestamp: ts, error };
    }
  }

  /** The latest value of an item, for a bad sample's context (0 before the first one). */
  private lastValue(index: number): TagValue {
    return this.reporter.latestOf(index)?.value ?? 0;
  }
}
