// Incidents: alarms that belong to one process upset. An alarm joins the open incident when it
// came soon after that incident's last alarm AND is connected to it (a few steps on the
// influence graph, either direction, or the same area). An incident grows while the upset
// spreads; once its alarms start returning to normal (and none has been raised since) it is
// recovering and takes no new alarms: the next alarm is a new upset and opens a new incident,
// while the old one stays open until its last alarm clears (an alarm of the recovering incident
// raised again moves to the new one, unless it was the only one that cleared: that is chatter). During an alarm flood every new
// alarm joins the open flood incident: a flood is one incident with a first-out, not a hundred
// explanations.
import type { AlarmEvent, Incident } from '../contracts';
import type { PlantModel } from '../plant/model';
import { countsForIncident } from './alarm-input';

export interface IncidentOptions {
  /** An alarm more than this after the incident's last alarm starts a new incident. Default 10 min. */
  groupWindowMs?: number;
  /** Influence-graph steps (either direction) that still count as connected. Default 2. */
  maxHops?: number;
  /**
   * A flood, for grouping: this many alarm raises within floodWindowMs (default 10 in 1 min: a
   * burst, shorter than the ISA-18.2 / EEMUA 191 KPI of 10 per 10 min, so that separate upsets a
   * few minutes apart stay separate incidents).
   */
  floodCount?: number;
  floodWindowMs?: number;
  /** Closed incidents kept for the console. Default 50. */
  keepClosed?: number;
}

export interface IncidentState extends Incident {
  /** Latest event per alarm id. */
  events: Map<string, AlarmEvent>;
  lastAlarmAt: number;
  areas: Set<string>;
  tags: Set<string>;
  /** Bumped whenever the set of active alarms changes: the diagnosis is due again. */
  revision: number;
  /** Alarms of this incident that returned to normal since its last raise. */
  clearedSinceRaise: number;
  /** When it began to recover (its first alarm cleared since the last raise). */
  recoveringSince?: number;
}

/** Recovering: an alarm of it has cleared and none was raised since. It takes no new alarms. */
export function recovering(inc: IncidentState): boolean {
  return inc.clearedSinceRaise >= 1;
}

export class IncidentTracker {
  private readonly open: IncidentState[] = [];
  private readonly closed: IncidentState[] = [];
  private readonly raises: number[] = [];
  private readonly neighbourCache = new Map<string, Set<string>>();
  /** The influence graph as adjacency lists, either direction; built once per model, on first use. */
  private adjacency: Map<string, string[]> | undefined;
  private seq = 0;
  private readonly o: Required<IncidentOptions>;

  constructor(
    private model: PlantModel,
    opts: IncidentOptions = {},
  ) {
    this.o = { groupWindowMs: 10 * 60_000, maxHops: 2, floodCount: 10, floodWindowMs: 60_000, keepClosed: 50, ...opts };
  }

  setModel(model: PlantModel): void {
    this.model = model;
    this.neighbourCache.clear();
    this.adjacency = undefined;
  }

  /** Newest first: open incidents, then closed ones. */
  all(): IncidentState[] {
    return [...this.open, ...this.closed].sort((a, b) => b.openedAt - a.openedAt || b.id.localeCompare(a.id));
  }

  get(id: string): IncidentState | undefined {
    return this.open.find((i) => i.id === id) ?? this.closed.find((i) => i.id === id);
  }

  openIncidents(): IncidentState[] {
    return [...this.open];
  }

  /** Restores incidents persisted earlier (closed ones only: open ones are rebuilt from live alarms). */
  restore(list: Incident[]): void {
    for (const inc of list) {
      if (this.get(inc.id)) continue;
      this.closed.push({ ...inc, closedAt: inc.closedAt ?? inc.openedAt, events: new Map(), lastAlarmAt: inc.openedAt, areas: new Set(), tags: new Set(), revision: 0, clearedSinceRaise: 0 });
      const n = Number(/-(\d+)$/.exec(inc.id)?.[1]);
      if (Number.isFinite(n)) this.seq = Math.max(this.seq, n);
    }
    this.closed.sort((a, b) => b.openedAt - a.openedAt);
    this.closed.splice(this.o.keepClosed);
  }

  /**
   * Takes one alarm event. Returns the incident it changed (and whether the change needs a new
   * diagnosis), or undefined when the event concerns no incident (an ack of an unknown alarm).
   */
  onAlarm(e: AlarmEvent, now: number): { incident: IncidentState; opened: boolean; closed: boolean; rediagnose: boolean } | undefined {
    const counts = countsForIncident(e);
    let owner = this.open.find((i) => i.events.has(e.id));
    if (owner && owner.clearedSinceRaise >= 2 && counts && !countsForIncident(owner.events.get(e.id)!)) {
      // Raised again while its incident is recovering: a new upset, not the old one coming back.
      // (With only this alarm cleared it is chatter, and it stays.)
      owner.events.delete(e.id);
      owner = undefined;
    }
    if (owner) {
      const before = owner.events.get(e.id)!;
      owner.events.set(e.id, e);
      const changed = countsForIncident(before) !== counts;
      if (counts && changed) this.noteRaise(owner, now);
      if (!counts && changed && owner.clearedSinceRaise++ === 0) owner.recoveringSince = now;
      if (![...owner.events.values()].some(countsForIncident)) {
        this.close(owner, now);
        return { incident: owner, opened: false, closed: true, rediagnose: false };
      }
      if (changed) owner.revision++;
      return { incident: owner, opened: false, closed: false, rediagnose: changed };
    }
    if (!counts) return undefined;
    const flood = this.inFlood(now);
    let inc = this.open
      .filter((i) => now - i.lastAlarmAt <= this.o.groupWindowMs && (flood || !recovering(i)))
      .find((i) => flood || (e.area !== undefined && i.areas.has(e.area)) || this.connected(e.tag, i.tags));
    const opened = !inc;
    if (!inc) inc = this.create(now, e.area);
    this.join(inc, e);
    this.noteRaise(inc, now);
    // The first-out is the alarm that came first; an alarm system's own first-out flag wins.
    if (!inc.firstOut || (e.firstOut && !inc.events.get(inc.firstOut)?.firstOut)) inc.firstOut = e.id;
    if (flood || this.inFlood(now)) inc.flood = true;
    inc.revision++;
    return { incident: inc, opened, closed: false, rediagnose: true };
  }

  private create(now: number, area?: string): IncidentState {
    const inc: IncidentState = {
      id: `inc-${now.toString(36)}-${++this.seq}`,
      openedAt: now,
      alarmIds: [],
      flood: false,
      events: new Map(),
      lastAlarmAt: now,
      areas: new Set(),
      tags: new Set(),
      revision: 0,
      clearedSinceRaise: 0,
      ...(area ? { area } : {}),
    };
    this.open.push(inc);
    return inc;
  }

  /**
   * Ends a recovering incident whose remaining alarms have stopped settling: they move to a new
   * incident (which `continues` the old one) to be explained afresh, and the old one closes. A
   * second fault that keeps an alarm of the first one standing (a transmitter that starts reading
   * high while the reactor cools down) raises no alarm of its own, so without this it would stay
   * hidden behind the first incident's explanation for as long as the alarm stood.
   */
  splitOff(inc: IncidentState, now: number): IncidentState {
    const standing = this.activeAlarms(inc).sort((a, b) => (a.activeSince ?? now) - (b.activeSince ?? now));
    const next = this.create(now, inc.area);
    next.continues = inc.id;
    for (const e of standing) {
      inc.events.delete(e.id);
      this.join(next, e);
    }
    next.firstOut = standing[0]?.id;
    next.revision++;
    this.close(inc, now);
    return next;
  }

  /** Makes an alarm one of the incident's. */
  private join(inc: IncidentState, e: AlarmEvent): void {
    inc.events.set(e.id, e);
    inc.alarmIds.push(e.id);
    inc.tags.add(e.tag);
    if (e.area) inc.areas.add(e.area);
  }

  /** Active alarms of an incident, plus alarms standing elsewhere in the plant (context, little weight). */
  activeAlarms(inc: IncidentState): AlarmEvent[] {
    return [...inc.events.values()].filter(countsForIncident);
  }

  private noteRaise(inc: IncidentState, now: number): void {
    inc.lastAlarmAt = now;
    inc.clearedSinceRaise = 0;
    inc.recoveringSince = undefined;
    this.raises.push(now);
    while (this.raises.length && now - this.raises[0] > this.o.floodWindowMs) this.raises.shift();
  }

  private inFlood(now: number): boolean {
    while (this.raises.length && now - this.raises[0] > this.o.floodWindowMs) this.raises.shift();
    return this.raises.length >= this.o.floodCount;
  }

  private close(inc: IncidentState, now: number): void {
    inc.closedAt = now;
    this.open.splice(this.open.indexOf(inc), 1);
    this.closed.unshift(inc);
    this.closed.splice(this.o.keepClosed);
  }

  /** Tags within maxHops of `tag` on the influence graph, either direction (cached per tag). */
  private neighbours(tag: string): Set<string> {
    const hit = this.neighbourCache.get(tag);
    if (hit) return hit;
    const adj = this.adjacencyOf();
    const seen = new Set([tag]);
    let frontier = [tag];
    for (let d = 0; d < this.o.maxHops; d++) {
      const next: string[] = [];
      for (const t of frontier) for (const n of adj.get(t) ?? []) if (!seen.has(n)) seen.add(n), next.push(n);
      frontier = next;
    }
    this.neighbourCache.set(tag, seen);
    return seen;
  }

  private adjacencyOf(): Map<string, string[]> {
    if (this.adjacency) return this.adjacency;
    const adj = new Map<string, string[]>();
    for (const inf of this.model.influences) {
      (adj.get(inf.from) ?? adj.set(inf.from, []).get(inf.from)!).push(inf.to);
      (adj.get(inf.to) ?? adj.set(inf.to, []).get(inf.to)!).push(inf.from);
    }
    return (this.adjacency = adj);
  }

  private connected(tag: string, tags: Set<string>): boolean {
    const n = this.neighbours(tag);
    for (const t of tags) if (n.has(t)) return true;
    return false;
  }
}
