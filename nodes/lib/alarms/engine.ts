// The ISA-18.2 alarm engine: turns tag samples into alarm state changes for the alarms of a
// compiled plant model. Pure and deterministic: time comes only from sample timestamps and from
// explicit tick(now) / command(cmd, now) calls, never from timers or the wall clock, so every
// behaviour (delays, shelve expiry, staleness, floods) is testable step by step.
//
// Cost per sample is a map lookup plus the alarms of that tag (and the alarms whose DEV
// reference or suppression condition names it): alarms on other tags cost nothing.
import { ServiceError, type AlarmCommand, type AlarmEvent, type AlarmState } from '../contracts';
import type { TagSample } from '../messages';
import { conditionTags, evaluateCondition } from '../plant/condition';
import type { Alarm, PlantModel, Quality, TagValue } from '../plant/model';
import type { Priority } from '../plant/schema';
import { computeKpis } from './kpis';
import {
  DEFAULT_ALARM_OPTIONS,
  type AlarmChangeKind,
  type AlarmEngineOptions,
  type AlarmEngineState,
  type AlarmKpis,
  type AlarmOutput,
  type AlarmSummary,
  type FloodEvent,
  type OutOfServiceInfo,
  type PersistedAlarm,
  type ShelveInfo,
} from './types';

export const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, medium: 2, low: 3 };

// Alarm kinds as small integers: the hot path switches on them.
const K_HIGH = 0;
const K_LOW = 1;
const K_DEV = 2;
const K_ROC = 3;
const K_DISCRETE = 4;
const K_BAD_PV = 5;

/** A rate of change is judged over at most a minute: no new sample for that long means no change (report by exception). */
const ROC_HOLD_MS = 60_000;
/** Raises kept for the KPIs (and persisted); a bound so a runaway flood cannot exhaust memory. */
const MAX_RAISES = 200_000;
const MAX_PERSISTED_RAISES = 10_000;

interface TagRt {
  name: string;
  v: TagValue | undefined;
  q: Quality | undefined;
  t: number;
  /** Previous good numeric sample, for rates of change. */
  prevNum: number;
  prevT: number;
  /** Bad quality or stale: limit alarms hold, BAD_PV raises. */
  unhealthy: boolean;
  stale: boolean;
  /** Smallest maxAge of this tag's BAD_PV alarms; undefined = staleness not watched. */
  maxAgeMs: number | undefined;
  alarms: AlarmRt[];
  /** Alarms whose DEV reference is this tag. */
  refDeps: AlarmRt[];
  /** Alarms whose suppressWhen names this tag. */
  suppressDeps: AlarmRt[];
}

interface AlarmRt {
  alarm: Alarm;
  tag: TagRt;
  kind: number;
  limitNum: number;
  refTag: TagRt | undefined;
  refValue: number;
  /** Debounced alarm condition (after deadband and on/off delays). */
  cond: boolean;
  /** Instantaneous condition after deadband; differs from cond while a delay runs. */
  raw: boolean;
  pendingSince: number;
  rate: number;
  acked: boolean;
  latch: boolean;
  activeSince: number | null;
  firstOut: boolean;
  /** Suppressed by design; a restored value is kept until a tag of the condition reports again. */
  suppressed: boolean;
  shelf: ShelveInfo | undefined;
  oos: OutOfServiceInfo | undefined;
  state: AlarmState;
  at: number;
  by: string | undefined;
  reason: string | undefined;
  /** Last raise times, for chatter detection (at most chatterCount). */
  recentRaises: number[];
  chattering: boolean;
}

/** A tag sample as the engine needs it (samplesFromMessage's TagSample without its source). */
export type SampleLike = Omit<TagSample, 'source'>;

export interface RaiseRecord {
  t: number;
  rt: AlarmRt;
}

export interface FloodRecord {
  id: string;
  start: number;
  end: number | null;
  count: number;
  firstOut: string | null;
  sources: Map<AlarmRt, number>;
}

export class AlarmEngine {
  readonly options: AlarmEngineOptions;
  private readonly tags = new Map<string, TagRt>();
  private readonly rts: AlarmRt[] = [];
  private readonly byId = new Map<string, AlarmRt>();
  private readonly pending = new Set<AlarmRt>();
  private readonly shelved = new Set<AlarmRt>();
  private readonly rocRaw = new Set<AlarmRt>();
  private readonly chattering = new Set<AlarmRt>();
  private readonly staleWatched: TagRt[] = [];
  /** Annunciated raises, oldest first; floodHead/kpiHead index the start of each window. */
  private readonly raises: RaiseRecord[] = [];
  private floodHead = 0;
  private readonly fleeting: RaiseRecord[] = [];
  private readonly floods: FloodRecord[] = [];
  private flood: FloodRecord | undefined;
  private floodSeq = 0;
  /** Start of the KPI window: when the engine first saw time; restored from a snapshot. */
  private startedAt: number | null = null;
  /**
   * When this engine instance first saw time (its first sample or tick); never persisted. A tag
   * that has not reported since goes stale maxAge after it, so after a restart staleness counts
   * from the restart, not from the restored startedAt.
   */
  private watchFrom: number | null = null;
  private lastRaise: number | null = null;
  private readonly lookup = (name: string): TagValue | undefined => {
    const t = this.tags.get(name);
    return t && !t.unhealthy && t.v !== undefined ? t.v : undefined;
  };
  /** Samples for tags the model does not declare (counted, otherwise ignored). */
  unknownSamples = 0;

  constructor(
    readonly model: PlantModel,
    private readonly sink: (out: AlarmOutput) => void,
    options: Partial<AlarmEngineOptions> = {},
    saved?: AlarmEngineState,
  ) {
    this.options = { ...DEFAULT_ALARM_OPTIONS, ...options };
    const tagRt = (name: string): TagRt => {
      let t = this.tags.get(name);
      if (!t) {
        t = { name, v: undefined, q: undefined, t: -Infinity, prevNum: NaN, prevT: NaN, unhealthy: false, stale: false, maxAgeMs: undefined, alarms: [], refDeps: [], suppressDeps: [] };
        this.tags.set(name, t);
      }
      return t;
    };
    for (const tag of model.tags) tagRt(tag.name);
    for (const alarm of model.alarms) {
      if (this.byId.has(alarm.id)) continue; // the loader rejects duplicates; be safe anyway
      const tag = tagRt(alarm.tag);
      const kind = kindOf(alarm);
      const rt: AlarmRt = {
        alarm,
        tag,
        kind,
        limitNum: typeof alarm.limit === 'number' ? alarm.limit : NaN,
        refTag: typeof alarm.reference === 'string' ? tagRt(alarm.reference) : undefined,
        refValue: typeof alarm.reference === 'number' ? alarm.reference : NaN,
        cond: false,
        raw: false,
        pendingSince: NaN,
        rate: NaN,
        acked: true,
        latch: false,
        activeSince: null,
        firstOut: false,
        suppressed: false,
        shelf: undefined,
        oos: undefined,
        state: 'NORMAL',
        at: 0,
        by: undefined,
        reason: undefined,
        recentRaises: [],
        chattering: false,
      };
      this.rts.push(rt);
      this.byId.set(alarm.id, rt);
      tag.alarms.push(rt);
      rt.refTag?.refDeps.push(rt);
      if (alarm.suppressWhen) for (const name of conditionTags(alarm.suppressWhen)) tagRt(name).suppressDeps.push(rt);
      if (kind === K_BAD_PV && alarm.maxAgeMs !== undefined) {
        if (tag.maxAgeMs === undefined) this.staleWatched.push(tag);
        tag.maxAgeMs = Math.min(tag.maxAgeMs ?? Infinity, alarm.maxAgeMs);
      }
    }
    if (saved) this.restore(saved);
  }

  // ---------------------------------------------------------------------------------------
  // Samples and time

  /** Evaluates one tag sample; state changes go to the sink. */
  ingest(s: SampleLike): void {
    const tag = this.tags.get(s.tag);
    if (tag === undefined) {
      this.unknownSamples++;
      return;
    }
    const t = s.timestamp;
    // An older sample than the one already seen (out-of-order delivery) must not roll the tag back.
    if (t < tag.t) return;
    if (this.startedAt === null) this.startedAt = t;
    if (this.watchFrom === null) this.watchFrom = t;
    const value = s.value;
    tag.v = value;
    tag.q = s.quality;
    tag.t = t;
    const wasUnhealthy = tag.unhealthy;
    tag.stale = false;
    tag.unhealthy = s.quality === 'bad';
    const alarms = tag.alarms;
    if (tag.unhealthy) {
      if (!wasUnhealthy) this.hold(tag);
      for (let i = 0; i < alarms.length; i++) if (alarms[i].kind === K_BAD_PV) this.evaluate(alarms[i], t);
    } else {
      for (let i = 0; i < alarms.length; i++) this.evaluate(alarms[i], t);
      const num = numeric(value);
      if (num === num) {
        tag.prevNum = num;
        tag.prevT = t;
      }
    }
    const refs = tag.refDeps;
    for (let i = 0; i < refs.length; i++) if (!refs[i].tag.unhealthy) this.evaluate(refs[i], t);
    const sup = tag.suppressDeps;
    for (let i = 0; i < sup.length; i++) this.evaluateSuppression(sup[i], t);
  }

  ingestAll(samples: readonly SampleLike[]): void {
    for (let i = 0; i < samples.length; i++) this.ingest(samples[i]);
  }

  /**
   * Advances time with no sample: completes on/off delays, expires shelves, detects stale values
   * (BAD_PV maxAge), ends floods and chatter, and lets rate-of-change alarms settle.
   */
  tick(now: number): void {
    if (this.startedAt === null) this.startedAt = now;
    if (this.watchFrom === null) this.watchFrom = now;
    for (const rt of this.pending) {
      if (rt.kind !== K_BAD_PV && rt.tag.unhealthy) {
        rt.pendingSince = NaN;
        this.pending.delete(rt);
        continue;
      }
      const delay = rt.raw ? rt.alarm.onDelayMs : rt.alarm.offDelayMs;
      if (now - rt.pendingSince >= delay) this.setCondition(rt, rt.raw, rt.pendingSince + delay);
    }
    for (const rt of this.shelved) if (rt.shelf && now >= rt.shelf.until) this.unshelve(rt, rt.shelf.until, undefined, 'shelve-expired');
    for (const tag of this.staleWatched) {
      const stale = now - Math.max(tag.t, this.watchFrom) > (tag.maxAgeMs as number);
      if (stale && !tag.stale) {
        tag.stale = true;
        if (!tag.unhealthy) {
          tag.unhealthy = true;
          this.hold(tag);
        }
        for (const rt of tag.alarms) if (rt.kind === K_BAD_PV) this.evaluate(rt, now);
      }
    }
    for (const rt of this.rocRaw) {
      if (!rt.tag.unhealthy && now - rt.tag.t >= ROC_HOLD_MS) {
        rt.rate = 0;
        this.decide(rt, rt.limitNum - rt.alarm.deadband <= 0, now);
        if (!rt.raw) this.rocRaw.delete(rt);
      }
    }
    this.advanceFlood(now);
    for (const rt of this.chattering) {
      const last = rt.recentRaises[rt.recentRaises.length - 1] ?? -Infinity;
      if (now - last > this.options.chatterWindowMs) {
        rt.chattering = false;
        this.chattering.delete(rt);
      }
    }
    this.pruneKpiWindow(now);
  }

  /** A tag went bad or stale: limit alarms keep their state, their running delays stop. */
  private hold(tag: TagRt): void {
    for (const rt of tag.alarms) {
      if (rt.kind === K_BAD_PV) continue;
      rt.pendingSince = NaN;
      rt.raw = rt.cond;
      this.pending.delete(rt);
      this.rocRaw.delete(rt);
    }
  }

  /** The condition cannot be judged now (value not a number, reference bad): keep the state, stop the delay. */
  private holdOne(rt: AlarmRt): void {
    rt.raw = rt.cond;
    if (rt.pendingSince === rt.pendingSince) {
      rt.pendingSince = NaN;
      this.pending.delete(rt);
    }
  }

  private evaluate(rt: AlarmRt, t: number): void {
    const tag = rt.tag;
    let raw: boolean;
    switch (rt.kind) {
      case K_BAD_PV:
        raw = tag.unhealthy;
        break;
      case K_DISCRETE:
        if (tag.v === undefined) return;
        raw = discreteMatch(tag.v, rt.alarm.limit as TagValue);
        break;
      default: {
        const v = numeric(tag.v);
        if (v !== v) return this.holdOne(rt);
        const db = rt.alarm.deadband;
        const lim = rt.limitNum;
        if (rt.kind === K_HIGH) raw = rt.raw ? v >= lim - db : v >= lim;
        else if (rt.kind === K_LOW) raw = rt.raw ? v <= lim + db : v <= lim;
        else if (rt.kind === K_DEV) {
          const ref = rt.refTag ? (rt.refTag.unhealthy ? NaN : numeric(rt.refTag.v)) : rt.refValue;
          if (ref !== ref) return this.holdOne(rt);
          const d = Math.abs(v - ref);
          raw = rt.raw ? d >= lim - db : d >= lim;
        } else {
          const dt = t - tag.prevT;
          if (!(dt > 0)) return; // first sample or same instant: no rate yet
          rt.rate = ((v - tag.prevNum) / dt) * 60_000;
          const dir = rt.alarm.direction;
          const r = dir === 'rising' ? rt.rate : dir === 'falling' ? -rt.rate : Math.abs(rt.rate);
          raw = rt.raw ? r >= lim - db : r >= lim;
          if (raw) this.rocRaw.add(rt);
          else this.rocRaw.delete(rt);
        }
      }
    }
    this.decide(rt, raw, t);
  }

  /** Applies on/off delays to a new instantaneous condition. */
  private decide(rt: AlarmRt, raw: boolean, t: number): void {
    rt.raw = raw;
    if (raw === rt.cond) {
      if (rt.pendingSince === rt.pendingSince) {
        rt.pendingSince = NaN;
        this.pending.delete(rt);
      }
      return;
    }
    if (rt.pendingSince !== rt.pendingSince) rt.pendingSince = t;
    const delay = raw ? rt.alarm.onDelayMs : rt.alarm.offDelayMs;
    if (t - rt.pendingSince >= delay) this.setCondition(rt, raw, rt.pendingSince + delay);
    else this.pending.add(rt);
  }

  private hidden(rt: AlarmRt): boolean {
    return rt.oos !== undefined || rt.shelf !== undefined || rt.suppressed;
  }

  private setCondition(rt: AlarmRt, active: boolean, at: number): void {
    rt.cond = active;
    rt.pendingSince = NaN;
    this.pending.delete(rt);
    const hidden = this.hidden(rt);
    if (active) {
      rt.activeSince = at;
      // Every raise needs the operator's acknowledgement, also one that happens while shelved or
      // suppressed: it is presented when the alarm comes back into view with the condition present.
      rt.acked = false;
      if (rt.oos === undefined) this.noteChatter(rt, at);
      if (!hidden) {
        if (rt.alarm.latched) rt.latch = true;
        rt.firstOut = this.lastRaise === null || at - this.lastRaise > this.options.firstOutQuietMs;
        this.lastRaise = at;
        this.recordRaise(rt, at);
      } else {
        rt.firstOut = false;
      }
    } else {
      if (!hidden && rt.activeSince !== null && at - rt.activeSince < this.options.fleetingMs) this.fleeting.push({ t: at, rt });
      rt.activeSince = null;
      // A return to normal the operator never saw needs no acknowledgement.
      if (hidden) rt.acked = true;
    }
    this.changed(rt, active ? 'raise' : 'clear', at);
  }

  private evaluateSuppression(rt: AlarmRt, t: number): void {
    // Unknown plant state (a tag missing or bad) means not suppressed: better one alarm too many.
    const s = evaluateCondition(rt.alarm.suppressWhen!, this.lookup) === true;
    if (s === rt.suppressed) return;
    rt.suppressed = s;
    this.changed(rt, s ? 'suppress' : 'unsuppress', t, undefined, undefined, true);
  }

  // ---------------------------------------------------------------------------------------
  // Operator commands

  /** Applies an operator command at time `now`; throws ServiceError (400, 404, 409). */
  command(cmd: AlarmCommand, now: number): AlarmEvent {
    const rt = this.byId.get(cmd.alarmId);
    if (!rt) throw new ServiceError(404, `unknown alarm "${cmd.alarmId}": alarm ids are "<tag>:<type>" as in the plant model, e.g. "TT-201:HI"`);
    const user = typeof cmd.user === 'string' ? cmd.user.trim() : '';
    if (!user) throw new ServiceError(400, `${cmd.command} ${rt.alarm.id}: say who does it (user)`);
    const reason = typeof cmd.reason === 'string' && cmd.reason.trim() ? cmd.reason.trim() : undefined;
    const id = rt.alarm.id;
    const state = rt.state;
    switch (cmd.command) {
      case 'ack':
        if (!(state === 'UNACK' || state === 'RTN_UNACK' || (state === 'LATCHED' && !rt.acked)))
          throw new ServiceError(409, `${id} is ${state}: there is nothing to acknowledge`);
        rt.acked = true;
        this.changed(rt, 'ack', now, user, reason);
        break;
      case 'shelve': {
        const minutes = cmd.minutes;
        const max = this.options.maxShelveMinutes;
        if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0 || minutes > max)
          throw new ServiceError(400, `shelve ${id}: minutes must be a number above 0 and at most ${max} (a shelve always ends by itself)`);
        if (!reason) throw new ServiceError(400, `shelve ${id}: give a reason (it is recorded with the shelve)`);
        if (state === 'OUT_OF_SERVICE') throw new ServiceError(409, `${id} is out of service: return it to service before shelving it`);
        // Shelving again extends or shortens the shelve; the operator has seen the alarm either way.
        rt.shelf = { by: user, at: now, until: now + minutes * 60_000, reason };
        rt.acked = true;
        this.shelved.add(rt);
        this.changed(rt, 'shelve', now, user, reason);
        break;
      }
      case 'unshelve':
        if (!rt.shelf) throw new ServiceError(409, `${id} is ${state}, not shelved`);
        this.unshelve(rt, now, user, 'unshelve', reason);
        break;
      case 'reset':
        if (!rt.alarm.latched) throw new ServiceError(409, `${id} is not a latched alarm: nothing to reset`);
        if (state !== 'LATCHED') throw new ServiceError(409, state === 'UNACK' || state === 'ACKED' ? `${id}: the alarm condition is still present, it can be reset once it has cleared` : `${id} is ${state}: nothing to reset`);
        rt.latch = false;
        rt.acked = true;
        this.changed(rt, 'reset', now, user, reason);
        break;
      case 'out-of-service':
        if (rt.oos) throw new ServiceError(409, `${id} is already out of service (since ${new Date(rt.oos.at).toISOString()}, by ${rt.oos.by})`);
        rt.oos = { by: user, at: now, reason };
        rt.shelf = undefined;
        this.shelved.delete(rt);
        rt.latch = false;
        rt.acked = true;
        this.changed(rt, 'out-of-service', now, user, reason);
        break;
      case 'return-to-service':
        if (!rt.oos) throw new ServiceError(409, `${id} is ${state}, not out of service`);
        rt.oos = undefined;
        // A condition present when the alarm comes back is presented to the operator again.
        rt.acked = !rt.cond;
        if (rt.cond) rt.activeSince = now;
        this.changed(rt, 'return-to-service', now, user, reason);
        break;
      default:
        throw new ServiceError(400, `unknown alarm command "${String((cmd as { command: unknown }).command)}": use ack, shelve, unshelve, reset, out-of-service or return-to-service`);
    }
    return this.eventOf(rt, now);
  }

  private unshelve(rt: AlarmRt, at: number, user: string | undefined, change: AlarmChangeKind, reason?: string): void {
    rt.shelf = undefined;
    this.shelved.delete(rt);
    rt.acked = !rt.cond;
    this.changed(rt, change, at, user, reason);
  }

  // ---------------------------------------------------------------------------------------
  // State, events

  private derive(rt: AlarmRt): AlarmState {
    if (rt.oos) return 'OUT_OF_SERVICE';
    if (rt.shelf) return 'SHELVED';
    if (rt.suppressed) return 'SUPPRESSED';
    if (rt.cond) return rt.acked ? 'ACKED' : 'UNACK';
    if (rt.latch) return 'LATCHED';
    return rt.acked ? 'NORMAL' : 'RTN_UNACK';
  }

  private changed(rt: AlarmRt, change: AlarmChangeKind, at: number, by?: string, reason?: string, onlyIfStateChanged = false): void {
    const previous = rt.state;
    const state = this.derive(rt);
    if (onlyIfStateChanged && state === previous) return;
    rt.state = state;
    // The first-out mark belongs to the alarm's part in one incident: it ends when the alarm is back to NORMAL.
    if (state === 'NORMAL') rt.firstOut = false;
    rt.at = at;
    rt.by = by;
    rt.reason = reason;
    this.sink({ kind: 'alarm', change, previous, event: this.eventOf(rt, at) });
  }

  private eventOf(rt: AlarmRt, at: number): AlarmEvent {
    const a = rt.alarm;
    const e: AlarmEvent = {
      id: a.id,
      tag: a.tag,
      type: a.type,
      state: rt.state,
      priority: a.priority,
      value: rt.tag.v ?? null,
      limit: a.limit ?? null,
      message: a.message,
      activeSince: rt.cond ? rt.activeSince : null,
      firstOut: rt.firstOut,
      shelved: rt.shelf !== undefined,
      suppressed: rt.suppressed,
      rationalization: a.rationalization,
      active: rt.cond,
      acked: rt.acked,
      quality: rt.tag.q,
      area: a.area,
      position: a.position,
      at: rt.at || at,
    };
    if (rt.by !== undefined) e.by = rt.by;
    if (rt.shelf) e.shelvedUntil = rt.shelf.until;
    if (rt.reason !== undefined) e.reason = rt.reason;
    if (e.quality === undefined) delete e.quality;
    if (e.area === undefined) delete e.area;
    return e;
  }

  /** One alarm's current record, or undefined for an unknown id. */
  get(id: string): AlarmEvent | undefined {
    const rt = this.byId.get(id);
    return rt ? this.eventOf(rt, rt.at) : undefined;
  }

  /** Every configured alarm: abnormal first (active ones before shelved/suppressed/out of service), then by priority, newest first. */
  list(): AlarmEvent[] {
    const group = (s: AlarmState) => (s === 'NORMAL' ? 2 : s === 'SHELVED' || s === 'SUPPRESSED' || s === 'OUT_OF_SERVICE' ? 1 : 0);
    return [...this.rts]
      .sort(
        (x, y) =>
          group(x.state) - group(y.state) ||
          PRIORITY_RANK[x.alarm.priority] - PRIORITY_RANK[y.alarm.priority] ||
          Number(x.acked) - Number(y.acked) ||
          (y.activeSince ?? 0) - (x.activeSince ?? 0) ||
          (x.alarm.id < y.alarm.id ? -1 : x.alarm.id > y.alarm.id ? 1 : 0),
      )
      .map((rt) => this.eventOf(rt, rt.at));
  }

  /**
   * Counts for a node status line, counted as summary() counts them: `active` = UNACK or ACKED
   * (the condition is present), `unack` = waiting for an acknowledgement (UNACK, RTN_UNACK or an
   * unacknowledged LATCHED), `latched` = LATCHED (cleared, waiting for a reset); `highest` is the
   * highest priority among all of these.
   */
  status(): { active: number; unack: number; latched: number; highest: Priority | null; flood: boolean; shelved: number } {
    let active = 0;
    let unack = 0;
    let latched = 0;
    let highest: Priority | null = null;
    let shelved = 0;
    for (const rt of this.rts) {
      const s = rt.state;
      if (s === 'SHELVED') shelved++;
      if (s === 'UNACK' || s === 'ACKED' || s === 'RTN_UNACK' || s === 'LATCHED') {
        if (s === 'UNACK' || s === 'ACKED') active++;
        else if (s === 'LATCHED') latched++;
        if (!rt.acked) unack++;
        if (highest === null || PRIORITY_RANK[rt.alarm.priority] < PRIORITY_RANK[highest]) highest = rt.alarm.priority;
      }
    }
    return { active, unack, latched, highest, flood: this.flood !== undefined, shelved };
  }

  // ---------------------------------------------------------------------------------------
  // Floods, chatter, fleeting

  private noteChatter(rt: AlarmRt, at: number): void {
    const r = rt.recentRaises;
    const n = this.options.chatterCount;
    r.push(at);
    if (r.length > n) r.shift();
    if (!rt.chattering && r.length >= n && at - r[r.length - n] <= this.options.chatterWindowMs) {
      rt.chattering = true;
      this.chattering.add(rt);
      this.sink({ kind: 'chatter', id: rt.alarm.id, tag: rt.alarm.tag, priority: rt.alarm.priority, count: n, windowMs: this.options.chatterWindowMs, at });
    }
  }

  private recordRaise(rt: AlarmRt, at: number): void {
    if (this.raises.length >= MAX_RAISES) {
      this.raises.splice(0, MAX_RAISES / 2);
      this.floodHead = Math.max(0, this.floodHead - MAX_RAISES / 2);
    }
    this.raises.push({ t: at, rt });
    const o = this.options;
    this.advanceFlood(at);
    if (this.flood) {
      this.flood.count++;
      this.flood.sources.set(rt, (this.flood.sources.get(rt) ?? 0) + 1);
      return;
    }
    const inWindow = this.raises.length - this.floodHead;
    if (inWindow > o.floodStart) {
      const sources = new Map<AlarmRt, number>();
      for (let i = this.floodHead; i < this.raises.length; i++) sources.set(this.raises[i].rt, (sources.get(this.raises[i].rt) ?? 0) + 1);
      const first = this.raises[this.floodHead].rt.alarm.id;
      this.flood = { id: `flood-${at}-${++this.floodSeq}`, start: at, end: null, count: inWindow, firstOut: first, sources };
      this.floods.push(this.flood);
      this.sink(this.floodEvent(this.flood, 'start'));
    }
  }

  /** Moves the flood window to `now`; ends a flood at the moment its count fell below floodEnd. */
  private advanceFlood(now: number): void {
    const w = this.options.floodWindowMs;
    const r = this.raises;
    while (this.floodHead < r.length && r[this.floodHead].t <= now - w) {
      const leftAt = r[this.floodHead].t + w;
      this.floodHead++;
      if (this.flood && r.length - this.floodHead < this.options.floodEnd) {
        this.flood.end = leftAt;
        const f = this.flood;
        this.flood = undefined;
        this.sink(this.floodEvent(f, 'end'));
      }
    }
  }

  private floodEvent(f: FloodRecord, phase: 'start' | 'end'): FloodEvent {
    const top = [...f.sources.entries()]
      .sort((a, b) => b[1] - a[1] || PRIORITY_RANK[a[0].alarm.priority] - PRIORITY_RANK[b[0].alarm.priority])
      .slice(0, 10)
      .map(([rt, count]) => ({ id: rt.alarm.id, tag: rt.alarm.tag, count }));
    return { kind: 'flood', phase, id: f.id, start: f.start, end: f.end, count: f.count, firstOut: f.firstOut, topSources: top };
  }

  private pruneKpiWindow(now: number): void {
    const from = now - this.options.kpiWindowMs;
    let drop = 0;
    // Raises older than both windows are no longer needed.
    while (drop < this.floodHead && this.raises[drop].t < from) drop++;
    if (drop > 1000 || (drop > 0 && drop === this.raises.length)) {
      this.raises.splice(0, drop);
      this.floodHead -= drop;
    }
    let f = 0;
    while (f < this.fleeting.length && this.fleeting[f].t < from) f++;
    if (f) this.fleeting.splice(0, f);
    while (this.floods.length && this.floods[0] !== this.flood && this.floods[0].end !== null && this.floods[0].end < from) this.floods.shift();
  }

  // ---------------------------------------------------------------------------------------
  // KPIs and summary

  kpis(now: number): AlarmKpis {
    return computeKpis({
      now,
      options: this.options,
      startedAt: this.startedAt ?? now,
      raises: this.raises.map((r) => ({ t: r.t, id: r.rt.alarm.id, tag: r.rt.alarm.tag, priority: r.rt.alarm.priority, position: r.rt.alarm.position })),
      floods: this.floods.map((f) => ({ start: f.start, end: f.end })),
      fleeting: this.fleeting.filter((x) => x.t >= now - this.options.kpiWindowMs).length,
      alarms: this.rts.map((rt) => ({
        priority: rt.alarm.priority,
        position: rt.alarm.position,
        state: rt.state,
        acked: rt.acked,
        activeSince: rt.cond ? rt.activeSince : null,
      })),
      chattering: this.chattering.size,
    });
  }

  summary(now: number): AlarmSummary {
    const byPriority = { urgent: { active: 0, unacknowledged: 0 }, high: { active: 0, unacknowledged: 0 }, medium: { active: 0, unacknowledged: 0 }, low: { active: 0, unacknowledged: 0 } };
    const s: AlarmSummary = {
      at: now,
      configured: this.rts.length,
      active: 0,
      unacknowledged: 0,
      byPriority,
      standing: [],
      stale: [],
      shelved: [],
      suppressed: [],
      outOfService: [],
      latched: [],
      chattering: [...this.chattering].map((rt) => rt.alarm.id),
      flood: this.flood ? { id: this.flood.id, start: this.flood.start, count: this.flood.count, firstOut: this.flood.firstOut } : null,
      unknownSamples: this.unknownSamples,
      kpis: this.kpis(now),
    };
    for (const rt of this.rts) {
      const id = rt.alarm.id;
      const st = rt.state;
      if (st === 'UNACK' || st === 'ACKED') {
        s.active++;
        byPriority[rt.alarm.priority].active++;
        s.standing.push(id);
        if (rt.activeSince !== null && now - rt.activeSince > this.options.staleMs) s.stale.push(id);
      }
      if ((st === 'UNACK' || st === 'RTN_UNACK' || st === 'LATCHED') && !rt.acked) {
        s.unacknowledged++;
        byPriority[rt.alarm.priority].unacknowledged++;
      }
      if (st === 'LATCHED') s.latched.push(id);
      if (rt.shelf) s.shelved.push({ id, ...rt.shelf });
      if (st === 'SUPPRESSED') s.suppressed.push(id);
      if (rt.oos) s.outOfService.push({ id, ...rt.oos });
    }
    return s;
  }

  // ---------------------------------------------------------------------------------------
  // Persistence and model reload

  /** The state to persist (alarms that are not plainly NORMAL, recent raises and floods). */
  snapshot(now: number): AlarmEngineState {
    const alarms: Record<string, PersistedAlarm> = {};
    for (const rt of this.rts) {
      if (rt.state === 'NORMAL' && !rt.cond && !rt.latch && !rt.suppressed) continue;
      const p: PersistedAlarm = { active: rt.cond, acked: rt.acked, latch: rt.latch, activeSince: rt.activeSince, firstOut: rt.firstOut, suppressed: rt.suppressed, at: rt.at };
      if (rt.shelf) p.shelf = rt.shelf;
      if (rt.oos) p.oos = rt.oos;
      if (rt.by !== undefined) p.by = rt.by;
      if (rt.reason !== undefined) p.reason = rt.reason;
      alarms[rt.alarm.id] = p;
    }
    const from = now - this.options.kpiWindowMs;
    const raises: Array<[number, string]> = [];
    for (let i = Math.max(0, this.raises.length - MAX_PERSISTED_RAISES); i < this.raises.length; i++) if (this.raises[i].t >= from) raises.push([this.raises[i].t, this.raises[i].rt.alarm.id]);
    return {
      version: 1,
      savedAt: now,
      startedAt: this.startedAt,
      lastRaise: this.lastRaise,
      alarms,
      raises,
      floods: this.floods.map((f) => ({ id: f.id, start: f.start, end: f.end, count: f.count, firstOut: f.firstOut })),
    };
  }

  private restore(saved: AlarmEngineState): void {
    if (!saved || saved.version !== 1) return;
    this.startedAt = typeof saved.startedAt === 'number' ? saved.startedAt : null;
    this.lastRaise = typeof saved.lastRaise === 'number' ? saved.lastRaise : null;
    for (const [id, p] of Object.entries(saved.alarms ?? {})) {
      const rt = this.byId.get(id);
      if (!rt || !p || typeof p !== 'object') continue; // alarm removed from the model
      rt.cond = rt.raw = !!p.active;
      rt.acked = p.acked !== false;
      rt.latch = !!p.latch && rt.alarm.latched;
      rt.activeSince = rt.cond ? (p.activeSince ?? null) : null;
      rt.firstOut = !!p.firstOut;
      rt.suppressed = !!p.suppressed && rt.alarm.suppressWhen !== undefined;
      rt.shelf = p.shelf && typeof p.shelf.until === 'number' ? p.shelf : undefined;
      rt.oos = p.oos && typeof p.oos.by === 'string' ? p.oos : undefined;
      if (rt.oos) rt.shelf = undefined;
      if (rt.shelf) this.shelved.add(rt);
      rt.at = typeof p.at === 'number' ? p.at : 0;
      rt.by = p.by;
      rt.reason = p.reason;
      rt.state = this.derive(rt);
    }
    for (const [t, id] of saved.raises ?? []) {
      const rt = this.byId.get(id);
      if (rt && typeof t === 'number') this.raises.push({ t, rt });
    }
    this.raises.sort((a, b) => a.t - b.t);
    for (const f of saved.floods ?? []) {
      const rec: FloodRecord = { ...f, sources: new Map() };
      this.floods.push(rec);
      if (f.end === null) this.flood = rec;
    }
    this.floodSeq = this.floods.length;
    // The flood window restarts from the restored raises at the next sample or tick.
    this.floodHead = 0;
  }

  /** Latest sample of every tag the engine has seen, to seed a rebuilt engine after a model reload. */
  latestSamples(): SampleLike[] {
    const out: SampleLike[] = [];
    for (const t of this.tags.values()) if (t.v !== undefined && t.q !== undefined) out.push({ tag: t.name, value: t.v, quality: t.q, timestamp: t.t });
    return out;
  }

  /**
   * Feeds, for every tag whose staleness is watched (a BAD_PV alarm with maxAge), the latest value
   * of a live value table when it is newer than the engine's last sample of that tag: a read node
   * reporting by exception refreshes the table without sending an unchanged value, and a newer
   * entry there proves the value is not stale. Call before tick().
   */
  refreshFromLive(get: (tag: string) => { value: TagValue; quality: Quality; timestamp: number } | undefined): void {
    for (const tag of this.staleWatched) {
      const live = get(tag.name);
      if (live && live.timestamp > tag.t) this.ingest({ tag: tag.name, value: live.value, quality: live.quality, timestamp: live.timestamp });
    }
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }
}

function kindOf(a: Alarm): number {
  switch (a.type) {
    case 'HIHI':
    case 'HI':
      return K_HIGH;
    case 'LO':
    case 'LOLO':
      return K_LOW;
    case 'DEV':
      return K_DEV;
    case 'ROC':
      return K_ROC;
    case 'DISCRETE':
      return K_DISCRETE;
    case 'BAD_PV':
      return K_BAD_PV;
  }
}

/** A number from a sample value; NaN when it is not one (a limit alarm then holds). */
function numeric(v: TagValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

/** Whether a value is in the DISCRETE alarm state; PLC bits read as 0/1 or "true" compare with booleans. */
export function discreteMatch(v: TagValue, limit: TagValue): boolean {
  if (typeof limit === 'boolean') {
    if (typeof v === 'boolean') return v === limit;
    if (typeof v === 'number') return v !== 0 === limit;
    const s = v.trim().toLowerCase();
    return (s === 'true' || s === '1' || s === 'on') === limit;
  }
  if (typeof limit === 'number') return numeric(v) === limit;
  return String(v) === limit;
}
