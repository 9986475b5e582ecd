// The write policy (DESIGN §5 rule 3): a setpoint write is valid only if the tag is writable,
// the value is within [min, max], the step from the live value is within maxStep, the live
// value is fresh and of good quality, and no interlock blocks it. It runs when a proposal is
// made, when it is approved and again just before the write. Every refusal is a sentence an
// operator understands.
import { evaluateCondition } from './plant/condition';
import type { PlantModel, TagValue } from './plant/model';
import { writableOf } from './plant/model';
import type { LiveValue } from './plant/live-values';
import type { PolicyVerdict, UserRef } from './contracts';

export const DEFAULT_MAX_AGE_MS = 15_000;

export interface PolicyContext {
  model: PlantModel;
  live: (tag: string) => LiveValue | undefined;
  now: number;
  /** A live value older than this is stale. */
  maxAgeMs?: number;
  /**
   * How many maxStep steps one approved change may span when copilot-write ramps it (each step
   * written and read back on its own). 1 (the default) = no ramp: the whole change is one step.
   */
  maxSteps?: number;
}

const fmt = (v: number, unit?: string) => `${Number(v.toPrecision(6))}${unit ? ` ${unit}` : ''}`;

export function checkWritePolicy(ctx: PolicyContext, tagName: string, value: unknown, user?: UserRef): PolicyVerdict {
  const reasons: string[] = [];
  let overStep = false;
  const tag = ctx.model.tagsByName.get(tagName);
  const w = writableOf(ctx.model, tagName);
  if (!tag) return { ok: false, reasons: [`${tagName} is not a tag of plant "${ctx.model.plant}"`] };
  if (!w) return { ok: false, reasons: [`${tagName} is not a writable setpoint in the plant model`] };
  if (!(w.min <= w.max)) return { ok: false, reasons: [`the plant model's write limits for ${tagName} are invalid (min ${w.min} > max ${w.max})`] };
  if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, reasons: [`the value for ${tagName} must be a finite number`] };
  const unit = tag.unit;
  if (value < w.min) reasons.push(`${fmt(value, unit)} is below the minimum ${fmt(w.min, unit)} for ${tagName}`);
  if (value > w.max) reasons.push(`${fmt(value, unit)} is above the maximum ${fmt(w.max, unit)} for ${tagName}`);

  const lv = ctx.live(tagName);
  const maxAge = ctx.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  if (!lv) reasons.push(`no live value of ${tagName} has been read yet, so the change cannot be checked against it`);
  else if (lv.quality !== 'good') reasons.push(`the live value of ${tagName} is of ${lv.quality} quality`);
  else if (ctx.now - lv.timestamp > maxAge)
    reasons.push(`the live value of ${tagName} is ${Math.round((ctx.now - lv.timestamp) / 1000)} s old (limit ${Math.round(maxAge / 1000)} s)`);
  else if (typeof lv.value !== 'number') reasons.push(`the live value of ${tagName} is not a number`);
  else if (!Number.isFinite(lv.value)) reasons.push(`the live value of ${tagName} is not a valid number`);
  else if (w.maxStep !== undefined) {
    const steps = Math.max(1, Math.floor(ctx.maxSteps ?? 1));
    const change = Math.abs(value - lv.value);
    // A relative epsilon so that 7 -> 3 with maxStep 4 passes despite float rounding.
    overStep = change > w.maxStep * steps * (1 + 1e-9) + 1e-12;
    if (overStep)
      reasons.push(
        steps === 1
          ? `a change of ${fmt(change, unit)} from the live value ${fmt(lv.value, unit)} exceeds the largest allowed step of ${fmt(w.maxStep, unit)}`
          : `a change of ${fmt(change, unit)} from the live value ${fmt(lv.value, unit)} exceeds ${steps} ramp steps of ${fmt(w.maxStep, unit)}`,
      );
  }

  const lookup = (t: string): TagValue | undefined => {
    const v = ctx.live(t);
    // Only fresh, good values count: an uncertain reading must not clear an interlock.
    if (!v || v.quality !== 'good' || ctx.now - v.timestamp > maxAge) return undefined;
    return v.value;
  };
  for (const il of ctx.model.interlocks) {
    if (!il.blocks.includes(tagName)) continue;
    const holds = evaluateCondition(il.when, lookup);
    // Fail safe: an interlock whose condition cannot be evaluated blocks.
    if (holds === true) reasons.push(`interlock ${il.id} blocks writes to ${tagName}: ${il.description} (${il.whenText})`);
    else if (holds === undefined)
      reasons.push(`interlock ${il.id} cannot be evaluated (a tag in "${il.whenText}" has no fresh, good value), so writes to ${tagName} are blocked`);
  }

  if (user && !(user.roles ?? []).some((r) => w.roles.includes(r)))
    reasons.push(`${user.name} (${user.roles.join(', ') || 'no role'}) may not approve writes to ${tagName}; it needs the role ${w.roles.join(' or ')}`);

  return { ok: reasons.length === 0, reasons, ...(overStep ? { overStep } : {}) };
}

/**
 * Target of a cause's setpoint action from the present value: "-30%" relative, "+2"/"-2" a
 * step, "=5" or a number absolute. Rounded to 4 significant digits so operators see 7, not
 * 6.999999999.
 */
export function targetOf(current: number, change: number | string): number {
  let t: number;
  if (typeof change === 'number') t = change;
  else if (change.startsWith('=')) t = Number(change.slice(1));
  else if (change.endsWith('%')) t = current * (1 + Number(change.slice(0, -1)) / 100);
  else t = current + Number(change);
  return Number(t.toPrecision(4));
}

/**
 * Brings a desired target inside [min, max] and within maxStep of the present value, saying
 * what was limited, so a knowledge-base action ("cut feed 30%") becomes a proposal that can pass.
 */
export function boundTarget(model: PlantModel, tagName: string, current: number, desired: number): { value: number; notes: string[] } {
  const w = writableOf(model, tagName);
  if (!w) return { value: desired, notes: [] };
  const notes: string[] = [];
  let v = desired;
  if (w.maxStep !== undefined && Math.abs(v - current) > w.maxStep) {
    v = current + Math.sign(v - current) * w.maxStep;
    notes.push(`limited to one step of ${w.maxStep}`);
  }
  if (v < w.min) (v = w.min), notes.push(`raised to the minimum ${w.min}`);
  if (v > w.max) (v = w.max), notes.push(`lowered to the maximum ${w.max}`);
  return { value: Number(v.toPrecision(6)), notes };
}

/**
 * How close the read-back must be to the written value: the tag's `writable.tolerance`, else
 * 0.5% of the write range [min, max] (so float32 registers and controllers that round pass).
 */
export function readBackTolerance(model: PlantModel, tagName: string): number {
  const w = writableOf(model, tagName);
  if (!w) return 0;
  return w.tolerance ?? Math.abs(w.max - w.min) * 0.005;
}
