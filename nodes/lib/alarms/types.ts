// Types of the alarm engine's output and settings. Alarm events themselves are the AlarmEvent
// contract of DESIGN §2 (nodes/lib/contracts.ts); floods and chatter are reported beside them.
import type { AlarmEvent, AlarmState } from '../contracts';
import type { Priority } from '../plant/schema';

export interface AlarmEngineOptions {
  /** A flood starts when more than this many alarms are annunciated within floodWindowMs (EEMUA 191: 10). */
  floodStart: number;
  /** ... and ends when fewer than this many remain within the window (EEMUA 191: 5). */
  floodEnd: number;
  floodWindowMs: number;
  /** The same alarm annunciated this many times within chatterWindowMs is chattering (3 in 1 min). */
  chatterCount: number;
  chatterWindowMs: number;
  /** An alarm that returns to normal sooner than this after raising is fleeting. */
  fleetingMs: number;
  /** An alarm active for longer than this is stale (24 h). */
  staleMs: number;
  /** An alarm that raises after this long without any other alarm raising is the first-out. */
  firstOutQuietMs: number;
  /** Longest shelve an operator may ask for. */
  maxShelveMinutes: number;
  /** Rolling window of the KPIs (24 h). */
  kpiWindowMs: number;
}

export const DEFAULT_ALARM_OPTIONS: AlarmEngineOptions = {
  floodStart: 10,
  floodEnd: 5,
  floodWindowMs: 10 * 60_000,
  chatterCount: 3,
  chatterWindowMs: 60_000,
  fleetingMs: 2_000,
  staleMs: 24 * 3_600_000,
  firstOutQuietMs: 10 * 60_000,
  maxShelveMinutes: 12 * 60,
  kpiWindowMs: 24 * 3_600_000,
};

/** Why an alarm's record changed; carried on the Node-RED message as msg.change. */
export type AlarmChangeKind =
  | 'raise'
  | 'clear'
  | 'ack'
  | 'shelve'
  | 'unshelve'
  | 'shelve-expired'
  | 'reset'
  | 'out-of-service'
  | 'return-to-service'
  | 'suppress'
  | 'unsuppress';

export interface AlarmChange {
  kind: 'alarm';
  change: AlarmChangeKind;
  previous: AlarmState;
  event: AlarmEvent;
}

export interface FloodSource {
  id: string;
  tag: string;
  count: number;
}

/** An alarm flood (EEMUA 191): reported when it starts and again when it ends. */
export interface FloodEvent {
  kind: 'flood';
  phase: 'start' | 'end';
  id: string;
  start: number;
  end: number | null;
  /** Alarms annunciated in the flood so far (including those of the window that started it). */
  count: number;
  /** The first alarm of the window that tipped the plant into the flood. */
  firstOut: string | null;
  /** Most frequent alarms of the flood, most first (at most 10). */
  topSources: FloodSource[];
}

/** An alarm that is chattering: reported once when it starts chattering. */
export interface ChatterEvent {
  kind: 'chatter';
  id: string;
  tag: string;
  priority: Priority;
  /** Raises counted within the window. */
  count: number;
  windowMs: number;
  at: number;
}

export type AlarmOutput = AlarmChange | FloodEvent | ChatterEvent;

export interface PositionKpis {
  alarms: number;
  per10Min: number;
  perHour: number;
  peak10Min: number;
  intervals: number;
  intervalsOver10: number;
  pctIntervalsOver10: number;
}

export interface AlarmKpis {
  at: number;
  window: { from: number; to: number; ms: number };
  /** Alarms annunciated to operators in the window (shelved, suppressed and out-of-service ones are not). */
  alarms: number;
  per10Min: number;
  perHour: number;
  peak10Min: number;
  pctIntervalsOver10: number;
  byPosition: Record<string, PositionKpis>;
  timeInFloodMs: number;
  pctTimeInFlood: number;
  floods: number;
  top10: Array<{ id: string; tag: string; count: number; share: number }>;
  top10Share: number;
  priority: {
    /** Share (%) of annunciated alarms by priority band, against the 80/15/5 guide (urgent counts as high). */
    annunciated: { low: number; medium: number; high: number };
    configured: { low: number; medium: number; high: number };
    counts: Record<Priority, number>;
    guide: { low: 80; medium: 15; high: 5 };
  };
  standing: number;
  unacknowledged: number;
  stale: number;
  shelved: number;
  suppressed: number;
  outOfService: number;
  chattering: number;
  fleeting: number;
}

export interface ShelveInfo {
  by: string;
  at: number;
  until: number;
  reason: string;
}

export interface OutOfServiceInfo {
  by: string;
  at: number;
  reason?: string;
}

export interface AlarmSummary {
  at: number;
  configured: number;
  active: number;
  unacknowledged: number;
  byPriority: Record<Priority, { active: number; unacknowledged: number }>;
  standing: string[];
  stale: string[];
  shelved: Array<{ id: string } & ShelveInfo>;
  suppressed: string[];
  outOfService: Array<{ id: string } & OutOfServiceInfo>;
  latched: string[];
  chattering: string[];
  flood: { id: string; start: number; count: number; firstOut: string | null } | null;
  /** Samples received for tags the plant model does not declare (a misspelt tag name shows up here). */
  unknownSamples: number;
  kpis: AlarmKpis;
}

/** What is persisted per alarm: enough that a restart neither re-annunciates nor forgets a shelve. */
export interface PersistedAlarm {
  active: boolean;
  acked: boolean;
  latch: boolean;
  activeSince: number | null;
  firstOut: boolean;
  suppressed: boolean;
  shelf?: ShelveInfo;
  oos?: OutOfServiceInfo;
  at: number;
  by?: string;
  reason?: string;
}

export interface AlarmEngineState {
  version: 1;
  savedAt: number;
  startedAt: number | null;
  lastRaise: number | null;
  /** Only alarms that are not plainly NORMAL are stored. */
  alarms: Record<string, PersistedAlarm>;
  /** Recent annunciated raises [time, alarm id] for the KPIs, newest last. */
  raises: Array<[number, string]>;
  floods: Array<{ id: string; start: number; end: number | null; count: number; firstOut: string | null }>;
}
