// The incident context given to an LLM: the diagnosis, the alarm records with their
// rationalization, and the live values of the tags that matter. Bounded in size so a flood does
// not become a huge (and costly) prompt.
import type { AlarmEvent, Proposal } from '../contracts';
import type { DiagnosisResult } from '../diagnosis';
import type { LiveValue } from '../plant/live-values';
import type { PlantModel } from '../plant/model';
import { writableOf } from '../plant/model';
import type { LlmContext } from './types';

const MAX_ALARMS = 25;
const MAX_VALUES = 60;

/** A writable tag's limits as proposals and the LLM context show them (maxStep only when set). */
export function limitsOf(w: Proposal['limits']): Proposal['limits'] {
  return { min: w.min, max: w.max, ...(w.maxStep !== undefined ? { maxStep: w.maxStep } : {}) };
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function buildLlmContext(
  model: PlantModel,
  incident: { id: string; openedAt: number; flood: boolean; firstOut?: string },
  alarms: AlarmEvent[],
  diagnosis: DiagnosisResult,
  live: (tag: string) => LiveValue | undefined,
): LlmContext {
  const tags: string[] = [];
  const add = (t: string) => {
    if (model.tagsByName.has(t) && !tags.includes(t) && tags.length < MAX_VALUES) tags.push(t);
  };
  for (const a of alarms) add(a.tag);
  for (const h of diagnosis.hypotheses) for (const e of h.evidence) add(e.tag);
  for (const h of diagnosis.hypotheses) for (const c of model.causes.filter((x) => x.id === h.cause)) for (const a of c.actions ?? []) if (typeof a !== 'string') add(a.setpoint);
  for (const d of diagnosis.deviations) add(d.tag);
  const values: LlmContext['values'] = {};
  for (const t of tags) {
    const tag = model.tagsByName.get(t)!;
    const lv = live(t);
    values[t] = {
      value: lv && lv.quality !== 'bad' ? lv.value : null,
      quality: lv?.quality ?? 'bad',
      ...(tag.unit ? { unit: tag.unit } : {}),
      ...(tag.normal !== undefined ? { normal: tag.normal } : {}),
      ...(tag.description ? { description: tag.description } : {}),
    };
  }
  const writable: LlmContext['writable'] = {};
  for (const t of model.tags) {
    const w = writableOf(model, t.name);
    if (w) writable[t.name] = { ...limitsOf(w), ...(t.unit ? { unit: t.unit } : {}) };
  }
  const hypothesisIds = new Set(diagnosis.hypotheses.map((h) => h.cause));
  return {
    plant: model.plant,
    incident: { id: incident.id, openedAt: iso(incident.openedAt)!, flood: incident.flood, ...(incident.firstOut ? { firstOut: incident.firstOut } : {}) },
    alarms: alarms.slice(0, MAX_ALARMS).map((a) => ({
      id: a.id,
      tag: a.tag,
      type: a.type,
      priority: a.priority,
      state: a.state,
      value: a.value,
      limit: a.limit,
      message: a.message,
      activeSince: iso(a.activeSince),
      cause: a.rationalization.cause,
      consequence: a.rationalization.consequence,
      action: a.rationalization.action,
      responseTime: a.rationalization.responseTime,
    })),
    diagnosis: { verdict: diagnosis.verdict, hypotheses: diagnosis.hypotheses, checkNext: diagnosis.checkNext, deviations: diagnosis.deviations, unknown: diagnosis.unknown },
    values,
    causes: model.causes
      .filter((c) => hypothesisIds.has(c.id))
      .map((c) => ({ id: c.id, description: c.description, actions: (c.actions ?? []).map((a) => (typeof a === 'string' ? a : `change ${a.setpoint} ${a.change}${a.note ? ` (${a.note})` : ''}`)) })),
    writable,
  };
}
