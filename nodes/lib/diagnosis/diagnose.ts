// The knowledge-based reasoner (DESIGN §4). Two sources of hypotheses:
//  1. the plant model's named causes, scored by how well their evidence pattern matches the
//     observed deviations, with penalties for contradictions;
//  2. the signed influence graph, for roots no named cause covers: a deviated tag from which the
//     other deviations follow along consistent signed paths.
// Every cited tag and value is taken from the input; the same input gives the same answer.
import type { Evidence, Hypothesis, Verdict } from '../contracts';
import type { Cause, PlantModel, Tag, TagValue } from '../plant/model';
import { alarmSign, booleanNormal, observe, type ActiveAlarm, type Observation, type SnapshotValue } from './deviation';

export interface DiagnosisInput {
  model: PlantModel;
  /** ms since epoch of the snapshot */
  time: number;
  values: Record<string, SnapshotValue>;
  alarms: ActiveAlarm[];
  /** Optional short trends per tag, oldest first: [ms, value]. */
  trends?: Record<string, Array<[number, number]>>;
  /**
   * When the incident began. Alarms active before `incidentStart - standingMs` are "standing":
   * they weigh little. Default: found from the alarms themselves (the newest burst, see below).
   */
  incidentStart?: number;
  standingMs?: number;
  /**
   * Since when each tag has been deviated in its present direction (ms), if known. A deviation
   * older than the standing limit with no fresh alarm is background: only its movement counts.
   */
  deviationSince?: Record<string, number>;
  /** Score adjustments from operator feedback, per cause id: added to a candidate's confidence. */
  adjustments?: Record<string, { delta: number; reason: string }>;
}

export interface DiagnosisResult {
  verdict: Verdict;
  hypotheses: Hypothesis[];
  checkNext: string[];
  /** The earliest alarm of the incident (not a standing one). */
  firstOut?: { tag: string; type: string; activeSince: number; id?: string };
  /** Alarms that stood long before the incident and were given little weight. */
  standing: Array<{ tag: string; type: string; activeSince: number }>;
  /** Tags judged high/low/abnormal now (not standing), in plant-model order. */
  deviations: Array<{ tag: string; observed: TagValue | null; direction: string }>;
  /** Tags whose value could not be used (bad quality or missing), in plant-model order. */
  unknown: string[];
}

/** An alarm this much older than the next one is taken to belong to an earlier episode. */
export const DEFAULT_STANDING_MS = 10 * 60_000;
/** Scores closer than this are a tie, broken by the earlier first-out alarm. */
const TIE = 0.03;
/** At most this many root candidates are followed through the graph (keeps the work linear). */
const MAX_GRAPH_ROOTS = 8;
/** How deep a named cause's effects are followed downstream, to see which alarms it explains. */
const CAUSE_REACH_DEPTH = 4;
/** Graph-only roots are never as specific as a named cause written by an engineer. */
const GRAPH_CONFIDENCE_CAP = 0.7;

// ---- the model, compiled once per loaded plant model -------------------------------------

interface Edge {
  tag: string;
  sign: 1 | -1;
}

interface Element {
  tag: string;
  expected: TagValue;
  /** +1/-1 the deviation the cause predicts; 0 when it predicts the normal state. */
  sign: -1 | 0 | 1;
  boolean: boolean;
  /** Tags downstream of this element's deviation, with the sign they should move in. */
  downstream: Map<string, 1 | -1>;
}

interface CompiledCause {
  cause: Cause;
  elements: Element[];
}

interface Compiled {
  out: Map<string, Edge[]>;
  inn: Map<string, Edge[]>;
  causes: CompiledCause[];
  /** The causes whose evidence names a tag: only causes with a deviated tag are scored. */
  causesByTag: Map<string, CompiledCause[]>;
  order: Map<string, number>;
}

const compiledModels = new WeakMap<PlantModel, Compiled>();

function compile(model: PlantModel): Compiled {
  const hit = compiledModels.get(model);
  if (hit) return hit;
  const out = new Map<string, Edge[]>();
  const inn = new Map<string, Edge[]>();
  for (const inf of model.influences) {
    (out.get(inf.from) ?? out.set(inf.from, []).get(inf.from)!).push({ tag: inf.to, sign: inf.sign });
    (inn.get(inf.to) ?? inn.set(inf.to, []).get(inf.to)!).push({ tag: inf.from, sign: inf.sign });
  }
  const reach = (start: string, sign: 1 | -1): Map<string, 1 | -1> => {
    // Breadth first, first arrival wins: the shortest path's sign is the first thing an
    // operator sees move; feedback loops that come back inverted are not followed.
    const seen = new Map<string, 1 | -1>([[start, sign]]);
    let frontier: string[] = [start];
    for (let depth = 0; depth < CAUSE_REACH_DEPTH && frontier.length; depth++) {
      const next: string[] = [];
      for (const t of frontier) {
        const s = seen.get(t)!;
        for (const e of out.get(t) ?? []) {
          if (seen.has(e.tag)) continue;
          seen.set(e.tag, (s * e.sign) as 1 | -1);
          next.push(e.tag);
        }
      }
      frontier = next;
    }
    seen.delete(start);
    return seen;
  };
  const causes: CompiledCause[] = model.causes.map((cause) => ({
    cause,
    elements: Object.entries(cause.evidence).map(([tagName, expected]) => {
      const tag = model.tagsByName.get(tagName);
      let sign: -1 | 0 | 1 = 0;
      const isBool = typeof expected === 'boolean';
      if (expected === 'high') sign = 1;
      else if (expected === 'low') sign = -1;
      else if (isBool && tag) {
        const normal = booleanNormal(model, tag);
        sign = normal === expected ? 0 : expected ? 1 : -1;
      } else if (typeof expected === 'string' && expected !== 'normal' && tag && expected !== tag.normal) sign = 1;
      return { tag: tagName, expected, sign, boolean: isBool, downstream: sign ? reach(tagName, sign as 1 | -1) : new Map() };
    }),
  }));
  const order = new Map(model.tags.map((t, i) => [t.name, i]));
  const causesByTag = new Map<string, CompiledCause[]>();
  for (const cc of causes) for (const el of cc.elements) (causesByTag.get(el.tag) ?? causesByTag.set(el.tag, []).get(el.tag)!).push(cc);
  const c: Compiled = { out, inn, causes, order, causesByTag };
  compiledModels.set(model, c);
  return c;
}

// ---- the snapshot --------------------------------------------------------------------------

/**
 * The incident's start when none is given: walking back from the newest alarm, the first gap
 * longer than `standingMs` separates this incident from alarms that were already standing.
 */
export function incidentStartOf(alarms: ActiveAlarm[], standingMs: number): number | undefined {
  const times = alarms.map((a) => a.activeSince).sort((a, b) => b - a);
  if (!times.length) return undefined;
  let start = times[0];
  for (const t of times.slice(1)) {
    if (start - t > standingMs) break;
    start = t;
  }
  return start;
}

const directionWord = (sign: number, boolean: boolean): string => (boolean ? String(sign > 0) : sign > 0 ? 'high' : 'low');
/** What evidence expects: true/false for a boolean tag (as in the plant model's causes), else high/low. */
const expectedOf = (sign: number, boolean: boolean): TagValue => (boolean ? sign > 0 : sign > 0 ? 'high' : 'low');

function observed(o: Observation): TagValue | string | null {
  if (o.direction === 'normal' && o.trend && o.trendFrom !== undefined && typeof o.value === 'number')
    return `${o.value} (${o.trend > 0 ? 'rising' : 'falling'} from ${o.trendFrom})`;
  return o.value;
}

// ---- named causes ------------------------------------------------------------------------

interface Candidate {
  cause: string;
  description: string;
  score: number;
  evidence: Evidence[];
  /** Deviations (not "normal state" matches) that support it. */
  specific: number;
  /** Earliest activation among the fresh alarms it explains (ties go to the earlier first-out). */
  earliest: number;
  rootTag?: string;
  rootSign?: number;
  named: boolean;
  unknown: string[];
  lagging: Element[];
  supported: Set<string>;
}

interface Ctx {
  model: PlantModel;
  compiled: Compiled;
  obs: Map<string, Observation>;
  fresh: ActiveAlarm[];
  freshByTag: Map<string, ActiveAlarm[]>;
}

function obsOf(ctx: Ctx, tag: string): Observation | undefined {
  return ctx.obs.get(tag);
}

function scoreCause(ctx: Ctx, cc: CompiledCause): Candidate | undefined {
  let support = 0;
  let against = 0;
  let weight = 0;
  let specific = 0;
  const evidence: Evidence[] = [];
  const unknown: string[] = [];
  const lagging: Element[] = [];
  const supported = new Set<string>();
  const explainedSigns = new Map<string, number>();
  // Deviations that match, first: whether a missing deviation is "not yet" or "should have come
  // first" depends on them.
  const matched = new Map<string, number>();
  for (const el of cc.elements) {
    const o = obsOf(ctx, el.tag);
    if (el.sign && o && !o.background && o.sign === el.sign) matched.set(el.tag, el.sign);
  }
  for (const el of cc.elements) {
    const w = el.sign ? 1 : 0.5;
    weight += w;
    const o = obsOf(ctx, el.tag);
    if (!o || o.direction === 'unknown') {
      unknown.push(el.tag);
      continue;
    }
    if (o.background) {
      // Off-normal since long before the incident: only a movement since says anything.
      const moved = o.trend !== 0 && o.trendFrom !== undefined && typeof o.value === 'number' ? `${o.value} (${o.trend > 0 ? 'rising' : 'falling'} from ${o.trendFrom})` : null;
      if (el.sign && o.trend === el.sign) {
        support += 0.5 * w;
        evidence.push({ tag: el.tag, observed: moved, expected: el.expected, relation: 'supports' });
      } else if (o.trend !== 0 && (el.sign ? o.trend === -el.sign : true)) {
        against += 0.5 * (el.sign ? 1 : 0.5);
        evidence.push({ tag: el.tag, observed: moved, expected: el.expected, relation: 'contradicts' });
      }
      continue;
    }
    const standingFactor = o.standing ? 0.3 : 1;
    if (el.sign === 0) {
      if (o.direction === 'normal' || (typeof el.expected === 'string' && el.expected !== 'normal' && o.value === el.expected)) {
        // A normal reading is what tells similar causes apart, but on its own it says little.
        support += 0.25;
        evidence.push({ tag: el.tag, observed: o.value, expected: el.expected, relation: 'supports' });
      } else {
        against += (el.boolean ? 1 : 0.6) * standingFactor;
        evidence.push({ tag: el.tag, observed: o.value, expected: el.expected, relation: 'contradicts' });
      }
      continue;
    }
    if (o.sign === el.sign) {
      support += w * standingFactor;
      specific += o.standing ? 0 : 1;
      supported.add(el.tag);
      explainedSigns.set(el.tag, el.sign);
      for (const [t, s] of el.downstream) if (!explainedSigns.has(t)) explainedSigns.set(t, s);
      evidence.push({ tag: el.tag, observed: o.value, expected: el.expected, relation: 'supports' });
    } else if (o.direction === 'normal' && !el.boolean) {
      const upstreamOfMatch = [...el.downstream].some(([t, s]) => matched.get(t) === s);
      if (o.trend === el.sign) {
        // Moving the predicted way but not out of its band yet: the pattern is still developing.
        support += 0.5 * w;
        evidence.push({ tag: el.tag, observed: observed(o), expected: el.expected, relation: 'supports' });
      } else if (o.trend === -el.sign) {
        against += 0.5;
        evidence.push({ tag: el.tag, observed: observed(o), expected: el.expected, relation: 'contradicts' });
      } else if (upstreamOfMatch) {
        // Its effects downstream have already developed, so this one should have moved first.
        against += 0.6;
        evidence.push({ tag: el.tag, observed: o.value, expected: el.expected, relation: 'contradicts' });
      } else {
        // Downstream effects lag the cause by minutes; a normal reading is only weak evidence against.
        against += 0.15;
        lagging.push(el);
        evidence.push({ tag: el.tag, observed: o.value, expected: el.expected, relation: 'contradicts' });
      }
    } else {
      against += 1;
      evidence.push({ tag: el.tag, observed: o.value, expected: el.expected, relation: 'contradicts' });
    }
  }
  if (!specific || weight === 0) return undefined;
  const match = (support - against) / weight;
  if (match <= 0) return undefined;
  let explained = 0;
  let earliest = Infinity;
  const explains = (a: ActiveAlarm) => {
    const s = alarmSign(ctx.model, a) || obsOf(ctx, a.tag)?.sign || 0;
    const predicted = explainedSigns.get(a.tag);
    if (predicted !== undefined && (s === 0 || s === predicted)) {
      explained++;
      earliest = Math.min(earliest, a.activeSince);
    }
  };
  // Whichever is smaller is walked: the cause's reach or the alarms (keeps the work linear).
  if (explainedSigns.size < ctx.fresh.length) {
    for (const t of explainedSigns.keys()) for (const a of ctx.freshByTag.get(t) ?? []) explains(a);
  } else for (const a of ctx.fresh) explains(a);
  const coverage = ctx.fresh.length ? explained / ctx.fresh.length : 1;
  return {
    cause: cc.cause.id,
    description: cc.cause.description,
    score: match * (0.5 + 0.5 * coverage),
    evidence,
    specific,
    earliest,
    named: true,
    unknown,
    lagging,
    supported,
  };
}

// ---- the influence graph -----------------------------------------------------------------

/**
 * Roots found on the signed digraph. Only deviated, non-standing tags take part; an edge is kept
 * when the two deviations agree with its sign. Strongly connected components (feedback loops
 * are common: a temperature moves its controller's output, which moves the cooling flow, which
 * moves the temperature) are collapsed; components with no consistent cause upstream are the
 * root candidates. Linear in tags + edges: Tarjan once, then a bounded number of searches.
 */
function graphCandidates(ctx: Ctx): Candidate[] {
  const { compiled } = ctx;
  const dev = new Map<string, Observation>();
  for (const o of ctx.obs.values()) if (o.sign !== 0 && !o.standing) dev.set(o.tag, o);
  if (dev.size < 2) return [];
  const adj = new Map<string, string[]>();
  for (const [tag, o] of dev) {
    const next: string[] = [];
    for (const e of compiled.out.get(tag) ?? []) {
      const t = dev.get(e.tag);
      if (t && t.sign === o.sign * e.sign) next.push(e.tag);
    }
    adj.set(tag, next);
  }
  // Tarjan's SCC, iterative (a 10,000-tag plant would overflow the stack recursively).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const comp = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  let counter = 0;
  let comps = 0;
  const nodes = [...dev.keys()].sort((a, b) => (compiled.order.get(a) ?? 0) - (compiled.order.get(b) ?? 0));
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<[string, number]> = [[root, 0]];
    while (work.length) {
      const top = work[work.length - 1];
      const [v, i] = top;
      if (i === 0 && !index.has(v)) {
        index.set(v, counter);
        low.set(v, counter++);
        stack.push(v);
        onStack.add(v);
      }
      const succ = adj.get(v)!;
      if (i < succ.length) {
        top[1]++;
        const w = succ[i];
        if (!index.has(w)) work.push([w, 0]);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.set(w, comps);
        } while (w !== v);
        comps++;
      }
    }
  }
  const hasParent = new Set<number>();
  for (const [v, succ] of adj) for (const w of succ) if (comp.get(v) !== comp.get(w)) hasParent.add(comp.get(w)!);
  const members = new Map<number, string[]>();
  for (const v of nodes) if (!hasParent.has(comp.get(v)!)) (members.get(comp.get(v)!) ?? members.set(comp.get(v)!, []).get(comp.get(v)!)!).push(v);

  const alarmTimes = new Map<string, number>();
  for (const a of ctx.fresh) alarmTimes.set(a.tag, Math.min(alarmTimes.get(a.tag) ?? Infinity, a.activeSince));
  const sourceComps = [...members.values()]
    .map((tags) => ({ tags, earliest: tags.reduce((m, t) => Math.min(m, alarmTimes.get(t) ?? Infinity), Infinity) }))
    .sort((a, b) => a.earliest - b.earliest || b.tags.length - a.tags.length || (compiled.order.get(a.tags[0]) ?? 0) - (compiled.order.get(b.tags[0]) ?? 0))
    .slice(0, MAX_GRAPH_ROOTS);

  const alarmTags = new Set(ctx.fresh.map((a) => a.tag));
  const totalWeight = [...dev.keys()].reduce((s, t) => s + (alarmTags.has(t) ? 1 : 0.5), 0);
  const out: Candidate[] = [];
  for (const sc of sourceComps) {
    // The root named is the component's earliest-alarmed tag, else its first in model order.
    const rootTag = [...sc.tags].sort((a, b) => (alarmTimes.get(a) ?? Infinity) - (alarmTimes.get(b) ?? Infinity) || (compiled.order.get(a) ?? 0) - (compiled.order.get(b) ?? 0))[0];
    const ro = dev.get(rootTag)!;
    const seen = new Set<string>(sc.tags);
    const queue = [...sc.tags];
    for (let qi = 0; qi < queue.length; qi++) {
      const v = queue[qi];
      for (const w of adj.get(v)!) if (!seen.has(w)) seen.add(w), queue.push(w);
    }
    if (seen.size < 2) continue;
    const isBool = typeof ro.value === 'boolean';
    const dirWord = directionWord(ro.sign, isBool);
    const evidence: Evidence[] = [];
    let support = 0;
    let earliest = Infinity;
    for (const t of nodes) {
      if (!seen.has(t)) continue;
      const o = dev.get(t)!;
      support += alarmTags.has(t) ? 1 : 0.5;
      if (alarmTimes.has(t)) earliest = Math.min(earliest, alarmTimes.get(t)!);
      evidence.push({ tag: t, observed: o.value, expected: expectedOf(o.sign, typeof o.value === 'boolean'), relation: 'supports' });
    }
    let against = 0;
    for (const e of compiled.out.get(rootTag) ?? []) {
      const o = obsOf(ctx, e.tag);
      if (!o || o.direction === 'unknown' || o.standing || seen.has(e.tag)) continue;
      const predicted = ro.sign * e.sign;
      const exp = expectedOf(predicted, typeof o.value === 'boolean');
      if (o.sign === -predicted) (against += 1), evidence.push({ tag: e.tag, observed: o.value, expected: exp, relation: 'contradicts' });
      else if (o.direction === 'normal') (against += 0.2), evidence.push({ tag: e.tag, observed: o.value, expected: exp, relation: 'contradicts' });
    }
    const score = Math.min(GRAPH_CONFIDENCE_CAP, (support - against) / totalWeight);
    if (score <= 0) continue;
    const tag = ctx.model.tagsByName.get(rootTag);
    out.push({
      cause: `tag:${rootTag}:${dirWord}`,
      description: `${tag?.description ?? rootTag} ${isBool ? `is ${dirWord}` : `went ${dirWord}`}: no named cause covers it; the influence graph explains ${seen.size - 1} other deviation${seen.size === 2 ? '' : 's'} from it`,
      score,
      evidence,
      specific: seen.size,
      earliest,
      rootTag,
      rootSign: ro.sign,
      named: false,
      unknown: [],
      lagging: [],
      supported: seen,
    });
  }
  return out;
}

// ---- putting it together ---------------------------------------------------------------------

const round = (x: number) => Math.round(x * 1000) / 1000;

function fmtExpected(e: TagValue): string {
  return String(e);
}

export function diagnose(input: DiagnosisInput): DiagnosisResult {
  const { model } = input;
  const compiled = compile(model);
  const standingMs = input.standingMs ?? DEFAULT_STANDING_MS;
  const knownAlarms = input.alarms.filter((a) => model.tagsByName.has(a.tag));
  const start = input.incidentStart ?? incidentStartOf(knownAlarms, standingMs) ?? input.time;
  const standingBefore = start - standingMs / 2;
  const alarmsByTag = new Map<string, ActiveAlarm[]>();
  for (const a of knownAlarms) (alarmsByTag.get(a.tag) ?? alarmsByTag.set(a.tag, []).get(a.tag)!).push(a);

  // Only tags that matter are observed: those in the snapshot, alarmed, or named by a cause.
  const obs = new Map<string, Observation>();
  const consider = (tag: Tag) => {
    if (obs.has(tag.name)) return;
    obs.set(tag.name, observe(model, tag, input.values[tag.name], alarmsByTag.get(tag.name) ?? [], standingBefore, input.trends?.[tag.name], input.deviationSince?.[tag.name]));
  };
  for (const name of Object.keys(input.values)) {
    const t = model.tagsByName.get(name);
    if (t) consider(t);
  }
  for (const name of alarmsByTag.keys()) consider(model.tagsByName.get(name)!);
  for (const cc of compiled.causes) for (const el of cc.elements) if (model.tagsByName.has(el.tag)) consider(model.tagsByName.get(el.tag)!);

  const fresh = knownAlarms.filter((a) => a.activeSince >= standingBefore).sort((a, b) => a.activeSince - b.activeSince || Number(!!b.firstOut) - Number(!!a.firstOut));
  const standing = knownAlarms.filter((a) => a.activeSince < standingBefore);
  const freshByTag = new Map<string, ActiveAlarm[]>();
  for (const a of fresh) (freshByTag.get(a.tag) ?? freshByTag.set(a.tag, []).get(a.tag)!).push(a);
  const ctx: Ctx = { model, compiled, obs, fresh, freshByTag };

  // Only causes that name a deviated tag can have a supporting deviation; the others are not scored.
  const scored = new Set<CompiledCause>();
  for (const o of obs.values()) if (o.sign !== 0) for (const cc of compiled.causesByTag.get(o.tag) ?? []) scored.add(cc);
  const named: Candidate[] = [];
  for (const cc of compiled.causes) {
    if (!scored.has(cc)) continue;
    const c = scoreCause(ctx, cc);
    if (c) named.push(c);
  }
  // Graph roots a matching named cause already explains are dropped: the engineer's name is better.
  const graph = graphCandidates(ctx).filter((g) => !named.some((n) => n.supported.has(g.rootTag!)));

  for (const c of named) {
    const adj = input.adjustments?.[c.cause];
    if (!adj || !adj.delta) continue;
    c.score = Math.max(0.01, c.score + adj.delta);
    c.description = `${c.description} (${adj.reason})`;
  }
  const all = [...named, ...graph].sort((a, b) => b.score - a.score || (a.cause < b.cause ? -1 : a.cause > b.cause ? 1 : 0));
  // Near-ties: the hypothesis that explains the earlier alarm (the first-out) goes first.
  for (let i = 0; i + 1 < all.length; i++) {
    const a = all[i];
    const b = all[i + 1];
    if (a.score - b.score < TIE && b.earliest < a.earliest) {
      all[i] = b;
      all[i + 1] = a;
      if (i > 0) i -= 2;
    }
  }
  const hypotheses: Hypothesis[] = all.slice(0, 5).map((c) => ({
    cause: c.cause,
    description: c.description,
    confidence: round(Math.max(0, Math.min(1, c.score))),
    evidence: c.evidence,
  }));

  const deviations = [...obs.values()]
    .filter((o) => o.sign !== 0 || (o.direction === 'high' && typeof o.value === 'string'))
    .filter((o) => !o.standing)
    .sort((a, b) => (compiled.order.get(a.tag) ?? 0) - (compiled.order.get(b.tag) ?? 0));
  const unknown = [...obs.values()]
    .filter((o) => o.quality === 'bad' || (o.quality === 'missing' && (alarmsByTag.has(o.tag) || input.values[o.tag] !== undefined)))
    .map((o) => o.tag)
    .sort((a, b) => (compiled.order.get(a) ?? 0) - (compiled.order.get(b) ?? 0));

  const top = all[0];
  const second = all[1];
  let verdict: Verdict;
  if (!top || top.score < 0.4 || (!fresh.length && !deviations.length)) verdict = 'insufficient_evidence';
  else if (top.score >= 0.55 && top.specific >= 2 && (!second || top.score - second.score >= 0.15)) verdict = 'root_cause_identified';
  else verdict = 'ambiguous';

  const checkNext = nextChecks(ctx, all, verdict, unknown);
  const firstOut = fresh.find((a) => a.firstOut) ?? fresh[0];
  return {
    verdict,
    hypotheses,
    checkNext,
    firstOut: firstOut && { tag: firstOut.tag, type: firstOut.type, activeSince: firstOut.activeSince, id: firstOut.id },
    standing: standing.map((a) => ({ tag: a.tag, type: a.type, activeSince: a.activeSince })),
    deviations: deviations.map((o) => ({ tag: o.tag, observed: o.value, direction: typeof o.value === 'boolean' ? String(o.value) : o.direction })),
    unknown,
  };
}

/** What would tell the hypotheses apart, or give the evidence that is missing. */
function nextChecks(ctx: Ctx, all: Candidate[], verdict: Verdict, unknown: string[]): string[] {
  const out: string[] = [];
  const add = (s: string) => {
    if (!out.includes(s) && out.length < 8) out.push(s);
  };
  const why = (tag: string) => {
    const o = ctx.obs.get(tag);
    if (o?.quality === 'bad') return 'its value is of bad quality';
    if (!o || o.quality === 'missing') return 'no value was given';
    return 'it has no normal band or alarm limit to judge it by';
  };
  for (const t of unknown) if (ctx.model.alarmsByTag.has(t) || all.slice(0, 3).some((c) => c.unknown.includes(t))) add(`${t}: ${why(t)}; check the transmitter and its loop, or read it locally`);
  const [a, b] = all;
  if (a && b && a.named && b.named) {
    const ea = ctx.compiled.causes.find((c) => c.cause.id === a.cause)!;
    const eb = ctx.compiled.causes.find((c) => c.cause.id === b.cause)!;
    for (const el of ea.elements) {
      const other = eb.elements.find((x) => x.tag === el.tag);
      if (other && other.sign !== el.sign) {
        const o = ctx.obs.get(el.tag);
        const state = o && o.direction !== 'unknown' ? `now ${o.value}` : why(el.tag);
        add(`${el.tag}: ${fmtExpected(el.expected)} if ${a.cause}, ${fmtExpected(other.expected)} if ${b.cause} (${state})`);
      }
    }
    for (const el of eb.elements) if (!ea.elements.some((x) => x.tag === el.tag) && el.sign) add(`${el.tag}: expected ${fmtExpected(el.expected)} if ${b.cause}`);
  }
  for (const c of all.slice(0, 3)) {
    for (const t of c.unknown) add(`${t}: expected ${fmtExpected(ctx.compiled.causes.find((x) => x.cause.id === c.cause)!.elements.find((e) => e.tag === t)!.expected)} if ${c.cause}, but ${why(t)}`);
    if (verdict !== 'root_cause_identified') for (const el of c.lagging) add(`${el.tag}: watch for ${fmtExpected(el.expected)}; ${c.cause} predicts it`);
  }
  if (verdict === 'insufficient_evidence') {
    // The named causes that would explain the alarms, and the readings each of them still needs.
    for (const alarm of ctx.fresh) {
      if (out.length >= 8) break;
      for (const cc of ctx.compiled.causesByTag.get(alarm.tag) ?? []) {
        for (const el of cc.elements) if (el.tag !== alarm.tag && el.sign) add(`${el.tag}: would be ${fmtExpected(el.expected)} if ${cc.cause.id} (${cc.cause.description})`);
      }
    }
  }
  if (verdict !== 'root_cause_identified') {
    // Upstream tags of the alarmed tags that could not be judged: where an unexplained cause may hide.
    for (const alarm of ctx.fresh) {
      if (out.length >= 8) break;
      for (const e of ctx.compiled.inn.get(alarm.tag) ?? []) {
        const o = ctx.obs.get(e.tag);
        if (!o || o.direction === 'unknown') add(`${e.tag}: it drives ${alarm.tag}, and ${why(e.tag)}`);
      }
    }
  }
  return out;
}
