// The acceptance demo's sequence in simulated time: faults injected one after another (cleared,
// 4 s pause, next fault), at the demo's speed of 5 simulated seconds per second, through the
// real alarm engine into the reasoning engine. Each fault must open a new incident whose top
// hypothesis is the catalogue's cause, although the previous upset's alarms are still clearing.
import { ReactorProcess } from '../../sim/reactor';
import { FAULT_CATALOGUE } from '../../sim/faults';
import { AlarmEngine } from '../../nodes/lib/alarms';
import { LiveValueTable } from '../../nodes/lib/plant';
import { demoModel } from '../helpers/plant';
import { Reasoner } from '../../nodes/lib/reasoning';

const model = demoModel();
const SPEED = 5;

function runSequence(settleMs: number): string[] {
  const sim = new ReactorProcess({ seed: 3, warmupS: 600 });
  const live = new LiveValueTable();
  const t0 = sim.time();
  let simNow = t0;
  // The reasoner and the alarm engine run on wall-clock time; the plant runs SPEED times faster.
  const wall = () => t0 + (simNow - t0) / SPEED;
  const r = new Reasoner(model, live, { suggestion: () => undefined, incident: () => undefined }, { refreshMs: 0, minIntervalMs: 0, settleMs }, undefined, undefined, wall);
  const engine = new AlarmEngine(model, (o) => {
    if (o.kind === 'alarm') r.onAlarm(o.event);
  });
  const step = (simSeconds: number) => {
    for (let i = 0; i < simSeconds; i++) {
      sim.advance(1);
      simNow = sim.time();
      for (const t of model.tags) {
        const v = sim.read(t.name);
        live.update(t.name, { value: v, quality: 'good', timestamp: wall() });
        engine.ingest({ tag: t.name, value: v, quality: 'good', timestamp: wall() });
      }
      engine.tick(wall());
    }
  };
  step(10);
  const results: string[] = [];
  for (const f of FAULT_CATALOGUE) {
    sim.clearAll();
    step(4 * SPEED);
    const before = new Set(r.incidents().map((i) => i.id));
    sim.inject({ type: f.type, target: f.target } as never);
    let cause: string | undefined;
    // Up to 45 s of wall-clock time, as the acceptance check polls; the node refreshes every few seconds.
    for (let s = 0; s < 45 && !cause; s++) {
      step(SPEED);
      r.flush();
      for (const inc of r.tracker.openIncidents()) (r as unknown as { run(i: unknown): void }).run(inc);
      const fresh = r.incidents().filter((i) => !before.has(i.id));
      cause = fresh[fresh.length - 1]?.suggestion?.hypotheses[0]?.cause;
    }
    step(10 * SPEED);
    const fresh = r.incidents().filter((i) => !before.has(i.id));
    results.push(`${f.cause}:${fresh[fresh.length - 1]?.suggestion?.hypotheses[0]?.cause}`);
  }
  r.close();
  return results;
}

test('faults in sequence, with the demo flow\'s settle time (20 s): each gets its own incident and the right cause', () => {
  expect(runSequence(20_000)).toEqual(FAULT_CATALOGUE.map((f) => `${f.cause}:${f.cause}`));
});

test('without a settle time, the controller-at-full-cooling alarm alone announces the TT-201 bias that comes while TT-201 HI still stands', () => {
  // No TT-201 alarm announces the bias (HI of the previous fault still stands); TIC-201 driving
  // the cooling valve to its limit does (TIC-201.OUT HI), and opens the incident that names it.
  expect(runSequence(0)).toEqual(FAULT_CATALOGUE.map((f) => `${f.cause}:${f.cause}`));
});
