// The validated, compiled plant model every node and the CLI work with: durations in ms,
// conditions parsed, lookup maps built once.
import type { Condition } from './condition';
import type { AlarmType, CauseSpec, ModbusSource, OpcuaSource, Priority, TagSpec, Writable } from './schema';

export type TagKind = 'number' | 'boolean' | 'string';
export type TagValue = number | boolean | string;
export type Quality = 'good' | 'uncertain' | 'bad';

export interface Tag extends TagSpec {
  kind: TagKind;
}

export interface Rationalization {
  cause: string;
  consequence: string;
  action: string;
  responseTime: string;
}

export interface Alarm {
  id: string;
  tag: string;
  type: AlarmType;
  limit?: TagValue;
  reference?: string | number;
  /** ROC only: which way of change raises it. */
  direction: 'rising' | 'falling' | 'both';
  deadband: number;
  onDelayMs: number;
  offDelayMs: number;
  maxAgeMs?: number;
  priority: Priority;
  message: string;
  rationalization: Rationalization;
  responseTimeMs?: number;
  suppressWhen?: Condition;
  suppressWhenText?: string;
  latched: boolean;
  position: string;
  area?: string;
}

export type Cause = CauseSpec;

export interface Influence {
  from: string;
  to: string;
  sign: 1 | -1;
}

export interface Interlock {
  id: string;
  description: string;
  when: Condition;
  whenText: string;
  blocks: string[];
}

export interface PlantModel {
  plant: string;
  areas: string[];
  tags: Tag[];
  tagsByName: Map<string, Tag>;
  alarms: Alarm[];
  alarmsById: Map<string, Alarm>;
  alarmsByTag: Map<string, Alarm[]>;
  causes: Cause[];
  influences: Influence[];
  interlocks: Interlock[];
  /** Where it came from, for messages and the audit log. */
  origin: { file: string; sha256: string; loadedAt: number };
}

export function isModbusSource(s: TagSpec['source']): s is ModbusSource {
  return !!s && 'address' in s;
}

export function isOpcuaSource(s: TagSpec['source']): s is OpcuaSource {
  return !!s && 'nodeId' in s;
}

export function writableOf(model: PlantModel, tag: string): (Writable & { roles: string[]; approvals: 1 | 2 }) | undefined {
  const w = model.tagsByName.get(tag)?.writable;
  if (!w) return undefined;
  return { ...w, roles: w.roles ?? ['operator'], approvals: w.approvals ?? 1 };
}

/** Tags that read from the named connection (a copilot-modbus or copilot-opcua config node's name). */
export function tagsOnConnection(model: PlantModel, connection: string): Tag[] {
  return model.tags.filter((t) => t.source?.connection === connection);
}
