// Operator feedback on the cause of an incident: the plant's tacit knowledge. Kept as records
// (persisted by the node) and used in one simple, explainable way: each confirmation of a cause
// adds 0.05 to that cause's confidence in later diagnoses, each rejection takes 0.05 off,
// capped at ±0.15, and only for causes the evidence already supports (feedback re-orders close
// calls; it never invents a hypothesis). The hypothesis description says when this happened.
export interface FeedbackRecord {
  incidentId: string;
  cause: string;
  correct: boolean;
  note?: string;
  user: string;
  at: number;
}

export const FEEDBACK_STEP = 0.05;
export const FEEDBACK_CAP = 0.15;
const KEEP = 1000;

export class FeedbackBook {
  constructor(private readonly records: FeedbackRecord[] = []) {}

  add(r: FeedbackRecord): void {
    this.records.push(r);
    if (this.records.length > KEEP) this.records.splice(0, this.records.length - KEEP);
  }

  all(): FeedbackRecord[] {
    return [...this.records];
  }

  /** The adjustments handed to the diagnosis, with the reason shown to operators. */
  adjustments(): Record<string, { delta: number; reason: string }> {
    const counts = new Map<string, { yes: number; no: number }>();
    // One vote per incident and cause: the latest word of the operators counts.
    const latest = new Map<string, FeedbackRecord>();
    for (const r of this.records) latest.set(`${r.incidentId}\u0000${r.cause}`, r);
    for (const r of latest.values()) {
      const c = counts.get(r.cause) ?? { yes: 0, no: 0 };
      if (r.correct) c.yes++;
      else c.no++;
      counts.set(r.cause, c);
    }
    const out: Record<string, { delta: number; reason: string }> = {};
    for (const [cause, c] of counts) {
      const delta = Math.max(-FEEDBACK_CAP, Math.min(FEEDBACK_CAP, FEEDBACK_STEP * (c.yes - c.no)));
      if (!delta) continue;
      const parts = [c.yes ? `confirmed ${c.yes}×` : '', c.no ? `rejected ${c.no}×` : ''].filter(Boolean).join(', ');
      out[cause] = { delta, reason: `operator feedback: ${parts} in earlier incidents, ${delta > 0 ? '+' : ''}${delta.toFixed(2)}` };
    }
    return out;
  }
}
