// The diagnosis as an operator reads it: verdict, the likely cause with the readings that point
// to it and against it, the other candidates, and what to check next. Used by the CLI and as
// the knowledge-based summary of a suggestion.
import type { Evidence } from '../contracts';
import type { PlantModel } from '../plant/model';
import type { DiagnosisResult } from './diagnose';

const VERDICT: Record<string, string> = {
  root_cause_identified: 'Likely cause identified',
  ambiguous: 'Several causes fit; not yet clear which',
  insufficient_evidence: 'Not enough evidence for a diagnosis',
};

/** Readings as an operator reads them (0.06114545 -> 0.06115); evidence keeps the exact value. */
function show(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v);
}

function reading(model: PlantModel, e: Evidence): string {
  const unit = model.tagsByName.get(e.tag)?.unit;
  const obs = typeof e.observed === 'number' && unit ? `${show(e.observed)} ${unit}` : show(e.observed);
  return `${e.tag} ${obs} (expected ${e.expected})`;
}

/** One or two sentences: the verdict and the top hypothesis with its strongest evidence. */
export function summaryOf(model: PlantModel, r: DiagnosisResult): string {
  const top = r.hypotheses[0];
  const first = r.firstOut ? ` First alarm: ${r.firstOut.tag} ${r.firstOut.type}.` : '';
  if (!top) return `${VERDICT.insufficient_evidence}.${first}${r.checkNext.length ? ` Check: ${r.checkNext[0]}.` : ''}`;
  const support = top.evidence.filter((e) => e.relation === 'supports').slice(0, 3).map((e) => reading(model, e));
  const pct = Math.round(top.confidence * 100);
  const lead =
    r.verdict === 'root_cause_identified'
      ? `Likely cause: ${top.description ?? top.cause} (${pct}%).`
      : r.verdict === 'ambiguous'
        ? `Possible cause: ${top.description ?? top.cause} (${pct}%)${r.hypotheses[1] ? `, or ${r.hypotheses[1].description ?? r.hypotheses[1].cause} (${Math.round(r.hypotheses[1].confidence * 100)}%)` : ''}.`
        : `Not enough evidence yet; best guess: ${top.description ?? top.cause} (${pct}%).`;
  return `${lead}${support.length ? ` Evidence: ${support.join(', ')}.` : ''}${first}`;
}

/** The full text the CLI prints without --json. */
export function explainText(model: PlantModel, r: DiagnosisResult): string {
  const lines: string[] = [];
  lines.push(`${VERDICT[r.verdict]} — plant "${model.plant}"`);
  if (r.firstOut) lines.push(`First-out alarm: ${r.firstOut.tag} ${r.firstOut.type} at ${new Date(r.firstOut.activeSince).toISOString()}`);
  if (r.standing.length) lines.push(`Standing alarms (active long before this incident, given little weight): ${r.standing.map((a) => `${a.tag} ${a.type}`).join(', ')}`);
  if (r.deviations.length) lines.push(`Abnormal now: ${r.deviations.map((d) => `${d.tag} ${d.direction} (${show(d.observed)})`).join(', ')}`);
  if (r.unknown.length) lines.push(`Unknown (bad quality or no value): ${r.unknown.join(', ')}`);
  lines.push('');
  if (!r.hypotheses.length) lines.push('No named cause or influence-graph root fits the readings.');
  r.hypotheses.forEach((h, i) => {
    lines.push(`${i + 1}. ${h.cause} — ${h.description ?? ''} — confidence ${Math.round(h.confidence * 100)}%`);
    for (const e of h.evidence) lines.push(`     ${e.relation === 'supports' ? '+' : '-'} ${reading(model, e)}`);
  });
  if (r.checkNext.length) {
    lines.push('');
    lines.push('Check next:');
    for (const c of r.checkNext) lines.push(`  - ${c}`);
  }
  return lines.join('\n');
}
