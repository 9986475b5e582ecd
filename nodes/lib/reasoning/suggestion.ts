// The suggestion (DESIGN §2) built from a diagnosis: summary, hypotheses with cited evidence,
// the alarms' rationalization quoted, consequences, the matched cause's actions, and setpoint
// proposals already checked against the write policy (DESIGN §5 rule 3). A refused proposal is
// kept with the policy's reasons, so the operator sees why the copilot will not offer it.
import { randomUUID } from 'node:crypto';
import { PRIORITY_RANK } from '../alarms/engine';
import type { AlarmEvent, Evidence, Proposal, Suggestion } from '../contracts';
import type { DiagnosisResult } from '../diagnosis';
import { summaryOf } from '../diagnosis';
import { limitsOf } from '../llm/context';
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

/** What makes one proposal its own; the rest comes from the plant model, the live values and the write policy. */
export interface ProposalParts {
  id: string;
  suggestionId: string;
  incidentId: string;
  tag: string;
  proposed: number;
  rationale: string;
  evidence: Evidence[];
  /** `knowledge-base` or `llm:<provider>/<model>`. */
  reasoner: string;
  expiryMs: number;
  consequence?: string;
  /** SHA-256 of the LLM's input, for an LLM's proposal. */
  inputHash?: string;
}

/**
 * A setpoint proposal, knowledge-based or an LLM's: current value, unit, limits, approvals and
 * roles of the writable tag, checked against the write policy at `policy.now`. Undefined when
 * the tag is not a writable tag of the plant.
 */
export function proposalOf(model: PlantModel, policy: PolicyContext, p: ProposalParts): Proposal | undefined {
  const tag = model.tagsByName.get(p.tag);
  const w = writableOf(model, p.tag);
  if (!tag || !w) return undefined;
  const live = policy.live(p.tag);
  return {
    id: p.id,
    tag: p.tag,
    current: live ? live.value : null,
    proposed: p.proposed,
    ...(tag.unit ? { unit: tag.unit } : {}),
    limits: limitsOf(w),
    rationale: p.rationale,
    evidence: p.evidence,
    approvalsRequired: w.approvals,
    roles: w.roles,
    expiresAt: policy.now + p.expiryMs,
    policy: checkWritePolicy(policy, p.tag, p.proposed),
    incidentId: p.incidentId,
    suggestionId: p.suggestionId,
    ...(p.consequence ? { consequence: p.consequence } : {}),
    reasoner: p.reasoner,
    ...(p.inputHash !== undefined ? { inputHash: p.inputHash } : {}),
    createdAt: policy.now,
  };
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
    const what = `${action.setpoint} ${current === undefined ? '' : `from ${fmt(current, tag.unit)} `}to ${fmt(bounded.value, tag.unit)} (${action.change}${bounded.notes.length ? `, ${bounded.notes.join(', ')}` : ''})`;
    const p = proposalOf(model, inp.policy, {
      id: `${suggestionId}-p${proposals.length + 1}`,
      suggestionId,
      incidentId: inp.incidentId,
      tag: action.setpoint,
      proposed: bounded.value,
      rationale: `${cause.description}: change ${what}.${action.note ? ` ${action.note}.` : ''}`,
      evidence: top.evidence.filter((e) => e.relation === 'supports'),
      reasoner: 'knowledge-base',
      expiryMs: inp.expiryMs ?? DEFAULT_PROPOSAL_EXPIRY_MS,
      ...(action.note ? { consequence: action.note } : {}),
    });
    if (p) proposals.push(p);
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
