// The write policy (DESIGN §5 rule 3), one rule at a time, on the demo plant: every refusal is
// a sentence an operator understands and names the tag.
import { parsePlantText, type LiveValue } from '../../nodes/lib/plant';
import { demoModel } from '../helpers/plant';
import { boundTarget, checkWritePolicy, readBackTolerance, targetOf, type PolicyContext } from '../../nodes/lib/policy';

const model = demoModel();
const NOW = 1_800_000_000_000;
const good = (value: number | boolean, ageMs = 1000): LiveValue => ({ value, quality: 'good', timestamp: NOW - ageMs });

function ctx(overrides: Record<string, LiveValue | undefined> = {}, extra: Partial<PolicyContext> = {}): PolicyContext {
  const live: Record<string, LiveValue | undefined> = {
    'FIC-101.SP': good(10),
    'TIC-201.SP': good(70),
    'LIC-201.SP': good(50),
    'PT-201': good(2.5),
    'P-101.RUN': good(true),
    ...overrides,
  };
  return { model, live: (t) => live[t], now: NOW, ...extra };
}

const operator = { name: 'operator1', roles: ['operator'] };
const readable = (reasons: string[]) => reasons.every((r) => r.length > 20 && !/undefined|NaN|\[object/.test(r));

describe('checkWritePolicy', () => {
  it('accepts a change within limits and step on a fresh, good live value with no interlock active', () => {
    expect(checkWritePolicy(ctx(), 'FIC-101.SP', 8, operator)).toEqual({ ok: true, reasons: [] });
  });

  it('refuses a tag that does not exist or is not writable', () => {
    expect(checkWritePolicy(ctx(), 'XX-999', 1).reasons).toEqual(['XX-999 is not a tag of plant "Reactor unit 2"']);
    expect(checkWritePolicy(ctx(), 'TT-201', 70).reasons).toEqual(['TT-201 is not a writable setpoint in the plant model']);
  });

  it('refuses a value that is not a finite number', () => {
    for (const v of ['8', NaN, Infinity, null, true]) expect(checkWritePolicy(ctx(), 'FIC-101.SP', v).reasons[0]).toMatch(/must be a finite number/);
  });

  it('refuses values outside [min, max] with the limit and unit', () => {
    const lo = checkWritePolicy(ctx({ 'FIC-101.SP': good(3) }), 'FIC-101.SP', 1.5);
    expect(lo.ok).toBe(false);
    expect(lo.reasons).toEqual(['1.5 m3/h is below the minimum 2 m3/h for FIC-101.SP']);
    const hi = checkWritePolicy(ctx({ 'FIC-101.SP': good(14) }), 'FIC-101.SP', 16);
    expect(hi.reasons).toEqual(['16 m3/h is above the maximum 15 m3/h for FIC-101.SP']);
    expect(checkWritePolicy(ctx({ 'FIC-101.SP': good(3) }), 'FIC-101.SP', 2).ok).toBe(true);
    expect(checkWritePolicy(ctx({ 'FIC-101.SP': good(14) }), 'FIC-101.SP', 15).ok).toBe(true);
  });

  it('refuses a step larger than maxStep from the live value, and accepts exactly maxStep', () => {
    const r = checkWritePolicy(ctx(), 'FIC-101.SP', 4.5);
    expect(r.reasons).toEqual(['a change of 5.5 m3/h from the live value 10 m3/h exceeds the largest allowed step of 4 m3/h']);
    expect(checkWritePolicy(ctx(), 'FIC-101.SP', 6).ok).toBe(true);
    expect(checkWritePolicy(ctx(), 'FIC-101.SP', 14).ok).toBe(true);
    expect(checkWritePolicy(ctx({ 'FIC-101.SP': good(7) }), 'FIC-101.SP', 3).ok).toBe(true);
    expect(checkWritePolicy(ctx({ 'FIC-101.SP': good(0.7) }), 'FIC-101.SP', 4.7).ok).toBe(true);
  });

  it('allows a ramped change of up to maxSteps steps and says so when it is larger', () => {
    const c = ctx({ 'FIC-101.SP': good(3) }, { maxSteps: 2 });
    expect(checkWritePolicy(c, 'FIC-101.SP', 11).ok).toBe(true);
    expect(checkWritePolicy(c, 'FIC-101.SP', 12).reasons).toEqual(['a change of 9 m3/h from the live value 3 m3/h exceeds 2 ramp steps of 4 m3/h']);
  });

  it('refuses when there is no live value, or it is bad, uncertain, stale or not a number', () => {
    expect(checkWritePolicy(ctx({ 'FIC-101.SP': undefined }), 'FIC-101.SP', 8).reasons).toEqual([
      'no live value of FIC-101.SP has been read yet, so the change cannot be checked against it',
    ]);
    expect(checkWritePolicy(ctx({ 'FIC-101.SP': { ...good(10), quality: 'bad' } }), 'FIC-101.SP', 8).reasons).toEqual(['the live value of FIC-101.SP is of bad quality']);
    expect(checkWritePolicy(ctx({ 'FIC-101.SP': { ...good(10), quality: 'uncertain' } }), 'FIC-101.SP', 8).reasons).toEqual([
      'the live value of FIC-101.SP is of uncertain quality',
    ]);
    expect(checkWritePolicy(ctx({ 'FIC-101.SP': good(10, 20_000) }), 'FIC-101.SP', 8).reasons).toEqual(['the live value of FIC-101.SP is 20 s old (limit 15 s)']);
    expect(checkWritePolicy(ctx({ 'FIC-101.SP': { ...good(10), value: 'ten' } }), 'FIC-101.SP', 8).reasons).toEqual(['the live value of FIC-101.SP is not a number']);
  });

  it('takes the freshness limit from the context', () => {
    const c = ctx({ 'FIC-101.SP': good(10, 4000) });
    expect(checkWritePolicy({ ...c, maxAgeMs: 5000 }, 'FIC-101.SP', 8).ok).toBe(true);
    expect(checkWritePolicy({ ...c, maxAgeMs: 3000 }, 'FIC-101.SP', 8).reasons).toEqual(['the live value of FIC-101.SP is 4 s old (limit 3 s)']);
  });

  it('refuses while an interlock that blocks the tag is active, and only for the tags it blocks', () => {
    const trip = ctx({ 'PT-201': good(6.5) });
    expect(checkWritePolicy(trip, 'LIC-201.SP', 55).reasons).toEqual([
      'interlock high-pressure-trip blocks writes to LIC-201.SP: Reactor pressure above 6 barg (trip active); no setpoint changes until reset (PT-201 > 6)',
    ]);
    const feedStopped = ctx({ 'P-101.RUN': good(false) });
    expect(checkWritePolicy(feedStopped, 'FIC-101.SP', 8).reasons[0]).toMatch(/^interlock feed-pump-stopped blocks writes to FIC-101.SP: Feed pump P-101 stopped/);
    expect(checkWritePolicy(feedStopped, 'LIC-201.SP', 55).ok).toBe(true);
  });

  it('fails safe: an interlock whose tags have no fresh, good value blocks', () => {
    for (const pt of [undefined, good(2.5, 60_000), { ...good(2.5), quality: 'uncertain' as const }, { ...good(2.5), quality: 'bad' as const }]) {
      const r = checkWritePolicy(ctx({ 'PT-201': pt }), 'TIC-201.SP', 72);
      expect(r.ok).toBe(false);
      expect(r.reasons).toEqual([
        'interlock high-pressure-trip cannot be evaluated (a tag in "PT-201 > 6" has no fresh, good value), so writes to TIC-201.SP are blocked',
      ]);
    }
  });

  it('refuses a user without one of the roles the tag names', () => {
    expect(checkWritePolicy(ctx(), 'TIC-201.SP', 72, operator).reasons).toEqual([
      'operator1 (operator) may not approve writes to TIC-201.SP; it needs the role supervisor',
    ]);
    expect(checkWritePolicy(ctx(), 'TIC-201.SP', 72, { name: 'sup', roles: ['supervisor'] }).ok).toBe(true);
    expect(checkWritePolicy(ctx(), 'FIC-101.SP', 8, { name: 'guest', roles: [] }).reasons).toEqual([
      'guest (no role) may not approve writes to FIC-101.SP; it needs the role operator or supervisor',
    ]);
  });

  it('lists every reason at once, each a readable sentence', () => {
    const r = checkWritePolicy(ctx({ 'FIC-101.SP': good(10, 30_000), 'P-101.RUN': good(false) }), 'FIC-101.SP', 16, { name: 'guest', roles: ['viewer'] });
    expect(r.ok).toBe(false);
    expect(r.reasons).toHaveLength(4);
    expect(readable(r.reasons)).toBe(true);
  });
});

describe('helpers', () => {
  it('readBackTolerance uses writable.tolerance, else 0.5% of the write range', () => {
    expect(readBackTolerance(model, 'FIC-101.SP')).toBe(0.05);
    expect(readBackTolerance(model, 'TT-201')).toBe(0);
    const m = parsePlantText('plant: x\ntags:\n  - { name: SP-1, range: [0, 300], source: { connection: plc1, address: "HR:0", type: float32 }, writable: { min: 0, max: 200 } }\n').model!;
    expect(readBackTolerance(m, 'SP-1')).toBeCloseTo(1);
  });

  it('targetOf and boundTarget turn a cause action into a proposal that can pass', () => {
    expect(targetOf(10, '-30%')).toBe(7);
    expect(targetOf(10, '+2')).toBe(12);
    expect(targetOf(10, '=5')).toBe(5);
    expect(boundTarget(model, 'FIC-101.SP', 10, 1)).toEqual({ value: 6, notes: ['limited to one step of 4'] });
    expect(boundTarget(model, 'FIC-101.SP', 3, 0)).toEqual({ value: 2, notes: ['raised to the minimum 2'] });
  });
});
