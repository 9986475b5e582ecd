// Diagnosis time of the knowledge-based reasoner on synthetic plants of 100, 1,000 and 10,000
// tags (about 2.5 influence edges per tag, feedback loops included, one named cause per 20
// tags) with 10 to 500 active alarms, against a baseline measured in the same run: one plain
// pass over every tag (deviation from its band) and every edge (sign consistency). The ratio
// staying flat as the plant grows shows the work is linear in edges + alarms.
// Prints one JSON line per measurement. Run after `npm run build`.
'use strict';
const { parsePlantText } = require('../dist/nodes/lib/plant');
const { diagnose } = require('../dist/nodes/lib/diagnosis');
const { median } = require('./_util');

const tagName = (i) => `T-${String(i).padStart(5, '0')}`;

/** Deterministic pseudo-random numbers (the same plant every run). */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
}

function syntheticPlant(n, seed = 1) {
  const rand = rng(seed);
  const tags = [];
  const alarms = [];
  const influences = [];
  const causes = [];
  for (let i = 0; i < n; i++) {
    tags.push({ name: tagName(i), range: [0, 200], normal: [40, 160], area: `area${Math.floor(i / 100) % 10}` });
    alarms.push({ tag: tagName(i), type: 'HI', limit: 170, priority: 'medium', message: `${tagName(i)} high` });
    if (i + 1 < n) influences.push([tagName(i), tagName(i + 1), '+']);
    if (i + 7 < n && rand() < 0.8) influences.push([tagName(i), tagName(i + 7), rand() < 0.8 ? '+' : '-']);
    // Feedback loops, as controllers make them.
    if (i >= 5 && rand() < 0.7) influences.push([tagName(i), tagName(i - 5), rand() < 0.5 ? '+' : '-']);
  }
  for (let i = 0; i + 3 < n; i += 20)
    causes.push({ id: `cause-${i}`, description: `Fault at ${tagName(i)}`, evidence: { [tagName(i)]: 'high', [tagName(i + 1)]: 'high', [tagName(i + 2)]: 'high', [tagName(i + 3)]: 'normal' } });
  const r = parsePlantText(JSON.stringify({ plant: `Bench ${n}`, tags, alarms, causes, influences }));
  if (!r.model) throw new Error(JSON.stringify(r.errors.slice(0, 3)));
  return r.model;
}

/** A snapshot with `active` tags high and alarmed (runs of consecutive tags, like a fault spreading), the rest normal. */
function snapshot(model, active, seed = 2) {
  const rand = rng(seed);
  const n = model.tags.length;
  const values = {};
  for (const t of model.tags) values[t.name] = { value: 90 + rand() * 20, quality: 'good' };
  const alarms = [];
  const time = 1_800_000_000_000;
  let placed = 0;
  while (placed < Math.min(active, n)) {
    const start = Math.floor(rand() * n);
    for (let k = 0; k < 6 && placed < active; k++) {
      const i = (start + k) % n;
      const name = tagName(i);
      if (values[name].value > 160) continue;
      values[name] = { value: 175 + rand() * 10, quality: 'good' };
      alarms.push({ tag: name, type: 'HI', activeSince: time - 60_000 + placed * 100 });
      placed++;
    }
  }
  return { model, time, values, alarms };
}

/** The baseline: one pass over every tag and every edge, nothing more. */
function baseline(input) {
  const sign = new Map();
  for (const t of input.model.tags) {
    const v = input.values[t.name];
    sign.set(t.name, !v || v.quality === 'bad' ? 0 : v.value > t.normal[1] ? 1 : v.value < t.normal[0] ? -1 : 0);
  }
  let consistent = 0;
  for (const e of input.model.influences) if (sign.get(e.from) && sign.get(e.from) * e.sign === sign.get(e.to)) consistent++;
  return consistent;
}

function time(f, minMs = 500) {
  const runs = [];
  const t0 = performance.now();
  while (performance.now() - t0 < minMs || runs.length < 5) {
    const a = performance.now();
    f();
    runs.push(performance.now() - a);
  }
  return median(runs);
}

function main() {
  for (const n of [100, 1000, 10000]) {
    const model = syntheticPlant(n);
    const t0 = performance.now();
    diagnose(snapshot(model, 10));
    const firstMs = performance.now() - t0;
    for (const active of [10, 50, 200, 500]) {
      if (active > n / 2) continue;
      const input = snapshot(model, active);
      for (let w = 0; w < 3; w++) diagnose(input), baseline(input);
      const ms = time(() => diagnose(input));
      const base = time(() => baseline(input));
      const r = diagnose(input);
      console.log(
        JSON.stringify({
          bench: 'diagnosis',
          metric: 'ms_per_diagnosis',
          tags: n,
          edges: model.influences.length,
          causes: model.causes.length,
          activeAlarms: active,
          value: Number(ms.toFixed(3)),
          baseline: 'one pass over tags and edges',
          baselineValue: Number(base.toFixed(3)),
          ratio: Number((ms / base).toFixed(2)),
          usPerEdgePlusAlarm: Number(((ms * 1000) / (model.influences.length + active)).toFixed(3)),
          verdict: r.verdict,
          hypotheses: r.hypotheses.length,
        }),
      );
    }
    console.log(JSON.stringify({ bench: 'diagnosis', metric: 'first_diagnosis_ms_incl_model_compile', tags: n, value: Number(firstMs.toFixed(2)) }));
  }
}

module.exports = { syntheticPlant, snapshot };
if (require.main === module) main();
