// Validation of an LLM answer against the context it was given: the LLM may only talk about
// tags of the plant, cite numbers that are in the context (or are limits of the plant model),
// name causes the diagnosis or the model knows, and propose setpoints the policy allows.
import type { PlantModel } from '../plant/model';
import type { LlmAnswer, LlmContext } from './types';

/** Tag-like tokens: letters, a dash or dot, digits (TT-201, FIC-101.SP, P-301.RUN). */
const TAG_LIKE = /\b[A-Z]{1,5}-?\d{1,4}[A-Z]?(?:\.[A-Z]{2,5})?\b/g;
const NUMBER = /(?<![A-Za-z0-9.-])-?\d+(?:\.\d+)?(?![A-Za-z]*-?\d)/g;

function numbersOf(x: unknown, out: Set<number>): void {
  if (typeof x === 'number') out.add(Number(x.toPrecision(6)));
  else if (typeof x === 'string') for (const m of x.match(/-?\d+(?:\.\d+)?/g) ?? []) out.add(Number(Number(m).toPrecision(6)));
  else if (Array.isArray(x)) for (const v of x) numbersOf(v, out);
  else if (x && typeof x === 'object') for (const v of Object.values(x)) numbersOf(v, out);
}

/** Every number the LLM may cite: anything in the context, the plant model's limits and ranges. */
export function allowedNumbers(ctx: LlmContext, model: PlantModel, extra: unknown[] = []): Set<number> {
  const out = new Set<number>();
  numbersOf(ctx, out);
  for (const t of model.tags) numbersOf([t.range, t.normal, t.writable, t.name], out);
  for (const a of model.alarms) numbersOf([a.limit, a.message, a.rationalization], out);
  for (const c of model.causes) numbersOf([c.actions, c.description], out);
  numbersOf(extra, out);
  return out;
}

export interface AnswerCheck {
  ok: boolean;
  errors: string[];
}

/** Checks free text (a summary, an answer to a question) for unknown tags and numbers not in the context. */
export function checkText(text: string, model: PlantModel, allowed: Set<number>, where: string): string[] {
  const errors: string[] = [];
  for (const m of text.match(TAG_LIKE) ?? []) {
    if (!model.tagsByName.has(m) && ![...model.tagsByName.keys()].some((t) => t.startsWith(`${m}.`)) && !model.causes.some((c) => c.description.includes(m) || c.actions?.some((a) => typeof a === 'string' && a.includes(m))) && !model.alarms.some((a) => `${a.message} ${a.rationalization.action} ${a.rationalization.cause} ${a.rationalization.consequence}`.includes(m)))
      errors.push(`${where} names ${m}, which is not a tag or equipment of this plant`);
  }
  for (const m of text.match(NUMBER) ?? []) {
    const n = Number(Number(m).toPrecision(6));
    // Small counts and percentages of confidence ("2 alarms", "80 %") are language, not data.
    if (Number.isInteger(n) && n >= 0 && n <= 10) continue;
    if (!allowed.has(n) && !allowed.has(Math.abs(n))) errors.push(`${where} cites ${m}, which is not a value in the context`);
  }
  return errors;
}

export function checkAnswer(answer: LlmAnswer, ctx: LlmContext, model: PlantModel, allowed: Set<number>): AnswerCheck {
  const errors: string[] = [];
  errors.push(...checkText(answer.summary, model, allowed, 'the summary'));
  const knownCauses = new Set([...model.causes.map((c) => c.id), ...ctx.diagnosis.hypotheses.map((h) => h.cause)]);
  for (const h of answer.hypotheses ?? []) {
    if (!knownCauses.has(h.cause)) errors.push(`hypothesis "${h.cause}" is neither a cause of the plant model nor one of the diagnosis`);
    errors.push(...checkText(h.rationale, model, allowed, `the rationale of ${h.cause}`));
  }
  for (const [i, a] of (answer.actions ?? []).entries()) errors.push(...checkText(a, model, allowed, `action ${i + 1}`));
  for (const p of answer.proposals ?? []) {
    if (!model.tagsByName.has(p.tag)) errors.push(`proposal for ${p.tag}: not a tag of this plant`);
    else if (!ctx.writable[p.tag]) errors.push(`proposal for ${p.tag}: not a writable setpoint`);
    errors.push(...checkText(p.rationale, model, allowed, `the rationale of the ${p.tag} proposal`));
  }
  return { ok: errors.length === 0, errors };
}
