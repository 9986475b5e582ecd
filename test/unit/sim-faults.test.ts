// The simulator against the demo plant model: steady state inside every normal band, and each
// catalogued fault shows its cause's evidence pattern (from the YAML), raises an alarm of the
// YAML, and the plant recovers after the fault is cleared. Simulated time only, no waiting.
import * as path from 'node:path';
import { loadPlantFile, isModbusSource, type PlantModel } from '../../nodes/lib/plant';
import { ReactorProcess } from '../../sim/reactor';
import { FAULT_CATALOGUE } from '../../sim/faults';
import { COILS, DISCRETE_INPUTS, HOLDING_FLOATS } from '../../sim/modbus-map';

const { model } = loadPlantFile(path.join(__dirname, '../../examples/plants/reactor-unit-2.yaml'));
const plant = model as PlantModel;

function deviation(tag: string, v: number | boolean): string {
  const t = plant.tagsByName.get(tag)!;
  if (typeof v === 'boolean') return String(v);
  const [lo, hi] = t.normal as [number, number];
  return v > hi ? 'high' : v < lo ? 'low' : 'normal';
}

function activeAlarms(p: ReactorProcess): string[] {
  const out: string[] = [];
  for (const a of plant.alarms) {
    const v = p.read(a.tag);
    if (a.type === 'DISCRETE' && v === a.limit) out.push(a.id);
    if ((a.type === 'HI' || a.type === 'HIHI') && typeof v === 'number' && v > (a.limit as number)) out.push(a.id);
    if ((a.type === 'LO' || a.type === 'LOLO') && typeof v === 'number' && v < (a.limit as number)) out.push(a.id);
  }
  return out;
}

describe('simulator vs. the demo plant model', () => {
  it('loads the demo plant', () => expect(model).toBeDefined());

  it('serves every tag of the YAML, writable exactly where the YAML says', () => {
    const p = new ReactorProcess({ seed: 7 });
    expect(p.tags.map((t) => t.name).sort()).toEqual(plant.tags.map((t) => t.name).sort());
    for (const t of p.tags) {
      const yaml = plant.tagsByName.get(t.name)!;
      expect([t.name, t.writable]).toEqual([t.name, !!yaml.writable || t.name.endsWith('.AUTO')]);
      expect(t.unit).toBe(yaml.unit);
    }
  });

  it('has the Modbus map of the YAML', () => {
    for (const t of plant.tags) {
      const s = t.source;
      if (!isModbusSource(s)) throw new Error(`${t.name} has no Modbus source`);
      const [area, off] = s.address.split(':');
      const map = area === 'HR' ? HOLDING_FLOATS : area === 'DI' ? DISCRETE_INPUTS : COILS;
      expect([t.name, map[t.name]]).toEqual([t.name, Number(off)]);
      if (area === 'HR') expect([t.name, s.type ?? 'float32', s.order ?? 'ABCD']).toEqual([t.name, 'float32', 'ABCD']);
    }
  });

  it('starts in steady state inside every normal band, with no alarm', () => {
    const p = new ReactorProcess({ seed: 7 });
    for (let i = 0; i < 3; i++) {
      for (const t of plant.tags) if (t.normal !== undefined) expect([t.name, deviation(t.name, p.read(t.name))]).toEqual([t.name, typeof t.normal === 'boolean' ? String(t.normal) : 'normal']);
      expect(activeAlarms(p)).toEqual([]);
      p.advance(60);
    }
  });

  it('is deterministic for a seed and noisy between seeds', () => {
    const a = new ReactorProcess({ seed: 3, startTime: 0 });
    const b = new ReactorProcess({ seed: 3, startTime: 0 });
    const c = new ReactorProcess({ seed: 4, startTime: 0 });
    a.advance(10);
    b.advance(10);
    c.advance(10);
    expect(a.snapshot()).toEqual(b.snapshot());
    expect(a.read('TT-201')).not.toEqual(c.read('TT-201'));
  });

  it('lists the cooling water pump trip first, and every fault names a cause of the YAML', () => {
    expect(FAULT_CATALOGUE[0]).toMatchObject({ type: 'pump-trip', target: 'P-301', cause: 'cw-pump-trip' });
    for (const f of FAULT_CATALOGUE) expect(plant.causes.map((c) => c.id)).toContain(f.cause);
  });

  describe.each(FAULT_CATALOGUE.map((f) => [`${f.type} ${f.target}`, f] as const))('%s', (_name, fault) => {
    const cause = plant.causes.find((c) => c.id === fault.cause)!;
    // 50 s of plant time = 10 s of real time at the demo's speed 5.
    it(`shows the evidence of ${fault.cause} within 50 s and raises an alarm`, () => {
      const p = new ReactorProcess({ seed: 11 });
      p.inject({ type: fault.type, target: fault.target });
      p.advance(50);
      for (const [tag, expected] of Object.entries(cause.evidence)) {
        expect([tag, deviation(tag, p.read(tag))]).toEqual([tag, String(expected)]);
      }
      expect(activeAlarms(p).length).toBeGreaterThan(0);
      expect(p.activeFaults()).toHaveLength(1);
    });

    it('keeps the evidence while the fault stays (120 s)', () => {
      const p = new ReactorProcess({ seed: 12 });
      p.inject({ type: fault.type, target: fault.target });
      p.advance(120);
      for (const [tag, expected] of Object.entries(cause.evidence)) expect([tag, deviation(tag, p.read(tag))]).toEqual([tag, String(expected)]);
    });

    it('recovers after the fault is cleared: no alarm within 75 s', () => {
      const p = new ReactorProcess({ seed: 13 });
      p.inject({ type: fault.type, target: fault.target });
      p.advance(45);
      p.clearAll();
      p.advance(75);
      expect(activeAlarms(p)).toEqual([]);
      expect(deviation('TT-201', p.read('TT-201'))).toBe('normal');
      expect(deviation('LT-201', p.read('LT-201'))).toBe('normal');
    });
  });

  it('recalibrating TT-201 returns TIC-201 to AUTO bumplessly: no kick that starves the jacket', () => {
    const p = new ReactorProcess({ seed: 5 });
    p.inject({ type: 'sensor-bias', target: 'TT-201' });
    p.advance(60);
    p.clearAll();
    let minFlow = Infinity;
    for (let i = 0; i < 60; i++) {
      p.advance(1);
      minFlow = Math.min(minFlow, p.read('FT-301') as number);
    }
    expect(minFlow).toBeGreaterThan(15);
    expect(deviation('TT-201', p.read('TT-201'))).toBe('normal');
  });

  it('a sensor bias changes the reading only, not the reactor', () => {
    const p = new ReactorProcess({ seed: 5 });
    p.inject({ type: 'sensor-bias', target: 'TT-201', value: 18 });
    p.advance(1);
    expect((p.read('TT-201') as number) - p.truth().temperature).toBeCloseTo(18, 0);
  });

  it('writes setpoints and modes, refuses process values and out-of-range setpoints', () => {
    const p = new ReactorProcess({ seed: 5 });
    p.write('FIC-101.SP', 11);
    p.advance(60);
    expect(p.read('FT-101') as number).toBeCloseTo(11, 0);
    expect(() => p.write('FT-101', 3)).toThrow(/process value/);
    expect(() => p.write('TIC-201.SP', 500)).toThrow(/outside its range/);
    p.write('LIC-201.AUTO', false);
    expect(p.read('LIC-201.AUTO')).toBe(false);
  });
});
