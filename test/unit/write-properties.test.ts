// Property-based tests of the whole write path (approval store + tokens + verified write) over
// random sequences of proposals, decisions, clock jumps, live-value changes, interlocks, device
// faults, replays, forged and altered tokens and restarts. The device is a TagIO over an
// in-memory register map that records every write, so the invariants are checked where it
// matters, at the register:
//   - zero writes without a valid approval (every register write belongs to a token the store
//     issued after the required approvals, and to nothing else)
//   - zero writes outside [min, max], beyond maxStep from the live value, or while an interlock is active
//   - zero token reuse (one token, at most one write - or one ramp)
//   - four-eyes never satisfied by one user twice (names compared case-insensitively)
//   - a read-back mismatch is a failure, never retried
//   - zero unaudited writes: every register write follows a `write-request` record for that very
//     tag and value; while the audit log fails, nothing reaches a register
import fc from 'fast-check';
import type { ApprovedWrite, Proposal } from '../../nodes/lib/contracts';
import { evaluateCondition, writableOf, type LiveValue, type Tag } from '../../nodes/lib/plant';
import { demoModel } from '../helpers/plant';
import { ApprovalStore, executeApprovedWrite, signToken, newNonce, type WriteIO } from '../../nodes/lib/approval';

const model = demoModel();
const SECRET = 'property-secret-0123456789abcdef';
const TAGS = ['FIC-101.SP', 'TIC-201.SP', 'LIC-201.SP'] as const;
const USERS = [
  { name: 'operator1', roles: ['operator'] },
  { name: 'operator2', roles: ['operator'] },
  { name: 'supervisor', roles: ['supervisor'] },
  { name: 'OPERATOR1 ', roles: ['operator'] },
  { name: 'guest', roles: ['viewer'] },
];
const canon = (n: string) => n.trim().toLowerCase();

type Action =
  | { a: 'propose'; tag: number; delta: number; absolute: number | null; expiresIn: number }
  | { a: 'select' | 'approve' | 'selectApprove'; p: number; u: number; edit: number | null }
  | { a: 'reject'; p: number; u: number }
  | { a: 'advance'; ms: number }
  | { a: 'poll' }
  | { a: 'external'; tag: number; delta: number }
  | { a: 'quality'; tag: number; q: 'good' | 'uncertain' | 'bad' }
  | { a: 'interlock'; pt: number; feed: boolean }
  | { a: 'deviceFault'; on: boolean }
  | { a: 'auditFault'; on: boolean }
  | { a: 'deliver'; w: number; how: 'as-is' | 'replay' | 'value' | 'tag' | 'approvers' | 'forged' | 'resigned' | 'no-token' | 'other-proposal' }
  | { a: 'restart' };

// Biased towards sequences that get somewhere (values near the present one, decisions on the
// latest proposals, frequent polls), with every kind of disturbance mixed in.
const delta = fc.integer({ min: -70, max: 70 }).map((x) => x / 10);
const user = fc.constantFrom(0, 0, 1, 1, 2, 2, 3, 4);
const rarely = <T>(a: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(null), weight: 5 }, { arbitrary: a, weight: 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({
      a: fc.constant('propose' as const),
      tag: fc.nat(2),
      delta,
      absolute: fc.oneof({ arbitrary: fc.constant(null), weight: 6 }, { arbitrary: fc.double({ min: -10, max: 110, noNaN: true }), weight: 1 }),
      expiresIn: fc.oneof(fc.integer({ min: 60_000, max: 600_000 }), fc.integer({ min: -1000, max: 60_000 })),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ a: fc.constantFrom('select' as const, 'approve' as const), p: fc.nat(3), u: user, edit: rarely(delta) }), weight: 3 },
  { arbitrary: fc.record({ a: fc.constant('selectApprove' as const), p: fc.nat(1), u: user, edit: rarely(delta) }), weight: 12 },
  { arbitrary: fc.record({ a: fc.constant('reject' as const), p: fc.nat(3), u: fc.nat(4) }), weight: 1 },
  { arbitrary: fc.record({ a: fc.constant('advance' as const), ms: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 5_000 }), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 120_000 }), weight: 1 }) }), weight: 2 },
  { arbitrary: fc.constant({ a: 'poll' as const }), weight: 4 },
  { arbitrary: fc.record({ a: fc.constant('external' as const), tag: fc.nat(2), delta: fc.double({ min: -5, max: 5, noNaN: true }) }), weight: 1 },
  { arbitrary: fc.record({ a: fc.constant('quality' as const), tag: fc.nat(2), q: fc.constantFrom('good' as const, 'good' as const, 'uncertain' as const, 'bad' as const) }), weight: 1 },
  { arbitrary: fc.record({ a: fc.constant('interlock' as const), pt: fc.constantFrom(2.5, 2.5, 7), feed: fc.constantFrom(true, true, false) }), weight: 1 },
  { arbitrary: fc.record({ a: fc.constant('deviceFault' as const), on: fc.constantFrom(false, false, true) }), weight: 1 },
  { arbitrary: fc.record({ a: fc.constant('auditFault' as const), on: fc.constantFrom(false, false, true) }), weight: 1 },
  {
    arbitrary: fc.record({
      a: fc.constant('deliver' as const),
      w: fc.nat(3),
      how: fc.constantFrom('as-is' as const, 'as-is' as const, 'as-is' as const, 'replay' as const, 'value' as const, 'tag' as const, 'approvers' as const, 'forged' as const, 'resigned' as const, 'no-token' as const, 'other-proposal' as const),
    }),
    weight: 6,
  },
  { arbitrary: fc.constant({ a: 'restart' as const }), weight: 1 },
);

interface Issued {
  write: ApprovedWrite;
  approvers: string[];
  tag: string;
  value: number;
}

let sequences = 0;
let totalWrites = 0;
let totalRefusals = 0;
let totalIssued = 0;
let rampedDeliveries = 0;
let auditRefusals = 0;

async function run(actions: Action[], ramp: boolean): Promise<void> {
  sequences++;
  let now = 1_800_000_000_000;
  const registers = new Map<string, number>([
    ['FIC-101.SP', 10],
    ['TIC-201.SP', 70],
    ['LIC-201.SP', 50],
  ]);
  const live = new Map<string, LiveValue>();
  const poll = () => {
    for (const [t, v] of registers) {
      const q = live.get(t)?.quality ?? 'good';
      live.set(t, { value: v, quality: q, timestamp: now });
    }
    for (const t of ['PT-201', 'P-101.RUN']) {
      const l = live.get(t);
      if (l) live.set(t, { ...l, timestamp: now });
    }
  };
  live.set('PT-201', { value: 2.5, quality: 'good', timestamp: now });
  live.set('P-101.RUN', { value: true, quality: 'good', timestamp: now });
  poll();
  let deviceFault = false;
  let auditFault = false;
  // What the audit log holds, each record with the number of register writes made before it.
  const auditRecords: Array<{ kind: string; data: Record<string, unknown>; writesBefore: number }> = [];
  const deviceWrites: Array<{ tag: string; value: number; liveBefore: LiveValue | undefined; at: number }> = [];
  const io: WriteIO = {
    async writeTag(tag: Tag, value) {
      deviceWrites.push({ tag: tag.name, value: value as number, liveBefore: live.get(tag.name) && { ...live.get(tag.name)! }, at: now });
      if (!deviceFault) registers.set(tag.name, value as number);
    },
    async readTag(tag: Tag) {
      return { value: registers.get(tag.name)!, quality: 'good', timestamp: now };
    },
  };

  const issued: Issued[] = [];
  const ids: string[] = [];
  let n = 0;
  const opts = {
    now: () => now,
    secret: SECRET,
    model: () => model,
    live: (t: string) => live.get(t),
    maxSteps: ramp ? 3 : 1,
    tokenTtlMs: 60_000,
    onChange: (_r: unknown, event: string, write?: ApprovedWrite) => {
      if (event === 'approved' && write) totalIssued++;
      if (event === 'approved' && write) issued.push({ write, approvers: write.approvedBy, tag: write.tag, value: write.value });
    },
  };
  let store = new ApprovalStore(opts);
  const tokensUsed = new Map<string, number>();

  for (const act of actions) {
    switch (act.a) {
      case 'propose': {
        const id = `p${++n}`;
        ids.push(id);
        const p: Proposal = {
          id,
          tag: TAGS[act.tag],
          current: registers.get(TAGS[act.tag])!,
          proposed: Number((act.absolute ?? registers.get(TAGS[act.tag])! + act.delta).toFixed(2)),
          limits: { min: -1e9, max: 1e9 }, // lies: the store must take the model's limits
          rationale: 'property test',
          evidence: [],
          approvalsRequired: 1, // lies: FIC-101.SP needs two
          roles: ['viewer'], // lies: the model's roles apply
          expiresAt: now + act.expiresIn,
          policy: { ok: true, reasons: [] },
        };
        store.propose(p);
        break;
      }
      case 'select':
      case 'approve':
      case 'selectApprove':
      case 'reject': {
        const id = ids[ids.length - 1 - (act.p % Math.max(1, ids.length))];
        if (!id) break;
        const user = USERS[act.u];
        const edit = act.a !== 'reject' && act.edit !== null ? { value: Number((store.get(id)!.proposed + act.edit).toFixed(2)) } : {};
        try {
          if (act.a === 'select' || act.a === 'selectApprove') store.select(id, user);
          if (act.a === 'approve' || act.a === 'selectApprove') store.approve(id, user, edit);
          if (act.a === 'reject') store.reject(id, user, 'no');
        } catch (e) {
          if ((e as { name?: string }).name !== 'ServiceError') throw e;
        }
        break;
      }
      case 'advance':
        now += act.ms;
        store.tick();
        break;
      case 'poll':
        poll();
        store.tick();
        break;
      case 'external':
        registers.set(TAGS[act.tag], registers.get(TAGS[act.tag])! + act.delta);
        break;
      case 'quality': {
        const l = live.get(TAGS[act.tag])!;
        live.set(TAGS[act.tag], { ...l, quality: act.q });
        break;
      }
      case 'interlock':
        live.set('PT-201', { value: act.pt, quality: 'good', timestamp: now });
        live.set('P-101.RUN', { value: act.feed, quality: 'good', timestamp: now });
        break;
      case 'deviceFault':
        deviceFault = act.on;
        break;
      case 'auditFault':
        auditFault = act.on;
        break;
      case 'restart': {
        const saved = JSON.parse(JSON.stringify(store.toJSON()));
        store = new ApprovalStore(opts);
        store.restore(saved);
        break;
      }
      case 'deliver': {
        const base = issued[issued.length - 1 - (act.w % Math.max(1, issued.length))]?.write;
        const template: ApprovedWrite = base ?? { proposalId: ids[0] ?? 'p0', tag: 'LIC-201.SP', value: 55, approvedBy: ['operator1'], token: '' };
        let msg: Record<string, unknown> = { ...template };
        if (act.how === 'value') msg.value = template.value + 0.5;
        if (act.how === 'tag') msg.tag = template.tag === 'LIC-201.SP' ? 'TIC-201.SP' : 'LIC-201.SP';
        if (act.how === 'approvers') msg.approvedBy = ['operator1', 'operator2', 'supervisor'];
        if (act.how === 'no-token') delete msg.token;
        if (act.how === 'other-proposal') msg.proposalId = ids[ids.length - 1] ?? 'x';
        if (act.how === 'forged')
          msg.token = signToken('a-guessed-secret-0123456789', { proposalId: String(msg.proposalId), tag: String(msg.tag), value: Number(msg.value), approvers: msg.approvedBy as string[], expiresAt: now + 60_000, nonce: newNonce() });
        if (act.how === 'resigned') {
          // Re-encode altered claims around the original signature.
          const [, sig] = String(template.token).split('.');
          msg.token = `${Buffer.from(JSON.stringify({ proposalId: template.proposalId, tag: template.tag, value: 15, approvers: template.approvedBy, expiresAt: now + 1e9, nonce: newNonce() })).toString('base64url')}.${sig}`;
          msg.value = 15;
        }
        if (act.how === 'replay') {
          // Deliver the same message twice in a row.
          await deliver(msg);
        }
        await deliver(msg);
        break;
      }
    }
  }

  async function deliver(msg: Record<string, unknown>) {
    const before = deviceWrites.length;
    const outcome = await executeApprovedWrite(msg, {
      redeem: (w, a) => store.redeem(w, a),
      model: () => model,
      live: (t) => live.get(t),
      io: () => io,
      now: () => now,
      audit: (kind, _actor, data) => {
        if (auditFault) throw new Error('SQLITE_FULL: database or disk is full');
        auditRecords.push({ kind, data: data as Record<string, unknown>, writesBefore: deviceWrites.length });
      },
      actor: 'test',
      ramp: ramp ? { maxSteps: 3, intervalMs: 1000 } : undefined,
      sleep: async (ms) => {
        now += ms;
        poll();
      },
      updateLive: (t, v) => live.set(t, v),
    });
    const made = deviceWrites.slice(before);
    // No unaudited write: register write number k was preceded by a write-request for it, recorded
    // when exactly k writes had been made.
    made.forEach((d, i) => {
      const k = before + i;
      expect(auditRecords.some((a) => a.kind === 'write-request' && a.writesBefore === k && a.data.tag === d.tag && a.data.value === d.value)).toBe(true);
    });
    if ('result' in outcome && /audit log cannot record/.test(outcome.result.error ?? '')) auditRefusals++;
    if ('refused' in outcome) {
      totalRefusals++;
      expect(made).toHaveLength(0);
      return;
    }
    totalWrites += made.length;
    if (made.length > 1) rampedDeliveries++;
    const r = outcome.result;
    // The write belongs to a token the store issued, for exactly that tag and value.
    const token = String(msg.token);
    const iss = issued.find((i) => i.write.token === token);
    expect(iss).toBeDefined();
    expect(r.tag).toBe(iss!.tag);
    expect(r.requested).toBe(iss!.value);
    tokensUsed.set(token, (tokensUsed.get(token) ?? 0) + 1);
    expect(tokensUsed.get(token)).toBe(1);
    const w = writableOf(model, r.tag)!;
    // Four-eyes and roles.
    const distinct = new Set(iss!.approvers.map(canon));
    expect(distinct.size).toBe(iss!.approvers.length);
    expect(distinct.size).toBeGreaterThanOrEqual(w.approvals);
    for (const a of iss!.approvers) expect(USERS.find((u) => canon(u.name) === canon(a))!.roles.some((x) => w.roles.includes(x))).toBe(true);
    // Limits, step from the live value, freshness, no interlock - at every register write.
    expect(made.length).toBeLessThanOrEqual(ramp ? 3 : 1);
    for (const d of made) {
      expect(d.tag).toBe(r.tag);
      expect(d.value).toBeGreaterThanOrEqual(w.min);
      expect(d.value).toBeLessThanOrEqual(w.max);
      expect(d.liveBefore?.quality).toBe('good');
      expect(d.at - d.liveBefore!.timestamp).toBeLessThanOrEqual(15_000);
      expect(Math.abs(d.value - (d.liveBefore!.value as number))).toBeLessThanOrEqual(w.maxStep! * (1 + 1e-9) + 1e-12);
      for (const il of model.interlocks) {
        if (!il.blocks.includes(r.tag)) continue;
        expect(evaluateCondition(il.when, (t) => live.get(t)?.value)).toBe(false);
      }
    }
    // Verified exactly when the device holds the written value; a mismatch is never retried.
    if (r.verified) expect(Math.abs(registers.get(r.tag)! - r.requested)).toBeLessThanOrEqual(0.05 + 1e-9);
    if (!r.verified && made.length) expect(new Set(made.map((m) => m.value)).size).toBe(made.length);
    store.recordWrite(r);
    expect(store.get(r.proposalId)!.state).toBe(r.verified ? 'written' : 'failed');
  }
}

describe('write path properties', () => {
  afterAll(() => {
    // The number of generated sequences, for the report (see docs/safety.md).
    console.log(`write-path properties: ${sequences} sequences, ${totalWrites} register writes, ${totalRefusals} refused deliveries, ${totalIssued} tokens issued, ${rampedDeliveries} ramped writes, ${auditRefusals} writes refused because the audit log failed`);
  });

  it('holds the safety invariants over random sequences (no ramp)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 80 }), (actions) => run(actions, false)),
      { numRuns: 1500 },
    );
  });

  it('holds them with ramped writes too (each step within maxStep of the live value)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 80 }), (actions) => run(actions, true)),
      { numRuns: 500 },
    );
  });

  it('actually writes in these sequences (the properties are not vacuous)', async () => {
    // A directed sequence that must write: propose, two operators approve FIC-101.SP, deliver.
    const before = totalWrites;
    await run(
      [
        { a: 'propose', tag: 0, delta: -2, absolute: null, expiresIn: 600_000 },
        { a: 'select', p: 0, u: 0, edit: null },
        { a: 'approve', p: 0, u: 0, edit: null },
        { a: 'select', p: 0, u: 3, edit: null },
        { a: 'approve', p: 0, u: 3, edit: null },
        { a: 'select', p: 0, u: 1, edit: null },
        { a: 'approve', p: 0, u: 1, edit: null },
        { a: 'deliver', w: 0, how: 'replay' },
      ],
      false,
    );
    expect(totalWrites - before).toBe(1);
    expect(totalWrites).toBeGreaterThan(80);
  });

  it('ramps a change larger than maxStep in steps (directed)', async () => {
    const before = rampedDeliveries;
    await run(
      [
        { a: 'propose', tag: 1, delta: 7, absolute: null, expiresIn: 600_000 },
        { a: 'selectApprove', p: 0, u: 2, edit: null },
        { a: 'deliver', w: 0, how: 'as-is' },
      ],
      true,
    );
    expect(rampedDeliveries - before).toBe(1);
  });

  it('refuses a write the audit log cannot record, and writes once the log works again (directed)', async () => {
    const writes = totalWrites;
    const refusals = auditRefusals;
    await run(
      [
        { a: 'propose', tag: 2, delta: 2, absolute: null, expiresIn: 600_000 },
        { a: 'selectApprove', p: 0, u: 0, edit: null },
        { a: 'auditFault', on: true },
        { a: 'deliver', w: 0, how: 'as-is' },
        { a: 'auditFault', on: false },
        { a: 'propose', tag: 2, delta: 2, absolute: null, expiresIn: 600_000 },
        { a: 'selectApprove', p: 0, u: 0, edit: null },
        { a: 'deliver', w: 0, how: 'as-is' },
      ],
      false,
    );
    expect(auditRefusals - refusals).toBe(1);
    expect(totalWrites - writes).toBe(1);
    // Over the random sequences too, the audit fault refused writes (the property is not vacuous).
    expect(auditRefusals).toBeGreaterThan(1);
  });
});
