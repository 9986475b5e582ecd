// The explanation text rounds readings for the operator; the evidence keeps the exact values
// (every cited value is in the input).
import * as path from 'node:path';
import { loadPlantFile } from '../../nodes/lib/plant';
import { summaryOf, explainText } from '../../nodes/lib/diagnosis/explain';
import type { DiagnosisResult } from '../../nodes/lib/diagnosis/diagnose';

const { model } = loadPlantFile(path.join(__dirname, '../../examples/plants/reactor-unit-2.yaml'));

const result: DiagnosisResult = {
  verdict: 'root_cause_identified',
  hypotheses: [
    {
      cause: 'cw-pump-trip',
      description: 'Cooling water pump P-301 tripped',
      confidence: 0.97,
      evidence: [
        { tag: 'P-301.RUN', observed: false, expected: false, relation: 'supports' },
        { tag: 'FT-301', observed: 0.06114545091986656, expected: 'low', relation: 'supports' },
        { tag: 'PT-301', observed: 0.30032688837928772, expected: 'low', relation: 'supports' },
      ],
    },
  ],
  checkNext: [],
  firstOut: { tag: 'P-301.RUN', type: 'DISCRETE', activeSince: 0 },
  standing: [],
  deviations: [{ tag: 'TT-201', observed: 88.45678, direction: 'high' }],
  unknown: [],
};

test('summary and explanation round readings to 4 significant digits, with units', () => {
  const s = summaryOf(model!, result);
  expect(s).toBe(
    'Likely cause: Cooling water pump P-301 tripped (97%). Evidence: P-301.RUN false (expected false), FT-301 0.06115 m3/h (expected low), PT-301 0.3003 barg (expected low). First alarm: P-301.RUN DISCRETE.',
  );
  expect(explainText(model!, result)).toContain('Abnormal now: TT-201 high (88.46)');
  expect(result.hypotheses[0].evidence[1].observed).toBe(0.06114545091986656);
});
