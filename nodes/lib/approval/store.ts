// The proposal store behind copilot-approval (DESIGN §5 rules 2-4): every proposal waits here
// for a human decision. Pure and clock-injected, so the node, the console and the property
// tests drive exactly the same state machine.
//
//   pending --select--> selected --approve (enough approvals)--> approved --write--> written | failed
//      ^                  |  \--approve (first of two)--> pending (with one approval)
//      |--selection timeout/   \--reject--> rejected
//   pending/selected/approved --expiry, live value moved--> expired; --newer proposal for the tag--> superseded
//
// Limits, roles and the number of approvals always come from the plant model, never from the
// proposal message: a flow cannot lower them by building its own proposal.
import type { AuditFn } from '../audit/appender';
import type { ApprovedWrite, Proposal, ProposalRecord, ProposalState, UserRef, WriteResult } from '../contracts';
import { ServiceError } from '../contracts';
import type { ApprovalService } from '../hub';
import type { LiveValue, PlantModel } from '../plant';
import { writableOf } from '../plant';
import { checkWritePolicy, DEFAULT_MAX_AGE_MS, readBackTolerance } from '../policy';
import { NonceLedger, decodeToken, newNonce, signToken, type TokenCheck, type TokenClaims } from './tokens';

export type { AuditFn };

export type ChangeEvent =
  | 'proposed'
  | 'refused'
  | 'selected'
  | 'released'
  | 'approval'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'superseded'
  | 'redeemed'
  | 'written'
  | 'failed';

export interface ApprovalOptions {
  now: () => number;
  /** HMAC secret for approval tokens (the node's credentials). */
  secret: string;
  model: () => PlantModel | undefined;
  live: (tag: string) => LiveValue | undefined;
  /** How long a selection locks a proposal to one user. */
  selectionTimeoutMs?: number;
  /** How long an approval token stays valid. */
  tokenTtlMs?: number;
  /** Upper bound on how long a proposal may wait, whatever its expiresAt says. */
  maxPendingMs?: number;
  /** A proposal is invalidated when the live value moves more than this % of the write range (or the read-back tolerance, if larger). */
  movePercent?: number;
  /** Live values older than this are stale (policy). */
  maxAgeMs?: number;
  /** Ramp: how many maxStep steps one approved change may span (1 = no ramp). */
  maxSteps?: number;
  /** How long closed proposals stay listed. */
  retainClosedMs?: number;
  audit?: AuditFn;
  onChange?: (rec: ProposalRecord, event: ChangeEvent, write?: ApprovedWrite) => void;
}

interface Entry {
  rec: ProposalRecord;
  /** The live value when the proposal arrived: the reference for "moved since". */
  baseline: number | null;
  token?: { nonce: string; expiresAt: number; redeemed: boolean };
}

export interface ApprovalState {
  version: 1;
  proposals: Entry[];
  nonces: Array<[string, number]>;
}

const OPEN: ProposalState[] = ['pending', 'selected'];
/** How long after its token expired a started write may take to report its result. */
const RESULT_GRACE_MS = 5 * 60_000;
const sameUser = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
const iso = (ms: number) => new Date(ms).toISOString();
const fmt = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v));

export class ApprovalStore implements ApprovalService {
  private readonly entries = new Map<string, Entry>();
  private ledger = new NonceLedger();
  private readonly o: Required<Omit<ApprovalOptions, 'audit' | 'onChange'>> & Pick<ApprovalOptions, 'audit' | 'onChange'>;

  constructor(opts: ApprovalOptions) {
    this.o = {
      selectionTimeoutMs: 60_000,
      tokenTtlMs: 60_000,
      maxPendingMs: 30 * 60_000,
      movePercent: 1,
      maxAgeMs: DEFAULT_MAX_AGE_MS,
      maxSteps: 1,
      retainClosedMs: 24 * 3_600_000,
      ...opts,
    };
  }

  /** Ramp: how many maxStep steps one approved change may span (copilot-write uses the same). */
  get maxSteps(): number {
    return this.o.maxSteps;
  }

  // ---- persistence -------------------------------------------------------------------------

  toJSON(): ApprovalState {
    return { version: 1, proposals: [...this.entries.values()], nonces: this.ledger.toJSON() };
  }

  /** Restores persisted state (after a redeploy or restart); proposals past their expiry expire at once. */
  restore(state: unknown): void {
    const s = state as Partial<ApprovalState> | undefined;
    if (!s || s.version !== 1 || !Array.isArray(s.proposals)) return;
    for (const e of s.proposals) {
      if (e && e.rec && typeof e.rec.id === 'string' && typeof e.rec.state === 'string') this.entries.set(e.rec.id, e);
    }
    this.ledger = NonceLedger.from(s.nonces);
    this.tick();
  }

  // ---- ApprovalService -----------------------------------------------------------------------

  list(state?: ProposalState): ProposalRecord[] {
    const out: ProposalRecord[] = [];
    for (const e of this.entries.values()) if (!state || e.rec.state === state) out.push(structuredClone(e.rec));
    return out.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  }

  get(id: string): ProposalRecord | undefined {
    const e = this.entries.get(id);
    return e ? structuredClone(e.rec) : undefined;
  }

  /** Takes a new proposal: checks it against the policy now and supersedes older ones for the same tag. */
  propose(p: Proposal, actor: string | null = null): ProposalRecord {
    const now = this.o.now();
    if (this.entries.has(p.id)) throw new ServiceError(409, `proposal ${p.id} is already known; a new proposal needs a new id`);
    const model = this.model();
    const w = writableOf(model, p.tag);
    const lv = this.o.live(p.tag);
    const liveNum = lv && lv.quality === 'good' && typeof lv.value === 'number' ? lv.value : null;
    const rec: ProposalRecord = {
      ...p,
      // A tag that is not writable has no limits; the proposal is refused below, saying so.
      limits: w ? { min: w.min, max: w.max, ...(w.maxStep !== undefined ? { maxStep: w.maxStep } : {}) } : (p.limits ?? { min: 0, max: 0 }),
      roles: w ? w.roles : p.roles ?? [],
      approvalsRequired: w ? (Math.max(w.approvals, p.approvalsRequired ?? 1) as 1 | 2) : (p.approvalsRequired ?? 1),
      expiresAt: Math.min(p.expiresAt, now + this.o.maxPendingMs),
      createdAt: p.createdAt ?? now,
      state: 'pending',
      approvals: [],
      updatedAt: now,
    };
    rec.policy = this.policy(rec.tag, rec.proposed);
    const entry: Entry = { rec, baseline: liveNum ?? (typeof p.current === 'number' ? p.current : null) };
    this.entries.set(rec.id, entry);
    this.audit('proposal', actor, { proposal: p, policy: rec.policy, approvalsRequired: rec.approvalsRequired, roles: rec.roles, limits: rec.limits });

    if (!rec.policy.ok) {
      this.close(entry, 'rejected', `refused by the write policy: ${rec.policy.reasons.join('; ')}`);
      rec.rejection = { user: 'policy', at: now, reason: rec.policy.reasons.join('; ') };
      this.audit('policy-refusal', actor, { proposalId: rec.id, tag: rec.tag, value: rec.proposed, stage: 'proposal', reasons: rec.policy.reasons });
      this.changed(entry, 'refused');
      return structuredClone(rec);
    }
    for (const other of this.entries.values()) {
      if (other === entry || other.rec.tag !== rec.tag) continue;
      if (OPEN.includes(other.rec.state) || (other.rec.state === 'approved' && !other.rec.result)) {
        this.close(other, 'superseded', `superseded by the newer proposal ${rec.id} for ${rec.tag}`);
        this.audit('decision', null, { action: 'superseded', proposalId: other.rec.id, by: rec.id, tag: rec.tag });
        this.changed(other, 'superseded');
      }
    }
    if (rec.expiresAt <= now) {
      this.close(entry, 'expired', `it had already expired when it arrived (${iso(rec.expiresAt)})`);
      this.changed(entry, 'expired');
    } else this.changed(entry, 'proposed');
    return structuredClone(rec);
  }

  select(id: string, user: UserRef): ProposalRecord {
    const e = this.open(id);
    const now = this.o.now();
    this.requireRole(e, user);
    const r = e.rec;
    if (r.state === 'selected' && r.selectedBy && !sameUser(r.selectedBy, user.name) && (r.selectedUntil ?? 0) > now)
      throw new ServiceError(409, `${r.tag} proposal is selected by ${r.selectedBy} until ${iso(r.selectedUntil!)}; wait or ask them to release it`);
    if (r.approvals.some((a) => sameUser(a.user, user.name)))
      throw new ServiceError(409, `${user.name} already approved this proposal; four-eyes needs a second, different user to confirm`);
    // One selection per user at a time, as on an operator station.
    for (const other of this.entries.values()) {
      if (other !== e && other.rec.state === 'selected' && other.rec.selectedBy && sameUser(other.rec.selectedBy, user.name)) this.release(other);
    }
    r.state = 'selected';
    r.selectedBy = user.name;
    r.selectedUntil = now + this.o.selectionTimeoutMs;
    r.updatedAt = now;
    this.audit('decision', user.name, { action: 'select', roles: user.roles, ...this.seen(e) });
    this.changed(e, 'selected');
    return structuredClone(r);
  }

  approve(id: string, user: UserRef, edit: { value?: number; reason?: string } = {}): ProposalRecord {
    const e = this.open(id);
    const now = this.o.now();
    const r = e.rec;
    this.requireRole(e, user);
    if (r.approvals.some((a) => sameUser(a.user, user.name)))
      throw new ServiceError(409, `${user.name} already approved this proposal; four-eyes needs a second, different user to confirm`);
    if (r.state !== 'selected' || !r.selectedBy || !sameUser(r.selectedBy, user.name))
      throw new ServiceError(
        409,
        r.state === 'selected' ? `${r.tag} proposal is selected by ${r.selectedBy}, not by ${user.name}` : `select the ${r.tag} proposal first (select before operate), then approve it`,
      );
    if (edit.value !== undefined && (typeof edit.value !== 'number' || !Number.isFinite(edit.value)))
      throw new ServiceError(400, 'the edited value must be a finite number');
    const value = edit.value ?? r.approvals[0]?.value ?? r.proposed;
    const verdict = this.policy(r.tag, value, user);
    if (!verdict.ok) {
      this.audit('policy-refusal', user.name, { value, stage: 'approval', reasons: verdict.reasons, ...this.seen(e) });
      throw new ServiceError(422, `cannot approve ${fmt(value)} for ${r.tag}: ${verdict.reasons.join('; ')}`);
    }
    // An approval is for one value: if this user edits it, earlier approvals of another value no longer count.
    const dropped = r.approvals.filter((a) => a.value !== value);
    r.approvals = r.approvals.filter((a) => a.value === value);
    r.approvals.push({ user: user.name, at: now, value, ...(edit.reason ? { reason: edit.reason } : {}) });
    r.policy = verdict;
    r.selectedBy = undefined;
    r.selectedUntil = undefined;
    r.updatedAt = now;
    // Never fewer approvals than the plant model asks for now (it may have been reloaded).
    const w = writableOf(this.model(), r.tag);
    if (w && w.approvals > r.approvalsRequired) r.approvalsRequired = w.approvals;
    const complete = r.approvals.length >= r.approvalsRequired;
    this.audit('decision', user.name, {
      action: 'approve',
      roles: user.roles,
      value,
      edited: value !== r.proposed,
      reason: edit.reason,
      approvals: r.approvals.map((a) => a.user),
      approvalsRequired: r.approvalsRequired,
      ...(dropped.length ? { droppedApprovals: dropped.map((a) => ({ user: a.user, value: a.value })) } : {}),
      ...this.seen(e),
    });
    if (!complete) {
      r.state = 'pending';
      this.changed(e, 'approval');
      return structuredClone(r);
    }
    r.state = 'approved';
    r.value = value;
    const claims: TokenClaims = {
      proposalId: r.id,
      tag: r.tag,
      value,
      approvers: r.approvals.map((a) => a.user),
      expiresAt: now + this.o.tokenTtlMs,
      nonce: newNonce(),
    };
    e.token = { nonce: claims.nonce, expiresAt: claims.expiresAt, redeemed: false };
    const write: ApprovedWrite = { proposalId: r.id, tag: r.tag, value, approvedBy: claims.approvers, token: signToken(this.o.secret, claims) };
    this.changed(e, 'approved', write);
    return structuredClone(r);
  }

  reject(id: string, user: UserRef, reason: string): ProposalRecord {
    const e = this.open(id);
    const now = this.o.now();
    const r = e.rec;
    this.requireRole(e, user);
    if (typeof reason !== 'string' || !reason.trim()) throw new ServiceError(400, 'a rejection needs a reason, so the next shift knows why');
    if (r.state === 'selected' && r.selectedBy && !sameUser(r.selectedBy, user.name) && (r.selectedUntil ?? 0) > now)
      throw new ServiceError(409, `${r.tag} proposal is selected by ${r.selectedBy} until ${iso(r.selectedUntil!)}`);
    r.rejection = { user: user.name, at: now, reason: reason.trim() };
    this.close(e, 'rejected', `rejected by ${user.name}: ${reason.trim()}`);
    this.audit('decision', user.name, { action: 'reject', roles: user.roles, reason: reason.trim(), ...this.seen(e) });
    this.changed(e, 'rejected');
    return structuredClone(r);
  }

  // ---- time, tokens, write results -----------------------------------------------------------

  /** Expiries, selection timeouts, invalidation by a moved live value; call every second or so. */
  tick(): void {
    const now = this.o.now();
    for (const e of this.entries.values()) {
      const r = e.rec;
      if (OPEN.includes(r.state)) {
        if (r.expiresAt <= now) {
          this.close(e, 'expired', `no decision before it expired at ${iso(r.expiresAt)}`);
          this.audit('decision', null, { action: 'expired', proposalId: r.id, tag: r.tag, expiresAt: r.expiresAt });
          this.changed(e, 'expired');
          continue;
        }
        const moved = this.moved(e);
        if (moved) {
          this.close(e, 'expired', moved);
          this.audit('decision', null, { action: 'invalidated', proposalId: r.id, tag: r.tag, reason: moved });
          this.changed(e, 'expired');
          continue;
        }
        if (r.state === 'selected' && (r.selectedUntil ?? 0) <= now) {
          this.audit('decision', r.selectedBy ?? null, { action: 'selection-timeout', proposalId: r.id, tag: r.tag });
          this.release(e);
        }
      } else if (r.state === 'approved' && e.token && !r.result && e.token.expiresAt <= now && !e.token.redeemed) {
        this.close(e, 'expired', 'approved, but not written before the approval token expired (is copilot-write wired to output 1?)');
        this.audit('decision', null, { action: 'token-expired', proposalId: r.id, tag: r.tag });
        this.changed(e, 'expired');
      } else if (r.state === 'approved' && e.token?.redeemed && !r.result && e.token.expiresAt + RESULT_GRACE_MS <= now) {
        // The write started but its result never came (Node-RED stopped mid-write): the value in
        // the PLC is unknown, so the proposal is failed, never retried.
        const why = 'the write started but no result arrived (Node-RED stopped during the write?); check the value in the PLC';
        this.close(e, 'failed', why);
        this.audit('decision', null, { action: 'write-result-missing', proposalId: r.id, tag: r.tag, reason: why });
        this.changed(e, 'failed');
      }
    }
    for (const [id, e] of this.entries) {
      if (!OPEN.includes(e.rec.state) && e.rec.state !== 'approved' && e.rec.updatedAt + this.o.retainClosedMs < now) this.entries.delete(id);
    }
    this.ledger.prune(now);
  }

  /**
   * For copilot-write: checks an approved write's token (signature, expiry, unused nonce,
   * matching proposal, tag, value and approvers, proposal still approved) and, if valid,
   * spends it. Every refusal is audited.
   */
  redeem(write: { proposalId?: unknown; tag?: unknown; value?: unknown; approvedBy?: unknown; token?: unknown }, actor: string | null = null): TokenCheck {
    const check = this.checkToken(write);
    if (!check.ok) {
      this.audit('token-refusal', actor, {
        reason: check.reason,
        proposalId: typeof write?.proposalId === 'string' ? write.proposalId : null,
        tag: typeof write?.tag === 'string' ? write.tag : null,
        value: typeof write?.value === 'number' ? write.value : null,
      });
      return check;
    }
    const e = this.entries.get(check.claims.proposalId)!;
    this.ledger.add(check.claims.nonce, check.claims.expiresAt);
    e.token!.redeemed = true;
    this.changed(e, 'redeemed');
    return check;
  }

  /** A write result from copilot-write (via the hub): approved -> written (verified) or failed. */
  recordWrite(result: WriteResult): ProposalRecord | undefined {
    const e = this.entries.get(result.proposalId);
    if (!e || !e.token || e.rec.result) return undefined;
    const now = this.o.now();
    e.rec.result = result;
    e.rec.state = result.verified ? 'written' : 'failed';
    if (!result.verified) e.rec.closedReason = result.error ?? 'the read-back did not match the written value';
    e.rec.updatedAt = now;
    this.changed(e, result.verified ? 'written' : 'failed');
    return structuredClone(e.rec);
  }

  // ---- internals -----------------------------------------------------------------------------

  /** The tolerance for "the live value moved since the proposal was made". */
  private moveTolerance(tag: string): number {
    const model = this.o.model();
    const w = model ? writableOf(model, tag) : undefined;
    if (!model || !w) return 0;
    return Math.max(readBackTolerance(model, tag), (Math.abs(w.max - w.min) * this.o.movePercent) / 100);
  }

  private checkToken(write: { proposalId?: unknown; tag?: unknown; value?: unknown; approvedBy?: unknown; token?: unknown }): TokenCheck {
    const d = decodeToken(this.o.secret, write?.token);
    if (!d.ok) return d;
    const c = d.claims;
    const now = this.o.now();
    if (c.expiresAt <= now) return { ok: false, reason: `the approval token for ${c.tag} expired at ${iso(c.expiresAt)}` };
    if (this.ledger.has(c.nonce)) return { ok: false, reason: `the approval token for ${c.tag} was already used (a token is good for one write)` };
    if (write.proposalId !== c.proposalId) return { ok: false, reason: `the message's proposalId ${String(write.proposalId)} is not the one the token approves (${c.proposalId})` };
    if (write.tag !== c.tag) return { ok: false, reason: `the message writes ${String(write.tag)}, but the token approves ${c.tag}` };
    if (write.value !== c.value) return { ok: false, reason: `the message writes ${fmt(write.value)} to ${c.tag}, but the token approves ${fmt(c.value)}` };
    if (!Array.isArray(write.approvedBy) || write.approvedBy.join('\u0000') !== c.approvers.join('\u0000'))
      return { ok: false, reason: `the message's approvedBy does not match the approvers in the token (${c.approvers.join(', ')})` };
    const e = this.entries.get(c.proposalId);
    if (!e || !e.token || e.token.nonce !== c.nonce) return { ok: false, reason: `proposal ${c.proposalId} was not approved with this token` };
    if (e.rec.state !== 'approved')
      return { ok: false, reason: `proposal ${c.proposalId} for ${c.tag} is ${e.rec.state}${e.rec.closedReason ? ` (${e.rec.closedReason})` : ''}, no longer approved` };
    if (e.token.redeemed) return { ok: false, reason: `the approval token for ${c.tag} was already used (a token is good for one write)` };
    return d;
  }

  private model(): PlantModel {
    const m = this.o.model();
    if (!m) throw new ServiceError(503, 'the plant model is not loaded (check the copilot-plant configuration); no proposal can be checked');
    return m;
  }

  private policy(tag: string, value: number, user?: UserRef) {
    return checkWritePolicy({ model: this.model(), live: this.o.live, now: this.o.now(), maxAgeMs: this.o.maxAgeMs, maxSteps: this.o.maxSteps }, tag, value, user);
  }

  /** The entry if it is still open to decisions, after applying any due expiry. */
  private open(id: string): Entry {
    if (typeof id !== 'string' || !this.entries.has(id)) throw new ServiceError(404, `no proposal ${String(id)}`);
    this.tick();
    const e = this.entries.get(id);
    if (!e) throw new ServiceError(404, `no proposal ${id}`);
    if (!OPEN.includes(e.rec.state))
      throw new ServiceError(409, `the ${e.rec.tag} proposal is ${e.rec.state}${e.rec.closedReason ? `: ${e.rec.closedReason}` : ''}; it can no longer be decided`);
    return e;
  }

  private requireRole(e: Entry, user: UserRef): void {
    if (!user || typeof user.name !== 'string' || !user.name.trim()) throw new ServiceError(400, 'a decision needs the user who makes it');
    // The plant model may have been reloaded since the proposal arrived: its roles apply now.
    const m = this.o.model();
    const w = m ? writableOf(m, e.rec.tag) : undefined;
    const roles = w?.roles ?? e.rec.roles;
    if (!(user.roles ?? []).some((r) => roles.includes(r)))
      throw new ServiceError(403, `${user.name} (${(user.roles ?? []).join(', ') || 'no role'}) may not decide on writes to ${e.rec.tag}; it needs the role ${roles.join(' or ')}`);
  }

  private moved(e: Entry): string | undefined {
    if (e.baseline === null) return undefined;
    const lv = this.o.live(e.rec.tag);
    if (!lv || lv.quality !== 'good' || typeof lv.value !== 'number') return undefined;
    const tol = this.moveTolerance(e.rec.tag);
    if (Math.abs(lv.value - e.baseline) <= tol + 1e-12) return undefined;
    return `the live value of ${e.rec.tag} moved from ${fmt(e.baseline)} to ${fmt(lv.value)} since the proposal was made (tolerance ${fmt(tol)}), so it no longer fits`;
  }

  /** What the operator saw when deciding: current, proposed, limits, consequence. */
  private seen(e: Entry) {
    const lv = this.o.live(e.rec.tag);
    return {
      proposalId: e.rec.id,
      tag: e.rec.tag,
      current: lv ? { value: lv.value, quality: lv.quality, timestamp: lv.timestamp } : null,
      proposed: e.rec.proposed,
      unit: e.rec.unit,
      limits: e.rec.limits,
      consequence: e.rec.consequence,
      rationale: e.rec.rationale,
      reasoner: e.rec.reasoner,
    };
  }

  private release(e: Entry): void {
    e.rec.state = 'pending';
    e.rec.selectedBy = undefined;
    e.rec.selectedUntil = undefined;
    e.rec.updatedAt = this.o.now();
    this.changed(e, 'released');
  }

  private close(e: Entry, state: ProposalState, why: string): void {
    e.rec.state = state;
    e.rec.closedReason = why;
    e.rec.selectedBy = undefined;
    e.rec.selectedUntil = undefined;
    e.rec.updatedAt = this.o.now();
  }

  private audit(kind: string, actor: string | null, data: unknown): void {
    this.o.audit?.(kind, actor, data);
  }

  private changed(e: Entry, event: ChangeEvent, write?: ApprovedWrite): void {
    this.o.onChange?.(structuredClone(e.rec), event, write);
  }
}
