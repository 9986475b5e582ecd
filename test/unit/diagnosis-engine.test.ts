// Properties of the knowledge-based reasoner beyond the scenario suites: bad quality is never
// evidence, loops in the influence graph are handled, ties go to the first-out, standing alarms
// weigh little, operator feedback moves rankings, and nothing cited is invented.
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parsePlantText, type PlantModel } from '../../nodes/lib/plant';
import { DEMO_PLANT_FILE, demoModel } from '../helpers/plant';
import { diagnose, explainText, snapshotToInput, summaryOf, type DiagnosisInput } from '../../nodes/lib/diagnosis';
import { diagnoseCommand } from '../../cli/commands/diagnose';

const demoFile = DEMO_PLANT_FILE;
const demo = demoModel();
const fixture = (name: string) => path.join(__dirname, '../fixtures/diagnosis/reactor-unit-2', name);
const inputOf = (model: PlantModel, name: string): DiagnosisInput => snapshotToInput(model, JSON.parse(fs.readFileSync(fixture(name), 'utf8'))).input!;

function model(yaml: string): PlantModel {
  const r = parsePlantText(yaml);
  if (!r.model) throw new Error(JSON.stringify(r.errors));
  return r.model;
}

describe('diagnosis engine', () => {
  test('a bad-quality value is unknown: never cited, and the diagnosis does not change because of its stale value', () => {
    const input = inputOf(demo, '01-cw-pump-trip-developed.json');
    const good = diagnose(input);
    expect(good.hypotheses[0].evidence.some((e) => e.tag === 'TT-201')).toBe(true);
    const bad = diagnose({ ...input, values: { ...input.values, 'TT-201': { value: 91, quality: 'bad' } } });
    for (const h of bad.hypotheses) expect(h.evidence.map((e) => e.tag)).not.toContain('TT-201');
    expect(bad.unknown).toContain('TT-201');
    expect(bad.hypotheses[0].cause).toBe('cw-pump-trip');
    expect(bad.hypotheses[0].confidence).toBeLessThan(good.hypotheses[0].confidence);
  });

  test('a loop of consistent deviations (A -> B -> C -> A) is one root candidate, and the search ends', () => {
    const m = model(`plant: loop
tags:
  - { name: A, normal: [0, 10] }
  - { name: B, normal: [0, 10] }
  - { name: C, normal: [0, 10] }
  - { name: D, normal: [0, 10] }
  - { name: E, normal: [0, 10] }
alarms:
  - { tag: B, type: HI, limit: 12, priority: high, message: B high }
influences:
  - [A, B, +]
  - [B, C, +]
  - [C, A, +]
  - [C, D, -]
  - [E, A, +]
`);
    const r = diagnose({ model: m, time: 1000, values: { A: { value: 20, quality: 'good' }, B: { value: 20, quality: 'good' }, C: { value: 20, quality: 'good' }, D: { value: -5, quality: 'good' }, E: { value: 5, quality: 'good' } }, alarms: [{ tag: 'B', type: 'HI', activeSince: 900 }] });
    expect(r.hypotheses[0].cause).toBe('tag:B:high');
    expect(r.hypotheses[0].evidence.filter((e) => e.relation === 'supports').map((e) => e.tag).sort()).toEqual(['A', 'B', 'C', 'D']);
    // E drives the loop but reads normal: it contradicts nothing and is not the root.
    expect(r.hypotheses.some((h) => h.cause.startsWith('tag:E'))).toBe(false);
  });

  const twin = model(`plant: twin
tags:
  - { name: X, normal: [0, 10] }
  - { name: Y, normal: [0, 10] }
alarms:
  - { tag: X, type: HI, limit: 12, priority: high, message: X high }
  - { tag: Y, type: HI, limit: 12, priority: high, message: Y high }
causes:
  - { id: cause-x, description: X side, evidence: { X: high } }
  - { id: cause-y, description: Y side, evidence: { Y: high } }
`);
  const twinValues = { X: { value: 15, quality: 'good' as const }, Y: { value: 15, quality: 'good' as const } };

  test('equal scores: the cause that explains the earlier (first-out) alarm ranks first', () => {
    const xFirst = diagnose({ model: twin, time: 1000, values: twinValues, alarms: [{ tag: 'X', type: 'HI', activeSince: 100 }, { tag: 'Y', type: 'HI', activeSince: 200 }] });
    const yFirst = diagnose({ model: twin, time: 1000, values: twinValues, alarms: [{ tag: 'X', type: 'HI', activeSince: 200 }, { tag: 'Y', type: 'HI', activeSince: 100 }] });
    expect(xFirst.hypotheses.map((h) => h.cause)).toEqual(['cause-x', 'cause-y']);
    expect(yFirst.hypotheses.map((h) => h.cause)).toEqual(['cause-y', 'cause-x']);
    expect(yFirst.firstOut?.tag).toBe('Y');
  });

  test('operator feedback adjusts a ranking and says so in the description', () => {
    const alarms = [{ tag: 'X', type: 'HI' as const, activeSince: 100 }, { tag: 'Y', type: 'HI' as const, activeSince: 200 }];
    const r = diagnose({ model: twin, time: 1000, values: twinValues, alarms, adjustments: { 'cause-y': { delta: 0.1, reason: 'confirmed by operators 2 times' } } });
    expect(r.hypotheses[0].cause).toBe('cause-y');
    expect(r.hypotheses[0].description).toContain('confirmed by operators 2 times');
  });

  test('an alarm that stood for hours before the incident is listed as standing and weighs little', () => {
    const r = diagnose(inputOf(demo, '21-cw-pump-trip-noisy-tt301-standing.json'));
    expect(r.standing.map((a) => a.tag)).toEqual(['TT-301']);
    expect(r.firstOut?.tag).toBe('P-301.RUN');
    const hot = r.hypotheses.find((h) => h.cause === 'cw-supply-hot');
    expect(hot === undefined || hot.confidence < 0.4).toBe(true);
  });

  test('a tag off-normal since long before the incident (no fresh alarm) is background: only its movement counts', () => {
    const input = inputOf(demo, '09-tt201-sensor-bias.json');
    // At reduced feed the return water sits above its band for hours (not because of this fault).
    const values = { ...input.values, 'TT-302': { value: 51, quality: 'good' as const } };
    const plain = diagnose({ ...input, values });
    const sb = (r: typeof plain) => r.hypotheses.find((h) => h.cause === 'tt201-sensor-bias');
    expect(sb(plain)?.evidence.find((e) => e.tag === 'TT-302')).toMatchObject({ observed: 51, relation: 'contradicts' });
    const bg = diagnose({ ...input, values, deviationSince: { 'TT-302': input.time - 3_600_000 } });
    expect(bg.hypotheses[0].cause).toBe('tt201-sensor-bias');
    expect(sb(bg)!.evidence.some((e) => e.tag === 'TT-302')).toBe(false);
    expect(sb(bg)!.confidence).toBeGreaterThan(sb(plain)?.confidence ?? 0);
    // Moving the predicted way since is evidence again.
    const moving = diagnose({ ...input, values, deviationSince: { 'TT-302': input.time - 3_600_000 }, trends: { 'TT-302': [[input.time - 60_000, 60], [input.time, 51]] } });
    expect(sb(moving)!.evidence.find((e) => e.tag === 'TT-302')).toMatchObject({ observed: '51 (falling from 60)', relation: 'supports' });
  });

  test('no alarms and all values normal: insufficient evidence, no hypotheses', () => {
    const input = inputOf(demo, '01-cw-pump-trip-developed.json');
    const values = Object.fromEntries(Object.keys(input.values).map((t) => [t, { value: demo.tagsByName.get(t)!.kind === 'boolean' ? demo.tagsByName.get(t)!.normal as boolean : 50, quality: 'good' as const }]));
    for (const t of demo.tags) if (Array.isArray(t.normal)) values[t.name] = { value: (t.normal[0] + t.normal[1]) / 2, quality: 'good' };
    const r = diagnose({ model: demo, time: input.time, values, alarms: [] });
    expect(r.verdict).toBe('insufficient_evidence');
    expect(r.hypotheses).toEqual([]);
  });

  test('random snapshots of the demo plant: confidences in [0, 1], cited tags and values from the input, deterministic', () => {
    const numeric = demo.tags.filter((t) => t.kind === 'number');
    const bools = demo.tags.filter((t) => t.kind === 'boolean');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: numeric.length - 1 }), fc.double({ min: -10, max: 160, noNaN: true }), fc.constantFrom('good', 'bad', 'uncertain')), { maxLength: 24 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: bools.length - 1 }), fc.boolean()), { maxLength: 8 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: demo.alarms.length - 1 }), fc.integer({ min: 0, max: 100_000 })), { maxLength: 10 }),
        (nums, bs, als) => {
          const values: DiagnosisInput['values'] = {};
          for (const [i, v, q] of nums) values[numeric[i].name] = { value: v, quality: q as 'good' };
          for (const [i, v] of bs) values[bools[i].name] = { value: v, quality: 'good' };
          const alarms = als.map(([i, t]) => ({ tag: demo.alarms[i].tag, type: demo.alarms[i].type, activeSince: t }));
          const input: DiagnosisInput = { model: demo, time: 100_000, values, alarms };
          const r = diagnose(input);
          for (const h of r.hypotheses) {
            expect(h.confidence).toBeGreaterThanOrEqual(0);
            expect(h.confidence).toBeLessThanOrEqual(1);
            for (const e of h.evidence) {
              expect(values[e.tag]).toBeDefined();
              expect(values[e.tag].quality).not.toBe('bad');
              if (typeof e.observed === 'number' || typeof e.observed === 'boolean') expect(values[e.tag].value).toBe(e.observed);
            }
          }
          expect(diagnose(input)).toEqual(r);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });

  test('the readable explanation names the verdict, the cause, its evidence and what to check', () => {
    const input = inputOf(demo, '01-cw-pump-trip-developed.json');
    const r = diagnose(input);
    const text = explainText(demo, r);
    expect(text).toMatch(/^Likely cause identified/);
    expect(text).toContain('1. cw-pump-trip — Cooling water pump P-301 tripped');
    expect(text).toContain('+ P-301.RUN false (expected false)');
    expect(text).toContain('First-out alarm: P-301.RUN DISCRETE');
    expect(summaryOf(demo, r)).toMatch(/^Likely cause: Cooling water pump P-301 tripped \(100%\)\. Evidence: P-301.RUN false/);
  });
});

describe('operator-copilot diagnose', () => {
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await diagnoseCommand.run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  test('--json prints the result for every scenario of both plants', async () => {
    const root = path.join(__dirname, '../fixtures/diagnosis');
    for (const [plant, dir] of [[demoFile, 'reactor-unit-2'], [path.join(root, 'boiler-b1.yaml'), 'boiler-b1']]) {
      for (const f of fs.readdirSync(path.join(root, dir)).filter((x) => x.endsWith('.json'))) {
        const r = await run('--plant', plant, '--snapshot', path.join(root, dir, f), '--json');
        expect(r.code).toBe(0);
        const parsed = JSON.parse(r.out);
        const want = JSON.parse(fs.readFileSync(path.join(root, dir, f), 'utf8')).expect;
        if (want.top) expect(parsed.hypotheses[0].cause).toBe(want.top);
        expect(['root_cause_identified', 'ambiguous', 'insufficient_evidence']).toContain(parsed.verdict);
      }
    }
  });

  test('without --json it explains in words', async () => {
    const r = await run('--plant', demoFile, '--snapshot', fixture('18-insufficient-single-alarm.json'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Not enough evidence for a diagnosis/);
    expect(r.out).toContain('Check next:');
  });

  test('a snapshot naming an unknown tag or a bad date is refused with the field', async () => {
    const f = path.join(require('node:os').tmpdir(), `snap-${process.pid}.json`);
    fs.writeFileSync(f, JSON.stringify({ time: 'yesterday', values: { 'TT-999': 1 }, alarms: [] }));
    const r = await run('--plant', demoFile, '--snapshot', f);
    expect(r.code).toBe(2);
    expect(r.err).toContain('time: must be an ISO date-time');
    fs.writeFileSync(f, JSON.stringify({ time: '2026-01-01T00:00:00Z', values: { 'TT-999': 1 }, alarms: [] }));
    const r2 = await run('--plant', demoFile, '--snapshot', f);
    expect(r2.err).toContain('values.TT-999: not a tag of plant "Reactor unit 2"');
    fs.rmSync(f);
  });
});
