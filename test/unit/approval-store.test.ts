// The proposal store: select before operate, four-eyes, roles, edits within policy, rejection,
// expiry, invalidation, supersession, tokens, persistence across a restart. Clock injected.
import type { ApprovedWrite, Proposal, ProposalRecord } from '../../nodes/lib/contracts';
import { ServiceError } from '../../nodes/lib/contracts';
import * as fs from 'node:fs';
import { parsePlantText, writableOf, type LiveValue } from '../../nodes/lib/plant';
import { DEMO_PLANT_FILE, demoModel } from '../helpers/plant';
import { ApprovalStore, type ChangeEvent } from '../../nodes/lib/approval';

const model = demoModel();
const SECRET = 'test-secret-0123456789abcdef';

function rig(opts: { selectionTimeoutMs?: number; tokenTtlMs?: number } = {}) {
  let now = 1_800_000_000_000;
  const live: Record<string, LiveValue> = {};
  const set = (tag: string, value: number | boolean) => (live[tag] = { value, quality: 'good', timestamp: now });
  set('FIC-101.SP', 10);
  set('TIC-201.SP', 70);
  set('LIC-201.SP', 50);
  set('PT-201', 2.5);
  set('P-101.RUN', true);
  const audit: Array<{ kind: string; actor: string | null; data: any }> = [];
  const events: Array<{ id: string; state: string; event: ChangeEvent; write?: ApprovedWrite }> = [];
  const make = () =>
    new ApprovalStore({
      now: () => now,
      secret: SECRET,
      model: () => model,
      live: (t) => live[t],
      audit: (kind, actor, data) => audit.push({ kind, actor, data }),
      onChange: (rec, event, write) => events.push({ id: rec.id, state: rec.state, event, write }),
      ...opts,
    });
  const store = make();
  const advance = (ms: number) => {
    now += ms;
    // Keep the live values fresh, as a poller would.
    for (const v of Object.values(live)) v.timestamp = now;
  };
  return { store, make, live, set, audit, events, advance, now: () => now };
}

let seq = 0;
function proposal(tag: string, proposed: number, over: Partial<Proposal> = {}): Proposal {
  return {
    id: `p${++seq}`,
    tag,
    current: null,
    proposed,
    limits: { min: 0, max: 1000 },
    rationale: 'test',
    evidence: [],
    approvalsRequired: 1,
    roles: ['anyone'],
    expiresAt: 1_800_000_000_000 + 10 * 60_000,
    policy: { ok: true, reasons: [] },
    ...over,
  };
}

const op1 = { name: 'operator1', roles: ['operator'] };
const op2 = { name: 'operator2', roles: ['operator'] };
const sup = { name: 'supervisor', roles: ['supervisor'] };

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ServiceError) return e.status;
    throw e;
  }
  return undefined;
}

describe('ApprovalStore', () => {
  it('takes limits, roles and four-eyes from the plant model, not from the proposal message', () => {
    const { store } = rig();
    const r = store.propose(proposal('FIC-101.SP', 8));
    expect(r).toMatchObject({ state: 'pending', limits: { min: 2, max: 15, maxStep: 4 }, roles: ['operator', 'supervisor'], approvalsRequired: 2 });
    expect(r.policy).toEqual({ ok: true, reasons: [] });
  });

  it('refuses a proposal outside policy on arrival: rejected by policy, audited as policy-refusal', () => {
    const { store, audit, events } = rig();
    const r = store.propose(proposal('FIC-101.SP', 20));
    expect(r.state).toBe('rejected');
    expect(r.rejection?.user).toBe('policy');
    expect(r.closedReason).toMatch(/above the maximum 15 m3\/h/);
    expect(audit.map((a) => a.kind)).toEqual(['proposal', 'policy-refusal']);
    expect(events.at(-1)?.event).toBe('refused');
  });

  it('single approval: select, approve -> approved with a token for exactly that proposal', () => {
    const { store, events, audit } = rig();
    const p = store.propose(proposal('LIC-201.SP', 55));
    store.select(p.id, op1);
    const r = store.approve(p.id, op1, { reason: 'ok' });
    expect(r.state).toBe('approved');
    expect(r.value).toBe(55);
    const w = events.find((e) => e.event === 'approved')!.write!;
    expect(w).toMatchObject({ proposalId: p.id, tag: 'LIC-201.SP', value: 55, approvedBy: ['operator1'] });
    expect(w.token).toMatch(/^[\w-]+\.[\w-]+$/);
    const decision = audit.filter((a) => a.kind === 'decision').map((a) => a.data.action);
    expect(decision).toEqual(['select', 'approve']);
    // What the operator saw is on record.
    expect(audit.find((a) => a.data.action === 'approve')!.data).toMatchObject({ current: { value: 50, quality: 'good' }, proposed: 55, limits: { min: 30, max: 70, maxStep: 10 } });
  });

  it('select before operate: approve without a selection, or with another user\'s selection, is refused', () => {
    const { store } = rig();
    const p = store.propose(proposal('LIC-201.SP', 55));
    expect(status(() => store.approve(p.id, op1, {}))).toBe(409);
    store.select(p.id, op1);
    expect(status(() => store.select(p.id, op2))).toBe(409);
    expect(status(() => store.approve(p.id, op2, {}))).toBe(409);
    expect(status(() => store.reject(p.id, op2, 'no'))).toBe(409);
  });

  it('a selection times out and the lock is released; then the approval needs a new selection', () => {
    const { store, advance } = rig({ selectionTimeoutMs: 30_000 });
    const p = store.propose(proposal('LIC-201.SP', 55));
    store.select(p.id, op1);
    advance(31_000);
    store.tick();
    expect(store.get(p.id)!.state).toBe('pending');
    expect(status(() => store.approve(p.id, op1, {}))).toBe(409);
    store.select(p.id, op2);
    expect(store.approve(p.id, op2, {}).state).toBe('approved');
  });

  it('four-eyes: the same user twice never counts; a second, different user completes it', () => {
    const { store, events } = rig();
    const p = store.propose(proposal('FIC-101.SP', 8));
    store.select(p.id, op1);
    const r1 = store.approve(p.id, op1, {});
    expect(r1.state).toBe('pending');
    expect(r1.approvals.map((a) => a.user)).toEqual(['operator1']);
    expect(status(() => store.select(p.id, op1))).toBe(409);
    expect(status(() => store.approve(p.id, op1, {}))).toBe(409);
    expect(status(() => store.select(p.id, { name: ' OPERATOR1 ', roles: ['operator'] }))).toBe(409);
    store.select(p.id, op2);
    const r2 = store.approve(p.id, op2, {});
    expect(r2.state).toBe('approved');
    expect(events.find((e) => e.event === 'approved')!.write!.approvedBy).toEqual(['operator1', 'operator2']);
  });

  it('four-eyes: a second user who edits the value starts the count again for the new value', () => {
    const { store } = rig();
    const p = store.propose(proposal('FIC-101.SP', 8));
    store.select(p.id, op1);
    store.approve(p.id, op1, {});
    store.select(p.id, op2);
    const r = store.approve(p.id, op2, { value: 9 });
    expect(r.state).toBe('pending');
    expect(r.approvals).toEqual([expect.objectContaining({ user: 'operator2', value: 9 })]);
    store.select(p.id, op1);
    expect(store.approve(p.id, op1, {})).toMatchObject({ state: 'approved', value: 9 });
  });

  it('roles gate who may decide (403), from writable.roles', () => {
    const { store } = rig();
    const p = store.propose(proposal('TIC-201.SP', 72));
    expect(status(() => store.select(p.id, op1))).toBe(403);
    expect(status(() => store.reject(p.id, op1, 'no'))).toBe(403);
    store.select(p.id, sup);
    expect(store.approve(p.id, sup, {}).state).toBe('approved');
  });

  it('an edit within policy is approved; outside policy is refused with 422 and audited', () => {
    const { store, audit } = rig();
    const p = store.propose(proposal('LIC-201.SP', 55));
    store.select(p.id, op1);
    expect(status(() => store.approve(p.id, op1, { value: 75 }))).toBe(422);
    expect(audit.at(-1)).toMatchObject({ kind: 'policy-refusal', actor: 'operator1', data: { stage: 'approval', value: 75 } });
    expect(store.get(p.id)!.state).toBe('selected');
    expect(store.approve(p.id, op1, { value: 58 })).toMatchObject({ state: 'approved', value: 58 });
  });

  it('policy is re-checked at approval: an interlock that became active blocks it', () => {
    const { store, set } = rig();
    const p = store.propose(proposal('LIC-201.SP', 55));
    store.select(p.id, op1);
    set('PT-201', 6.5);
    let msg = '';
    try {
      store.approve(p.id, op1, {});
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/interlock high-pressure-trip blocks writes to LIC-201.SP/);
  });

  it('reject needs a reason and closes the proposal', () => {
    const { store } = rig();
    const p = store.propose(proposal('LIC-201.SP', 55));
    expect(status(() => store.reject(p.id, op1, '  '))).toBe(400);
    const r = store.reject(p.id, op1, 'level is rising, not now');
    expect(r).toMatchObject({ state: 'rejected', rejection: { user: 'operator1', reason: 'level is rising, not now' } });
    expect(status(() => store.select(p.id, op1))).toBe(409);
    expect(status(() => store.approve('nope', op1, {}))).toBe(404);
  });

  it('expires at expiresAt; a decision after that gets 409', () => {
    const { store, advance } = rig();
    const p = store.propose(proposal('LIC-201.SP', 55, { expiresAt: 1_800_000_000_000 + 60_000 }));
    advance(61_000);
    expect(status(() => store.select(p.id, op1))).toBe(409);
    expect(store.get(p.id)).toMatchObject({ state: 'expired', closedReason: expect.stringMatching(/no decision before it expired/) });
  });

  it('is invalidated when the live value moved beyond the tolerance since it was made', () => {
    const { store, set } = rig();
    const p = store.propose(proposal('LIC-201.SP', 55));
    set('LIC-201.SP', 50.3); // tolerance max(0.05, 1% of 40) = 0.4
    store.tick();
    expect(store.get(p.id)!.state).toBe('pending');
    set('LIC-201.SP', 51);
    store.tick();
    expect(store.get(p.id)).toMatchObject({ state: 'expired', closedReason: expect.stringMatching(/moved from 50 to 51/) });
  });

  it('a newer proposal for the same tag supersedes the older one, including an approved one not yet written', () => {
    const { store, events } = rig();
    const a = store.propose(proposal('LIC-201.SP', 55));
    store.select(a.id, op1);
    store.approve(a.id, op1, {});
    const write = events.find((e) => e.event === 'approved')!.write!;
    const b = store.propose(proposal('LIC-201.SP', 54));
    expect(store.get(a.id)).toMatchObject({ state: 'superseded', closedReason: `superseded by the newer proposal ${b.id} for LIC-201.SP` });
    // The superseded approval's token can no longer be used.
    const r = store.redeem(write);
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/is superseded/) });
    const other = store.propose(proposal('TIC-201.SP', 72));
    expect(store.get(b.id)!.state).toBe('pending');
    expect(other.state).toBe('pending');
  });

  it('a token redeems once; the second use, an altered value and an expired token are refused and audited', () => {
    const { store, events, audit, advance } = rig({ tokenTtlMs: 20_000 });
    const p = store.propose(proposal('LIC-201.SP', 55));
    store.select(p.id, op1);
    store.approve(p.id, op1, {});
    const w = events.find((e) => e.event === 'approved')!.write!;
    expect(store.redeem({ ...w, value: 56 })).toMatchObject({ ok: false, reason: expect.stringMatching(/signature|token approves 55/) });
    expect(store.redeem({ ...w, tag: 'TIC-201.SP' })).toMatchObject({ ok: false });
    expect(store.redeem({ ...w, approvedBy: ['mallory'] })).toMatchObject({ ok: false });
    expect(store.redeem(w)).toMatchObject({ ok: true, claims: { tag: 'LIC-201.SP', value: 55 } });
    expect(store.redeem(w)).toEqual({ ok: false, reason: 'the approval token for LIC-201.SP was already used (a token is good for one write)' });
    expect(audit.filter((a) => a.kind === 'token-refusal')).toHaveLength(4);

    const q = store.propose(proposal('TIC-201.SP', 72));
    store.select(q.id, sup);
    store.approve(q.id, sup, {});
    const w2 = events.filter((e) => e.event === 'approved').at(-1)!.write!;
    advance(21_000);
    expect(store.redeem(w2)).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
  });

  it('a token signed with another secret is refused', () => {
    const a = rig();
    const b = rig();
    const p = a.store.propose(proposal('LIC-201.SP', 55));
    a.store.select(p.id, op1);
    a.store.approve(p.id, op1, {});
    const w = a.events.find((e) => e.event === 'approved')!.write!;
    const other = new ApprovalStore({ now: a.now, secret: 'another-secret-0123456789', model: () => model, live: (t) => a.live[t] });
    other.restore(a.store.toJSON());
    expect(other.redeem(w)).toMatchObject({ ok: false, reason: expect.stringMatching(/signature is not valid/) });
    expect(b.store.redeem(w)).toMatchObject({ ok: false });
  });

  it('moves an approved proposal to written or failed on the write result', () => {
    const { store, events } = rig();
    const p = store.propose(proposal('LIC-201.SP', 55));
    store.select(p.id, op1);
    store.approve(p.id, op1, {});
    const w = events.find((e) => e.event === 'approved')!.write!;
    store.redeem(w);
    const r = store.recordWrite({ proposalId: p.id, tag: 'LIC-201.SP', requested: 55, written: 55, readBack: 55.01, verified: true, at: 1 });
    expect(r).toMatchObject({ state: 'written', result: { verified: true } });
    expect(store.list('written').map((x: ProposalRecord) => x.id)).toEqual([p.id]);
    const q = store.propose(proposal('LIC-201.SP', 57));
    // A write result for a proposal that never got a token changes nothing.
    expect(store.recordWrite({ proposalId: q.id, tag: 'LIC-201.SP', requested: 57, written: 57, readBack: 57, verified: true, at: 1 })).toBeUndefined();
    expect(store.get(q.id)!.state).toBe('pending');
  });

  it('a write that started but never reported (Node-RED stopped mid-write) ends as failed, not approved forever', () => {
    const { store, events, advance } = rig({ tokenTtlMs: 10_000 });
    const p = store.propose(proposal('LIC-201.SP', 55));
    store.select(p.id, op1);
    store.approve(p.id, op1, {});
    expect(store.redeem(events.find((e) => e.event === 'approved')!.write!).ok).toBe(true);
    advance(60_000);
    store.tick();
    expect(store.get(p.id)!.state).toBe('approved');
    advance(5 * 60_000);
    store.tick();
    expect(store.get(p.id)).toMatchObject({ state: 'failed', closedReason: expect.stringMatching(/no result arrived/) });
  });

  it('an approved proposal whose token expires unwritten is expired', () => {
    const { store, advance } = rig({ tokenTtlMs: 10_000 });
    const p = store.propose(proposal('LIC-201.SP', 55));
    store.select(p.id, op1);
    store.approve(p.id, op1, {});
    advance(11_000);
    store.tick();
    expect(store.get(p.id)).toMatchObject({ state: 'expired', closedReason: expect.stringMatching(/not written before the approval token expired/) });
  });

  it('a plant model reloaded while a proposal waits applies its roles and four-eyes at once', () => {
    const text = fs.readFileSync(DEMO_PLANT_FILE, 'utf8').replace(
      'writable: { min: 30, max: 70, maxStep: 10, roles: [operator, supervisor], approvals: 1, tolerance: 0.05 }',
      'writable: { min: 30, max: 70, maxStep: 10, roles: [supervisor, operator], approvals: 2, tolerance: 0.05 }',
    );
    const stricter = parsePlantText(text).model!;
    expect(writableOf(stricter, 'LIC-201.SP')!.approvals).toBe(2);
    let current = model;
    const live: Record<string, LiveValue> = {};
    for (const [t, v] of Object.entries({ 'LIC-201.SP': 50, 'PT-201': 2.5 })) live[t] = { value: v, quality: 'good', timestamp: 1_800_000_000_000 };
    const store = new ApprovalStore({ now: () => 1_800_000_000_000, secret: SECRET, model: () => current, live: (t) => live[t] });
    const p = store.propose(proposal('LIC-201.SP', 55));
    expect(p.approvalsRequired).toBe(1);
    current = stricter;
    store.select(p.id, op1);
    expect(store.approve(p.id, op1, {})).toMatchObject({ state: 'pending', approvalsRequired: 2 });
  });

  it('survives a restart: pending proposals, selections and the nonce ledger are restored, and expire correctly', () => {
    const r = rig();
    const a = r.store.propose(proposal('LIC-201.SP', 55, { expiresAt: 1_800_000_000_000 + 120_000 }));
    const b = r.store.propose(proposal('TIC-201.SP', 72, { expiresAt: 1_800_000_000_000 + 600_000 }));
    const c = r.store.propose(proposal('FIC-101.SP', 8));
    r.store.select(c.id, op1);
    r.store.approve(c.id, op1, {});
    r.store.select(b.id, sup);
    r.store.approve(b.id, sup, {});
    const w = r.events.find((e) => e.event === 'approved')!.write!;
    expect(r.store.redeem(w).ok).toBe(true);
    const saved = JSON.parse(JSON.stringify(r.store.toJSON()));

    r.advance(30_000);
    const s2 = r.make();
    s2.restore(saved);
    expect(s2.get(a.id)!.state).toBe('pending');
    expect(s2.get(c.id)!.approvals.map((x) => x.user)).toEqual(['operator1']);
    expect(s2.redeem(w)).toMatchObject({ ok: false, reason: expect.stringMatching(/already used/) });

    r.advance(91_000);
    const s3 = r.make();
    s3.restore(saved);
    expect(s3.get(a.id)!.state).toBe('expired');
    expect(s3.get(c.id)!.state).toBe('pending');
  });
});
