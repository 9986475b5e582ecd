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
// A fixed start: the plant's clock is epoch milliseconds, and the same sequence from another start
// rounds alarm delays differently by a few nanoseconds (enough to move a borderline on-delay).
const START = Date.UTC(2026, 0, 1);

function runSequence(settleMs: number, startTime = START): string[] {
  const sim = new ReactorProcess({ seed: 3, warmupS: 600, startTime });
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

test('faults in sequence, with the demo flow\'s settle time (20 s): each gets its own incident and the right cause, from ten different start times', () => {
  // The start time moves every alarm delay by a few nanoseconds of rounding, enough to decide a
  // borderline race; the settle time makes the outcome independent of it.
  for (let k = 0; k < 10; k++) expect(runSequence(20_000, START + k * 1_234_567.891)).toEqual(FAULT_CATALOGUE.map((f) => `${f.cause}:${f.cause}`));
});

test('without a settle time nothing is named wrong, but the TT-201 bias may go unnamed', () => {
  // The bias comes while TT-201 HI of the previous fault still stands. Whether it is named without
  // the settle time depends on alarm timing that the start time's rounding moves (measured: unnamed
  // from 8 of 40 start times, named from all 40 with the settle time).
  for (let k = 0; k < 5; k++)
    for (const [i, r] of runSequence(0, START + k * 1_234_567.891).entries()) {
      const cause = FAULT_CATALOGUE[i].cause;
      expect([`${cause}:${cause}`, ...(cause === 'tt201-sensor-bias' ? [`${cause}:undefined`] : [])]).toContain(r);
    }
});
