// Alarm engine throughput, measured against baselines in the same run:
//  1. the engine alone on a 10,000-tag plant with 20,000 alarms vs a loop that only reads the samples;
//  2. cost per sample on 100 sampled tags as the number of alarms on OTHER tags grows (0 .. 200,000):
//     the ratio should stay near 1 (alarms are indexed by tag);
//  3. through a real Node-RED runtime: batch messages of 1,000 samples into copilot-alarms vs the
//     same messages through a pass-through function node in the same runtime.
// Prints one JSON line per measurement. Run after `npm run build`.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { AlarmEngine } = require('../dist/nodes/lib/alarms');
const { parsePlantText } = require('../dist/nodes/lib/plant');
const { until, median } = require('./_util');

const PRIORITIES = ['low', 'low', 'low', 'medium', 'high', 'urgent'];
const tagName = (i) => `T-${String(i).padStart(6, '0')}`;

/** A plant model file (JSON text): tags 0..nTags-1 with HI and LO alarms on the first `alarmedTags`, plus extra alarm types. */
function plantText(nTags, alarmedTags) {
  const tags = [];
  const alarms = [];
  for (let i = 0; i < nTags; i++) {
    const name = tagName(i);
    tags.push({ name, range: [0, 200], normal: [40, 160], area: `area${i % 8}` });
    if (i < alarmedTags) {
      alarms.push({ tag: name, type: 'HI', limit: 180, deadband: 1, onDelay: '2s', priority: PRIORITIES[i % 6], message: `${name} high` });
      alarms.push({ tag: name, type: 'LO', limit: 20, deadband: 1, priority: PRIORITIES[(i + 3) % 6], message: `${name} low` });
    }
  }
  return JSON.stringify({ plant: 'Bench', areas: Array.from({ length: 8 }, (_, i) => `area${i}`), tags, alarms });
}

function model(nTags, alarmedTags) {
  const r = parsePlantText(plantText(nTags, alarmedTags), { file: 'bench.json' });
  if (!r.model) throw new Error(JSON.stringify(r.errors.slice(0, 3)));
  return r.model;
}

/** Samples cycling over `nTags` tags starting at `offset`, timestamps 1 ms apart; about 1 in 500 is out of its normal band. */
function samples(n, nTags, t0 = 1_700_000_000_000) {
  const out = new Array(n);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const names = Array.from({ length: nTags }, (_, i) => tagName(i));
  for (let i = 0; i < n; i++) {
    const r = rnd();
    const value = r < 0.001 ? 190 : r < 0.002 ? 10 : 50 + rnd() * 100;
    out[i] = { tag: names[i % nTags], value, quality: 'good', timestamp: t0 + i };
  }
  return out;
}

function line(o) {
  console.log(JSON.stringify({ bench: 'alarms', ...o }));
}

// ---- 1. engine alone ------------------------------------------------------------------------
function engineAlone() {
  const m = model(10_000, 10_000);
  const N = 500_000;
  const xs = samples(N, 10_000);
  let events = 0;
  const t0 = process.hrtime.bigint();
  const engine = new AlarmEngine(m, () => events++);
  const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const runEngine = () => {
    // Fresh timestamps each run (outside the timing) so no sample is discarded as out of order.
    for (let i = 0; i < N; i++) xs[i].timestamp += N;
    const t = process.hrtime.bigint();
    engine.ingestAll(xs);
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  let sum = 0;
  const readOnly = () => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < xs.length; i++) {
      const s = xs[i];
      if (s.quality !== 'bad' && s.timestamp > 0) sum += s.value + s.tag.length;
    }
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  runEngine();
  readOnly();
  const te = [];
  const tb = [];
  // Interleaved rounds, so load from other processes on the machine hits both alike.
  for (let round = 0; round < 7; round++) {
    te.push(runEngine());
    tb.push(readOnly());
  }
  const value = Math.round(N / median(te));
  const baselineValue = Math.round(N / median(tb));
  line({ metric: 'engine_samples_per_s', value, baseline: 'read-only loop over the same samples', baselineValue, ratio: +(value / baselineValue).toFixed(3), tags: 10_000, alarms: m.alarms.length, stateChanges: events, checksum: sum > 0 });
  line({ metric: 'engine_build_ms', value: +buildMs.toFixed(1), alarms: m.alarms.length });
}

// ---- 2. cost per sample vs alarms on other tags -----------------------------------------------
function scaling() {
  const HOT = 100;
  const N = 300_000;
  // One plant of 100,100 tags; tags 0..99 are sampled and have 2 alarms each; 0, 10,000 or all
  // 100,000 of the other tags carry 2 alarms each and are never sampled. Same tag count in every
  // case, so only the number of alarms on other tags changes.
  const TAGS = HOT + 100_000;
  const cases = [0, 10_000, 100_000].map((otherTags) => {
    const m = model(TAGS, HOT + otherTags);
    return { otherAlarms: otherTags * 2, engine: new AlarmEngine(m, () => undefined), xs: samples(N, HOT), times: [] };
  });
  const run = (c) => {
    // Fresh timestamps each run so no sample is discarded as out of order.
    for (let i = 0; i < c.xs.length; i++) c.xs[i].timestamp += N;
    const t0 = process.hrtime.bigint();
    c.engine.ingestAll(c.xs);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  // Interleaved rounds, so load from other processes on the machine hits every case alike.
  for (const c of cases) run(c);
  // The order rotates each round so no case always runs first after the others.
  for (let round = 0; round < 9; round++) for (let k = 0; k < cases.length; k++) cases[(round + k) % cases.length].times.push(run(cases[(round + k) % cases.length]));
  const base = (median(cases[0].times) / N) * 1e9;
  for (const c of cases) {
    const ns = (median(c.times) / N) * 1e9;
    line({ metric: 'engine_ns_per_sample', value: +ns.toFixed(1), otherAlarms: c.otherAlarms, tags: TAGS, sampledTags: HOT, alarmsOnSampledTags: HOT * 2, baseline: 'same samples with 0 alarms on other tags', baselineValue: +base.toFixed(1), ratio: +(ns / base).toFixed(3) });
  }
}

// ---- 3. through Node-RED ------------------------------------------------------------------------
async function throughNodeRed() {
  const { startNodeRed } = require('../dist/demo/node-red');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-bench-alarms-'));
  fs.writeFileSync(path.join(userDir, 'plant.json'), plantText(10_000, 10_000));
  const flows = [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'plant', type: 'copilot-plant', name: 'bench plant', source: 'file', path: 'plant.json', audit: '' },
    { id: 'alm', type: 'copilot-alarms', z: 'tab', name: 'bench alarms', plant: 'plant', summaryInterval: 3600, wires: [['sinkA'], ['sinkA']] },
    { id: 'pass', type: 'function', z: 'tab', name: 'pass-through', func: 'return msg;', outputs: 1, wires: [['sinkB']] },
    { id: 'sinkA', type: 'function', z: 'tab', name: 'sink A', func: 'return null;', outputs: 1, wires: [] },
    { id: 'sinkB', type: 'function', z: 'tab', name: 'sink B', func: 'return null;', outputs: 1, wires: [] },
  ];
  const red = await startNodeRed({ userDir, flows, logLevel: 'error' });
  try {
    const R = red.RED;
    const ids = ['alm', 'pass', 'sinkA', 'sinkB'];
    const missing = () => ids.filter((id) => !R.nodes.getNode(id));
    await until(() => `the flow's nodes (missing: ${missing().join(', ')})`, () => !missing().length, 10_000, { everyMs: 100 });
    const BATCH = 1000;
    const BATCHES = 300;
    const names = Array.from({ length: 10_000 }, (_, i) => tagName(i));
    const payloads = [];
    for (let b = 0; b < 10; b++) {
      const p = {};
      for (let i = 0; i < BATCH; i++) p[names[(b * BATCH + i) % names.length]] = { value: 50 + ((b * 7 + i) % 100), quality: 'good' };
      payloads.push(p);
    }
    const waitFor = (sinkId, isLast) =>
      new Promise((resolve) => {
        const sink = R.nodes.getNode(sinkId);
        const h = (msg) => {
          if (isLast(msg)) {
            sink.removeListener('input', h);
            resolve();
          }
        };
        sink.on('input', h);
      });
    const runAlarms = async () => {
      const node = R.nodes.getNode('alm');
      const done = waitFor('sinkA', (m) => m.topic === 'alarm/summary');
      const t0 = process.hrtime.bigint();
      for (let b = 0; b < BATCHES; b++) node.receive({ topic: 'batch', payload: payloads[b % payloads.length] });
      node.receive({ topic: 'summary' });
      await done;
      return Number(process.hrtime.bigint() - t0) / 1e9;
    };
    const runPass = async () => {
      const node = R.nodes.getNode('pass');
      const done = waitFor('sinkB', (m) => m.topic === 'last');
      const t0 = process.hrtime.bigint();
      for (let b = 0; b < BATCHES; b++) node.receive({ topic: 'batch', payload: payloads[b % payloads.length] });
      node.receive({ topic: 'last' });
      await done;
      return Number(process.hrtime.bigint() - t0) / 1e9;
    };
    await runAlarms();
    await runPass();
    const ta = [];
    const tp = [];
    for (let i = 0; i < 7; i++) {
      ta.push(await runAlarms());
      tp.push(await runPass());
    }
    const n = BATCHES * BATCH;
    const value = Math.round(n / median(ta));
    const baselineValue = Math.round(n / median(tp));
    line({ metric: 'node_red_samples_per_s', value, batch: BATCH, tags: 10_000, alarms: 20_000, baseline: 'pass-through function node, same messages, same runtime', baselineValue, ratio: +(value / baselineValue).toFixed(3) });
  } finally {
    await red.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

(async () => {
  engineAlone();
  scaling();
  await throughNodeRed();
})().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
