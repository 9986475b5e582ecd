// Random sequences of samples, ticks and operator commands (fast-check): the engine's events
// always tell a consistent story, commands fail only with ServiceError, and a snapshot restores
// exactly the same alarm records.
import fc from 'fast-check';
import { AlarmEngine, type AlarmChange, type AlarmOutput } from '../../nodes/lib/alarms';
import { ServiceError, type AlarmCommandName, type AlarmState } from '../../nodes/lib/contracts';
import { parsePlantText } from '../../nodes/lib/plant';

const { model } = parsePlantText(
  `
plant: Invariants
tags:
  - { name: TT-1, range: [0, 200] }
  - { name: SP-1, range: [0, 200] }
  - { name: RUN, type: boolean }
alarms:
  - { tag: TT-1, type: HI, limit: 100, deadband: 2, onDelay: 2s, offDelay: 3s, priority: high, message: hi, suppressWhen: "RUN == false" }
  - { tag: TT-1, type: LO, limit: 20, deadband: 2, priority: low, message: lo, latched: true }
  - { tag: TT-1, type: DEV, reference: SP-1, limit: 30, deadband: 5, priority: medium, message: dev }
  - { tag: TT-1, type: ROC, limit: 50, priority: low, message: roc }
  - { tag: TT-1, type: BAD_PV, maxAge: 5s, priority: high, message: bad }
  - { tag: RUN, type: DISCRETE, limit: false, onDelay: 1s, priority: urgent, message: stopped }
`,
  { file: 'inv.yaml' },
);
const ids = model!.alarms.map((a) => a.id);
const COMMANDS: AlarmCommandName[] = ['ack', 'shelve', 'unshelve', 'reset', 'out-of-service', 'return-to-service'];

const step = fc.oneof(
  fc.record({ k: fc.constant('sample' as const), tag: fc.constantFrom('TT-1', 'SP-1'), value: fc.integer({ min: 0, max: 200 }), bad: fc.boolean(), dt: fc.integer({ min: 0, max: 4000 }) }),
  fc.record({ k: fc.constant('run' as const), value: fc.boolean(), dt: fc.integer({ min: 0, max: 4000 }) }),
  fc.record({ k: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ k: fc.constant('cmd' as const), command: fc.constantFrom(...COMMANDS), id: fc.constantFrom(...ids), minutes: fc.constantFrom(0, 0.05, 1, 30), dt: fc.integer({ min: 0, max: 2000 }) }),
);

const ACTIVE_STATES: AlarmState[] = ['UNACK', 'ACKED'];
const INACTIVE_STATES: AlarmState[] = ['NORMAL', 'RTN_UNACK', 'LATCHED'];

test('events form a consistent history; commands fail only with ServiceError; snapshots restore exactly', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
      const out: AlarmOutput[] = [];
      const engine = new AlarmEngine(model!, (o) => out.push(o), { chatterCount: 2 });
      let now = 1_000_000;
      for (const s of steps) {
        now += s.dt;
        if (s.k === 'sample') engine.ingest({ tag: s.tag, value: s.value, quality: s.bad ? 'bad' : 'good', timestamp: now });
        else if (s.k === 'run') engine.ingest({ tag: 'RUN', value: s.value, quality: 'good', timestamp: now });
        else if (s.k === 'tick') engine.tick(now);
        else {
          try {
            engine.command({ command: s.command, alarmId: s.id, user: 'op', minutes: s.minutes, reason: 'r' }, now);
          } catch (e) {
            if (!(e instanceof ServiceError)) throw e;
            expect([400, 409]).toContain(e.status);
          }
        }
      }
      const last = new Map<string, AlarmState>();
      for (const o of out) {
        if (o.kind !== 'alarm') continue;
        const c = o as AlarmChange;
        const e = c.event;
        expect(c.previous).toBe(last.get(e.id) ?? 'NORMAL');
        last.set(e.id, e.state);
        expect(e.active).toBe(e.activeSince !== null);
        if (ACTIVE_STATES.includes(e.state)) expect(e.active).toBe(true);
        if (INACTIVE_STATES.includes(e.state)) expect(e.active).toBe(false);
        expect(e.state === 'SHELVED').toBe(e.shelved);
        if (e.state === 'SUPPRESSED') expect(e.suppressed).toBe(true);
        if (e.state === 'UNACK' || e.state === 'RTN_UNACK') expect(e.acked).toBe(false);
        if (e.state === 'ACKED' || e.state === 'NORMAL') expect(e.acked).toBe(true);
      }
      const list = engine.list();
      for (const a of list) expect(a.state).toBe(last.get(a.id) ?? 'NORMAL');
      const restored = new AlarmEngine(model!, () => undefined, { chatterCount: 2 }, JSON.parse(JSON.stringify(engine.snapshot(now))));
      // Values are not persisted (they come again with the next samples), nor is who last touched a
      // plainly NORMAL alarm (only abnormal alarms are stored, to keep the state file small).
      const strip = (xs: typeof list) =>
        xs.map(({ value, quality, at, by, reason, ...rest }) => (void value, void quality, rest.state === 'NORMAL' ? rest : { ...rest, at, by, reason }));
      expect(strip(restored.list())).toEqual(strip(list));
    }),
    { numRuns: 300 },
  );
});
