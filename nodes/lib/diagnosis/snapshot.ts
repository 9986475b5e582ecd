// The snapshot file of `operator-copilot diagnose` (and of the scenario fixtures): the plant's
// values with quality, the active alarms with their activation times, optional short trends.
//   {"time": ISO, "values": {TAG: value | {value, quality}}, "alarms": [{"tag", "type", "activeSince": ISO}],
//    "trends": {TAG: [[ISO or ms, value], ...]}}
import { z } from 'zod';
import { ALARM_TYPES } from '../plant/schema';
import type { PlantModel } from '../plant/model';
import type { ActiveAlarm, SnapshotValue } from './deviation';
import type { DiagnosisInput } from './diagnose';
import { zodProblems } from '../messages';

const time = z.union([
  z.number().nonnegative(),
  z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO date-time, e.g. "2026-11-23T10:15:00Z"'),
]);
const scalar = z.union([z.number(), z.boolean(), z.string(), z.null()]);

export const snapshotSchema = z.strictObject({
  time,
  values: z.record(
    z.string(),
    z.union([scalar, z.strictObject({ value: scalar, quality: z.enum(['good', 'uncertain', 'bad']).optional() })]),
  ),
  alarms: z
    .array(
      z.strictObject({
        tag: z.string().min(1),
        type: z.enum(ALARM_TYPES, { error: `type must be one of ${ALARM_TYPES.join(', ')}` }),
        activeSince: time,
        id: z.string().optional(),
        firstOut: z.boolean().optional(),
      }),
    )
    .default([]),
  trends: z.record(z.string(), z.array(z.tuple([time, z.number()]))).optional(),
  /** Not used by the engine: what a scenario fixture expects (see test/fixtures/diagnosis). */
  expect: z.unknown().optional(),
  description: z.string().optional(),
});

export type SnapshotFile = z.infer<typeof snapshotSchema>;

const ms = (t: string | number) => (typeof t === 'number' ? t : Date.parse(t));

/** Validates a parsed snapshot file; returns the diagnosis input or readable problems. */
export function snapshotToInput(model: PlantModel, raw: unknown): { input?: DiagnosisInput; errors: string[] } {
  const r = snapshotSchema.safeParse(raw);
  if (!r.success) return { errors: zodProblems(r.error, { root: '(snapshot)' }) };
  const s = r.data;
  const errors: string[] = [];
  const values: Record<string, SnapshotValue> = {};
  for (const [tag, v] of Object.entries(s.values)) {
    if (!model.tagsByName.has(tag)) errors.push(`values.${tag}: not a tag of plant "${model.plant}"`);
    values[tag] = v !== null && typeof v === 'object' ? { value: v.value, quality: v.quality ?? 'good' } : { value: v, quality: 'good' };
  }
  const alarms: ActiveAlarm[] = s.alarms.map((a, i) => {
    if (!model.tagsByName.has(a.tag)) errors.push(`alarms[${i}].tag: ${a.tag} is not a tag of plant "${model.plant}"`);
    return { tag: a.tag, type: a.type, activeSince: ms(a.activeSince), id: a.id ?? `${a.tag}:${a.type}`, firstOut: a.firstOut };
  });
  const trends = s.trends
    ? Object.fromEntries(Object.entries(s.trends).map(([tag, pts]) => [tag, pts.map(([t, v]) => [ms(t), v] as [number, number])]))
    : undefined;
  if (errors.length) return { errors };
  return { input: { model, time: ms(s.time), values, alarms, trends }, errors };
}
