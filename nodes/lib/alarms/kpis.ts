// Alarm-system KPIs over a rolling window, as ISA-18.2 and EEMUA 191 define them: rates per
// operator position, share of 10-minute intervals above 10 alarms, time in flood, the most
// frequent alarms and their share of the load, the priority distribution against 80/15/5, and
// the counts of standing, stale, shelved and suppressed alarms.
import type { AlarmState } from '../contracts';
import type { Priority } from '../plant/schema';
import type { AlarmEngineOptions, AlarmKpis, PositionKpis } from './types';

const TEN_MIN = 600_000;
const HOUR = 3_600_000;

export interface KpiInput {
  now: number;
  options: AlarmEngineOptions;
  /** When the engine first saw time; the window never reaches before it (no invented quiet hours). */
  startedAt: number;
  raises: Array<{ t: number; id: string; tag: string; priority: Priority; position: string }>;
  floods: Array<{ start: number; end: number | null }>;
  fleeting: number;
  alarms: Array<{ priority: Priority; position: string; state: AlarmState; acked: boolean; activeSince: number | null }>;
  chattering: number;
}

const round = (x: number) => Math.round(x * 100) / 100;
const pct = (part: number, whole: number) => (whole > 0 ? round((part / whole) * 100) : 0);

function band(p: Priority): 'low' | 'medium' | 'high' {
  return p === 'urgent' || p === 'high' ? 'high' : p;
}

export function computeKpis(k: KpiInput): AlarmKpis {
  const { now, options } = k;
  const from = Math.min(now, Math.max(now - options.kpiWindowMs, k.startedAt));
  const ms = Math.max(1, now - from);
  const firstBucket = Math.floor(from / TEN_MIN);
  // Aligned 10-minute intervals that overlap [from, now).
  const intervals = Math.max(firstBucket, Math.floor((now - 1) / TEN_MIN)) - firstBucket + 1;

  const inWindow = k.raises.filter((r) => r.t >= from && r.t <= now);
  const positions = new Map<string, { count: number; buckets: Map<number, number> }>();
  for (const a of k.alarms) if (!positions.has(a.position)) positions.set(a.position, { count: 0, buckets: new Map() });
  const all = { count: 0, buckets: new Map<number, number>() };
  const byId = new Map<string, { id: string; tag: string; count: number }>();
  const counts: Record<Priority, number> = { urgent: 0, high: 0, medium: 0, low: 0 };
  for (const r of inWindow) {
    let p = positions.get(r.position);
    if (!p) positions.set(r.position, (p = { count: 0, buckets: new Map() }));
    const b = Math.floor(r.t / TEN_MIN);
    for (const acc of [p, all]) {
      acc.count++;
      acc.buckets.set(b, (acc.buckets.get(b) ?? 0) + 1);
    }
    const e = byId.get(r.id) ?? { id: r.id, tag: r.tag, count: 0 };
    e.count++;
    byId.set(r.id, e);
    counts[r.priority]++;
  }
  const rates = (acc: { count: number; buckets: Map<number, number> }): PositionKpis => {
    let peak = 0;
    let over = 0;
    for (const n of acc.buckets.values()) {
      peak = Math.max(peak, n);
      if (n > 10) over++;
    }
    return {
      alarms: acc.count,
      per10Min: round(acc.count / (ms / TEN_MIN)),
      perHour: round(acc.count / (ms / HOUR)),
      peak10Min: peak,
      intervals,
      intervalsOver10: over,
      pctIntervalsOver10: pct(over, intervals),
    };
  };
  const byPosition: Record<string, PositionKpis> = {};
  for (const [name, acc] of [...positions.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) byPosition[name] = rates(acc);
  const overall = rates(all);

  let timeInFloodMs = 0;
  for (const f of k.floods) timeInFloodMs += Math.max(0, Math.min(f.end ?? now, now) - Math.max(f.start, from));
  const floods = k.floods.filter((f) => (f.end ?? now) >= from).length;

  const top10 = [...byId.values()]
    .sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : 1))
    .slice(0, 10)
    .map((e) => ({ ...e, share: pct(e.count, all.count) }));
  const topCount = top10.reduce((s, e) => s + e.count, 0);

  const annunciatedBands = { low: 0, medium: 0, high: 0 };
  for (const p of Object.keys(counts) as Priority[]) annunciatedBands[band(p)] += counts[p];
  const configuredBands = { low: 0, medium: 0, high: 0 };
  for (const a of k.alarms) configuredBands[band(a.priority)]++;

  let standing = 0;
  let unacknowledged = 0;
  let stale = 0;
  let shelved = 0;
  let suppressed = 0;
  let outOfService = 0;
  for (const a of k.alarms) {
    if (a.state === 'UNACK' || a.state === 'ACKED') {
      standing++;
      if (a.activeSince !== null && now - a.activeSince > options.staleMs) stale++;
    }
    if ((a.state === 'UNACK' || a.state === 'RTN_UNACK' || a.state === 'LATCHED') && !a.acked) unacknowledged++;
    if (a.state === 'SHELVED') shelved++;
    else if (a.state === 'SUPPRESSED') suppressed++;
    else if (a.state === 'OUT_OF_SERVICE') outOfService++;
  }

  return {
    at: now,
    window: { from, to: now, ms: now - from },
    alarms: all.count,
    per10Min: overall.per10Min,
    perHour: overall.perHour,
    peak10Min: overall.peak10Min,
    pctIntervalsOver10: overall.pctIntervalsOver10,
    byPosition,
    timeInFloodMs,
    pctTimeInFlood: pct(timeInFloodMs, ms),
    floods,
    top10,
    top10Share: pct(topCount, all.count),
    priority: {
      annunciated: { low: pct(annunciatedBands.low, all.count), medium: pct(annunciatedBands.medium, all.count), high: pct(annunciatedBands.high, all.count) },
      configured: { low: pct(configuredBands.low, k.alarms.length), medium: pct(configuredBands.medium, k.alarms.length), high: pct(configuredBands.high, k.alarms.length) },
      counts,
      guide: { low: 80, medium: 15, high: 5 },
    },
    standing,
    unacknowledged,
    stale,
    shelved,
    suppressed,
    outOfService,
    chattering: k.chattering,
    fleeting: k.fleeting,
  };
}
