// copilot-alarms in a real Node-RED runtime (node-red-node-test-helper) with an inline plant
// model: alarm events and summaries on the outputs, commands as messages and through the hub's
// AlarmService, the audit log, bad input, and a restart that keeps shelves and standing alarms.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AlarmEvent } from '../../nodes/lib/contracts';
import type { AlarmService } from '../../nodes/lib/hub';
import { collect, errorsOf, statusTextsOf, useNodeRed } from '../helpers/node-red';
import { sleep, until } from '../helpers/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plantNode = require('../../dist/nodes/copilot-plant/copilot-plant.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const alarmsNode = require('../../dist/nodes/copilot-alarms/copilot-alarms.js');

helper.init(require.resolve('node-red'));

const MODEL = `
plant: Node test unit
areas: [reactor, cooling]
tags:
  - { name: TT-201, range: [0, 150], area: reactor }
  - { name: P-301.RUN, type: boolean, area: cooling }
  - { name: P-302.RUN, type: boolean, area: cooling }
alarms:
  - { tag: TT-201, type: HI, limit: 85, deadband: 1, priority: high, message: Reactor temperature high, cause: cooling lost, consequence: runaway, action: check P-301, responseTime: 5m }
  - { tag: TT-201, type: HIHI, limit: 95, priority: urgent, message: Reactor temperature very high }
  - { tag: P-301.RUN, type: DISCRETE, limit: false, priority: high, message: Cooling pump stopped, suppressWhen: "P-302.RUN == true" }
`;

type Msg = { topic: string; payload: any; change?: string; previous?: string }; // eslint-disable-line @typescript-eslint/no-explicit-any

function flow(extra: Record<string, unknown> = {}, model = MODEL): Array<Record<string, unknown>> {
  return [
    { id: 'plant', type: 'copilot-plant', name: 'test plant', source: 'inline', inline: model, audit: 'audit.db' },
    { id: 'al1', type: 'copilot-alarms', name: 'reactor alarms', plant: 'plant', summaryInterval: 3600, wires: [['events'], ['summary']], ...extra },
    { id: 'events', type: 'helper' },
    { id: 'summary', type: 'helper' },
  ];
}

/** Delivers a message to the alarm node and gives the runtime a moment to process it. */
async function send(msg: Record<string, unknown>): Promise<void> {
  helper.getNode('al1').receive(msg);
  await sleep(30);
}

/** Errors the node reports (done(err) ends up in node.error) and its status texts. */
function watch(id: string): { errors: string[]; statuses: string[] } {
  return { errors: errorsOf(id), statuses: statusTextsOf(id) };
}

describe('copilot-alarms in Node-RED', () => {
  const userDir = useNodeRed({ prefix: 'copilot-alarms-' });

  test('samples raise alarms on output 1, commands change them, the summary and KPIs go to output 2', async () => {
    await helper.load([plantNode, alarmsNode], flow());
    const events = collect<Msg>('events');
    const summaries = collect<Msg>('summary');
    const w = watch('al1');
    const plant = helper.getNode('plant') as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const hubEvents: AlarmEvent[] = [];
    plant.hub.on((e: { type: string; payload: AlarmEvent }) => e.type === 'alarm' && hubEvents.push(e.payload));

    await send({ topic: 'batch', payload: { 'TT-201': { value: 70, quality: 'good' }, 'P-301.RUN': { value: true }, 'P-302.RUN': { value: false } } });
    await send({ topic: 'TT-201', payload: 90 });
    await until('the HI event', () => events.length === 1);
    expect(events[0]).toMatchObject({ topic: 'alarm/TT-201/HI', change: 'raise', previous: 'NORMAL' });
    expect(events[0].payload).toMatchObject({ id: 'TT-201:HI', state: 'UNACK', priority: 'high', value: 90, limit: 85, firstOut: true, rationalization: { cause: 'cooling lost', action: 'check P-301' } });
    // Every sample also lands in the plant's live value table for the other nodes.
    expect(plant.live.get('TT-201')).toMatchObject({ value: 90, quality: 'good' });

    await send({ topic: 'ack', payload: { alarmId: 'TT-201:HI', user: 'alice' } });
    await until('the ack event', () => events.length === 2);
    expect(events[1]).toMatchObject({ topic: 'alarm/TT-201/HI', change: 'ack', payload: { state: 'ACKED', by: 'alice' } });

    // The console path: the hub's AlarmService.
    const svc = plant.hub.service('alarms') as AlarmService;
    expect(svc.list().map((a) => [a.id, a.state])).toEqual([
      ['TT-201:HI', 'ACKED'],
      ['TT-201:HIHI', 'NORMAL'], // NORMAL ones too, by priority
      ['P-301.RUN:DISCRETE', 'NORMAL'],
    ]);
    expect(() => svc.command({ command: 'ack', alarmId: 'TT-201:HI', user: 'bob' })).toThrow(expect.objectContaining({ status: 409 }));
    expect(() => svc.command({ command: 'ack', alarmId: 'XX:HI', user: 'bob' })).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => svc.command({ command: 'shelve', alarmId: 'TT-201:HIHI', user: 'bob', minutes: 0, reason: 'x' })).toThrow(expect.objectContaining({ status: 400 }));
    expect(svc.command({ command: 'shelve', alarmId: 'TT-201:HIHI', user: 'bob', minutes: 30, reason: 'calibration' })).toMatchObject({ state: 'SHELVED', by: 'bob' });
    await until('the shelve event on output 1', () => events.length === 3);
    expect(events[2]).toMatchObject({ topic: 'alarm/TT-201/HIHI', change: 'shelve' });
    expect(svc.kpis()).toMatchObject({ alarms: 1, standing: 1, shelved: 1 });

    // Suppression by design: the standby pump runs, so the duty pump stopping is not annunciated.
    await send({ topic: 'P-302.RUN', payload: true });
    await send({ topic: 'P-301.RUN', payload: false });
    await until('suppress and raise events', () => events.length === 5);
    expect(events.slice(3).map((m) => [m.payload.id, m.change, m.payload.state])).toEqual([
      ['P-301.RUN:DISCRETE', 'suppress', 'SUPPRESSED'],
      ['P-301.RUN:DISCRETE', 'raise', 'SUPPRESSED'],
    ]);

    await send({ topic: 'summary' });
    await until('the summary', () => summaries.length === 1);
    expect(summaries[0].topic).toBe('alarm/summary');
    expect(summaries[0].payload).toMatchObject({
      configured: 3,
      active: 1,
      unacknowledged: 0,
      standing: ['TT-201:HI'],
      shelved: [{ id: 'TT-201:HIHI', by: 'bob', reason: 'calibration' }],
      suppressed: ['P-301.RUN:DISCRETE'],
      flood: null,
      kpis: { alarms: 1, byPosition: { reactor: { alarms: 1 }, cooling: { alarms: 0 } }, priority: { guide: { low: 80, medium: 15, high: 5 } } },
    });
    expect(hubEvents.map((e) => e.id)).toEqual(events.map((m) => m.payload.id));

    // Every state change is in the audit log, with who did it.
    const records = plant.hub.audit.query({ kind: 'alarm' }) as Array<{ actor: string | null; data: { id: string; change: string } }>;
    expect(records.map((r) => [r.data.id, r.data.change, r.actor])).toEqual([
      ['TT-201:HI', 'raise', null],
      ['TT-201:HI', 'ack', 'alice'],
      ['TT-201:HIHI', 'shelve', 'bob'],
      ['P-301.RUN:DISCRETE', 'suppress', null],
      ['P-301.RUN:DISCRETE', 'raise', null],
    ]);
    expect(w.errors).toEqual([]);
    expect(w.statuses[w.statuses.length - 1]).toBe('1 active (0 unack) · 1 shelved');
  });

  test('bad messages and refused commands fail through done(err) with a clear message; the node keeps running', async () => {
    await helper.load([plantNode, alarmsNode], flow());
    const events = collect<Msg>('events');
    const { errors, statuses } = watch('al1');
    await send({ topic: 'TT-201', payload: { not: 'a value' } });
    await send({ topic: 'shelve', payload: { alarmId: 'TT-201:HI', user: 'x' } });
    await send({ topic: 'ack', payload: { alarmId: 'TT-201:HI' } });
    await send({ topic: 'ack', payload: { alarmId: 'TT-201:HI', user: 'x' } });
    await send({ topic: 'batch', payload: [1, 2] });
    await until('five errors', () => errors.length === 5);
    expect(errors[0]).toMatch(/tag sample TT-201: msg.payload must be a number, boolean or string/);
    expect(errors[1]).toMatch(/shelve TT-201:HI refused \(400\): shelve TT-201:HI: minutes must be a number/);
    expect(errors[2]).toMatch(/alarm command "ack": payload.user must name who gives the command/);
    expect(errors[3]).toMatch(/ack TT-201:HI refused \(409\): TT-201:HI is NORMAL: there is nothing to acknowledge/);
    expect(errors[4]).toMatch(/batch message: payload must be an object/);
    expect(statuses[statuses.length - 1]).toMatch(/^batch message: payload must be an object/);
    await send({ topic: 'TT-201', payload: 99 });
    await until('HI and HIHI after the errors', () => events.length === 2);
  });

  test('floods and chatter go to output 2 as they happen; the summary and KPIs also come on the timer', async () => {
    await helper.load([plantNode, alarmsNode], flow({ floodStart: 1, floodEnd: 1, chatterCount: 2, summaryInterval: 0.2 }));
    const summaries = collect<Msg>('summary');
    const plant = helper.getNode('plant') as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const kpiEvents: unknown[] = [];
    plant.hub.on((e: { type: string; payload: unknown }) => e.type === 'kpis' && kpiEvents.push(e.payload));
    await send({ topic: 'TT-201', payload: 90 });
    await send({ topic: 'TT-201', payload: 70 });
    await send({ topic: 'TT-201', payload: 90 }); // second raise: more than 1 alarm in the window, and twice in a minute
    await until('flood and chatter', () => summaries.some((m) => m.topic === 'alarm/flood') && summaries.some((m) => m.topic === 'alarm/chatter'));
    const flood = summaries.find((m) => m.topic === 'alarm/flood')!.payload;
    expect(flood).toMatchObject({ kind: 'flood', phase: 'start', count: 2, firstOut: 'TT-201:HI', end: null, topSources: [{ id: 'TT-201:HI', tag: 'TT-201', count: 2 }] });
    expect(summaries.find((m) => m.topic === 'alarm/chatter')!.payload).toMatchObject({ kind: 'chatter', id: 'TT-201:HI', count: 2 });
    await until('two periodic summaries', () => summaries.filter((m) => m.topic === 'alarm/summary').length >= 2 && kpiEvents.length >= 2);
    const last = summaries.filter((m) => m.topic === 'alarm/summary').pop()!.payload;
    expect(last).toMatchObject({ active: 1, chattering: ['TT-201:HI'], flood: { firstOut: 'TT-201:HI', count: 2 }, kpis: { alarms: 2, chattering: 1 } });
  });

  test('a changed plant file rebuilds the alarms, keeping the state of the alarms that remain', async () => {
    fs.writeFileSync(path.join(userDir(), 'plant.yaml'), MODEL);
    const f = flow();
    f[0] = { id: 'plant', type: 'copilot-plant', name: 'test plant', source: 'file', path: 'plant.yaml', audit: '' };
    await helper.load([plantNode, alarmsNode], f);
    const svc = () => (helper.getNode('plant') as any).hub.service('alarms') as AlarmService; // eslint-disable-line @typescript-eslint/no-explicit-any
    await send({ topic: 'TT-201', payload: 90 });
    svc().command({ command: 'ack', alarmId: 'TT-201:HI', user: 'alice' });
    // Drop the HIHI alarm, add a LO alarm.
    const changed = MODEL.replace(/ {2}- \{ tag: TT-201, type: HIHI.*\n/, '  - { tag: TT-201, type: LO, limit: 20, priority: low, message: Reactor temperature low }\n');
    expect(changed).not.toBe(MODEL);
    await sleep(50);
    fs.writeFileSync(path.join(userDir(), 'plant.yaml'), changed + '\n# edited\n');
    await until('the reloaded model', () => svc().list().some((a) => a.id === 'TT-201:LO'), 10_000);
    const ids = svc().list().map((a) => a.id);
    expect(ids).not.toContain('TT-201:HIHI');
    expect(svc().list().find((a) => a.id === 'TT-201:HI')).toMatchObject({ state: 'ACKED', by: 'alice' });
    // The latest values carried over: the new LO alarm judged TT-201 = 90 and stays NORMAL.
    expect(svc().list().find((a) => a.id === 'TT-201:LO')).toMatchObject({ state: 'NORMAL', value: 90 });
  });

  test('BAD_PV staleness: a fresher live-table entry (a read node reporting by exception) keeps the tag fresh', async () => {
    const model = MODEL + '  - { tag: TT-201, type: BAD_PV, maxAge: 2s, priority: high, message: TT-201 stale }\n';
    await helper.load([plantNode, alarmsNode], flow({}, model));
    const events = collect<Msg>('events');
    const plant = helper.getNode('plant') as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    await send({ topic: 'TT-201', payload: 70 });
    // For 2.5 s the value only reaches the live table, as an unchanged value polled again would.
    const t0 = Date.now();
    while (Date.now() - t0 < 2500) {
      plant.live.update('TT-201', { value: 70, quality: 'good', timestamp: Date.now() });
      await sleep(200);
    }
    expect(events.filter((m) => m.payload.id === 'TT-201:BAD_PV')).toEqual([]);
    // Then nothing at all: stale 2 s after the last update, seen within a tick.
    await until('BAD_PV', () => events.some((m) => m.payload.id === 'TT-201:BAD_PV'), 5000);
    expect(events.find((m) => m.payload.id === 'TT-201:BAD_PV')).toMatchObject({ change: 'raise', payload: { state: 'UNACK', value: 70 } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4000);
  });

  test('a state file of the wrong shape is reported and the alarms start fresh', async () => {
    fs.mkdirSync(path.join(userDir(), 'copilot-state'));
    fs.writeFileSync(path.join(userDir(), 'copilot-state', 'alarms-al1.json'), JSON.stringify({ version: 1, alarms: {}, raises: 5 }));
    const warnings: string[] = [];
    await helper.load([plantNode, alarmsNode], flow());
    // The warning is logged while the node is created, before a test can listen: read the runtime log spy.
    for (const call of helper.log().args) if (call[0]?.level === helper.log().WARN && call[0]?.id === 'al1') warnings.push(String(call[0].msg));
    expect(warnings.join('\n')).toMatch(/saved alarm state .*alarms-al1\.json\) could not be restored, starting with every alarm NORMAL/);
    const events = collect<Msg>('events');
    await send({ topic: 'TT-201', payload: 90 });
    await until('a raise after the fresh start', () => events.length === 1);
  });

  test('a restart keeps standing alarms without re-annunciating them, and keeps shelves', async () => {
    await helper.load([plantNode, alarmsNode], flow());
    let events = collect<Msg>('events');
    await send({ topic: 'TT-201', payload: 90 });
    await send({ topic: 'P-302.RUN', payload: false });
    await send({ topic: 'P-301.RUN', payload: false });
    await send({ topic: 'ack', payload: { alarmId: 'TT-201:HI', user: 'alice' } });
    await send({ topic: 'shelve', payload: { alarmId: 'P-301.RUN:DISCRETE', user: 'bob', minutes: 60, reason: 'pump isolated for maintenance' } });
    await until('raise, raise, ack, shelve', () => events.length === 4);

    // Stop the runtime completely, then start it again on the same user directory.
    await helper.unload();
    await helper.stopServer();
    expect(fs.readdirSync(path.join(userDir(), 'copilot-state'))).toEqual(['alarms-al1.json']);
    helper.settings({ userDir: userDir() });
    await helper.startServer();
    await helper.load([plantNode, alarmsNode], flow());
    events = collect<Msg>('events');
    const svc = (helper.getNode('plant') as any).hub.service('alarms') as AlarmService; // eslint-disable-line @typescript-eslint/no-explicit-any
    const byId = Object.fromEntries(svc.list().map((a) => [a.id, a]));
    expect(byId['TT-201:HI']).toMatchObject({ state: 'ACKED', active: true, by: 'alice' });
    expect(byId['P-301.RUN:DISCRETE']).toMatchObject({ state: 'SHELVED', by: 'bob', reason: 'pump isolated for maintenance' });
    expect(byId['P-301.RUN:DISCRETE'].shelvedUntil).toBeGreaterThan(Date.now() + 59 * 60_000);
    // The same values arrive again after the restart: nothing is re-annunciated.
    await send({ topic: 'batch', payload: { 'TT-201': { value: 91 }, 'P-301.RUN': { value: false }, 'P-302.RUN': { value: false } } });
    await sleep(700); // at least one tick of the node's timer
    expect(events).toEqual([]);
    // ... and a real change is still reported.
    await send({ topic: 'TT-201', payload: 70 });
    await until('the clear after restart', () => events.length === 1);
    expect(events[0]).toMatchObject({ change: 'clear', payload: { id: 'TT-201:HI', state: 'NORMAL' } });
  });
});

