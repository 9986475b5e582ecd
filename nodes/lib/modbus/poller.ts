// One poll cycle for the plant-model tags of a Modbus connection: planned, coalesced reads,
// decoding, report by exception (per-tag deadband plus a periodic full refresh), and honest
// quality: a failed request marks exactly its tags bad with the time of the failure; a stale
// value is never passed on as good.
import type { TagSample } from '../messages';
import type { Quality, Tag, TagValue } from '../plant';
import { exceeds, isModbusSource } from '../plant';
import { decodeRegisters, isBitArea, pointOf, type ModbusPoint } from './codec';
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

interface Last {
  value: TagValue;
  quality: Quality;
}

export class ModbusPoller {
  private readonly plan: Array<PlannedRead<Tag>>;
  /** Deadband per tag name, for report by exception. */
  private readonly deadbands = new Map<string, number>();
  private readonly last = new Map<string, Last>();
  private lastFullRefresh = 0;
  readonly invalid: Array<{ tag: string; error: string }> = [];
  readonly stats: PollStats = { polls: 0, requests: 0, failedRequests: 0, lastPollMs: 0, goodTags: 0, badTags: 0 };

  constructor(
    tags: Tag[],
    private readonly opts: PollerOptions,
  ) {
    const points: Array<{ key: Tag; point: ModbusPoint }> = [];
    for (const t of tags) {
      if (!isModbusSource(t.source)) continue;
      try {
        points.push({ key: t, point: pointOf(t.source) });
        this.deadbands.set(t.name, t.deadband ?? 0);
      } catch (e) {
        this.invalid.push({ tag: t.name, error: (e as Error).message });
      }
    }
    this.plan = planReads(points, { defaultUnitId: opts.defaultUnitId, maxGap: opts.maxGap });
  }

  get requests(): ReadonlyArray<PlannedRead<Tag>> {
    return this.plan;
  }

  get tagCount(): number {
    return this.plan.reduce((n, r) => n + r.items.length, 0);
  }

  /**
   * Reads every planned request (concurrently: the connection's queue and in-flight limit
   * decide what actually goes on the wire) and returns all samples plus the changed ones.
   */
  async poll(master: ModbusMaster, now: () => number = Date.now, forceFull = false): Promise<{ all: TagSampleOut[]; changed: TagSampleOut[]; full: boolean }> {
    const started = now();
    const full = forceFull || this.opts.fullRefreshMs !== undefined && this.opts.fullRefreshMs > 0 && started - this.lastFullRefresh >= this.opts.fullRefreshMs;
    if (full) this.lastFullRefresh = started;
    const results = await Promise.all(this.plan.map((r) => this.read(master, r, now)));
    const all = results.flat();
    const changed: TagSampleOut[] = [];
    let good = 0;
    for (const s of all) {
      if (s.quality === 'good') good++;
      const prev = this.last.get(s.tag);
      if (full || !prev || this.differs(prev, s)) {
        changed.push(s);
        this.last.set(s.tag, { value: s.value, quality: s.quality });
      }
    }
    this.stats.polls++;
    this.stats.lastPollMs = now() - started;
    this.stats.goodTags = good;
    this.stats.badTags = all.length - good;
    return { all, changed, full };
  }

  private differs(prev: Last, s: TagSampleOut): boolean {
    return prev.quality !== s.quality || exceeds(prev.value, s.value, this.deadbands.get(s.tag) ?? 0);
  }

  private async read(master: ModbusMaster, r: PlannedRead<Tag>, now: () => number): Promise<TagSampleOut[]> {
    this.stats.requests++;
    try {
      if (isBitArea(r.area)) {
        const bits = await readBits(master, r.unitId, r.fc as 1 | 2, r.start, r.count);
        const ts = now();
        return r.items.map((i) => ({ tag: i.key.name, value: bits[i.offset], quality: 'good' as const, timestamp: ts }));
      }
      const data = await readRegisters(master, r.unitId, r.fc as 3 | 4, r.start, r.count);
      const ts = now();
      return r.items.map((i) => {
        const value = decodeRegisters(i.point, data.subarray(i.offset * 2));
        // A NaN or infinite float is a device telling us it has no valid value.
        if (typeof value === 'number' && !Number.isFinite(value)) return { tag: i.key.name, value: 0, quality: 'bad' as const, timestamp: ts, error: 'the device sent NaN or infinity' };
        return { tag: i.key.name, value, quality: 'good' as const, timestamp: ts };
      });
    } catch (e) {
      this.stats.failedRequests++;
      const error = (e as Error).message;
      this.stats.lastError = error;
      const ts = now();
      // Bad quality carries the last known value only as context; consumers must not use it.
      return r.items.map((i) => ({ tag: i.key.name, value: this.last.get(i.key.name)?.value ?? 0, quality: 'bad' as const, timestamp: ts, error }));
    }
  }
}
