// Follow-up questions answered without an LLM, from the same context as the suggestion: the
// question is matched to what it asks about (a tag, why, what to do, what else, what to check)
// and answered with the diagnosis's own evidence. Plain, short and never more than the data.
import type { Suggestion } from '../contracts';
import type { LiveValue } from '../plant/live-values';
import type { PlantModel } from '../plant/model';

export function answerFromKnowledgeBase(model: PlantModel, s: Suggestion | undefined, question: string, live: (tag: string) => LiveValue | undefined): string {
  if (!s) return 'This incident has no diagnosis yet.';
  const q = question.toLowerCase();
  const parts: string[] = [];
  const tags = model.tags.filter((t) => question.toUpperCase().includes(t.name.toUpperCase())).sort((a, b) => b.name.length - a.name.length);
  for (const t of tags.slice(0, 3)) {
    const lv = live(t.name);
    const normal = Array.isArray(t.normal) ? `normal ${t.normal[0]}..${t.normal[1]}${t.unit ? ` ${t.unit}` : ''}` : t.normal !== undefined ? `normal ${t.normal}` : 'no normal band in the plant model';
    const value = lv ? `${lv.value}${t.unit ? ` ${t.unit}` : ''} (${lv.quality} quality)` : 'no live value';
    const cited = s.hypotheses.flatMap((h) => h.evidence.filter((e) => e.tag === t.name).map((e) => `${e.relation} ${h.cause} (expected ${e.expected})`));
    parts.push(`${t.name} (${t.description ?? 'tag'}): ${value}; ${normal}.${cited.length ? ` In the diagnosis it ${cited.join('; ')}.` : ''}`);
  }
  const top = s.hypotheses[0];
  if (/\b(why|how do you know|evidence|reason)\b/.test(q) && top) {
    const sup = top.evidence.filter((e) => e.relation === 'supports').map((e) => `${e.tag} ${e.observed} (expected ${e.expected})`);
    const con = top.evidence.filter((e) => e.relation === 'contradicts').map((e) => `${e.tag} ${e.observed} (expected ${e.expected})`);
    parts.push(`${top.cause} (${Math.round(top.confidence * 100)}%) because ${sup.join(', ') || 'no reading supports it yet'}${con.length ? `; against it: ${con.join(', ')}` : ''}.`);
  }
  if (/\b(do|action|should|respond|fix)\b/.test(q)) parts.push(s.actions.length ? `Actions: ${s.actions.join('; ')}.` : 'No action is written for this cause in the plant model.');
  if (/\b(else|other|alternative|instead)\b/.test(q)) {
    const others = s.hypotheses.slice(1).map((h) => `${h.cause} (${Math.round(h.confidence * 100)}%)`);
    parts.push(others.length ? `Other candidates: ${others.join(', ')}.` : 'No other cause fits the readings.');
  }
  if (/\b(check|verify|confirm|next)\b/.test(q)) parts.push(s.checkNext?.length ? `Check next: ${s.checkNext.join('; ')}.` : 'Nothing further to check: the evidence is consistent.');
  if (/\b(consequence|happen|risk|danger)\b/.test(q)) parts.push(s.consequences.length ? `Consequences: ${s.consequences.join('; ')}.` : 'No consequence is written for these alarms.');
  if (!parts.length) {
    parts.push(s.summary);
    if (s.checkNext?.length) parts.push(`Check next: ${s.checkNext.slice(0, 3).join('; ')}.`);
  }
  return parts.join(' ');
}
