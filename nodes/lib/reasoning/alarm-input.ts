// Alarm events into the reasoning node (DESIGN §2), from copilot-alarms or any other source
// (an S7 node, MQTT, a function node). The full contract is accepted as is; a minimal event
// `{tag, type, active}` (or `state`) is completed from the plant model's alarm definition.
import { z } from 'zod';
import type { AlarmEvent, AlarmState } from '../contracts';
import type { PlantModel } from '../plant/model';
import { ALARM_TYPES, PRIORITIES } from '../plant/schema';
import { describeZodError } from '../messages';

const STATES = ['NORMAL', 'UNACK', 'ACKED', 'RTN_UNACK', 'LATCHED', 'SHELVED', 'SUPPRESSED', 'OUT_OF_SERVICE'] as const;
const scalar = z.union([z.number(), z.boolean(), z.string()]).nullable();

export const alarmEventSchema = z.object({
  id: z.string().min(1).optional(),
  tag: z.string().min(1, 'tag is required: the plant-model tag the alarm is on'),
  type: z.enum(ALARM_TYPES, { error: `type must be one of ${ALARM_TYPES.join(', ')}` }).optional(),
  state: z.enum(STATES, { error: `state must be one of ${STATES.join(', ')}` }).optional(),
  active: z.boolean().optional(),
  acked: z.boolean().optional(),
  priority: z.enum(PRIORITIES).optional(),
  value: scalar.optional(),
  limit: scalar.optional(),
  message: z.string().optional(),
  activeSince: z.number().nullable().optional(),
  firstOut: z.boolean().optional(),
  shelved: z.boolean().optional(),
  suppressed: z.boolean().optional(),
  quality: z.enum(['good', 'uncertain', 'bad']).optional(),
  area: z.string().optional(),
  at: z.number().optional(),
});

/** States in which the alarm condition is present; an event without `active` is judged by its state. */
const ACTIVE_STATES: AlarmState[] = ['UNACK', 'ACKED', 'LATCHED'];

/**
 * Validates `msg.payload` (with `msg.topic` = `alarm/<tag>/<type>` as a fallback for tag and
 * type) and completes it from the plant model. Returns a message an engineer can act on when
 * the event does not fit.
 */
export function alarmEventOf(model: PlantModel, payload: unknown, topic: unknown, now: number): { event?: AlarmEvent; error?: string } {
  const fromTopic = typeof topic === 'string' ? /^alarm\/(.+)\/([A-Z_]+)$/.exec(topic) : null;
  const base = payload && typeof payload === 'object' ? { ...(payload as Record<string, unknown>) } : {};
  if (fromTopic) {
    base.tag ??= fromTopic[1];
    base.type ??= fromTopic[2];
  }
  const r = alarmEventSchema.safeParse(base);
  if (!r.success) return { error: `alarm event rejected: ${describeZodError(r.error, { root: 'payload' })}` };
  const p = r.data;
  if (!model.tagsByName.has(p.tag)) return { error: `alarm event rejected: ${p.tag} is not a tag of plant "${model.plant}"` };
  const defs = model.alarmsByTag.get(p.tag) ?? [];
  const def = (p.id ? model.alarmsById.get(p.id) : undefined) ?? defs.find((a) => a.type === p.type) ?? (p.type ? undefined : defs.length === 1 ? defs[0] : undefined);
  const type = p.type ?? def?.type;
  if (!type) return { error: `alarm event rejected: ${p.tag} has ${defs.length} alarms in the plant model, so the event needs a type (${defs.map((a) => a.type).join(', ')})` };
  if (p.state === undefined && p.active === undefined) return { error: 'alarm event rejected: it needs `state` (ISA-18.2, e.g. UNACK) or `active` (true/false)' };
  const state: AlarmState = p.state ?? (p.active ? 'UNACK' : 'NORMAL');
  const active = p.active ?? ACTIVE_STATES.includes(state);
  return {
    event: {
      id: p.id ?? def?.id ?? `${p.tag}:${type}`,
      tag: p.tag,
      type,
      state,
      priority: p.priority ?? def?.priority ?? 'medium',
      value: p.value ?? null,
      limit: p.limit ?? (def?.limit as AlarmEvent['limit']) ?? null,
      message: p.message ?? def?.message ?? `${p.tag} ${type}`,
      activeSince: active ? (p.activeSince ?? now) : (p.activeSince ?? null),
      firstOut: p.firstOut ?? false,
      shelved: p.shelved ?? state === 'SHELVED',
      suppressed: p.suppressed ?? state === 'SUPPRESSED',
      rationalization: def?.rationalization ?? { cause: '', consequence: '', action: '', responseTime: '' },
      active,
      acked: p.acked ?? state !== 'UNACK',
      ...(p.quality ? { quality: p.quality } : {}),
      ...(p.area ?? def?.area ? { area: p.area ?? def?.area } : {}),
      at: p.at ?? now,
    },
  };
}

/**
 * Whether an alarm counts for the incident: its condition is present and an operator is
 * meant to see it. Shelved, suppressed-by-design and out-of-service alarms are not explained.
 */
export function countsForIncident(e: AlarmEvent): boolean {
  return e.active && !e.shelved && !e.suppressed && e.state !== 'OUT_OF_SERVICE' && e.state !== 'SHELVED' && e.state !== 'SUPPRESSED';
}
