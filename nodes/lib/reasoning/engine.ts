// The reasoning engine behind copilot-reason: alarm events in, incidents and suggestions out.
// One diagnosis per incident update (coalesced: at most one every `minIntervalMs` per incident,
// the first at once), a refresh while the incident is open (patterns develop after the first
// alarm), and at most one LLM call per material change, within the LLM budget. The
// knowledge-based suggestion always goes out first; the LLM's narration follows when it
// arrives and passes validation, otherwise the knowledge-based one stands and says why.
import type { AlarmEvent, Incident, Proposal, Suggestion, UserRef } from '../contracts';
import { ServiceError } from '../contracts';
import { TimeoutError, withTimeout } from '../timeout';
import { alarmSign, diagnose, observe, type ActiveAlarm, type DiagnosisResult, type SnapshotValue } from '../diagnosis';
import type { LiveValue } from '../plant/live-values';
import type { PlantModel } from '../plant/model';
import type { PolicyContext } from '../policy';
import { allowedNumbers, buildLlmContext, checkAnswer, checkText, type LlmAdvisor, type LlmContext, type LlmLookups } from '../llm';
import { countsForIncident } from './alarm-input';
import { FeedbackBook, type FeedbackRecord } from './feedback';
import { answerFromKnowledgeBase } from './followup';
import { IncidentTracker, recovering, type IncidentOptions, type IncidentState } from './incidents';
import { LlmBudget } from './rate-limit';
import { buildSuggestion, DEFAULT_PROPOSAL_EXPIRY_MS, materiallyDifferent, proposalOf } from './suggestion';

export interface LiveSource {
  get(tag: string): LiveValue | undefined;
  trend(tag: string, sinceMs?: number): Array<[number, number]>;
  /** When given, the reasoner follows since when each tag has been off-normal. */
  onUpdate?(l: (tag: string, v: LiveValue) => void): () => void;
}

export interface ReasonOptions {
  /** Coalesce incident updates: at most one diagnosis per incident in this time. Default 2 s. */
  minIntervalMs?: number;
  /** Re-diagnose open incidents this often (patterns develop). 0 = never. Default 5 s. */
  refreshMs?: number;
  /** Proposal lifetime. Default 5 min. */
  expiryMs?: number;
  /**
   * Lower LLM budgets for this reasoner than the LLM's own (copilot-llm); a higher value does not
   * raise them. A token budget of 0 means none of its own (the LLM's applies).
   */
  llmCallsPerMinute?: number;
  tokenBudgetPerHour?: number;
  /** Trend window handed to the diagnosis. Default 2 min. */
  trendWindowMs?: number;
  /**
   * Settle time: a recovering incident's explanation stands this long (a plant settling after a
   * fault can look like another fault). After it, alarms still standing that have not moved back
   * toward normal over the last settle time are split off into a new incident and explained
   * afresh. 0 = never. Default 5 min.
   */
  settleMs?: number;
  incidents?: IncidentOptions;
}

export interface SuggestionMeta {
  /** Proposals not sent before (send these to copilot-approval). */
  newProposals: Proposal[];
  llm?: { label: string; model: string; inputHash: string; tokens: number; toolCalls: string[] };
  fallback?: string;
}

export interface ReasonEvents {
  suggestion(s: Suggestion, meta: SuggestionMeta): void;
  incident(i: Incident): void;
  /** LLM state changes, for the node status: 'ok', 'busy', 'fallback: ...', 'off'. */
  llmState?(state: string): void;
  feedback?(records: FeedbackRecord[]): void;
  error?(e: Error): void;
}

export interface ReasonStats {
  events: number;
  diagnoses: number;
  suggestions: number;
  llmCalls: number;
  llmFailures: number;
  lastVerdict?: string;
  llmState: string;
}

interface Track {
  timer?: NodeJS.Timeout;
  lastRunAt: number;
  /** The incident revision the last diagnosis saw. */
  seen: number;
  llmBusy: boolean;
  lastDiagnosis?: DiagnosisResult;
}

/**
 * The LLM budgets a reasoning node works with: copilot-llm's are the ceiling, a node may only lower
 * them (for tokens, 0 means no limit, so it is the loosest budget, not the tightest). `aboveCeiling`
 * says, one sentence per budget, where the node asked for more than the ceiling, for a warning at
 * deploy: an engineer who typed a larger budget is not left wondering why the LLM stops early.
 */
export function llmBudgets(
  opts: Pick<ReasonOptions, 'llmCallsPerMinute' | 'tokenBudgetPerHour'>,
  llm: { callsPerMinute: number; tokenBudgetPerHour: number },
): { callsPerMinute: number; tokensPerHour: number; aboveCeiling: string[] } {
  const tokens = (n: number | undefined) => (n !== undefined && n > 0 ? n : Infinity);
  const callsPerMinute = Math.min(opts.llmCallsPerMinute ?? Infinity, llm.callsPerMinute);
  const tokensPerHour = Math.min(tokens(opts.tokenBudgetPerHour), tokens(llm.tokenBudgetPerHour));
  const aboveCeiling: string[] = [];
  if (opts.llmCallsPerMinute !== undefined && opts.llmCallsPerMinute > callsPerMinute)
    aboveCeiling.push(`LLM calls per minute ${opts.llmCallsPerMinute} is above the copilot-llm node's ${callsPerMinute}, so ${callsPerMinute} applies`);
  const asked = opts.tokenBudgetPerHour;
  if (asked !== undefined && tokens(asked) > tokensPerHour)
    aboveCeiling.push(`token budget ${asked === 0 ? '0 (no limit)' : `${asked} per hour`} is above the copilot-llm node's ${tokensPerHour} per hour, so ${tokensPerHour} applies`);
  return { callsPerMinute, tokensPerHour, aboveCeiling };
}

export class Reasoner {
  readonly tracker: IncidentTracker;
  readonly stats: ReasonStats = { events: 0, diagnoses: 0, suggestions: 0, llmCalls: 0, llmFailures: 0, llmState: 'off' };
  private readonly tracks = new Map<string, Track>();
  private readonly budget?: LlmBudget;
  /** Where this reasoner's own LLM budgets were above copilot-llm's (see llmBudgets), for a warning. */
  readonly budgetWarnings: string[] = [];
  private refreshTimer?: NodeJS.Timeout;
  private closed = false;
  /** Since when each tag has been off-normal, in which direction (for background deviations). */
  private readonly deviated = new Map<string, { sign: number; since: number }>();
  private readonly unsubscribeLive?: () => void;
  private readonly o: Required<Omit<ReasonOptions, 'incidents' | 'llmCallsPerMinute' | 'tokenBudgetPerHour'>>;

  constructor(
    private model: PlantModel,
    private readonly live: LiveSource,
    private readonly events: ReasonEvents,
    opts: ReasonOptions = {},
    private readonly llm?: LlmAdvisor,
    readonly feedbackBook: FeedbackBook = new FeedbackBook(),
    private readonly now: () => number = Date.now,
  ) {
    this.o = { minIntervalMs: 2000, refreshMs: 5000, expiryMs: DEFAULT_PROPOSAL_EXPIRY_MS, trendWindowMs: 120_000, settleMs: 300_000, ...stripUndefined(opts) };
    this.tracker = new IncidentTracker(model, opts.incidents);
    if (llm) {
      const b = llmBudgets(opts, llm.settings);
      this.budget = new LlmBudget(b.callsPerMinute, b.tokensPerHour);
      this.budgetWarnings = b.aboveCeiling;
      this.stats.llmState = 'ready';
    }
    if (this.o.refreshMs > 0) {
      this.refreshTimer = setInterval(() => this.refresh(), this.o.refreshMs);
      this.refreshTimer.unref?.();
    }
    this.unsubscribeLive = live.onUpdate?.((tag, v) => this.noteValue(tag, v));
  }

  private noteValue(tag: string, v: LiveValue): void {
    const t = this.model.tagsByName.get(tag);
    if (!t) return;
    const sign = observe(this.model, t, { value: v.value, quality: v.quality }, [], 0).sign;
    const prev = this.deviated.get(tag);
    if (!sign) this.deviated.delete(tag);
    else if (!prev || prev.sign !== sign) this.deviated.set(tag, { sign, since: v.timestamp });
  }

  setModel(model: PlantModel): void {
    this.model = model;
    this.tracker.setModel(model);
  }

  /** Takes one validated alarm event. Never throws: failures go to events.error. */
  onAlarm(e: AlarmEvent): void {
    if (this.closed) return;
    this.stats.events++;
    const now = this.now();
    const r = this.tracker.onAlarm(e, now);
    if (!r) return;
    if (r.closed) {
      this.untrack(r.incident.id);
      this.events.incident(publicIncident(r.incident));
      return;
    }
    if (r.opened) this.events.incident(publicIncident(r.incident));
    if (r.rediagnose) this.schedule(r.incident);
  }

  incidents(): Incident[] {
    return this.tracker.all().map(publicIncident);
  }

  close(): void {
    this.closed = true;
    this.unsubscribeLive?.();
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    for (const t of this.tracks.values()) if (t.timer) clearTimeout(t.timer);
    this.tracks.clear();
  }

  /** Does now what is due: splits settled incidents, diagnoses every open incident whose alarms changed or that has none yet (used by tests and benches). */
  flush(): void {
    this.splitSettled();
    for (const inc of this.tracker.openIncidents()) {
      const t = this.track(inc.id);
      if (t.timer) clearTimeout(t.timer), (t.timer = undefined);
      if (t.seen !== inc.revision) this.run(inc);
    }
  }

  // ---- scheduling ------------------------------------------------------------------------

  private track(id: string): Track {
    let t = this.tracks.get(id);
    if (!t) this.tracks.set(id, (t = { lastRunAt: -Infinity, seen: -1, llmBusy: false }));
    return t;
  }

  private untrack(id: string): void {
    const t = this.tracks.get(id);
    if (t?.timer) clearTimeout(t.timer);
    this.tracks.delete(id);
  }

  private schedule(inc: IncidentState): void {
    const t = this.track(inc.id);
    if (t.timer) return;
    const wait = t.lastRunAt + this.o.minIntervalMs - this.now();
    if (wait <= 0) return this.run(inc);
    t.timer = setTimeout(() => {
      t.timer = undefined;
      const still = this.tracker.openIncidents().find((i) => i.id === inc.id);
      if (still && !this.closed) this.run(still);
    }, wait);
  }

  private refresh(): void {
    this.splitSettled();
    for (const inc of this.tracker.openIncidents()) {
      const t = this.track(inc.id);
      if (!t.timer && this.now() - t.lastRunAt >= this.o.refreshMs) this.run(inc);
    }
  }

  /** Recovering incidents past the settle time whose standing alarms no longer settle: see IncidentTracker.splitOff. */
  private splitSettled(): void {
    const settle = this.o.settleMs;
    if (!(settle > 0)) return;
    const now = this.now();
    for (const inc of this.tracker.openIncidents()) {
      if (!recovering(inc) || inc.recoveringSince === undefined || now - inc.recoveringSince < settle) continue;
      const standing = this.tracker.activeAlarms(inc);
      if (!standing.length || standing.some((a) => this.settling(a, now - settle))) continue;
      const next = this.tracker.splitOff(inc, now);
      this.untrack(inc.id);
      this.events.incident(publicIncident(inc));
      this.events.incident(publicIncident(next));
      this.schedule(next);
    }
  }

  /**
   * Whether a standing alarm's value has moved back toward normal since `since` (by more than 1 %
   * of the tag's range, or of its value without one): a reactor still cooling down is settling, a
   * transmitter stuck high is not. An alarm with no direction (rate, deviation, bad value) or no
   * trend to judge by is taken as not settling.
   */
  private settling(a: AlarmEvent, since: number): boolean {
    // Back toward normal is against the alarm's direction (a HI alarm settles as the value falls).
    const sign = -alarmSign(this.model, a);
    if (!sign) return false;
    const tr = this.live.trend(a.tag, since);
    if (tr.length < 2) return false;
    const range = this.model.tagsByName.get(a.tag)?.range;
    const first = tr[0][1];
    const last = tr[tr.length - 1][1];
    const step = 0.01 * (range ? Math.abs(range[1] - range[0]) : Math.abs(first) || 1);
    return sign * (last - first) > step;
  }

  // ---- diagnosis and suggestion ----------------------------------------------------------

  private policyContext(now: number): PolicyContext {
    return { model: this.model, live: (t) => this.live.get(t), now };
  }

  private diagnoseIncident(inc: IncidentState, now: number): DiagnosisResult {
    const own = this.tracker.activeAlarms(inc);
    const start = Math.min(inc.openedAt, ...own.map((a) => a.activeSince ?? inc.openedAt));
    // Alarms of other open incidents that stood long before this one are context (they weigh little).
    const others = this.tracker
      .openIncidents()
      .filter((i) => i !== inc)
      .flatMap((i) => this.tracker.activeAlarms(i))
      .filter((a) => (a.activeSince ?? now) < start - 5 * 60_000);
    const alarms: ActiveAlarm[] = [...own, ...others].map((a) => ({ tag: a.tag, type: a.type, activeSince: a.activeSince ?? now, id: a.id, firstOut: a.id === inc.firstOut }));
    const relevant = new Set<string>(alarms.map((a) => a.tag));
    for (const c of this.model.causes) for (const t of Object.keys(c.evidence)) relevant.add(t);
    for (const inf of this.model.influences) if (relevant.has(inf.to)) relevant.add(inf.from);
    const values: Record<string, SnapshotValue> = {};
    const trends: Record<string, Array<[number, number]>> = {};
    for (const tag of this.model.tags) {
      const lv = this.live.get(tag.name);
      if (!lv) continue;
      values[tag.name] = { value: lv.value, quality: lv.quality };
      if (relevant.has(tag.name)) {
        const tr = this.live.trend(tag.name, now - this.o.trendWindowMs);
        if (tr.length >= 2) trends[tag.name] = tr;
      }
    }
    this.stats.diagnoses++;
    const deviationSince: Record<string, number> = {};
    for (const [tag, d] of this.deviated) deviationSince[tag] = d.since;
    return diagnose({ model: this.model, time: now, values, alarms, trends, incidentStart: start, deviationSince, adjustments: this.feedbackBook.adjustments() });
  }

  private run(inc: IncidentState): void {
    const t = this.track(inc.id);
    const now = this.now();
    t.lastRunAt = now;
    t.seen = inc.revision;
    // While its alarms clear, an incident's explanation stands: a plant settling after a fault
    // can look like another fault (a hot reactor cooling down at full cooling water resembles a
    // transmitter reading high), and a new, confident, wrong suggestion is worse than none.
    if (recovering(inc) && inc.suggestion) return;
    try {
      const diagnosis = this.diagnoseIncident(inc, now);
      t.lastDiagnosis = diagnosis;
      this.stats.lastVerdict = diagnosis.verdict;
      const refusal = this.llm ? this.budget!.refusal(now) : undefined;
      const wantLlm = !!this.llm && !t.llmBusy;
      const kb = buildSuggestion({
        model: this.model,
        policy: this.policyContext(now),
        incidentId: inc.id,
        alarms: this.tracker.activeAlarms(inc),
        diagnosis,
        reasoner: this.llm && refusal ? `knowledge-base (fallback: ${this.llm.label} not asked: ${refusal})` : 'knowledge-base',
        expiryMs: this.o.expiryMs,
        previous: inc.suggestion,
      });
      if (!materiallyDifferent(inc.suggestion, kb)) return;
      this.publish(inc, kb, {});
      if (wantLlm && !refusal) this.callLlm(inc, kb, diagnosis);
      else if (this.llm && refusal) this.setLlmState(`fallback: ${refusal}`);
    } catch (e) {
      this.events.error?.(e as Error);
    }
  }

  private publish(inc: IncidentState, s: Suggestion, meta: Omit<SuggestionMeta, 'newProposals'>): void {
    const before = new Set((inc.suggestion?.proposals ?? []).map((p) => p.id));
    inc.suggestion = s;
    this.stats.suggestions++;
    this.events.suggestion(s, { ...meta, newProposals: s.proposals.filter((p) => !before.has(p.id)) });
    this.events.incident(publicIncident(inc));
  }

  private setLlmState(state: string): void {
    if (this.stats.llmState === state) return;
    this.stats.llmState = state;
    this.events.llmState?.(state);
  }

  // ---- the LLM ---------------------------------------------------------------------------

  lookups(): LlmLookups {
    const model = this.model;
    return {
      tagValue: (tag) => {
        const t = model.tagsByName.get(tag);
        if (!t) return { error: `${tag} is not a tag of this plant` };
        const lv = this.live.get(tag);
        return { tag, value: lv && lv.quality !== 'bad' ? lv.value : null, quality: lv?.quality ?? 'no value', unit: t.unit, normal: t.normal, at: lv ? new Date(lv.timestamp).toISOString() : null };
      },
      trend: (tag) => (model.tagsByName.has(tag) ? this.live.trend(tag, this.now() - 10 * 60_000).map(([ts, v]) => [new Date(ts).toISOString(), v]) : { error: `${tag} is not a tag of this plant` }),
      alarmRecord: (key) => {
        for (const inc of this.tracker.openIncidents()) for (const a of inc.events.values()) if (a.id === key || a.tag === key) return a;
        const defs = model.alarmsById.get(key) ? [model.alarmsById.get(key)!] : (model.alarmsByTag.get(key) ?? []);
        return defs.length ? defs.map((d) => ({ id: d.id, tag: d.tag, type: d.type, limit: d.limit, priority: d.priority, message: d.message, ...d.rationalization, active: false })) : { error: `no alarm ${key}` };
      },
      activeAlarms: () => this.tracker.openIncidents().flatMap((i) => this.tracker.activeAlarms(i)).map((a) => ({ id: a.id, tag: a.tag, type: a.type, priority: a.priority, state: a.state, value: a.value, message: a.message })),
      plantModel: (name) => {
        const t = model.tagsByName.get(name);
        if (t) return { ...t, source: undefined, alarms: (model.alarmsByTag.get(name) ?? []).map((a) => ({ type: a.type, limit: a.limit, message: a.message })), influences: model.influences.filter((i) => i.from === name || i.to === name) };
        const c = model.causes.find((x) => x.id === name);
        return c ?? { error: `${name} is neither a tag nor a cause of this plant` };
      },
    };
  }

  private contextFor(inc: IncidentState, diagnosis: DiagnosisResult): LlmContext {
    return buildLlmContext(this.model, inc, this.tracker.activeAlarms(inc), diagnosis, (t) => this.live.get(t));
  }

  /** Runs an LLM request against the LLM timeout; aborts the request when it expires. */
  private withTimeout<T>(f: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ac = new AbortController();
    return withTimeout(f(ac.signal), this.llm!.settings.timeoutMs, 'the LLM', () => ac.abort());
  }

  private callLlm(inc: IncidentState, kb: Suggestion, diagnosis: DiagnosisResult): void {
    const llm = this.llm!;
    const t = this.track(inc.id);
    const now = this.now();
    t.llmBusy = true;
    this.budget!.take(now);
    this.stats.llmCalls++;
    this.setLlmState('busy');
    const ctx = this.contextFor(inc, diagnosis);
    const done = (fallback?: string) => {
      t.llmBusy = false;
      // The picture changed while the model was busy: one more call for the latest suggestion.
      const latest = inc.suggestion;
      if (!this.closed && !inc.closedAt && latest && latest.id !== kb.id && latest.reasoner === 'knowledge-base' && t.lastDiagnosis && !this.budget!.refusal(this.now())) {
        const diagnosis = t.lastDiagnosis;
        setImmediate(() => {
          if (!this.closed && inc.suggestion === latest && !t.llmBusy) this.callLlm(inc, latest, diagnosis);
        });
      }
      if (fallback) {
        this.stats.llmFailures++;
        this.setLlmState(`fallback: ${fallback}`);
        // The knowledge-based suggestion stands; say why the LLM's did not come.
        if (inc.suggestion?.id === kb.id && !this.closed) this.publish(inc, { ...kb, reasoner: `knowledge-base (fallback: ${llm.label} ${fallback})` }, { fallback });
      } else this.setLlmState('ok');
    };
    this.withTimeout((signal) => llm.advise(ctx, this.lookups(), signal))
      .then(({ answer, usage }) => {
        this.budget!.spend(this.now(), usage.tokens);
        if (this.closed) return;
        // An answer about an older picture of the incident is dropped, not shown.
        if (inc.suggestion?.id !== kb.id || inc.closedAt) return done();
        const allowed = allowedNumbers(ctx, this.model);
        const check = checkAnswer(answer, ctx, this.model, allowed);
        if (!check.ok) return done(`answer rejected: ${check.errors.slice(0, 2).join('; ')}`);
        const policy = this.policyContext(this.now());
        // checkAnswer let only writable tags of the plant through, so every proposal is made.
        const extra: Proposal[] = (answer.proposals ?? []).flatMap(
          (p, i) =>
            proposalOf(this.model, policy, {
              id: `${kb.id}-llm${i + 1}`,
              suggestionId: kb.id,
              incidentId: inc.id,
              tag: p.tag,
              proposed: p.value,
              rationale: p.rationale,
              evidence: diagnosis.hypotheses[0]?.evidence.filter((e) => e.relation === 'supports') ?? [],
              reasoner: llm.label,
              expiryMs: this.o.expiryMs,
              inputHash: usage.inputHash,
            }) ?? [],
        );
        // An LLM proposal outside the write policy rejects the whole answer: the model has not
        // understood the plant's limits, so its narration is not trusted either.
        const refused = extra.filter((p) => !p.policy.ok);
        if (refused.length) return done(`answer rejected: proposal outside the write policy: ${refused[0].tag} ${refused[0].proposed}: ${refused[0].policy.reasons[0]}`);
        // The LLM comments on the diagnosis's hypotheses; it does not rank them or add causes.
        const rationales = new Map((answer.hypotheses ?? []).map((h) => [h.cause, h.rationale]));
        const narrated: Suggestion = {
          ...kb,
          summary: answer.summary,
          hypotheses: kb.hypotheses.map((h) => (rationales.has(h.cause) ? { ...h, rationale: rationales.get(h.cause) } : h)),
          actions: [...kb.actions, ...(answer.actions ?? []).filter((a) => !kb.actions.includes(a))],
          proposals: [...kb.proposals, ...extra],
          reasoner: llm.label,
          model: llm.model,
          createdAt: this.now(),
        };
        done();
        this.publish(inc, narrated, { llm: { label: llm.label, model: llm.model, inputHash: usage.inputHash, tokens: usage.tokens, toolCalls: usage.toolCalls } });
      })
      .catch((e: Error) => done(shortError(e)));
  }

  // ---- operator questions and feedback ----------------------------------------------------

  private incidentOf(id: string): IncidentState {
    const inc = this.tracker.get(id);
    if (!inc) throw new ServiceError(404, id ? `no incident ${id}` : 'there is no incident yet: an alarm opens one (or name it in payload.incidentId)');
    return inc;
  }

  async ask(incidentId: string, question: string): Promise<{ answer: string; reasoner: string }> {
    const inc = this.incidentOf(incidentId);
    const q = String(question ?? '').trim();
    if (!q) throw new ServiceError(400, 'the question is empty');
    if (q.length > 2000) throw new ServiceError(400, 'the question is longer than 2,000 characters');
    const kbAnswer = () => answerFromKnowledgeBase(this.model, inc.suggestion, q, (t) => this.live.get(t));
    if (!this.llm) return { answer: kbAnswer(), reasoner: 'knowledge-base' };
    const now = this.now();
    const refusal = this.budget!.refusal(now);
    if (refusal) return { answer: kbAnswer(), reasoner: `knowledge-base (fallback: ${this.llm.label} not asked: ${refusal})` };
    const diagnosis = this.tracks.get(inc.id)?.lastDiagnosis;
    if (!diagnosis) return { answer: kbAnswer(), reasoner: 'knowledge-base' };
    this.budget!.take(now);
    this.stats.llmCalls++;
    const ctx = this.contextFor(inc, diagnosis);
    try {
      const { answer, usage } = await this.withTimeout((signal) => this.llm!.ask(ctx, q, this.lookups(), signal));
      this.budget!.spend(this.now(), usage.tokens);
      const errors = checkText(answer, this.model, allowedNumbers(ctx, this.model, [q]), 'the answer');
      if (errors.length) throw new Error(`answer rejected: ${errors.slice(0, 2).join('; ')}`);
      return { answer, reasoner: this.llm.label };
    } catch (e) {
      this.stats.llmFailures++;
      return { answer: kbAnswer(), reasoner: `knowledge-base (fallback: ${this.llm.label} ${shortError(e as Error)})` };
    }
  }

  feedback(incidentId: string, fb: { cause: string; correct: boolean; note?: string }, user: UserRef): Incident {
    const inc = this.incidentOf(incidentId);
    if (typeof fb?.cause !== 'string' || !fb.cause.trim()) throw new ServiceError(400, 'feedback needs `cause`: the cause id the operator confirms or rejects');
    if (typeof fb.correct !== 'boolean') throw new ServiceError(400, 'feedback needs `correct`: true (this was the cause) or false (it was not)');
    const cause = fb.cause.trim();
    const known = this.model.causes.some((c) => c.id === cause) || /^tag:[^:]+:(high|low|true|false)$/.test(cause);
    if (!known) throw new ServiceError(422, `${cause} is neither a cause id of the plant model nor a tag:<TAG>:<high|low|true|false> root`);
    const rec: FeedbackRecord = { incidentId, cause, correct: fb.correct, ...(fb.note ? { note: String(fb.note).slice(0, 500) } : {}), user: user.name, at: this.now() };
    this.feedbackBook.add(rec);
    inc.feedback = [...(inc.feedback ?? []), { cause: rec.cause, correct: rec.correct, ...(rec.note ? { note: rec.note } : {}), user: rec.user, at: rec.at }];
    this.events.feedback?.(this.feedbackBook.all());
    const pub = publicIncident(inc);
    this.events.incident(pub);
    return pub;
  }
}

function shortError(e: Error): string {
  if (e instanceof TimeoutError) return `timed out: no answer within ${Math.round(e.ms / 100) / 10} s`;
  const m = (e?.message ?? String(e)).split('\n')[0].slice(0, 160);
  if (/abort/i.test(m)) return 'timed out';
  return /^answer rejected/.test(m) ? m : `failed: ${m}`;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The incident as the console and flows see it (no internal maps). */
export function publicIncident(i: IncidentState): Incident {
  return {
    id: i.id,
    openedAt: i.openedAt,
    ...(i.closedAt !== undefined ? { closedAt: i.closedAt } : {}),
    ...(i.area ? { area: i.area } : {}),
    alarmIds: [...i.alarmIds],
    ...(i.firstOut ? { firstOut: i.firstOut } : {}),
    flood: i.flood,
    ...(i.continues ? { continues: i.continues } : {}),
    ...(i.suggestion ? { suggestion: i.suggestion } : {}),
    ...(i.feedback ? { feedback: i.feedback } : {}),
  };
}


