// Batch reports and V8's allocation-site pretenuring: old-generation bytes allocated per payload
// entry while reports are built, when the consumer keeps the last message until the next one
// arrives (Node-RED's function node keeps it in its sandbox) and young-generation collections
// find it alive. Ours: reportMessages (entries made by a constructor, see BatchEntry in
// nodes/lib/plant/exception.ts). Baseline, in the same run: the same loop with object-literal
// entries, as reportMessages built them before. Each runs in its own process.
// The collections are forced (one minor GC after each report), which makes V8's decision
// deterministic; in a live Node-RED it depends on timing (in standalone OPC UA runs at 10,000 tags
// the old generation grew 6.4 MB/s when it happened, under 0.6 MB/s otherwise), one source of the
// spread between runs of bench/opcua.js. Also reported: ns per entry
// to build a report once the decision is made (old-generation allocation is slower, and its
// garbage costs a full collection later). Needs --expose-gc (npm run bench passes it).
'use strict';
const { spawnSync } = require('node:child_process');
const os = require('node:os');

const TAGS = 2500; // BATCH_MAX_TAGS: one full batch message
const WARMUP = 300;
const MEASURED = 50;
const TIMED = 200;

function child(variant) {
  const v8 = require('node:v8');
  const { reportMessages } = require('../dist/nodes/lib/plant');
  const literal = (report, source) => {
    const payload = {};
    for (let i = 0; i < report.tags.length; i++) {
      const s = report.samples[i];
      payload[report.tags[i]] = { value: s.value, quality: s.quality, timestamp: s.timestamp };
    }
    return [{ topic: 'batch', payload, source }];
  };
  const build = variant === 'ours' ? (r) => reportMessages(r, 'batch', 'opcua:bench') : (r) => literal(r, 'opcua:bench');
  const tags = Array.from({ length: TAGS }, (_, i) => `T-${i}`);
  const report = (k) => ({ tags, samples: tags.map((_, i) => ({ value: k + i / TAGS, quality: 'good', timestamp: 1.7e12 + k })) });
  const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
  let kept; // the consumer's last message
  for (let k = 0; k < WARMUP; k++) {
    kept = build(report(k));
    global.gc({ type: 'minor' });
  }
  let oldBytes = 0;
  for (let k = 0; k < MEASURED; k++) {
    const r = report(WARMUP + k);
    const before = oldSpace();
    kept = build(r);
    oldBytes += oldSpace() - before;
    global.gc({ type: 'minor' });
  }
  const reports = Array.from({ length: TIMED }, (_, k) => report(WARMUP + MEASURED + k));
  const t0 = process.hrtime.bigint();
  for (const r of reports) kept = build(r);
  const ns = Number(process.hrtime.bigint() - t0) / (TIMED * TAGS);
  process.stdout.write(JSON.stringify({ oldBytesPerEntry: oldBytes / (MEASURED * TAGS), ns, kept: Object.keys(kept[0].payload).length }) + '\n');
}

function run(variant) {
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, '--child', variant], { cwd: __dirname, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${variant}: exit ${r.status}: ${r.stderr.slice(-500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

if (process.argv[2] === '--child') {
  child(process.argv[3]);
} else {
  const ours = run('ours');
  const base = run('baseline');
  const line = (o) => console.log(JSON.stringify({ bench: 'report-pretenuring', ...o, tags: TAGS, loadavg: +os.loadavg()[0].toFixed(1) }));
  line({ metric: 'old_space_bytes_per_entry', value: +ours.oldBytesPerEntry.toFixed(1), baseline: 'same report loop with object-literal entries', baselineValue: +base.oldBytesPerEntry.toFixed(1), consumer: 'keeps the last message across a young collection' });
  line({ metric: 'build_ns_per_entry', value: +ours.ns.toFixed(1), baseline: 'same report loop with object-literal entries', baselineValue: +base.ns.toFixed(1), ratio: +(ours.ns / base.ns).toFixed(3) });
}
