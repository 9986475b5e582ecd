// How far each tag is from normal (DESIGN §4): high, low or normal against its `normal` band,
// else against its alarm limits; a boolean or string against its normal state. Bad quality and
// missing values are unknown: never evidence for or against anything.
import type { AlarmType } from '../plant/schema';
import type { PlantModel, Quality, Tag, TagValue } from '../plant/model';

export type Direction = 'high' | 'low' | 'normal' | 'unknown';

export interface Observation {
  tag: string;
  /** The value as given in the input (null when missing). */
  value: TagValue | null;
  quality: Quality | 'missing';
  /** high/low/normal for numbers; for booleans and strings `high` stands for "true"/"not normal". */
  direction: Direction;
  /** +1 high (or true), -1 low (or false), 0 normal or unknown: the sign used on the influence graph. */
  sign: -1 | 0 | 1;
  /** Movement seen in the trend (if given): +1 rising, -1 falling, 0 flat or unknown. */
  trend: -1 | 0 | 1;
  trendFrom?: number;
  /** An active alarm on this tag: the earliest activation, and whether it stood long before the incident. */
  alarmSince?: number;
  standing: boolean;
  /**
   * Deviated since long before the incident with no fresh alarm on it (a plant running at a low
   * rate sits outside some normal bands for hours): background, only its movement is evidence.
   */
  background: boolean;
}

export interface SnapshotValue {
  value: TagValue | null;
  quality: Quality;
}

export interface ActiveAlarm {
  tag: string;
  type: AlarmType;
  /** ms since epoch */
  activeSince: number;
  id?: string;
  firstOut?: boolean;
}

/** Values within this fraction of the band width beyond its edge still count as normal (measurement noise). */
const NOISE_MARGIN = 0.02;
/** A trend that moved by this fraction of the band width counts as rising or falling. */
const TREND_FRACTION = 0.1;

export function alarmSign(model: PlantModel, a: Pick<ActiveAlarm, 'tag' | 'type'>): -1 | 0 | 1 {
  switch (a.type) {
    case 'HI':
    case 'HIHI':
      return 1;
    case 'LO':
    case 'LOLO':
      return -1;
    case 'DISCRETE': {
      const spec = model.alarmsByTag.get(a.tag)?.find((x) => x.type === 'DISCRETE');
      const limit = spec?.limit;
      if (typeof limit === 'boolean') return limit ? 1 : -1;
      return 0;
    }
    default:
      return 0;
  }
}

function band(model: PlantModel, tag: Tag): { lo?: number; hi?: number; width: number } | undefined {
  if (Array.isArray(tag.normal)) {
    const [lo, hi] = tag.normal;
    return { lo, hi, width: Math.max(hi - lo, 1e-9) };
  }
  let lo: number | undefined;
  let hi: number | undefined;
  for (const a of model.alarmsByTag.get(tag.name) ?? []) {
    if (typeof a.limit !== 'number') continue;
    if (a.type === 'HI' || a.type === 'HIHI') hi = hi === undefined ? a.limit : Math.min(hi, a.limit);
    if (a.type === 'LO' || a.type === 'LOLO') lo = lo === undefined ? a.limit : Math.max(lo, a.limit);
  }
  if (lo === undefined && hi === undefined) return undefined;
  const span = tag.range ? tag.range[1] - tag.range[0] : lo !== undefined && hi !== undefined ? hi - lo : Math.abs(hi ?? lo ?? 1);
  return { lo, hi, width: Math.max(span * (lo !== undefined && hi !== undefined ? 1 : 0.25), 1e-9) };
}

export function booleanNormal(model: PlantModel, tag: Tag): boolean | undefined {
  if (typeof tag.normal === 'boolean') return tag.normal;
  const d = model.alarmsByTag.get(tag.name)?.find((a) => a.type === 'DISCRETE');
  return typeof d?.limit === 'boolean' ? !d.limit : undefined;
}

/** The state of one tag, from its value, quality, the alarms active on it and its trend. */
export function observe(
  model: PlantModel,
  tag: Tag,
  sv: SnapshotValue | undefined,
  alarms: ActiveAlarm[],
  standingBefore: number,
  trend?: Array<[number, number]>,
  deviatedSince?: number,
): Observation {
  const obs: Observation = {
    tag: tag.name,
    value: sv ? sv.value : null,
    quality: sv ? sv.quality : 'missing',
    direction: 'unknown',
    sign: 0,
    trend: 0,
    standing: false,
    background: false,
  };
  let alarmSignSeen: -1 | 0 | 1 = 0;
  for (const a of alarms) {
    if (obs.alarmSince === undefined || a.activeSince < obs.alarmSince) obs.alarmSince = a.activeSince;
    const s = alarmSign(model, a);
    if (s) alarmSignSeen = s;
  }
  obs.standing = obs.alarmSince !== undefined && obs.alarmSince < standingBefore;
  const freshAlarm = alarms.some((a) => a.activeSince >= standingBefore);
  if (!sv || sv.quality === 'bad' || sv.value === null || sv.value === undefined) return obs;
  const finish = () => {
    if (obs.sign !== 0 && !freshAlarm && deviatedSince !== undefined && deviatedSince < standingBefore) obs.standing = obs.background = true;
    return obs;
  };
  const v = sv.value;

  if (typeof v === 'number') {
    const b = band(model, tag);
    if (b) {
      const margin = NOISE_MARGIN * b.width;
      if (b.hi !== undefined && v > b.hi + margin) (obs.direction = 'high'), (obs.sign = 1);
      else if (b.lo !== undefined && v < b.lo - margin) (obs.direction = 'low'), (obs.sign = -1);
      else obs.direction = 'normal';
      if (trend && trend.length >= 2) {
        const from = trend[0][1];
        const delta = v - from;
        if (Math.abs(delta) >= TREND_FRACTION * b.width) (obs.trend = delta > 0 ? 1 : -1), (obs.trendFrom = from);
      }
    }
    // An active limit alarm is authoritative about the direction (the value may have moved back
    // inside the band since, within the alarm's deadband).
    if (alarmSignSeen && obs.direction !== 'unknown' && obs.sign !== alarmSignSeen) {
      obs.direction = alarmSignSeen > 0 ? 'high' : 'low';
      obs.sign = alarmSignSeen;
    }
    return finish();
  }
  if (typeof v === 'boolean') {
    const normal = booleanNormal(model, tag);
    if (normal === undefined) return obs;
    if (v === normal) obs.direction = 'normal';
    else (obs.direction = 'high'), (obs.sign = v ? 1 : -1);
    return finish();
  }
  if (typeof tag.normal === 'string') {
    obs.direction = v === tag.normal ? 'normal' : 'high';
  }
  return obs;
}
