// The reasoning engine without Node-RED: incidents, coalesced diagnoses, suggestions with
// policy-checked proposals, follow-up questions and operator feedback (no LLM here; see llm-*.test.ts).
import { LiveValueTable, parsePlantText, type PlantModel } from '../../nodes/lib/plant';
import { demoModel } from '../helpers/plant';
import type { AlarmEvent, Incident, Suggestion } from '../../nodes/lib/contracts';
import { alarmEventOf, llmBudgets, FeedbackBook, IncidentTracker, proposalOf, Reasoner, type SuggestionMeta } from '../../nodes/lib/reasoning';
import { sleep } from '../helpers/wait';

const demo = demoModel();
const NORMAL: Record<string, number | boolean> = {
  'P-101.RUN': true, 'FT-101': 9, 'FIC-101.SP': 9, 'FIC-101.OUT': 50, 'FIC-101.AUTO': true, 'TT-101': 25, 'TT-201': 70, 'TIC-201.SP': 70,
  'TIC-201.OUT': 45, 'TIC-201.AUTO': true, 'PT-201': 2.4, 'LT-201': 50, 'LIC-201.SP': 50, 'LIC-201.OUT': 50, 'LIC-201.AUTO': true, 'FT-202': 9,
  'AT-201': 92, 'P-201.RUN': true, 'P-301.RUN': true, 'P-302.RUN': false, 'FT-301': 30, 'TT-301': 24, 'TT-302': 36, 'PT-301': 3.5,
};

function plant(over: Record<string, number | boolean> = {}, now = Date.now()) {
  const live = new LiveValueTable();
  for (const [t, v] of Object.entries({ ...NORMAL, ...over })) live.update(t, { value: v, quality: 'good', timestamp: now });
  return live;
}

function alarm(tag: string, type: string, extra: Record<string, unknown> = {}): AlarmEvent {
  const r = alarmEventOf(demo, { tag, type, state: 'UNACK', activeSince: Date.now(), ...extra }, undefined, Date.now());
  if (!r.event) throw new Error(r.error);
  return r.event;
}

function harness(live: LiveValueTable, opts: ConstructorParameters<typeof Reasoner>[3] = {}) {
  const suggestions: Array<{ s: Suggestion; meta: SuggestionMeta }> = [];
  const incidents: Incident[] = [];
  const saved: unknown[] = [];
  const r = new Reasoner(demo, live, {
    suggestion: (s, meta) => suggestions.push({ s, meta }),
    incident: (i) => incidents.push(i),
    feedback: (recs) => saved.push(recs),
  }, { refreshMs: 0, ...opts });
  return { r, suggestions, incidents, saved };
}

let open: Reasoner[] = [];
afterEach(() => {
  for (const r of open) r.close();
  open = [];
});

describe('alarm events from any source', () => {
  test('a minimal event {tag, type, active} is completed from the plant model', () => {
    const r = alarmEventOf(demo, { active: true }, 'alarm/FT-301/LO', 1000);
    expect(r.event).toMatchObject({ id: 'FT-301:LO', tag: 'FT-301', type: 'LO', state: 'UNACK', priority: 'high', active: true, activeSince: 1000, message: 'Cooling water flow lost' });
    expect(r.event!.rationalization.action).toBe('Check P-301 and TV-301; start standby pump P-302');
  });
  test('bad events are refused with what to fix', () => {
    expect(alarmEventOf(demo, { tag: 'XX-1', type: 'HI', active: true }, undefined, 0).error).toContain('XX-1 is not a tag of plant "Reactor unit 2"');
    expect(alarmEventOf(demo, { tag: 'TT-201', active: true }, undefined, 0).error).toContain('needs a type (HIHI, HI, BAD_PV)');
    expect(alarmEventOf(demo, { tag: 'FT-301', type: 'LO' }, undefined, 0).error).toContain('needs `state`');
    expect(alarmEventOf(demo, 'hello', undefined, 0).error).toContain('tag');
  });
});

describe('incidents', () => {
  test('connected alarms join one incident; an unconnected alarm elsewhere opens another', () => {
    const h = harness(plant());
    open.push(h.r);
    h.r.onAlarm(alarm('P-301.RUN', 'DISCRETE'));
    h.r.onAlarm(alarm('FT-301', 'LO'));
    h.r.onAlarm(alarm('P-201.RUN', 'DISCRETE'));
    const list = h.r.incidents();
    expect(list).toHaveLength(2);
    const cooling = list.find((i) => i.alarmIds.includes('P-301.RUN:DISCRETE'))!;
    expect(cooling.alarmIds).toEqual(['P-301.RUN:DISCRETE', 'FT-301:LO']);
    expect(cooling.firstOut).toBe('P-301.RUN:DISCRETE');
    // Newest first.
    expect(list[0].alarmIds).toEqual(['P-201.RUN:DISCRETE']);
  });

  test('connection follows the influence graph of the current model: setModel() drops the old graph', () => {
    const model = (influences: string) => {
      const r = parsePlantText(`plant: G\ntags:\n  - { name: A, range: [0, 100] }\n  - { name: B, range: [0, 100] }\n  - { name: C, range: [0, 100] }\nalarms:\n  - { tag: A, type: HI, limit: 90, priority: high, message: A high }\n  - { tag: B, type: HI, limit: 90, priority: high, message: B high }\n  - { tag: C, type: HI, limit: 90, priority: high, message: C high }\ninfluences:\n${influences}`);
      if (!r.model) throw new Error(JSON.stringify(r.errors));
      return r.model;
    };
    const m1 = model('  - [A, B, +]\n');
    const m2 = model('  - [A, C, +]\n');
    const raise = (m: PlantModel, tag: string, now: number) => alarmEventOf(m, { tag, type: 'HI', state: 'UNACK', activeSince: now }, undefined, now).event!;
    const t = new IncidentTracker(m1);
    const first = t.onAlarm(raise(m1, 'A', 1000), 1000)!;
    expect(t.onAlarm(raise(m1, 'B', 2000), 2000)!.incident.id).toBe(first.incident.id); // A -> B
    t.setModel(m2);
    expect(t.onAlarm(raise(m2, 'C', 3000), 3000)!.incident.id).toBe(first.incident.id); // A -> C in the new model
    const fresh = new IncidentTracker(m1);
    fresh.onAlarm(raise(m1, 'A', 1000), 1000);
    expect(fresh.onAlarm(raise(m1, 'C', 2000), 2000)!.opened).toBe(true); // not connected in the old model
  });

  test('an incident whose alarms are clearing takes no new alarm: the next upset is a new incident', () => {
    const h = harness(plant());
    open.push(h.r);
    h.r.onAlarm(alarm('P-301.RUN', 'DISCRETE'));
    h.r.onAlarm(alarm('FT-301', 'LO'));
    h.r.onAlarm(alarm('TT-201', 'HI'));
    h.r.onAlarm({ ...alarm('P-301.RUN', 'DISCRETE'), state: 'RTN_UNACK', active: false });
    h.r.onAlarm({ ...alarm('FT-301', 'LO'), state: 'RTN_UNACK', active: false });
    // TT-201 is still high (cooling down) when the next fault raises FT-301 LO again and TT-302 HI.
    h.r.onAlarm(alarm('FT-301', 'LO'));
    h.r.onAlarm(alarm('TT-302', 'HI'));
    const [newer, older] = h.r.incidents();
    expect(newer.alarmIds).toEqual(['FT-301:LO', 'TT-302:HI']);
    expect(newer.firstOut).toBe('FT-301:LO');
    expect(older.closedAt).toBeUndefined();
    h.r.onAlarm({ ...alarm('TT-201', 'HI'), state: 'RTN_UNACK', active: false });
    expect(h.r.incidents()[1].closedAt).toBeDefined();
  });

  test('a recovering incident keeps its explanation while the plant settles', () => {
    const surge = { 'FT-101': 16.5, 'FIC-101.OUT': 3, 'LT-201': 78, 'TT-201': 88 };
    const live = plant(surge);
    const h = harness(live, { minIntervalMs: 0 });
    open.push(h.r);
    for (const [t, ty] of [['FT-101', 'HI'], ['LT-201', 'HI'], ['TT-201', 'HI']]) h.r.onAlarm(alarm(t, ty));
    const first = h.r.incidents()[0];
    expect(first.suggestion!.hypotheses[0].cause).toBe('feed-valve-stuck-open');
    const sent = h.suggestions.length;
    // The feed valve is freed; the hot reactor cools at full cooling water, which looks like a biased TT-201.
    for (const [t, v] of Object.entries({ 'FT-101': 9, 'FIC-101.OUT': 50, 'LT-201': 50, 'TT-201': 90, 'TIC-201.OUT': 92, 'FT-301': 50, 'TT-302': 25, 'PT-201': 2.3 })) live.update(t, { value: v, quality: 'good', timestamp: Date.now() });
    h.r.onAlarm({ ...alarm('FT-101', 'HI'), state: 'RTN_UNACK', active: false });
    h.r.onAlarm({ ...alarm('LT-201', 'HI'), state: 'RTN_UNACK', active: false });
    h.r.flush();
    expect(h.suggestions.length).toBe(sent);
    expect(h.r.incidents()).toHaveLength(1);
    expect(h.r.incidents()[0].suggestion!.hypotheses[0].cause).toBe('feed-valve-stuck-open');
  });

  describe('after the settle time', () => {
    // A feed surge raises FT-101, LT-201 and TT-201 HI; the feed valve is freed and FT-101 and
    // LT-201 clear. Then TT-201 either cools down (settling) or stands high (a transmitter that
    // started reading 24 degC high while the reactor recovered).
    const T0 = Date.now();
    // TIC-201 drives the cooling valve open to bring the (real or apparent) high temperature down.
    const FULL_COOLING = { 'TIC-201.OUT': 100, 'FT-301': 50, 'TT-302': 25 };
    function surgeThenRecover(tt201: (s: number) => number, seconds: number, settleMs = 30_000) {
      let clock = T0;
      const live = plant({ 'FT-101': 16.5, 'FIC-101.OUT': 3, 'LT-201': 78, 'TT-201': 88 }, T0);
      const suggestions: Suggestion[] = [];
      const incidents: Incident[] = [];
      const r = new Reasoner(demo, live, { suggestion: (s) => suggestions.push(s), incident: (i) => incidents.push(i) }, { refreshMs: 0, minIntervalMs: 0, settleMs }, undefined, undefined, () => clock);
      open.push(r);
      const at = (t: number, a: AlarmEvent) => ({ ...a, activeSince: t });
      for (const [t, ty] of [['FT-101', 'HI'], ['LT-201', 'HI'], ['TT-201', 'HI']]) r.onAlarm(at(T0, alarm(t, ty)));
      const first = r.incidents()[0];
      clock = T0 + 1000;
      for (const [t, v] of Object.entries({ 'FT-101': 9, 'FIC-101.OUT': 50, 'LT-201': 50 })) live.update(t, { value: v, quality: 'good', timestamp: clock });
      r.onAlarm({ ...alarm('FT-101', 'HI'), state: 'RTN_UNACK', active: false });
      r.onAlarm({ ...alarm('LT-201', 'HI'), state: 'RTN_UNACK', active: false });
      // One reading a second, as the read nodes deliver them.
      for (let s = 1; s <= seconds; s++) {
        clock = T0 + 1000 + s * 1000;
        for (const [t, v] of Object.entries({ ...NORMAL, 'TT-201': tt201(s), ...FULL_COOLING })) live.update(t, { value: v, quality: 'good', timestamp: clock });
        r.flush();
      }
      return { r, first, suggestions, incidents };
    }

    test('an alarm that stands without moving back toward normal goes to a new incident, explained afresh; the old one closes', () => {
      const { r, first } = surgeThenRecover(() => 94, 40);
      const [next, old] = r.incidents();
      expect(old.id).toBe(first.id);
      expect(old.closedAt).toBeDefined();
      expect(old.suggestion!.hypotheses[0].cause).toBe('feed-valve-stuck-open');
      expect(next).toMatchObject({ continues: first.id, alarmIds: ['TT-201:HI'], firstOut: 'TT-201:HI' });
      expect(next.closedAt).toBeUndefined();
      expect(next.suggestion!.hypotheses[0].cause).toBe('tt201-sensor-bias');
      // Split once: later refreshes leave the new incident alone, and its alarm's return closes it.
      r.flush();
      expect(r.incidents()).toHaveLength(2);
      r.onAlarm({ ...alarm('TT-201', 'HI'), state: 'NORMAL', active: false, activeSince: null });
      expect(r.incidents()[0].closedAt).toBeDefined();
    });

    test('a reading still moving back toward normal is the plant settling: the explanation stands', () => {
      const { r, first } = surgeThenRecover((s) => 94 - s * 0.5, 40);
      expect(r.incidents()).toHaveLength(1);
      expect(r.incidents()[0]).toMatchObject({ id: first.id });
      expect(r.incidents()[0].closedAt).toBeUndefined();
    });

    test('before the settle time, or with a settle time of 0, nothing is split', () => {
      expect(surgeThenRecover(() => 94, 25).r.incidents()).toHaveLength(1);
      expect(surgeThenRecover(() => 94, 40, 0).r.incidents()).toHaveLength(1);
    });
  });

  test('a flood is one incident with a first-out, and it closes when every alarm is back to normal', () => {
    const h = harness(plant(), { minIntervalMs: 60_000 });
    open.push(h.r);
    const tags: Array<[string, string]> = demo.alarms.filter((a) => a.type !== 'BAD_PV').map((a) => [a.tag, a.type]);
    for (const [t, ty] of tags) h.r.onAlarm(alarm(t, ty));
    const list = h.r.incidents();
    expect(list).toHaveLength(1);
    expect(list[0].flood).toBe(true);
    expect(list[0].firstOut).toBe(`${tags[0][0]}:${tags[0][1]}`);
    expect(h.suggestions.length).toBe(1);
    for (const [t, ty] of tags) h.r.onAlarm({ ...alarm(t, ty), state: 'NORMAL', active: false, activeSince: null });
    expect(h.r.incidents()[0].closedAt).toBeDefined();
    h.r.onAlarm(alarm('FT-301', 'LO'));
    expect(h.r.incidents()).toHaveLength(2);
    expect(h.r.incidents()[0].closedAt).toBeUndefined();
  });

  test('a burst of updates gives one diagnosis now and one when the interval ends', async () => {
    const h = harness(plant({ 'P-301.RUN': false, 'FT-301': 3, 'PT-301': 1 }), { minIntervalMs: 80 });
    open.push(h.r);
    h.r.onAlarm(alarm('P-301.RUN', 'DISCRETE'));
    // One alarm chattering, others raised and acknowledged: all one incident.
    for (let i = 0; i < 40; i++) {
      h.r.onAlarm(alarm('FT-301', 'LO'));
      h.r.onAlarm({ ...alarm('FT-301', 'LO'), state: 'RTN_UNACK', active: false });
      h.r.onAlarm(alarm('FT-301', 'LO'));
      h.r.onAlarm({ ...alarm('TT-201', 'HI'), state: i % 2 ? 'ACKED' : 'UNACK' });
    }
    expect(h.r.stats.diagnoses).toBe(1);
    await sleep(200);
    expect(h.r.stats.diagnoses).toBe(2);
    expect(h.r.stats.events).toBe(161);
    expect(h.r.incidents()).toHaveLength(1);
  });
});

describe('suggestions', () => {
  test('P-301 trip: the cause, the rationalization quoted, and a four-eyes feed cut proposal checked by the policy', () => {
    const h = harness(plant({ 'P-301.RUN': false, 'FT-301': 3, 'PT-301': 1, 'TT-201': 88, 'FIC-101.SP': 10 }));
    open.push(h.r);
    h.r.onAlarm(alarm('P-301.RUN', 'DISCRETE'));
    expect(h.suggestions).toHaveLength(1);
    const { s, meta } = h.suggestions[0];
    expect(s.verdict).toBe('root_cause_identified');
    expect(s.hypotheses[0].cause).toBe('cw-pump-trip');
    expect(s.reasoner).toBe('knowledge-base');
    expect(s.rationalization).toEqual([{ alarmId: 'P-301.RUN:DISCRETE', cause: 'Motor trip (overload, seal, power)', consequence: 'Loss of reactor cooling', action: 'Start standby pump P-302; inspect P-301', responseTime: '3m' }]);
    expect(s.consequences).toEqual(['Loss of reactor cooling']);
    expect(s.actions[0]).toBe('Start standby pump P-302, then inspect P-301');
    expect(s.proposals).toHaveLength(1);
    const p = s.proposals[0];
    expect(p).toMatchObject({ tag: 'FIC-101.SP', current: 10, proposed: 7, unit: 'm3/h', approvalsRequired: 2, roles: ['operator', 'supervisor'], limits: { min: 2, max: 15, maxStep: 4 }, policy: { ok: true, reasons: [] }, incidentId: s.incidentId, suggestionId: s.id });
    expect(p.expiresAt - s.createdAt).toBe(5 * 60_000);
    expect(meta.newProposals.map((x) => x.id)).toEqual([p.id]);
  });

  test('a proposal the policy refuses is kept with the reasons (feed pump stopped interlock)', () => {
    const h = harness(plant({ 'P-301.RUN': false, 'FT-301': 3, 'PT-301': 1, 'TT-201': 88, 'P-101.RUN': false }));
    open.push(h.r);
    h.r.onAlarm(alarm('P-301.RUN', 'DISCRETE'));
    const p = h.suggestions[0].s.proposals[0];
    expect(p.policy.ok).toBe(false);
    expect(p.policy.reasons.join(' ')).toContain('interlock feed-pump-stopped blocks writes to FIC-101.SP');
  });

  test('the same cause again keeps its proposals (no duplicates to approve); proposal ids are unique across incidents', () => {
    const h = harness(plant({ 'P-301.RUN': false, 'FT-301': 3, 'PT-301': 1, 'TT-201': 88 }), { minIntervalMs: 0 });
    open.push(h.r);
    h.r.onAlarm(alarm('P-301.RUN', 'DISCRETE'));
    h.r.onAlarm(alarm('FT-301', 'LO'));
    expect(h.suggestions).toHaveLength(2);
    expect(h.suggestions[1].s.proposals.map((p) => p.id)).toEqual(h.suggestions[0].s.proposals.map((p) => p.id));
    expect(h.suggestions[1].meta.newProposals).toEqual([]);
    const h2 = harness(plant({ 'P-301.RUN': false, 'FT-301': 3, 'PT-301': 1, 'TT-201': 88 }));
    open.push(h2.r);
    h2.r.onAlarm(alarm('P-301.RUN', 'DISCRETE'));
    expect(h2.suggestions[0].s.proposals[0].id).not.toBe(h.suggestions[0].s.proposals[0].id);
  });

  test('proposalOf: one proposal shape for knowledge-base and LLM proposals, from the plant model, live values and policy', () => {
    const live = plant({ 'FIC-101.SP': 10 });
    const policy = { model: demo, live: (t: string) => live.get(t), now: 1_000_000 };
    const parts = { id: 'sug-1-llm1', suggestionId: 'sug-1', incidentId: 'inc-1', tag: 'FIC-101.SP', proposed: 8, rationale: 'less feed', evidence: [], reasoner: 'llm:openai/fake', expiryMs: 60_000, inputHash: 'abc' };
    expect(proposalOf(demo, policy, parts)).toEqual({
      id: 'sug-1-llm1', tag: 'FIC-101.SP', current: 10, proposed: 8, unit: 'm3/h', limits: { min: 2, max: 15, maxStep: 4 }, rationale: 'less feed', evidence: [],
      approvalsRequired: 2, roles: ['operator', 'supervisor'], expiresAt: 1_060_000, policy: { ok: true, reasons: [] }, incidentId: 'inc-1', suggestionId: 'sug-1',
      reasoner: 'llm:openai/fake', inputHash: 'abc', createdAt: 1_000_000,
    });
    expect(proposalOf(demo, policy, { ...parts, proposed: 30 })!.policy.ok).toBe(false);
    expect(proposalOf(demo, policy, { ...parts, tag: 'FT-101' })).toBeUndefined(); // not writable
  });

  test('insufficient evidence: no proposals, the alarm response and what to check next', () => {
    const h = harness(plant({ 'TT-201': 86 }));
    open.push(h.r);
    h.r.onAlarm(alarm('TT-201', 'HI'));
    const s = h.suggestions[0].s;
    expect(s.verdict).toBe('insufficient_evidence');
    expect(s.proposals).toEqual([]);
    expect(s.actions).toContain('Check P-301 and TV-301; reduce feed with FIC-101.SP');
    expect(s.checkNext!.length).toBeGreaterThan(0);
    expect(s.summary).toMatch(/^Not enough evidence yet/);
  });
});

describe('questions and feedback', () => {
  test('a follow-up question is answered from the incident context without an LLM', async () => {
    const h = harness(plant({ 'P-301.RUN': false, 'FT-301': 3, 'PT-301': 1, 'TT-201': 88 }));
    open.push(h.r);
    h.r.onAlarm(alarm('P-301.RUN', 'DISCRETE'));
    const id = h.r.incidents()[0].id;
    const why = await h.r.ask(id, 'Why do you think so?');
    expect(why.reasoner).toBe('knowledge-base');
    expect(why.answer).toContain('cw-pump-trip');
    expect(why.answer).toContain('P-301.RUN false (expected false)');
    const tag = await h.r.ask(id, 'what is PT-301 doing?');
    expect(tag.answer).toMatch(/^PT-301 \(Cooling water header pressure\): 1 barg \(good quality\); normal 2.5..4.5 barg/);
    await expect(h.r.ask('nope', 'x')).rejects.toMatchObject({ status: 404 });
  });

  test('feedback is kept, persisted, and moves later rankings (explained in the hypothesis)', () => {
    const book = new FeedbackBook();
    const live = plant({ 'TT-201': 86, 'FT-301': 40, 'TIC-201.OUT': 80 });
    const h = harness(live);
    open.push(h.r);
    h.r.onAlarm(alarm('TT-201', 'HI'));
    const inc = h.r.incidents()[0];
    const before = inc.suggestion!.hypotheses.find((x) => x.cause === 'tt201-sensor-bias')!.confidence;
    const user = { name: 'anna', roles: ['operator'] };
    const upd = h.r.feedback(inc.id, { cause: 'tt201-sensor-bias', correct: true, note: 'checked locally' }, user);
    expect(upd.feedback).toEqual([{ cause: 'tt201-sensor-bias', correct: true, note: 'checked locally', user: 'anna', at: expect.any(Number) }]);
    expect(h.saved).toHaveLength(1);
    expect(() => h.r.feedback(inc.id, { cause: 'made-up', correct: true }, user)).toThrow(/neither a cause id/);
    expect(() => h.r.feedback('nope', { cause: 'cw-pump-trip', correct: true }, user)).toThrow(/no incident/);
    expect(() => h.r.feedback('', { cause: 'cw-pump-trip', correct: true }, user)).toThrow(/no incident yet: an alarm opens one/);

    // A later incident with the same readings: the confirmed cause ranks higher, and says why.
    const h2 = new Reasoner(demo, live, { suggestion: () => undefined, incident: () => undefined }, { refreshMs: 0 }, undefined, new FeedbackBook(h.r.feedbackBook.all()));
    open.push(h2);
    h2.onAlarm(alarm('TT-201', 'HI'));
    const hyp = h2.incidents()[0].suggestion!.hypotheses.find((x) => x.cause === 'tt201-sensor-bias')!;
    expect(hyp.confidence).toBeCloseTo(before + 0.05, 3);
    expect(hyp.description).toContain('operator feedback: confirmed 1×');
    void book;
  });
});

describe('LLM budgets of a reasoning node', () => {
  const ceiling = { callsPerMinute: 6, tokenBudgetPerHour: 60_000 };
  test('a budget above copilot-llm\'s is named, with the figure that applies', () => {
    expect(llmBudgets({ llmCallsPerMinute: 20, tokenBudgetPerHour: 100_000 }, ceiling).aboveCeiling).toEqual([
      "LLM calls per minute 20 is above the copilot-llm node's 6, so 6 applies",
      "token budget 100000 per hour is above the copilot-llm node's 60000 per hour, so 60000 applies",
    ]);
    // 0 tokens means no limit: the loosest budget, above any ceiling but "no limit".
    expect(llmBudgets({ tokenBudgetPerHour: 0 }, ceiling).aboveCeiling).toEqual(["token budget 0 (no limit) is above the copilot-llm node's 60000 per hour, so 60000 applies"]);
    expect(llmBudgets({ tokenBudgetPerHour: 0 }, { callsPerMinute: 6, tokenBudgetPerHour: 0 }).aboveCeiling).toEqual([]);
  });
  test('budgets at or below the ceiling, or left empty, say nothing', () => {
    expect(llmBudgets({ llmCallsPerMinute: 6, tokenBudgetPerHour: 60_000 }, ceiling).aboveCeiling).toEqual([]);
    expect(llmBudgets({ llmCallsPerMinute: 2, tokenBudgetPerHour: 1_000 }, ceiling).aboveCeiling).toEqual([]);
    expect(llmBudgets({}, ceiling).aboveCeiling).toEqual([]);
  });
  test('the budgets that apply: the lower of the two, a token budget of 0 being none', () => {
    expect(llmBudgets({ llmCallsPerMinute: 2, tokenBudgetPerHour: 1_000 }, ceiling)).toMatchObject({ callsPerMinute: 2, tokensPerHour: 1_000 });
    expect(llmBudgets({ llmCallsPerMinute: 20, tokenBudgetPerHour: 0 }, ceiling)).toMatchObject({ callsPerMinute: 6, tokensPerHour: 60_000 });
    expect(llmBudgets({}, { callsPerMinute: 6, tokenBudgetPerHour: 0 })).toMatchObject({ callsPerMinute: 6, tokensPerHour: Infinity });
  });
});
