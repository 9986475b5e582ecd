// copilot-modbus + copilot-modbus-read in a real Node-RED runtime against the simulator's
// Modbus server on an OS-chosen port: batch and per-tag output, the live value table, report
// by exception, a poll on input, bad quality when the device goes away, the write primitive
// (TagIO) and a redeploy that leaves no socket open.
import * as fs from 'node:fs';
import { ReactorProcess } from '../../sim/reactor';
import { startModbusServer, type RunningModbusServer } from '../../sim/modbus-server';
import { callsTo, collect, reportedBy, useNodeRed } from '../helpers/node-red';
import { DEMO_PLANT_FILE } from '../helpers/plant';
import { sleep, until } from '../helpers/wait';
import { BATCH_MAX_TAGS } from '../../nodes/lib/plant';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plantNode = require('../../dist/nodes/copilot-plant/copilot-plant.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const modbusNode = require('../../dist/nodes/copilot-modbus/copilot-modbus.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const readNode = require('../../dist/nodes/copilot-modbus-read/copilot-modbus-read.js');

helper.init(require.resolve('node-red'));

const MODEL = fs.readFileSync(DEMO_PLANT_FILE, 'utf8');
type Msg = { topic: string; payload: any; quality?: string; timestamp?: number; source?: string }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('copilot-modbus-read in Node-RED', () => {
  useNodeRed({ prefix: 'copilot-modbus-' });
  let proc: ReactorProcess;
  let server: RunningModbusServer;

  const flow = (read: Record<string, unknown> = {}) => [
    { id: 'plant', type: 'copilot-plant', name: 'reactor', source: 'inline', inline: MODEL },
    { id: 'conn1', type: 'copilot-modbus', name: 'plc1', transport: 'tcp', host: '127.0.0.1', port: server.port, unitId: 1, timeout: 300, inFlight: 1, queueLimit: 100 },
    { id: 'rd', type: 'copilot-modbus-read', name: 'reactor', plant: 'plant', connection: 'conn1', interval: 0.1, fullRefresh: 0, output: 'batch', maxGap: 10, wires: [['out']], ...read },
    { id: 'out', type: 'helper' },
  ];

  beforeEach(async () => {
    proc = new ReactorProcess({ seed: 4, warmupS: 300 });
    server = await startModbusServer(proc, { port: 0 });
  });
  // Runs after useNodeRed's afterEach (Jest runs after-hooks in declaration order): flow unloaded first.
  afterEach(async () => {
    await server.stop();
  });

  test('polls every plc1 tag into one batch, updates the live table, then reports by exception', async () => {
    await helper.load([plantNode, modbusNode, readNode], flow());
    const out = collect<Msg>('out');
    await until('the first batch', () => out.length >= 1);
    expect(out[0].topic).toBe('batch');
    expect(Object.keys(out[0].payload)).toHaveLength(24);
    expect(out[0].payload['TT-201']).toMatchObject({ quality: 'good' });
    expect(out[0].payload['TT-201'].value).toBeCloseTo(proc.read('TT-201') as number, 4);
    expect(out[0].payload['P-301.RUN'].value).toBe(true);
    const plant = helper.getNode('plant');
    expect(plant.live.get('FIC-101.SP')).toMatchObject({ value: 9, quality: 'good', source: 'plc1' });
    // The plant does not move (nobody advances it): nothing changes, nothing is sent.
    await sleep(400);
    expect(out.length).toBe(1);
    proc.write('LIC-201.SP', 55);
    proc.advance(0.1);
    await until('the changed setpoint', () => out.length >= 2);
    expect(out[1].payload['LIC-201.SP']).toMatchObject({ value: 55, quality: 'good' });
    expect(out[1].payload['P-101.RUN']).toBeUndefined();
    // An input message polls now and sends everything.
    helper.getNode('rd').receive({ payload: 'refresh' });
    await until('a full refresh', () => out.some((m, i) => i >= 2 && Object.keys(m.payload).length === 24));
  });

  test('a poll of more than BATCH_MAX_TAGS tags goes out as several batch messages, every tag once, none sharing a payload', async () => {
    // Holding registers the simulator serves but does not move: one poll, then nothing changes.
    const n = 2 * BATCH_MAX_TAGS + 500;
    const tags = Array.from({ length: n }, (_, i) => ({ name: `R-${i}`, deadband: 0, source: { connection: 'plc1', address: `HR:${3000 + i}`, type: 'uint16' } }));
    const [, conn, rd, sink] = flow({ fullRefresh: 0 });
    await helper.load([plantNode, modbusNode, readNode], [{ id: 'plant', type: 'copilot-plant', name: 'big', source: 'inline', inline: JSON.stringify({ plant: 'Big', areas: ['a'], tags }) }, conn, rd, sink]);
    const out = collect<Msg>('out');
    const count = () => out.reduce((n, m) => n + Object.keys(m.payload).length, 0);
    await until('every tag once', () => count() >= n, 10_000);
    await sleep(300);
    const sizes = out.map((m) => Object.keys(m.payload).length);
    expect(sizes).toEqual([BATCH_MAX_TAGS, BATCH_MAX_TAGS, 500]);
    expect(new Set(out.flatMap((m) => Object.keys(m.payload))).size).toBe(n);
    expect(out.every((m) => m.topic === 'batch' && m.source === 'plc1')).toBe(true);
    expect(new Set(out.map((m) => m.payload)).size).toBe(out.length);
    const plant = helper.getNode('plant');
    expect(plant.live.get(`R-${n - 1}`)).toMatchObject({ quality: 'good', source: 'plc1' });
    // Editing a message reaches neither the live table nor another message.
    out[2].payload[`R-${n - 1}`].value = -1;
    expect(plant.live.get(`R-${n - 1}`).value).not.toBe(-1);
  });

  test('per-tag output, bad quality when the device goes away, good again when it is back', async () => {
    await helper.load([plantNode, modbusNode, readNode], flow({ output: 'tag' }));
    const out = collect<Msg>('out');
    await until('one message per tag', () => out.length >= 24);
    expect(out.find((m) => m.topic === 'FT-101')).toMatchObject({ quality: 'good', source: 'plc1' });
    const port = server.port;
    await server.stop();
    await until('TT-201 bad', () => out.some((m) => m.topic === 'TT-201' && m.quality === 'bad'));
    const plant = helper.getNode('plant');
    expect(plant.live.get('TT-201').quality).toBe('bad');
    server = await startModbusServer(proc, { port });
    await until('TT-201 good again', () => plant.live.get('TT-201').quality === 'good', 8000);
  });

  test('the config node writes and reads a tag for copilot-write (TagIO)', async () => {
    await helper.load([plantNode, modbusNode, readNode], flow());
    const conn = helper.getNode('conn1');
    const plant = helper.getNode('plant');
    const sp = plant.model.tagsByName.get('TIC-201.SP');
    await conn.writeTag(sp, 72);
    expect(proc.read('TIC-201.SP')).toBe(72);
    expect(await conn.readTag(sp)).toMatchObject({ value: 72, quality: 'good' });
    // Setpoints are whole holding registers (the loader refuses a writable coil): a coil is refused before the device is touched.
    const auto = proc.read('TIC-201.AUTO');
    await expect(conn.writeTag(plant.model.tagsByName.get('TIC-201.AUTO'), !auto)).rejects.toThrow(/TIC-201.AUTO is in CO: setpoint writes go to holding registers \(HR\) only/);
    expect(proc.read('TIC-201.AUTO')).toBe(auto);
    await expect(conn.writeTag(plant.model.tagsByName.get('TT-201'), 50)).rejects.toThrow(/exception 02/);
  });

  test('the admin route shows the connection state and per-unit metrics', async () => {
    await helper.load([plantNode, modbusNode, readNode], flow());
    const out = collect<Msg>('out');
    await until('the first batch', () => out.length >= 1);
    const r = await helper.request().get('/copilot-modbus/conn1/metrics').expect(200);
    expect(r.body).toMatchObject({ name: 'plc1', state: 'connected' });
    expect(r.body.units['1'].ok).toBeGreaterThanOrEqual(3);
    expect(r.body.units['1'].timeouts).toBe(0);
    await helper.request().get('/copilot-modbus/nope/metrics').expect(404);
  });

  const statusCalls = (id: string) => callsTo<{ fill?: string; text?: string }>(id, 'status');
  const warnsOf = (id: string): string => reportedBy(id, 'warn').join('\n');
  const withPlant = (inline: string) => flow().map((n) => (n.id === 'plant' ? { ...n, inline } : n));

  test('no tags on the connection stays the status after polls (not "0/0 good"); OPC UA sources on it are warned about', async () => {
    const inline = 'plant: T\ntags:\n  - { name: YY-1, source: { connection: plc2, address: "HR:0" } }\n  - { name: YY-2, source: { connection: plc1, nodeId: "ns=1;s=YY-2" } }\n';
    await helper.load([plantNode, modbusNode, readNode], withPlant(inline));
    await sleep(400);
    const calls = statusCalls('rd');
    expect(calls.at(-1)).toMatchObject({ fill: 'yellow', text: 'no tags on "plc1"' });
    expect(calls.some((c) => /good/.test(c.text ?? ''))).toBe(false);
    expect(warnsOf('rd')).toMatch(/not read: YY-2 name connection "plc1" but have no Modbus address; a Modbus source is \{connection: plc1, address: /);
  });

  test('an invalid plant model stays the status, not painted over by the connection state', async () => {
    await helper.load([plantNode, modbusNode, readNode], withPlant('plant: T\ntags: []\n'));
    await sleep(400);
    expect(statusCalls('rd').at(-1)).toMatchObject({ fill: 'red', text: expect.stringMatching(/^plant model invalid \(\d+ errors?\)$/) });
  });

  test('a redeploy leaves no socket open', async () => {
    await helper.load([plantNode, modbusNode, readNode], flow());
    const out = collect<Msg>('out');
    await until('the first batch', () => out.length >= 1);
    expect(server.stats().open).toBe(1);
    await helper.unload();
    await until('the socket to close', () => server.stats().open === 0, 2000);
    await helper.load([plantNode, modbusNode, readNode], flow());
    const out2 = collect<Msg>('out');
    await until('a batch after the redeploy', () => out2.length >= 1);
    expect(server.stats().open).toBe(1);
  });
});
