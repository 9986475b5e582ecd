// The suggestion (DESIGN §2) built from a diagnosis: summary, hypotheses with cited evidence,
// the alarms' rationalization quoted, consequences, the matched cause's actions, and setpoint
// proposals already checked against the write policy (DESIGN §5 rule 3). A refused proposal is
// kept with the policy's reasons, so the operator sees why the copilot will not offer it.
import { randomUUID } from 'node:crypto';
import { PRIORITY_RANK } from '../alarms/engine';
import type { AlarmEvent, Proposal, Suggestion } from '../contracts';
import type { DiagnosisResult } from '../diagnosis';
import { summaryOf } from '../diagnosis';
import type { PlantModel } from '../plant/model';
import { writableOf } from '../plant/model';
import { boundTarget, checkWritePolicy, targetOf, type PolicyContext } from '../policy';

export const DEFAULT_PROPOSAL_EXPIRY_MS = 5 * 60_000;

export interface SuggestionInput {
  model: PlantModel;
  policy: PolicyContext;
  incidentId: string;
  alarms: AlarmEvent[];
  diagnosis: DiagnosisResult;
  reasoner: string;
  expiryMs?: number;
  /** The incident's previous suggestion: its proposals are kept (same ids) while the cause is unchanged and they have not expired. */
  previous?: Suggestion;
}

const fmt = (v: number, unit?: string) => `${Number(v.toPrecision(6))}${unit ? ` ${unit}` : ''}`;

/** Proposals from the named cause's `{setpoint, change}` actions, bounded and checked. */
export function proposalsFor(inp: SuggestionInput, suggestionId: string): { proposals: Proposal[]; notes: string[] } {
  const { model, diagnosis } = inp;
  const top = diagnosis.hypotheses[0];
  const notes: string[] = [];
  if (!top || diagnosis.verdict !== 'root_cause_identified') return { proposals: [], notes };
  const cause = model.causes.find((c) => c.id === top.cause);
  if (!cause) return { proposals: [], notes };
  const now = inp.policy.now;
  const proposals: Proposal[] = [];
  for (const action of cause.actions ?? []) {
    if (typeof action === 'string') continue;
    const tag = model.tagsByName.get(action.setpoint);
    const w = writableOf(model, action.setpoint);
    if (!tag || !w) continue;
    const live = inp.policy.live(action.setpoint);
    const current = live && typeof live.value === 'number' ? live.value : undefined;
    const absolute = typeof action.change === 'number' || action.change.startsWith('=');
    if (current === undefined && !absolute) {
      notes.push(`${action.setpoint}: no live value has been read, so "${action.change}" cannot be turned into a setpoint`);
      continue;
    }
    const desired = targetOf(current ?? 0, action.change);
    const bounded = current === undefined ? { value: desired, notes: [] } : boundTarget(model, action.setpoint, current, desired);
    const policy = checkWritePolicy(inp.policy, action.setpoint, bounded.value);
    const what = `${action.setpoint} ${current === undefined ? '' : `from ${fmt(current, tag.unit)} `}to ${fmt(bounded.value, tag.unit)} (${action.change}${bounded.notes.length ? `, ${bounded.notes.join(', ')}` : ''})`;
    proposals.push({
      id: `${suggestionId}-p${proposals.length + 1}`,
      tag: action.setpoint,
      current: live ? live.value : null,
      proposed: bounded.value,
      ...(tag.unit ? { unit: tag.unit } : {}),
      limits: { min: w.min, max: w.max, ...(w.maxStep !== undefined ? { maxStep: w.maxStep } : {}) },
      rationale: `${cause.description}: change ${what}.${action.note ? ` ${action.note}.` : ''}`,
      evidence: top.evidence.filter((e) => e.relation === 'supports'),
      approvalsRequired: w.approvals,
      roles: w.roles,
      expiresAt: now + (inp.expiryMs ?? DEFAULT_PROPOSAL_EXPIRY_MS),
      policy,
      incidentId: inp.incidentId,
      suggestionId,
      ...(action.note ? { consequence: action.note } : {}),
      reasoner: 'knowledge-base',
      createdAt: now,
    });
  }
  return { proposals, notes };
}

function actionText(model: PlantModel, a: string | { setpoint: string; change: number | string; note?: string }): string {
  if (typeof a === 'string') return a;
  const unit = model.tagsByName.get(a.setpoint)?.unit;
  const change = typeof a.change === 'number' ? `to ${fmt(a.change, unit)}` : a.change.startsWith('=') ? `to ${a.change.slice(1)}${unit ? ` ${unit}` : ''}` : `by ${a.change}${a.change.endsWith('%') || !unit ? '' : ` ${unit}`}`;
  return `Change ${a.setpoint} ${change}${a.note ? ` (${a.note})` : ''}: needs approval`;
}

export function buildSuggestion(inp: SuggestionInput): Suggestion {
  const { model, diagnosis, alarms } = inp;
  const now = inp.policy.now;
  const id = `sug-${randomUUID()}`;
  const top = diagnosis.hypotheses[0];
  const sorted = [...alarms].sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || (a.activeSince ?? 0) - (b.activeSince ?? 0));
  const consequences = [...new Set(sorted.map((a) => a.rationalization.consequence).filter(Boolean))];
  const actions: string[] = [];
  const cause = top ? model.causes.find((c) => c.id === top.cause) : undefined;
  if (cause && diagnosis.verdict !== 'insufficient_evidence') for (const a of cause.actions ?? []) actions.push(actionText(model, a));
  // The alarm response the engineers wrote stays visible whatever the diagnosis says.
  for (const a of sorted) if (a.rationalization.action && !actions.includes(a.rationalization.action)) actions.push(a.rationalization.action);

  const prev = inp.previous;
  const keep = prev && prev.hypotheses[0]?.cause === top?.cause && prev.verdict === diagnosis.verdict && prev.proposals.length > 0 && prev.proposals.every((p) => p.expiresAt > now);
  const made = keep ? { proposals: prev!.proposals, notes: [] as string[] } : proposalsFor(inp, id);
  for (const n of made.notes) actions.push(n);
  return {
    id,
    incidentId: inp.incidentId,
    alarms,
    verdict: diagnosis.verdict,
    summary: summaryOf(model, diagnosis),
    hypotheses: diagnosis.hypotheses,
    consequences,
    actions,
    proposals: made.proposals,
    reasoner: inp.reasoner,
    checkNext: diagnosis.checkNext,
    rationalization: sorted.filter((a) => a.rationalization.cause || a.rationalization.consequence || a.rationalization.action).map((a) => ({ alarmId: a.id, ...a.rationalization })),
    createdAt: now,
  };
}

/** Whether a new suggestion says something the operator has not been told (not just newer numbers). */
export function materiallyDifferent(a: Suggestion | undefined, b: Suggestion): boolean {
  if (!a) return true;
  if (a.verdict !== b.verdict) return true;
  const ka = a.hypotheses.slice(0, 3).map((h) => h.cause).join('|');
  const kb = b.hypotheses.slice(0, 3).map((h) => h.cause).join('|');
  if (ka !== kb) return true;
  if (a.alarms.map((x) => x.id).sort().join('|') !== b.alarms.map((x) => x.id).sort().join('|')) return true;
  return Math.abs((a.hypotheses[0]?.confidence ?? 0) - (b.hypotheses[0]?.confidence ?? 0)) >= 0.15;
}
