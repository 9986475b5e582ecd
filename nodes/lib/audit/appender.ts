// How a node appends to the plant's audit log without letting a failing log stop the plant: an
// alarm system or a console keeps working when the disk is full, and says so. The first failure
// of an outage is reported (with what was lost), later ones are counted, not repeated, and the
// recovery is reported with the count. The write path does not use this for the record it needs
// before a device write: there a failed append refuses the write (see approval/write.ts).
import type { AuditSink } from '../contracts';

export type AuditFn = (kind: string, actor: string | null, data: unknown) => void;

export interface AppenderReport {
  /** The log failed (first failure of an outage). */
  failed(message: string): void;
  /** The log records again after `lost` appends failed. */
  recovered(lost: number): void;
}

/**
 * An append function that never throws. `sink` is read at each call, so a plant that opens its
 * audit log later (or a redeploy that replaces it) is followed. No sink: nothing to record.
 */
export function tolerantAppender(sink: () => AuditSink | undefined, report: AppenderReport): AuditFn {
  let lost = 0;
  return (kind, actor, data) => {
    const log = sink();
    if (!log) return;
    try {
      log.append(kind, actor, data);
      if (lost > 0) {
        report.recovered(lost);
        lost = 0;
      }
    } catch (e) {
      if (lost === 0) report.failed(`audit log append failed (${kind}${actor ? ` by ${actor}` : ''} not recorded): ${e instanceof Error ? e.message : String(e)}`);
      lost++;
    }
  };
}
