// Plant-model loader: time to load and validate a 10,000-tag model (with 10,000 alarms,
// 1,000 causes, 20,000 influences) against the bare YAML/JSON parse of the same text, measured
// in the same run. The ratio is what validation and compilation add on top of parsing.
'use strict';
const { parsePlantText } = require('../dist/nodes/lib/plant');
const YAML = require('yaml');
const { median } = require('./_util');

function plant(nTags) {
  const tags = [];
  const alarms = [];
  const causes = [];
  const influences = [];
  for (let i = 0; i < nTags; i++) {
    const name = `T-${String(i).padStart(5, '0')}`;
    tags.push({ name, description: `Tag ${i}`, unit: 'degC', range: [0, 200], normal: [50, 90], area: `a${i % 10}`, source: { connection: 'plc1', address: `HR:${(i * 2) % 60000}`, type: 'float32' } });
    alarms.push({ tag: name, type: 'HI', limit: 100, deadband: 1, onDelay: '2s', priority: ['low', 'medium', 'high', 'urgent'][i % 4], message: `${name} high`, cause: 'c', consequence: 'q', action: 'a', responseTime: '5m' });
    influences.push([name, `T-${String((i + 1) % nTags).padStart(5, '0')}`, '+'], [name, `T-${String((i + 7) % nTags).padStart(5, '0')}`, '-']);
    if (i % 10 === 0) causes.push({ id: `cause-${i}`, description: 'd', evidence: { [name]: 'high', [`T-${String((i + 1) % nTags).padStart(5, '0')}`]: 'low' } });
  }
  return { plant: 'Bench', areas: Array.from({ length: 10 }, (_, i) => `a${i}`), tags, alarms, causes, influences };
}

function time(fn, reps) {
  fn(); // warm-up
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(t);
}

const model = plant(10_000);
const yamlText = YAML.stringify(model);
const jsonText = JSON.stringify(model, null, 1);
for (const [format, text, baselineName, baseline] of [
  ['yaml', yamlText, 'yaml.parseDocument', () => YAML.parseDocument(yamlText).toJS()],
  ['json', jsonText, 'JSON.parse', () => JSON.parse(jsonText)],
]) {
  const load = () => {
    const r = parsePlantText(text, { file: `bench.${format}` });
    if (!r.model) throw new Error(r.errors.slice(0, 3).map((e) => e.message).join('; '));
  };
  const ms = time(load, 5);
  const base = time(baseline, 5);
  console.log(JSON.stringify({ bench: 'plant-loader', metric: `load_ms_10k_tags_${format}`, value: +ms.toFixed(1), unit: 'ms', baseline: baselineName, baselineValue: +base.toFixed(1), ratio: +(ms / base).toFixed(2), bytes: text.length }));
}
