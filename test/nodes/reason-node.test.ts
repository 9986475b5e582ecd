// copilot-reason in a real Node-RED runtime (node-red-node-test-helper) with the demo plant:
// alarm events in (from copilot-alarms and from "any source"), suggestions and proposals out,
// questions and feedback as messages and through the hub, persistence, bad input; and with an
// LLM (copilot-llm) pointed at a local fake OpenAI-compatible server, incl. a slow one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Proposal, Suggestion } from '../../nodes/lib/contracts';
import type { PlantHub } from '../../nodes/lib/hub';
import { hasToolResult, startFakeLlmServer, type FakeLlmServer } from '../helpers/fake-llm-server';
import { collect, errorsOf, statusTextsOf, useNodeRed } from '../helpers/node-red';
import { DEMO_PLANT_FILE } from '../helpers/plant';
import { sleep, until } from '../helpers/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plantNode = require('../../dist/nodes/copilot-plant/copilot-plant.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const alarmsNode = require('../../dist/nodes/copilot-alarms/copilot-alarms.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const reasonNode = require('../../dist/nodes/copilot-reason/copilot-reason.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const llmNode = require('../../dist/nodes/copilot-llm/copilot-llm.js');

helper.init(require.resolve('node-red'));

const PLANT = DEMO_PLANT_FILE;
type Msg = { topic: string; payload: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

const TRIP = { 'P-301.RUN': false, 'P-302.RUN': false, 'FT-301': 3, 'PT-301': 1, 'TT-201': 78, 'TIC-201.OUT': 90, 'FIC-101.SP': 10, 'FT-101': 10, 'P-101.RUN': true, 'PT-201': 2.4, 'TT-302': 40 };
const batch = (values: Record<string, number | boolean>) => ({
  topic: 'batch',
  payload: Object.fromEntries(Object.entries(values).map(([t, v]) => [t, { value: v, quality: 'good', timestamp: Date.now() }])),
});

function flow(extra: Array<Record<string, unknown>> = [], reason: Record<string, unknown> = {}) {
  return [
    { id: 'plant', type: 'copilot-plant', name: 'demo', source: 'file', path: PLANT },
    { id: 'r1', type: 'copilot-reason', plant: 'plant', refresh: 0, minInterval: 0.2, wires: [['sug'], ['prop']], ...reason },
    { id: 'sug', type: 'helper' },
    { id: 'prop', type: 'helper' },
    ...extra,
  ];
}

const userDir = useNodeRed({ prefix: 'copilot-reason-' });

describe('copilot-reason without an LLM', () => {
  test('alarm events from any source in: a suggestion, one proposal message per new proposal, status', async () => {
    await helper.load([plantNode, reasonNode], flow());
    const sug = collect<Msg>('sug');
    const prop = collect<Msg>('prop');
    const r1 = helper.getNode('r1');
    r1.receive(batch(TRIP));
    // A minimal event from "another source": tag and type from the topic, active flag only.
    r1.receive({ topic: 'alarm/P-301.RUN/DISCRETE', payload: { active: true } });
    await until('a suggestion', () => sug.length >= 1, 8000);
    const s: Suggestion = sug[0].payload;
    expect(sug[0].topic).toBe('copilot/suggestion');
    expect(s.hypotheses[0].cause).toBe('cw-pump-trip');
    expect(s.reasoner).toBe('knowledge-base');
    await until('a proposal', () => prop.length >= 1, 8000);
    const p: Proposal = prop[0].payload;
    expect(prop[0].topic).toBe('copilot/proposal');
    expect(p).toMatchObject({ tag: 'FIC-101.SP', current: 10, proposed: 7, approvalsRequired: 2, policy: { ok: true } });
    expect(s.proposals.map((x) => x.id)).toEqual([p.id]);
    // More alarms of the same incident: the suggestion may be updated, the proposal is not re-sent.
    r1.receive({ topic: 'alarm/FT-301/LO', payload: { tag: 'FT-301', type: 'LO', state: 'UNACK', activeSince: Date.now() } });
    await sleep(400);
    expect(prop).toHaveLength(1);
  });

  test('copilot-alarms wired into copilot-reason: tag samples become alarms, alarms become a diagnosis', async () => {
    await helper.load([plantNode, alarmsNode, reasonNode], flow([{ id: 'al', type: 'copilot-alarms', plant: 'plant', summaryInterval: 3600, wires: [['r1'], []] }]));
    const sug = collect<Msg>('sug');
    helper.getNode('al').receive(batch(TRIP));
    await until('a suggestion from the alarm node\'s events', () => sug.length >= 1, 8000);
    const s: Suggestion = sug[sug.length - 1].payload;
    expect(s.alarms.map((a) => a.id)).toContain('P-301.RUN:DISCRETE');
    expect(s.hypotheses[0].cause).toBe('cw-pump-trip');
  });

  test('questions and feedback as messages and through the hub; feedback is persisted', async () => {
    await helper.load([plantNode, reasonNode], flow());
    const sug = collect<Msg>('sug');
    const r1 = helper.getNode('r1');
    r1.receive(batch(TRIP));
    r1.receive({ topic: 'alarm/P-301.RUN/DISCRETE', payload: { active: true } });
    await until('a suggestion', () => sug.length >= 1, 8000);
    const incidentId = sug[0].payload.incidentId;
    r1.receive({ topic: 'ask', payload: { incidentId, question: 'What should I do?' } });
    await until('an answer', () => sug.some((m) => m.topic === 'copilot/answer'), 8000);
    const ans = sug.find((m) => m.topic === 'copilot/answer')!.payload;
    expect(ans).toMatchObject({ incidentId, reasoner: 'knowledge-base' });
    expect(ans.answer).toContain('Start standby pump P-302');

    const hub: PlantHub = helper.getNode('plant').hub;
    const svc = hub.service('reason')!;
    expect(svc.incidents()[0]).toMatchObject({ id: incidentId, suggestion: { hypotheses: [{ cause: 'cw-pump-trip' }] } });
    const a = await svc.ask(incidentId, 'why?', { name: 'op', roles: ['operator'] });
    expect(a.answer).toContain('cw-pump-trip');
    const inc = svc.feedback(incidentId, { cause: 'cw-pump-trip', correct: true, note: 'breaker tripped' }, { name: 'op', roles: ['operator'] });
    expect(inc.feedback).toHaveLength(1);
    r1.receive({ topic: 'feedback', user: 'anna', payload: { incidentId, cause: 'cw-valve-stuck', correct: false } });
    await until('the updated incident', () => sug.some((m) => m.topic === 'copilot/incident'), 8000);
    const file = path.join(userDir(), 'copilot-state', 'reason-r1.json');
    await until('the feedback file', () => fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')).feedback.length === 2, 8000);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).feedback.map((f: { user: string }) => f.user)).toEqual(['op', 'anna']);
    // Messages and the hub go through the same service: one audit record each, of the same shape.
    const records = (kind: string) => (hub.audit!.query({ kind }) as Array<{ actor: string | null; data: Record<string, unknown> }>).map((r) => ({ actor: r.actor, ...r.data }));
    expect(records('question')).toEqual([
      { actor: 'flow', incidentId, question: 'What should I do?', answer: ans.answer, reasoner: 'knowledge-base' },
      { actor: 'op', incidentId, question: 'why?', answer: a.answer, reasoner: 'knowledge-base' },
    ]);
    expect(records('feedback')).toEqual([
      { actor: 'op', incidentId, cause: 'cw-pump-trip', correct: true, note: 'breaker tripped' },
      { actor: 'anna', incidentId, cause: 'cw-valve-stuck', correct: false },
    ]);
  });

  test('bad input is reported and the node keeps working', async () => {
    await helper.load([plantNode, reasonNode], flow());
    const sug = collect<Msg>('sug');
    const r1 = helper.getNode('r1');
    const errors = errorsOf(r1);
    r1.receive({ topic: 'alarm/NOPE-1/HI', payload: { active: true } });
    r1.receive({ topic: 'feedback', payload: { incidentId: 'inc-none', cause: 'cw-pump-trip', correct: true } });
    r1.receive({ topic: 'alarm/TT-201/HI', payload: { state: 'BOGUS' } });
    await until('three errors', () => errors.length === 3, 8000);
    expect(errors[0]).toContain('NOPE-1 is not a tag of plant "Reactor unit 2"');
    expect(errors[1]).toContain('no incident inc-none');
    expect(errors[2]).toContain('state must be one of');
    r1.receive(batch(TRIP));
    r1.receive({ topic: 'alarm/P-301.RUN/DISCRETE', payload: { active: true } });
    await until('a suggestion after the bad messages', () => sug.length >= 1, 8000);
  });
});

describe('copilot-reason with an LLM (local fake OpenAI-compatible server)', () => {
  let server: FakeLlmServer;
  const ANSWER = JSON.stringify({ summary: 'P-301 tripped: FT-301 is 3 m3/h. Start P-302 now.', hypotheses: [{ cause: 'cw-pump-trip', rationale: 'P-301.RUN is false' }] });
  beforeAll(async () => {
    server = await startFakeLlmServer((m) => (hasToolResult(m) ? { content: ANSWER } : { toolCalls: [{ name: 'tag_value', args: { tag: 'PT-301' } }] }));
  });
  afterAll(() => server.close());

  const withLlm = (timeout = 10) => [
    { id: 'llm1', type: 'copilot-llm', provider: 'openai', model: 'test-model', baseUrl: `${server.url}/v1`, timeout, callsPerMinute: 10, tokenBudget: 100000 },
  ];

  test('the knowledge-based suggestion first, then the LLM narration; proposals still from the policy', async () => {
    server.delayMs = 0;
    await helper.load([plantNode, reasonNode, llmNode], flow(withLlm(), { llm: 'llm1' }), { llm1: { apiKey: 'sk-test' } });
    const sug = collect<Msg>('sug');
    const prop = collect<Msg>('prop');
    const r1 = helper.getNode('r1');
    const statuses = statusTextsOf(r1);
    r1.receive(batch(TRIP));
    r1.receive({ topic: 'alarm/P-301.RUN/DISCRETE', payload: { active: true } });
    await until('the LLM suggestion', () => sug.length >= 2, 8000);
    expect(sug[0].payload.reasoner).toBe('knowledge-base');
    expect(sug[1].payload.reasoner).toBe('llm:openai/test-model');
    expect(sug[1].payload.model).toBe('test-model');
    expect(sug[1].payload.summary).toBe('P-301 tripped: FT-301 is 3 m3/h. Start P-302 now.');
    // The LLM's word on a hypothesis goes with it; the knowledge-based ranking stays.
    expect(sug[1].payload.hypotheses.map((h: { cause: string }) => h.cause)).toEqual(sug[0].payload.hypotheses.map((h: { cause: string }) => h.cause));
    expect(sug[1].payload.hypotheses[0]).toMatchObject({ cause: 'cw-pump-trip', rationale: 'P-301.RUN is false', confidence: sug[0].payload.hypotheses[0].confidence });
    expect(prop).toHaveLength(1);
    const first = server.requests[0].body;
    expect(JSON.stringify(first.tools)).toContain('tag_value');
    await until('the status with the LLM state', () => statuses.includes('1 open incident · cause found · LLM ok'), 8000);
  });

  test('a slow LLM: fallback said in the suggestion, the flow is never blocked', async () => {
    server.delayMs = 5000;
    await helper.load([plantNode, reasonNode, llmNode], flow(withLlm(0.3) as never, { llm: 'llm1' }), { llm1: { apiKey: 'sk-test' } });
    const sug = collect<Msg>('sug');
    const r1 = helper.getNode('r1');
    const statuses = statusTextsOf(r1);
    r1.receive(batch(TRIP));
    const t0 = Date.now();
    r1.receive({ topic: 'alarm/P-301.RUN/DISCRETE', payload: { active: true } });
    await until('the knowledge-based suggestion', () => sug.length >= 1, 8000);
    expect(Date.now() - t0).toBeLessThan(5000);
    await until('the fallback note', () => sug.length >= 2, 8000);
    expect(sug[1].payload.reasoner).toMatch(/^knowledge-base \(fallback: llm:openai\/test-model timed out/);
    await until('a fallback status', () => statuses.some((s) => s.includes('LLM fallback')), 8000);
    server.delayMs = 0;
  });
});
