// The last hop (DESIGN §5 rules 1, 3, 5): an approved write is carried out only with a valid,
// unspent token; the policy is checked again against the live value just before the write; the
// value is written through the tag's connection, read back and compared within the tag's
// tolerance. A mismatch is a failure, reported and audited, never retried. Optionally a large
// change is ramped in steps of at most maxStep, each written and read back on its own.
import type { WriteResult } from '../contracts';
import type { LiveValue, PlantModel, Quality, Tag, TagValue } from '../plant';
import { writableOf } from '../plant';
import { checkWritePolicy, readBackTolerance } from '../policy';
import { describeZodError } from '../messages';
import { withTimeout } from '../timeout';
import { approvedWriteSchema, MAX_ISSUES } from './schema';
import type { AuditFn } from './store';
import type { TokenCheck } from './tokens';

/** One tag read now from the device. */
export interface TagReading {
  value: TagValue;
  quality: Quality;
  timestamp: number;
}

/**
 * What a connection (a copilot-modbus or copilot-opcua config node) offers for writing: the
 * node-side glue re-exports it from nodes/shared/connections.ts.
 */
export interface TagIO {
  /** Reads one tag now from the device (not the live table): used for read-back. */
  readTag(tag: Tag): Promise<TagReading>;
  /** Writes one tag with its data type and byte order; resolves when the device accepted it. */
  writeTag(tag: Tag, value: TagValue): Promise<void>;
}

/** The connection the write path writes through (another name for TagIO). */
export type WriteIO = TagIO;

export interface WriteDeps {
  /** Checks and spends the token (the approval store's redeem). */
  redeem: (write: Record<string, unknown>, actor: string | null) => TokenCheck;
  model: () => PlantModel | undefined;
  live: (tag: string) => LiveValue | undefined;
  /** The connection for a tag, or a sentence saying why there is none. */
  io: (tag: Tag) => TagIO | string;
  now: () => number;
  /**
   * Appends to the plant's audit log, throwing when the log cannot record; without a log nothing
   * is written. A `write-request` record must be appended before each device write, or the write
   * is refused: no value reaches a PLC unaudited (DESIGN §5.6).
   */
  audit: AuditFn | undefined;
  /** Told when an audit append fails (the write path carries on where a write already happened). */
  onAuditError?: (kind: string, error: Error) => void;
  /** Who writes, for the audit (the node's name or id). */
  actor: string;
  maxAgeMs?: number;
  /** Ramp: at most this many maxStep steps, `intervalMs` apart. Off when undefined. */
  ramp?: { maxSteps: number; intervalMs: number };
  /**
   * How many maxStep steps the approval service lets one change span. With the ramp off here and
   * more than one there, a change larger than maxStep is approved but refused here: the failure
   * then says how to fix it (see rampMismatch).
   */
  approvalMaxSteps?: number;
  /** Per device call (write or read). */
  timeoutMs?: number;
  /** Read-backs update the live table so the next check sees the value the device holds. */
  updateLive?: (tag: string, v: LiveValue) => void;
  sleep?: (ms: number) => Promise<void>;
  /** True when the node is closing: a ramp stops between steps. */
  cancelled?: () => boolean;
}

export type WriteOutcome = { refused: string } | { result: WriteResult };

const fmt = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(7))) : String(v));

/**
 * What to do when copilot-approval approves ramped changes (maxSteps > 1) but this copilot-write
 * does not ramp, so every change larger than maxStep it approves fails here; undefined when they agree.
 */
export function rampMismatch(ramp: boolean, approvalMaxSteps: number | undefined): string | undefined {
  const n = Math.floor(approvalMaxSteps ?? 1);
  return !ramp && n > 1 ? `copilot-approval allows ${n} ramp steps: tick Ramp on this copilot-write` : undefined;
}

/** The values to write: one, or a ramp from the present value in steps of at most maxStep. */
export function rampSteps(current: number, target: number, maxStep: number | undefined, maxSteps: number): number[] {
  if (!maxStep || maxSteps <= 1 || Math.abs(target - current) <= maxStep * (1 + 1e-9)) return [target];
  const n = Math.ceil(Math.abs(target - current) / maxStep - 1e-9);
  const out: number[] = [];
  for (let i = 1; i < n; i++) out.push(Number((current + (Math.sign(target - current) * maxStep * i)).toPrecision(10)));
  out.push(target);
  return out;
}

export async function executeApprovedWrite(payload: unknown, deps: WriteDeps): Promise<WriteOutcome> {
  const log = deps.audit;
  if (!log) return { refused: 'the plant has no audit log (set the audit database on the copilot-plant node), so nothing is written' };
  /** Appends; false (and reported) when the log cannot record. */
  const audit = (kind: string, actor: string | null, data: unknown): boolean => {
    try {
      log(kind, actor, data);
      return true;
    } catch (e) {
      deps.onAuditError?.(kind, e instanceof Error ? e : new Error(String(e)));
      return false;
    }
  };
  const parsed = approvedWriteSchema.safeParse(payload);
  if (!parsed.success) {
    const reason = `not an approved write: ${describeZodError(parsed.error, { max: MAX_ISSUES })}`;
    const p = (payload ?? {}) as Record<string, unknown>;
    audit('token-refusal', deps.actor, { reason, proposalId: typeof p.proposalId === 'string' ? p.proposalId : null, tag: typeof p.tag === 'string' ? p.tag : null });
    return { refused: reason };
  }
  const w = parsed.data;
  const check = deps.redeem(w, deps.actor);
  if (!check.ok) return { refused: check.reason };

  // From here the token is spent: every outcome is a WriteResult that closes the proposal.
  const { proposalId, tag: tagName, value } = check.claims;
  const fail = (error: string, written: number | null = null, readBack: TagValue | null = null): WriteOutcome => {
    const result: WriteResult = { proposalId, tag: tagName, requested: value, written, readBack, verified: false, at: deps.now(), error };
    return { result };
  };
  const model = deps.model();
  const tag = model?.tagsByName.get(tagName);
  if (!model || !tag) return fail(`${tagName} is not in the loaded plant model`);
  const maxSteps = deps.ramp ? Math.max(1, deps.ramp.maxSteps) : 1;
  const policy = checkWritePolicy({ model, live: deps.live, now: deps.now(), maxAgeMs: deps.maxAgeMs, maxSteps }, tagName, value);
  if (!policy.ok) {
    audit('policy-refusal', deps.actor, { proposalId, tag: tagName, value, stage: 'write', reasons: policy.reasons });
    // A change beyond one maxStep that the approval service approved for a ramp this node does not do.
    const hint = policy.overStep ? rampMismatch(!!deps.ramp, deps.approvalMaxSteps) : undefined;
    return fail(`refused just before the write: ${policy.reasons.join('; ')}${hint ? `; ${hint}` : ''}`);
  }
  const io = deps.io(tag);
  if (typeof io === 'string') return fail(io);
  const tolerance = readBackTolerance(model, tagName);
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const current = deps.live(tagName)!.value as number;
  const steps = rampSteps(current, value, writableOf(model, tagName)?.maxStep, maxSteps);

  let written: number | null = null;
  let readBack: TagValue | null = null;
  for (let i = 0; i < steps.length; i++) {
    const v = steps[i];
    const step = steps.length > 1 ? { step: i + 1, of: steps.length } : {};
    if (i > 0) {
      await (deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(deps.ramp!.intervalMs);
      if (deps.cancelled?.()) return fail(`ramp stopped at ${fmt(written)} before step ${i + 1} of ${steps.length}: the write node was stopped (redeploy or shutdown)`, written, readBack);
      // Each ramp step is a write of its own: the same policy, one step from the live value.
      const again = checkWritePolicy({ model, live: deps.live, now: deps.now(), maxAgeMs: deps.maxAgeMs }, tagName, v);
      if (!again.ok) {
        audit('policy-refusal', deps.actor, { proposalId, tag: tagName, value: v, stage: 'ramp', ...step, reasons: again.reasons });
        return fail(`ramp stopped at ${fmt(written)} before step ${i + 1} of ${steps.length}: ${again.reasons.join('; ')}`, written, readBack);
      }
    }
    // Recorded before the device is touched: if the log cannot record it, nothing is written.
    if (!audit('write-request', deps.actor, { proposalId, tag: tagName, value: v, requested: value, from: i === 0 ? current : written, approvedBy: check.claims.approvers, ...step })) {
      const where = i === 0 ? 'nothing was written' : `ramp stopped at ${fmt(written)} before step ${i + 1} of ${steps.length}`;
      return fail(`the audit log cannot record the write, so ${where}: fix the audit database, then propose again`, written, readBack);
    }
    try {
      await withTimeout(io.writeTag(tag, v), timeoutMs, `the write of ${tagName}`);
      written = v;
      audit('write', deps.actor, { proposalId, tag: tagName, value: v, requested: value, approvedBy: check.claims.approvers, ...step, ok: true });
    } catch (e) {
      const error = `the device refused the write of ${fmt(v)} to ${tagName}: ${(e as Error).message}`;
      audit('write', deps.actor, { proposalId, tag: tagName, value: v, requested: value, approvedBy: check.claims.approvers, ...step, ok: false, error });
      return fail(error, written, readBack);
    }
    let reading: TagReading;
    try {
      reading = await withTimeout(io.readTag(tag), timeoutMs, `the read-back of ${tagName}`);
    } catch (e) {
      const error = `wrote ${fmt(v)} to ${tagName} but could not read it back: ${(e as Error).message}`;
      audit('read-back', deps.actor, { proposalId, tag: tagName, written: v, readBack: null, verified: false, ...step, error });
      return fail(error, written, null);
    }
    readBack = reading.value;
    deps.updateLive?.(tagName, { value: reading.value, quality: reading.quality, timestamp: reading.timestamp, source: 'read-back' });
    const ok = reading.quality === 'good' && typeof reading.value === 'number' && Math.abs(reading.value - v) <= tolerance + 1e-12;
    audit('read-back', deps.actor, { proposalId, tag: tagName, written: v, readBack: reading.value, quality: reading.quality, tolerance, verified: ok, ...step });
    if (!ok) {
      const why =
        reading.quality !== 'good'
          ? `the read-back of ${tagName} is of ${reading.quality} quality`
          : `read back ${fmt(reading.value)} from ${tagName} after writing ${fmt(v)} (tolerance ${fmt(tolerance)})`;
      return fail(`write not verified: ${why}; not retried`, written, readBack);
    }
  }
  return { result: { proposalId, tag: tagName, requested: value, written, readBack, verified: true, at: deps.now() } };
}
