// Scenario suites: each fixture is a snapshot a process engineer wrote for a known fault, with
// what the diagnosis must say (test/fixtures/diagnosis/<plant>/*.json, "expect").
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPlantFile, type PlantModel } from '../../nodes/lib/plant';
import { diagnose, snapshotToInput, type DiagnosisInput, type DiagnosisResult } from '../../nodes/lib/diagnosis';

const root = path.join(__dirname, '../fixtures/diagnosis');
const suites: Array<{ plant: string; dir: string }> = [
  { plant: path.join(__dirname, '../../examples/plants/reactor-unit-2.yaml'), dir: path.join(root, 'reactor-unit-2') },
  { plant: path.join(root, 'boiler-b1.yaml'), dir: path.join(root, 'boiler-b1') },
];

interface Expect {
  top?: string;
  verdict?: string;
  notVerdict?: string;
  checkNextIncludes?: string;
}

/** Every cited tag is in the input, and every number in an observed value is an input value. */
export function assertNothingInvented(input: DiagnosisInput, r: DiagnosisResult): void {
  const numbers = new Set<number>();
  for (const v of Object.values(input.values)) if (typeof v.value === 'number') numbers.add(v.value);
  for (const tr of Object.values(input.trends ?? {})) for (const [, v] of tr) numbers.add(v);
  for (const h of r.hypotheses) {
    expect(h.confidence).toBeGreaterThanOrEqual(0);
    expect(h.confidence).toBeLessThanOrEqual(1);
    for (const e of h.evidence) {
      const known = e.tag in input.values || input.alarms.some((a) => a.tag === e.tag);
      if (!known) throw new Error(`${h.cause} cites ${e.tag}, which is not in the input`);
      const sv = input.values[e.tag];
      expect(sv?.quality).not.toBe('bad');
      if (typeof e.observed === 'number') expect(numbers.has(e.observed)).toBe(true);
      if (typeof e.observed === 'string')
        for (const m of e.observed.match(/-?\d+(\.\d+)?/g) ?? []) expect(numbers.has(Number(m))).toBe(true);
      if (typeof e.observed === 'boolean') expect(sv?.value).toBe(e.observed);
    }
    if (h.cause.startsWith('tag:')) expect(input.model.tagsByName.has(h.cause.split(':')[1])).toBe(true);
    else expect(input.model.causes.some((c) => c.id === h.cause)).toBe(true);
  }
}

for (const suite of suites) {
  const { model, errors } = loadPlantFile(suite.plant);
  const files = fs.existsSync(suite.dir) ? fs.readdirSync(suite.dir).filter((f) => f.endsWith('.json')).sort() : [];
  describe(`scenarios of ${path.basename(suite.plant)}`, () => {
    it('has a valid plant model and at least a dozen scenarios', () => {
      expect(errors).toEqual([]);
      expect(files.length).toBeGreaterThanOrEqual(12);
    });
    for (const f of files) {
      it(f.replace('.json', ''), () => {
        const raw = JSON.parse(fs.readFileSync(path.join(suite.dir, f), 'utf8')) as { expect: Expect };
        const { input, errors: snapErrors } = snapshotToInput(model as PlantModel, raw);
        expect(snapErrors).toEqual([]);
        const r = diagnose(input!);
        const ex = raw.expect;
        const got = `${r.verdict} ${r.hypotheses.map((h) => `${h.cause}=${h.confidence}`).join(' ')}`;
        if (ex.top) expect(`${r.hypotheses[0]?.cause} | ${got}`).toMatch(new RegExp(`^${ex.top.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\|`));
        if (ex.verdict) expect(`${r.verdict} | ${got}`).toMatch(new RegExp(`^${ex.verdict} \\|`));
        if (ex.notVerdict) expect(r.verdict).not.toBe(ex.notVerdict);
        if (ex.checkNextIncludes) expect(r.checkNext.join('\n')).toContain(ex.checkNextIncludes);
        if (r.verdict === 'insufficient_evidence') expect(r.checkNext.length).toBeGreaterThan(0);
        assertNothingInvented(input!, r);
        // Deterministic: the same input gives the same answer.
        expect(diagnose(input!)).toEqual(r);
      });
    }
  });
}
