// The alarm engine step by step: every alarm type, deadband, delays, BAD_PV holding, the
// ISA-18.2 states and commands, suppression, first-out, persistence. Time is explicit
// (sample timestamps and tick), so each expectation is exact.
import { AlarmEngine, type AlarmChange, type AlarmEngineOptions, type AlarmOutput, type ChatterEvent, type FloodEvent } from '../../nodes/lib/alarms';
import { ServiceError, type AlarmCommand } from '../../nodes/lib/contracts';
import { parsePlantText, formatPlantError, type TagValue, type Quality } from '../../nodes/lib/plant';

const PLANT = `
plant: Test unit
areas: [feed, reactor]
tags:
  - { name: TT-1, range: [0, 200], area: reactor }
  - { name: LT-1, range: [0, 100], area: reactor }
  - { name: LT-2, range: [0, 100], area: reactor }
  - { name: FT-1, range: [0, 50], area: feed }
  - { name: FT-2, range: [0, 50], area: feed }
  - { name: FIC-1.SP, range: [0, 50], area: feed }
  - { name: P-1.RUN, type: boolean, area: feed }
  - { name: MODE, type: string }
alarms:
  - { tag: TT-1, type: HIHI, limit: 120, priority: urgent, message: TT-1 very high }
  - { tag: TT-1, type: HI, limit: 100, deadband: 2, priority: high, message: TT-1 high, cause: cooling lost, consequence: runaway, action: start P-2, responseTime: 5m }
  - { tag: TT-1, type: BAD_PV, maxAge: 10s, priority: high, message: TT-1 signal bad or stale }
  - { tag: LT-1, type: LO, limit: 20, deadband: 1, priority: medium, message: LT-1 low }
  - { tag: LT-1, type: LOLO, limit: 10, priority: high, message: LT-1 very low }
  - { tag: LT-1, type: ROC, limit: 10, deadband: 1, priority: low, message: LT-1 changing fast }
  - { tag: LT-2, type: HI, limit: 80, onDelay: 2s, offDelay: 5s, priority: medium, message: LT-2 high }
  - { tag: FT-1, type: DEV, reference: FIC-1.SP, limit: 5, deadband: 1, priority: low, message: FT-1 off setpoint }
  - { tag: FT-2, type: DEV, reference: 10, limit: 3, priority: low, message: FT-2 off 10 }
  - { tag: FT-1, type: LO, limit: 2, priority: low, message: FT-1 low, suppressWhen: "P-1.RUN == false" }
  - { tag: P-1.RUN, type: DISCRETE, limit: false, onDelay: 2s, offDelay: 5s, priority: high, message: P-1 stopped }
  - { tag: MODE, type: DISCRETE, limit: TRIP, latched: true, priority: high, message: Unit tripped }
`;

function plant(text = PLANT) {
  const r = parsePlantText(text, { file: 'test.yaml' });
  if (!r.model) throw new Error(r.errors.map(formatPlantError).join('\n'));
  return r.model;
}

function setup(opts: Partial<AlarmEngineOptions> = {}, text = PLANT) {
  const out: AlarmOutput[] = [];
  const engine = new AlarmEngine(plant(text), (o) => out.push(o), opts);
  const changes = () => out.filter((o): o is AlarmChange => o.kind === 'alarm');
  /** Alarm changes since the last call, optionally only of alarms whose id starts with `only`. */
  const take = (only?: string) => {
    const c = changes().filter((x) => only === undefined || x.event.id.startsWith(only));
    out.length = 0;
    return c;
  };
  const s = (tag: string, value: TagValue, timestamp: number, quality: Quality = 'good') => engine.ingest({ tag, value, quality, timestamp });
  const state = (id: string) => engine.get(id)!.state;
  const cmd = (c: Partial<AlarmCommand> & { command: AlarmCommand['command']; alarmId: string }, now: number) => engine.command({ user: 'op1', ...c }, now);
  return { engine, out, take, s, state, cmd };
}

function serviceError(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ServiceError) return e;
    throw e;
  }
  throw new Error('expected a ServiceError');
}

describe('alarm types and deadband', () => {
  test('HI raises at the limit and clears only below limit - deadband; HIHI beside it', () => {
    const { s, take, state } = setup();
    s('TT-1', 99.9, 1000);
    expect(take()).toEqual([]);
    s('TT-1', 100, 2000);
    const [raise] = take();
    expect(raise.change).toBe('raise');
    expect(raise.previous).toBe('NORMAL');
    expect(raise.event).toMatchObject({
      id: 'TT-1:HI', tag: 'TT-1', type: 'HI', state: 'UNACK', priority: 'high', value: 100, limit: 100, message: 'TT-1 high',
      activeSince: 2000, active: true, acked: false, shelved: false, suppressed: false, at: 2000, position: 'reactor', area: 'reactor',
      rationalization: { cause: 'cooling lost', consequence: 'runaway', action: 'start P-2', responseTime: '5m' },
    });
    s('TT-1', 98.5, 3000); // inside the deadband (100 - 2): still active
    expect(take()).toEqual([]);
    s('TT-1', 125, 4000);
    expect(take().map((c) => [c.event.id, c.event.state])).toEqual([['TT-1:HIHI', 'UNACK']]);
    s('TT-1', 97.9, 5000);
    expect(take().map((c) => [c.event.id, c.change, c.event.state, c.event.activeSince])).toEqual([
      ['TT-1:HIHI', 'clear', 'RTN_UNACK', null],
      ['TT-1:HI', 'clear', 'RTN_UNACK', null],
    ]);
    expect(state('TT-1:HI')).toBe('RTN_UNACK');
  });

  test('LO and LOLO with deadband', () => {
    const { s, take } = setup();
    s('LT-1', 50, 0);
    s('LT-1', 20, 600_000);
    expect(take('LT-1:LO').map((c) => [c.event.id, c.event.state])).toEqual([['LT-1:LO', 'UNACK']]);
    s('LT-1', 20.9, 1_200_000); // below limit + deadband: holds
    s('LT-1', 10, 1_800_000);
    expect(take('LT-1:LO').map((c) => [c.event.id, c.change])).toEqual([['LT-1:LOLO', 'raise']]);
    s('LT-1', 21.5, 2_400_000);
    expect(take('LT-1:LO').map((c) => [c.event.id, c.change])).toEqual([
      ['LT-1:LO', 'clear'],
      ['LT-1:LOLO', 'clear'],
    ]);
  });

  test('DEV against a reference tag re-evaluates when either tag moves; DEV against a fixed value', () => {
    const { s, take, state } = setup();
    s('FIC-1.SP', 10, 0);
    s('FT-1', 14, 1000);
    expect(take()).toEqual([]);
    s('FT-1', 15, 2000); // |15 - 10| = 5 >= 5
    expect(state('FT-1:DEV')).toBe('UNACK');
    take();
    s('FIC-1.SP', 11, 3000); // |15 - 11| = 4: inside the deadband (5 - 1), holds
    expect(take()).toEqual([]);
    s('FIC-1.SP', 11.5, 4000); // 3.5 < 4: clears
    expect(take().map((c) => [c.event.id, c.change])).toEqual([['FT-1:DEV', 'clear']]);
    s('FT-2', 6.9, 5000); // |6.9 - 10| = 3.1 >= 3
    expect(state('FT-2:DEV')).toBe('UNACK');
    s('FT-2', 10, 6000);
    expect(state('FT-2:DEV')).toBe('RTN_UNACK');
  });

  test('ROC in units per minute; with no new sample for a minute the rate is taken as zero', () => {
    const { s, take, engine, state } = setup();
    s('LT-1', 50, 0);
    s('LT-1', 55, 60_000); // 5 %/min
    expect(state('LT-1:ROC')).toBe('NORMAL');
    s('LT-1', 60, 90_000); // 10 %/min
    expect(state('LT-1:ROC')).toBe('UNACK');
    s('LT-1', 64.6, 120_000); // 9.2 %/min: inside the deadband, holds
    expect(state('LT-1:ROC')).toBe('UNACK');
    take();
    engine.tick(179_999);
    expect(take('LT-1:ROC')).toEqual([]);
    engine.tick(180_000);
    expect(take('LT-1:ROC').map((c) => [c.event.id, c.change, c.event.at])).toEqual([['LT-1:ROC', 'clear', 180_000]]);
    s('LT-1', 30, 190_000); // falling fast counts too
    expect(state('LT-1:ROC')).toBe('UNACK');
    // Numbers that arrive as text (MQTT, CSV) are rates too.
    s('LT-1', '30', 250_000);
    s('LT-1', '32', 310_000);
    expect(engine.get('LT-1:ROC')).toMatchObject({ active: false });
    s('LT-1', '50', 370_000);
    expect(engine.get('LT-1:ROC')).toMatchObject({ active: true, activeSince: 370_000 });
  });

  test('a directional ROC alarm: rising raises on a fast rise only, falling on a fast fall only', () => {
    const text = PLANT.replace(
      '  - { tag: LT-1, type: ROC, limit: 10, deadband: 1, priority: low, message: LT-1 changing fast }',
      '  - { tag: LT-1, type: ROC, direction: rising, limit: 10, deadband: 1, priority: low, message: LT-1 rising fast }\n' +
        '  - { id: LT-1:ROC-FALL, tag: LT-1, type: ROC, direction: falling, limit: 10, deadband: 1, priority: low, message: LT-1 falling fast }',
    );
    const { s, state } = setup({}, text);
    s('LT-1', 50, 0);
    s('LT-1', 30, 60_000); // -20 %/min: a step down (a transmitter reset) does not raise the rising alarm
    expect(state('LT-1:ROC')).toBe('NORMAL');
    expect(state('LT-1:ROC-FALL')).toBe('UNACK');
    s('LT-1', 60, 120_000); // +30 %/min
    expect(state('LT-1:ROC')).toBe('UNACK');
    expect(state('LT-1:ROC-FALL')).toBe('RTN_UNACK'); // the fall is over
  });

  test('DISCRETE with on-delay and off-delay driven by samples and ticks', () => {
    const { s, take, engine, state } = setup();
    s('P-1.RUN', true, 0);
    s('P-1.RUN', false, 10_000);
    engine.tick(11_999);
    expect(take('P-1')).toEqual([]);
    engine.tick(12_000);
    const [raise] = take('P-1');
    expect(raise.event).toMatchObject({ id: 'P-1.RUN:DISCRETE', state: 'UNACK', activeSince: 12_000, value: false, limit: false });
    s('P-1.RUN', true, 13_000);
    engine.tick(17_999);
    expect(state('P-1.RUN:DISCRETE')).toBe('UNACK');
    engine.tick(18_000);
    expect(take('P-1').map((c) => [c.change, c.event.state, c.event.at])).toEqual([['clear', 'RTN_UNACK', 18_000]]);
  });

  test('a condition that goes away before the on-delay never raises; one that returns within the off-delay never clears', () => {
    const { s, take, engine, state } = setup();
    s('LT-2', 85, 0);
    s('LT-2', 70, 1500);
    engine.tick(5000);
    expect(take('LT-2')).toEqual([]);
    s('LT-2', 85, 6000);
    s('LT-2', 86, 8000); // a sample after the delay completes it without a tick
    expect(take('LT-2').map((c) => [c.change, c.event.activeSince])).toEqual([['raise', 8000]]);
    s('LT-2', 70, 9000);
    engine.tick(13_000);
    s('LT-2', 85, 13_500);
    engine.tick(30_000);
    expect(take('LT-2')).toEqual([]);
    expect(state('LT-2:HI')).toBe('UNACK');
  });

  test('DISCRETE on a string state; numeric strings and PLC bits are understood', () => {
    const { s, state } = setup();
    s('MODE', 'RUN', 0);
    expect(state('MODE:DISCRETE')).toBe('NORMAL');
    s('MODE', 'TRIP', 1000);
    expect(state('MODE:DISCRETE')).toBe('UNACK');
    s('P-1.RUN', 0, 0);
    s('P-1.RUN', 0, 3000);
    expect(state('P-1.RUN:DISCRETE')).toBe('UNACK');
    s('TT-1', '130', 1000);
    expect(state('TT-1:HIHI')).toBe('UNACK');
  });
});

describe('bad quality and stale values', () => {
  test('a bad value raises BAD_PV and neither raises nor clears the limit alarms', () => {
    const { s, take, state } = setup();
    s('TT-1', 110, 0);
    expect(state('TT-1:HI')).toBe('UNACK');
    take();
    s('TT-1', 0, 1000, 'bad'); // a PLC disconnect reads 0 with bad quality
    expect(take().map((c) => [c.event.id, c.change, c.event.quality])).toEqual([['TT-1:BAD_PV', 'raise', 'bad']]);
    expect(state('TT-1:HI')).toBe('UNACK');
    s('TT-1', 150, 2000, 'bad');
    expect(state('TT-1:HIHI')).toBe('NORMAL');
    s('TT-1', 50, 3000);
    expect(take().map((c) => [c.event.id, c.change])).toEqual([
      ['TT-1:HI', 'clear'],
      ['TT-1:BAD_PV', 'clear'],
    ]);
  });

  test('a stale tag holds its limit alarms: a running on-delay stops and restarts with the next fresh value', () => {
    const text = `plant: S\ntags:\n  - { name: X, range: [0, 200] }\nalarms:\n  - { tag: X, type: HI, limit: 100, onDelay: 10s, priority: high, message: X high }\n  - { tag: X, type: BAD_PV, maxAge: 5s, priority: high, message: X stale }\n`;
    const { s, engine, state, take } = setup({}, text);
    s('X', 150, 0);
    engine.tick(5001);
    expect(take().map((c) => [c.event.id, c.change])).toEqual([['X:BAD_PV', 'raise']]);
    engine.tick(20_000); // the on-delay would have completed at 10 s
    expect(state('X:HI')).toBe('NORMAL');
    s('X', 150, 21_000); // fresh again: the on-delay starts over from here
    s('X', 150, 25_000);
    s('X', 150, 30_000);
    engine.tick(30_999);
    expect(state('X:HI')).toBe('NORMAL');
    engine.tick(31_000);
    expect(engine.get('X:HI')).toMatchObject({ state: 'UNACK', activeSince: 31_000 });
  });

  test('a value older than maxAge is stale on a tick: BAD_PV raises until a fresh value arrives', () => {
    const { s, take, engine, state } = setup();
    s('TT-1', 50, 0);
    engine.tick(10_000);
    expect(take()).toEqual([]);
    engine.tick(10_001);
    expect(take().map((c) => [c.event.id, c.change, c.event.activeSince])).toEqual([['TT-1:BAD_PV', 'raise', 10_001]]);
    s('TT-1', 50, 12_000);
    expect(state('TT-1:BAD_PV')).toBe('RTN_UNACK');
  });

  test('a tag that never reports goes stale maxAge after the engine started', () => {
    const { engine, state } = setup();
    engine.tick(0);
    engine.tick(10_000);
    expect(state('TT-1:BAD_PV')).toBe('NORMAL');
    engine.tick(10_001);
    expect(state('TT-1:BAD_PV')).toBe('UNACK');
  });

  test('refreshFromLive: a newer live-table entry of a watched tag counts as a sample, an older or missing one does not', () => {
    const { s, engine, state } = setup();
    s('TT-1', 50, 0);
    const asked: string[] = [];
    const table = new Map<string, { value: TagValue; quality: Quality; timestamp: number }>([['TT-1', { value: 50, quality: 'good', timestamp: 8000 }]]);
    const get = (tag: string) => (asked.push(tag), table.get(tag));
    engine.refreshFromLive(get);
    expect(asked).toEqual(['TT-1']); // only the tags with a BAD_PV maxAge are looked up
    engine.tick(18_000);
    expect(state('TT-1:BAD_PV')).toBe('NORMAL'); // fresh from 8 s on
    table.set('TT-1', { value: 50, quality: 'good', timestamp: 5000 }); // older than the engine's last sample: ignored
    engine.refreshFromLive(get);
    engine.tick(18_001);
    expect(state('TT-1:BAD_PV')).toBe('UNACK');
    expect(engine.get('TT-1:HI')!.value).toBe(50);
  });

  test('an on-delay running when the value goes bad does not complete', () => {
    const { s, engine, state } = setup();
    s('LT-2', 90, 0);
    s('LT-2', 90, 1000, 'bad');
    engine.tick(5000);
    expect(state('LT-2:HI')).toBe('NORMAL');
  });

  test('out-of-order samples are ignored; samples for undeclared tags are counted', () => {
    const { s, engine, state } = setup();
    s('TT-1', 110, 5000);
    s('TT-1', 50, 4000);
    expect(state('TT-1:HI')).toBe('UNACK');
    s('XX-9', 1, 0);
    expect(engine.unknownSamples).toBe(1);
    expect(engine.summary(6000).unknownSamples).toBe(1);
  });
});

describe('ISA-18.2 states and commands', () => {
  test('ack: UNACK -> ACKED -> NORMAL on clear; RTN_UNACK -> NORMAL; who and when recorded', () => {
    const { s, take, cmd, state } = setup();
    s('TT-1', 110, 1000);
    take();
    const e = cmd({ command: 'ack', alarmId: 'TT-1:HI', user: 'alice' }, 1500);
    expect(e).toMatchObject({ state: 'ACKED', acked: true, active: true, by: 'alice', at: 1500 });
    expect(take().map((c) => [c.change, c.previous, c.event.state, c.event.by, c.event.at])).toEqual([['ack', 'UNACK', 'ACKED', 'alice', 1500]]);
    expect(serviceError(() => cmd({ command: 'ack', alarmId: 'TT-1:HI' }, 1600)).status).toBe(409);
    s('TT-1', 50, 2000);
    expect(take().map((c) => [c.change, c.event.state, c.event.by])).toEqual([['clear', 'NORMAL', undefined]]);
    s('TT-1', 110, 3000);
    s('TT-1', 50, 4000);
    expect(state('TT-1:HI')).toBe('RTN_UNACK');
    expect(cmd({ command: 'ack', alarmId: 'TT-1:HI', user: 'bob' }, 4500)).toMatchObject({ state: 'NORMAL', by: 'bob', at: 4500 });
    expect(serviceError(() => cmd({ command: 'ack', alarmId: 'TT-1:HI' }, 4600)).message).toMatch(/NORMAL: there is nothing to acknowledge/);
  });

  test('commands: unknown alarm 404, missing user 400', () => {
    const { cmd } = setup();
    expect(serviceError(() => cmd({ command: 'ack', alarmId: 'NOPE:HI' }, 0)).status).toBe(404);
    expect(serviceError(() => cmd({ command: 'ack', alarmId: 'TT-1:HI', user: ' ' }, 0)).status).toBe(400);
  });

  test('shelve: needs minutes and a reason, hides the alarm, unshelves itself and re-annunciates a present condition', () => {
    const { s, take, cmd, engine, state } = setup();
    s('TT-1', 110, 0);
    take();
    expect(serviceError(() => cmd({ command: 'shelve', alarmId: 'TT-1:HI', reason: 'x' }, 1000)).status).toBe(400);
    expect(serviceError(() => cmd({ command: 'shelve', alarmId: 'TT-1:HI', minutes: 10 }, 1000)).status).toBe(400);
    expect(serviceError(() => cmd({ command: 'shelve', alarmId: 'TT-1:HI', minutes: 100_000, reason: 'x' }, 1000)).message).toMatch(/at most 720/);
    const e = cmd({ command: 'shelve', alarmId: 'TT-1:HI', user: 'carol', minutes: 10, reason: 'transmitter being calibrated' }, 1000);
    expect(e).toMatchObject({ state: 'SHELVED', shelved: true, by: 'carol', at: 1000, shelvedUntil: 601_000, reason: 'transmitter being calibrated', active: true });
    take();
    s('TT-1', 50, 2000); // clears while shelved: recorded, still SHELVED
    s('TT-1', 111, 3000);
    expect(take().map((c) => [c.change, c.event.state])).toEqual([
      ['clear', 'SHELVED'],
      ['raise', 'SHELVED'],
    ]);
    engine.tick(600_999);
    expect(state('TT-1:HI')).toBe('SHELVED');
    engine.tick(601_000);
    expect(take('TT-1:HI').map((c) => [c.change, c.previous, c.event.state, c.event.by, c.event.at])).toEqual([['shelve-expired', 'SHELVED', 'UNACK', undefined, 601_000]]);
    expect(serviceError(() => cmd({ command: 'unshelve', alarmId: 'TT-1:HI' }, 602_000)).status).toBe(409);
  });

  test('unshelve by hand: a cleared alarm returns to NORMAL', () => {
    const { s, cmd, take } = setup();
    cmd({ command: 'shelve', alarmId: 'LT-1:LO', minutes: 60, reason: 'tank out of use' }, 0);
    s('LT-1', 5, 1000);
    s('LT-1', 50, 2000);
    take();
    expect(cmd({ command: 'unshelve', alarmId: 'LT-1:LO', user: 'dave' }, 3000)).toMatchObject({ state: 'NORMAL', by: 'dave', at: 3000, shelved: false });
  });

  test('latched: stays LATCHED after the condition clears until reset; reset refused while active', () => {
    const { s, cmd, take, state } = setup();
    s('MODE', 'TRIP', 1000);
    expect(serviceError(() => cmd({ command: 'reset', alarmId: 'MODE:DISCRETE' }, 1500)).message).toMatch(/still present/);
    cmd({ command: 'ack', alarmId: 'MODE:DISCRETE' }, 1600);
    s('MODE', 'RUN', 2000);
    expect(state('MODE:DISCRETE')).toBe('LATCHED');
    take();
    expect(cmd({ command: 'reset', alarmId: 'MODE:DISCRETE', user: 'erin' }, 3000)).toMatchObject({ state: 'NORMAL', by: 'erin', at: 3000 });
    expect(serviceError(() => cmd({ command: 'reset', alarmId: 'TT-1:HI' }, 3000)).message).toMatch(/not a latched alarm/);
    // A latched alarm that clears before anyone acknowledged it: ack keeps it LATCHED, reset ends it.
    s('MODE', 'TRIP', 4000);
    s('MODE', 'RUN', 5000);
    expect(state('MODE:DISCRETE')).toBe('LATCHED');
    expect(cmd({ command: 'ack', alarmId: 'MODE:DISCRETE' }, 5500)).toMatchObject({ state: 'LATCHED', acked: true });
    expect(cmd({ command: 'reset', alarmId: 'MODE:DISCRETE' }, 6000).state).toBe('NORMAL');
  });

  test('status() counts as summary() does: a LATCHED alarm is latched, not active', () => {
    const { s, cmd, engine } = setup();
    s('MODE', 'TRIP', 1000);
    cmd({ command: 'ack', alarmId: 'MODE:DISCRETE' }, 1500);
    s('MODE', 'RUN', 2000);
    s('LT-1', 15, 2000); // LO, unacknowledged
    const st = engine.status();
    const sum = engine.summary(3000);
    expect(st).toMatchObject({ active: 1, unack: 1, latched: 1, highest: 'high' });
    expect(st.active).toBe(sum.active);
    expect(st.unack).toBe(sum.unacknowledged);
    expect(st.latched).toBe(sum.latched.length);
  });

  test('out of service and return to service', () => {
    const { s, cmd, take, state } = setup();
    s('TT-1', 110, 0);
    expect(cmd({ command: 'out-of-service', alarmId: 'TT-1:HI', user: 'frank', reason: 'sensor replaced' }, 1000)).toMatchObject({ state: 'OUT_OF_SERVICE', by: 'frank', reason: 'sensor replaced' });
    expect(serviceError(() => cmd({ command: 'out-of-service', alarmId: 'TT-1:HI' }, 1100)).status).toBe(409);
    expect(serviceError(() => cmd({ command: 'shelve', alarmId: 'TT-1:HI', minutes: 5, reason: 'x' }, 1100)).status).toBe(409);
    take();
    s('TT-1', 50, 2000);
    s('TT-1', 115, 3000);
    expect(take().every((c) => c.event.state === 'OUT_OF_SERVICE')).toBe(true);
    expect(cmd({ command: 'return-to-service', alarmId: 'TT-1:HI', user: 'frank' }, 4000)).toMatchObject({ state: 'UNACK', by: 'frank', at: 4000, activeSince: 4000 });
    expect(serviceError(() => cmd({ command: 'return-to-service', alarmId: 'TT-1:HI' }, 4100)).status).toBe(409);
    s('TT-1', 50, 5000);
    expect(state('TT-1:HI')).toBe('RTN_UNACK');
  });
});

describe('suppression by design', () => {
  test('suppressWhen hides the alarm while the plant state holds; unknown state means not suppressed', () => {
    const { s, take, state } = setup();
    s('P-1.RUN', true, 0);
    s('FT-1', 1, 1000);
    expect(state('FT-1:LO')).toBe('UNACK');
    take();
    s('P-1.RUN', false, 2000);
    expect(take().map((c) => [c.event.id, c.change, c.event.state, c.event.suppressed])).toEqual([['FT-1:LO', 'suppress', 'SUPPRESSED', true]]);
    s('FT-1', 5, 3000);
    s('FT-1', 1, 4000); // raises while suppressed: recorded, not annunciated
    expect(state('FT-1:LO')).toBe('SUPPRESSED');
    s('P-1.RUN', false, 5000, 'bad'); // the run signal is unknown: do not suppress
    expect(state('FT-1:LO')).toBe('UNACK');
    s('P-1.RUN', false, 6000);
    expect(state('FT-1:LO')).toBe('SUPPRESSED');
    s('FT-1', 5, 7000);
    s('P-1.RUN', true, 8000);
    expect(state('FT-1:LO')).toBe('NORMAL'); // cleared while suppressed: nothing to acknowledge
  });

  test('a malformed suppressWhen is rejected at load with a message naming the line and the fix', () => {
    const r = parsePlantText(PLANT.replace('suppressWhen: "P-1.RUN == false"', 'suppressWhen: "P-1.RUN == == false"'), { file: 'test.yaml' });
    expect(r.model).toBeUndefined();
    const msgs = r.errors.map(formatPlantError);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatch(/^test\.yaml:\d+: alarms\[9\]\.suppressWhen: condition "P-1\.RUN == == false" cannot be read: .*column.*Write e\.g\. "P-101\.RUN == false"/);
    const unknown = parsePlantText(PLANT.replace('suppressWhen: "P-1.RUN == false"', 'suppressWhen: "P-9.RUN == false"'), { file: 'test.yaml' });
    expect(unknown.errors.map(formatPlantError)[0]).toMatch(/names "P-9\.RUN", which is not a declared tag/);
  });
});

describe('first-out, floods, chatter, fleeting', () => {
  test('first-out: the first alarm after a quiet period, and only that one', () => {
    const { s, take } = setup({ firstOutQuietMs: 60_000 });
    s('TT-1', 110, 1000);
    s('LT-1', 5, 2000);
    const ev = take().map((c) => [c.event.id, c.event.firstOut]);
    expect(ev).toEqual([
      ['TT-1:HI', true],
      ['LT-1:LO', false],
      ['LT-1:LOLO', false],
    ]);
    s('TT-1', 50, 3000);
    s('TT-1', 110, 61_000); // 59 s after the last raise (LT-1 at 2000) is not yet quiet
    expect(take().find((c) => c.change === 'raise')?.event.firstOut).toBe(false);
    s('TT-1', 50, 62_000);
    s('TT-1', 111, 121_001); // more than 60 s after the raise at 61 s
    expect(take().find((c) => c.change === 'raise')?.event.firstOut).toBe(true);
  });

  test('a flood starts with the 11th alarm in 10 minutes and ends when fewer than 5 remain in the window', () => {
    const tags = Array.from({ length: 12 }, (_, i) => `  - { name: T${i + 1}, range: [0, 200], area: reactor }`).join('\n');
    const alarms = Array.from({ length: 12 }, (_, i) => `  - { tag: T${i + 1}, type: HI, limit: 100, priority: ${i === 3 ? 'urgent' : 'low'}, message: T${i + 1} high }`).join('\n');
    const { s, out, engine } = setup({}, `plant: F\ntags:\n${tags}\nalarms:\n${alarms}\n`);
    for (let i = 1; i <= 10; i++) s(`T${i}`, 150, i * 1000);
    expect(out.filter((o) => o.kind === 'flood')).toEqual([]);
    s('T11', 150, 11_000);
    const starts = out.filter((o): o is FloodEvent => o.kind === 'flood');
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({ phase: 'start', start: 11_000, end: null, count: 11, firstOut: 'T1:HI' });
    expect(starts[0].topSources[0]).toEqual({ id: 'T4:HI', tag: 'T4', count: 1 }); // ties: higher priority first
    s('T12', 150, 12_000);
    expect(engine.summary(12_000).flood).toMatchObject({ count: 12, firstOut: 'T1:HI' });
    engine.tick(607_999); // 7 raises have left the window: 5 remain
    expect(out.filter((o) => o.kind === 'flood')).toHaveLength(1);
    engine.tick(700_000);
    const end = out.filter((o): o is FloodEvent => o.kind === 'flood')[1];
    expect(end).toMatchObject({ phase: 'end', start: 11_000, end: 608_000, count: 12, firstOut: 'T1:HI' });
    expect(end.topSources).toHaveLength(10);
    expect(engine.kpis(700_000)).toMatchObject({ floods: 1, timeInFloodMs: 597_000 });
  });

  test('chatter: the same alarm 3 times within a minute is reported once; fleeting alarms are counted', () => {
    const { s, out, engine } = setup({ fleetingMs: 2000 });
    const raiseAndClear = (t: number) => {
      s('TT-1', 110, t);
      s('TT-1', 50, t + 1000);
    };
    raiseAndClear(0);
    raiseAndClear(30_000);
    expect(out.filter((o) => o.kind === 'chatter')).toEqual([]);
    raiseAndClear(59_000);
    raiseAndClear(60_000);
    const chatter = out.filter((o): o is ChatterEvent => o.kind === 'chatter');
    expect(chatter).toEqual([{ kind: 'chatter', id: 'TT-1:HI', tag: 'TT-1', priority: 'high', count: 3, windowMs: 60_000, at: 59_000 }]);
    expect(engine.summary(61_000)).toMatchObject({ chattering: ['TT-1:HI'] });
    expect(engine.kpis(61_000)).toMatchObject({ fleeting: 4, chattering: 1 });
    engine.tick(120_001);
    expect(engine.summary(120_001).chattering).toEqual([]);
  });
});

describe('persistence and listing', () => {
  test('a restored engine neither re-annunciates a standing alarm nor forgets a shelve', () => {
    const a = setup();
    a.s('TT-1', 110, 1000);
    a.cmd({ command: 'ack', alarmId: 'TT-1:HI' }, 2000);
    a.s('LT-1', 5, 3000);
    a.cmd({ command: 'shelve', alarmId: 'LT-1:LO', user: 'gina', minutes: 10, reason: 'level bridle blocked' }, 4000);
    const saved = JSON.parse(JSON.stringify(a.engine.snapshot(5000)));
    expect(Object.keys(saved.alarms).sort()).toEqual(['LT-1:LO', 'LT-1:LOLO', 'TT-1:HI']);

    const out: AlarmOutput[] = [];
    const b = new AlarmEngine(plant(), (o) => out.push(o), {}, saved);
    expect(b.get('TT-1:HI')).toMatchObject({ state: 'ACKED', activeSince: 1000, by: 'op1' });
    expect(b.get('LT-1:LO')).toMatchObject({ state: 'SHELVED', shelvedUntil: 604_000, by: 'gina', reason: 'level bridle blocked' });
    b.ingest({ tag: 'TT-1', value: 111, quality: 'good', timestamp: 6000 });
    b.ingest({ tag: 'LT-1', value: 5, quality: 'good', timestamp: 6000 });
    expect(out).toEqual([]);
    expect(b.kpis(6000).alarms).toBe(3); // the raises before the restart still count
    b.tick(604_000);
    expect(out.filter((o) => (o as AlarmChange).event.id === 'LT-1:LO').map((o) => (o as AlarmChange).change)).toEqual(['shelve-expired']);
    expect(b.get('LT-1:LO')!.state).toBe('UNACK');
  });

  test('after a restore, BAD_PV staleness counts from the restart, not from the restored start', () => {
    const a = setup();
    a.s('TT-1', 50, 0);
    a.s('TT-1', 110, 1000); // a standing HI, so the snapshot is not empty
    const saved = JSON.parse(JSON.stringify(a.engine.snapshot(5000)));
    expect(saved.startedAt).toBe(0);

    // Node-RED comes back an hour later; the first tick runs before the first poll.
    const out: AlarmOutput[] = [];
    const b = new AlarmEngine(plant(), (o) => out.push(o), {}, saved);
    const restart = 3_600_000;
    b.tick(restart);
    b.tick(restart + 500);
    expect(out.filter((o) => (o as AlarmChange).event?.type === 'BAD_PV')).toEqual([]);
    expect(b.get('TT-1:BAD_PV')!.state).toBe('NORMAL');
    b.tick(restart + 10_000);
    expect(b.get('TT-1:BAD_PV')!.state).toBe('NORMAL');
    // No sample for longer than maxAge (10 s) after the restart: stale.
    b.tick(restart + 10_001);
    expect(b.get('TT-1:BAD_PV')).toMatchObject({ state: 'UNACK', activeSince: restart + 10_001 });
    // The KPI window still starts at the restored start.
    expect(b.snapshot(restart + 10_001).startedAt).toBe(0);
  });

  test('a rebuilt model keeps the state of alarms that still exist and drops the others', () => {
    const a = setup();
    a.s('TT-1', 110, 1000);
    a.s('MODE', 'TRIP', 1000);
    const smaller = PLANT.replace(/ {2}- \{ tag: MODE.*\n/, '');
    const b = new AlarmEngine(plant(smaller), () => undefined, {}, a.engine.snapshot(2000));
    expect(b.get('TT-1:HI')!.state).toBe('UNACK');
    expect(b.has('MODE:DISCRETE')).toBe(false);
  });

  test('list(): active first by priority, then shelved/suppressed/out of service, then NORMAL', () => {
    const { s, cmd, engine } = setup();
    s('LT-1', 15, 1000); // LO medium
    s('TT-1', 110, 2000); // HI high
    s('TT-1', 130, 3000); // HIHI urgent
    cmd({ command: 'ack', alarmId: 'TT-1:HIHI' }, 3500);
    cmd({ command: 'shelve', alarmId: 'FT-2:DEV', minutes: 5, reason: 'x' }, 4000);
    const list = engine.list();
    expect(list).toHaveLength(12);
    expect(list.slice(0, 4).map((e) => [e.id, e.state])).toEqual([
      ['TT-1:HIHI', 'ACKED'],
      ['TT-1:HI', 'UNACK'],
      ['LT-1:LO', 'UNACK'],
      ['FT-2:DEV', 'SHELVED'],
    ]);
    expect(list.slice(4).every((e) => e.state === 'NORMAL')).toBe(true);
    expect(engine.status()).toMatchObject({ active: 3, unack: 2, highest: 'urgent', shelved: 1, flood: false });
  });
});
