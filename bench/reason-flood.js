// An alarm flood through the reasoning engine: 1,000 alarm events in 10 s (real time) on a
// synthetic 1,000-tag plant, with an LLM (LangChain's fake chat model answering after 300 ms)
// within its default budget. Reports the diagnoses, suggestions and LLM calls made (target: a
// handful, not hundreds) against the number of alarm events, and the time from the first alarm
// to the first suggestion against one bare diagnosis of the same plant.
// Prints one JSON line per measurement. Run after `npm run build`.
'use strict';
const { FakeListChatModel } = require('@langchain/core/utils/testing');
const { LiveValueTable } = require('../dist/nodes/lib/plant');
const { Reasoner, alarmEventOf } = require('../dist/nodes/lib/reasoning');
const { diagnose } = require('../dist/nodes/lib/diagnosis');
const { LangChainAdvisor, DEFAULT_LLM_SETTINGS } = require('../dist/nodes/lib/llm');
const { syntheticPlant, snapshot } = require('./diagnosis.js');
const { sleep } = require('./_util');

const EVENTS = 1000;
const SECONDS = 10;

async function main() {
  const model = syntheticPlant(1000);
  const snap = snapshot(model, 500);
  const live = new LiveValueTable();
  const now = Date.now();
  for (const [t, v] of Object.entries(snap.values)) live.update(t, { value: v.value, quality: 'good', timestamp: now });
  const chat = new FakeListChatModel({ responses: [JSON.stringify({ summary: 'A flood of high alarms; see the knowledge-based hypotheses.' })], sleep: 300 });
  const advisor = new LangChainAdvisor({ ...DEFAULT_LLM_SETTINGS, provider: 'openai', model: 'fake' }, chat);
  let first;
  let suggestions = 0;
  const r = new Reasoner(model, live, { suggestion: () => { suggestions++; if (first === undefined) first = performance.now(); }, incident: () => undefined }, {}, advisor);

  // Raises on the alarmed tags of the snapshot first, then acks and re-raises: the mix an alarm node emits in a flood.
  const alarmed = snap.alarms.map((a) => a.tag);
  const events = [];
  for (let i = 0; i < EVENTS; i++) {
    const tag = alarmed[i % alarmed.length];
    const state = i < alarmed.length ? 'UNACK' : 'ACKED';
    events.push(alarmEventOf(model, { tag, type: 'HI', state, activeSince: now + i }, undefined, now + i).event);
  }
  const t0 = performance.now();
  const gap = (SECONDS * 1000) / EVENTS;
  for (let i = 0; i < EVENTS; i++) {
    r.onAlarm(events[i]);
    const due = t0 + (i + 1) * gap;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
  }
  // Let the last coalesced diagnosis and any LLM answer arrive.
  await sleep(2500);
  r.close();
  const stats = r.stats;
  const incidents = r.incidents();

  const b0 = performance.now();
  diagnose({ model, time: Date.now(), values: snap.values, alarms: snap.alarms.slice(0, 1) });
  const bare = performance.now() - b0;

  const line = (metric, value, baseline, baselineValue, extra = {}) =>
    console.log(JSON.stringify({ bench: 'reason-flood', metric, value, baseline, baselineValue, ratio: Number((value / baselineValue).toFixed(4)), ...extra }));
  line('diagnoses', stats.diagnoses, 'alarm events', EVENTS, { seconds: SECONDS, incidents: incidents.length, flood: incidents[0]?.flood ?? false });
  line('suggestions_sent', stats.suggestions, 'alarm events', EVENTS);
  line('llm_calls', stats.llmCalls, 'alarm events', EVENTS, { llmFailures: stats.llmFailures, callsPerMinute: DEFAULT_LLM_SETTINGS.callsPerMinute });
  line('ms_first_alarm_to_first_suggestion', Number((first - t0).toFixed(2)), 'one bare diagnosis (ms)', Number(bare.toFixed(2)));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
