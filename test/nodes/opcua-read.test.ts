// copilot-opcua + copilot-opcua-read in a real Node-RED runtime (node-red-node-test-helper)
// against the simulator's OPC UA server on an OS-chosen port (one server for the whole file):
// values reach the flow and the live table, one shared session, bad node ids reported without a
// crash, TagIO write with read-back over Basic256Sha256 with user/password, clean close on redeploy.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AttributeIds, OPCUAClient } from 'node-opcua-client';
import { startOpcuaServer, simNodeId } from '../../sim/opcua-server';
import type { RunningOpcuaServer } from '../../sim/process-api';
import { fakeProcess, type FakeProcess } from '../unit/opcua-fake-process';
import { callsTo, collect, reportedBy } from '../helpers/node-red';
import { sleep, until } from '../helpers/wait';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plantNode = require('../../dist/nodes/copilot-plant/copilot-plant.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const opcuaNode = require('../../dist/nodes/copilot-opcua/copilot-opcua.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const readNode = require('../../dist/nodes/copilot-opcua-read/copilot-opcua-read.js');

helper.init(require.resolve('node-red'));

const OPCUA_PLANT = path.join(__dirname, '..', '..', 'examples', 'plants', 'reactor-unit-2-opcua.yaml');
const nodes = [plantNode, opcuaNode, readNode];
const users = [{ username: 'op', password: 'secret' }];

let proc: FakeProcess;
let server: RunningOpcuaServer;
let userDir: string;

type Msg = { topic: string; payload: unknown; quality?: string; source?: string };

/** Sessions and subscriptions the server holds, from its standard diagnostics (minus our own query session). */
async function serverCounts(): Promise<{ sessions: number; subscriptions: number }> {
  const c = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 1, initialDelay: 100 } });
  await c.connect(server.endpointUrl);
  const s = await c.createSession();
  try {
    const [sessions, subscriptions] = await s.read([
      { nodeId: 'ns=0;i=2277', attributeId: AttributeIds.Value }, // CurrentSessionCount
      { nodeId: 'ns=0;i=2285', attributeId: AttributeIds.Value }, // CurrentSubscriptionCount
    ]);
    return { sessions: (sessions.value.value as number) - 1, subscriptions: subscriptions.value.value as number };
  } finally {
    await s.close();
    await c.disconnect();
  }
}

function flow(opts: { read?: Record<string, unknown>; second?: boolean; plant?: Record<string, unknown>; connection?: Record<string, unknown> } = {}) {
  const f: Array<Record<string, unknown>> = [
    { id: 'p1', type: 'copilot-plant', name: 'unit', source: 'file', path: OPCUA_PLANT, ...opts.plant },
    { id: 'c1', type: 'copilot-opcua', name: 'ua1', endpoint: server.endpointUrl, securityMode: 'None', securityPolicy: 'None', acceptUnknownCertificate: true, ...opts.connection },
    { id: 'r1', type: 'copilot-opcua-read', plant: 'p1', connection: 'c1', samplingInterval: 50, publishingInterval: 100, refresh: 0, output: 'batch', batchSize: 10, wires: [['h1']], ...opts.read },
    { id: 'h1', type: 'helper' },
  ];
  if (opts.second) {
    f.push({ id: 'r2', type: 'copilot-opcua-read', plant: 'p1', connection: 'c1', samplingInterval: 50, publishingInterval: 100, refresh: 0, output: 'per-tag', batchSize: 1000, wires: [['h2']] });
    f.push({ id: 'h2', type: 'helper' });
  }
  return f;
}

beforeAll(async () => {
  userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opcua-node-'));
  proc = fakeProcess(100);
  server = await startOpcuaServer(proc, { port: 0, pkiDir: path.join(os.tmpdir(), 'operator-copilot-test-pki', 'sim'), users });
}, 60000);

afterAll(async () => {
  await server?.stop();
  proc?.stop();
  fs.rmSync(userDir, { recursive: true, force: true });
});

beforeEach(async () => {
  helper.settings({ userDir });
  await new Promise<void>((resolve) => helper.startServer(() => resolve()));
});

afterEach(async () => {
  await helper.unload();
  await helper.stopServer();
});

test('every OPC UA tag of the plant reaches the flow and the live table with the server values', async () => {
  await helper.load(nodes, flow());
  const got = collect<Msg>('h1');
  const p = helper.getNode('p1');
  const first = await until('the first batch', () => got.find((m) => m.topic === 'batch'), 10_000);
  expect(first.source).toBe('opcua:ua1');
  // Values may arrive over more than one publish: merge the batches until all 24 tags were reported.
  const merged = await until('all tags', () => {
    const all: Record<string, { value: unknown; quality: string }> = {};
    for (const m of got) Object.assign(all, m.payload);
    return Object.keys(all).length === proc.tags.length && all;
  }, 10_000);
  expect(merged['P-301.RUN']).toMatchObject({ value: true, quality: 'good' });
  expect(merged['FIC-101.AUTO']).toMatchObject({ value: true, quality: 'good' });
  expect(Math.abs((merged['TT-201'].value as number) - (proc.read('TT-201') as number))).toBeLessThan(1);
  const live = p.live.get('TT-201');
  expect(live.quality).toBe('good');
  expect(Math.abs(live.value - (proc.read('TT-201') as number))).toBeLessThan(0.5);
  expect(live.source).toBe('opcua:ua1');
}, 20000);

test('two read nodes share one session; each has one subscription; redeploy closes everything', async () => {
  await helper.load(nodes, flow({ second: true }));
  const perTag = collect<Msg>('h2');
  const m = await until('per-tag messages', () => perTag.find((x) => x.topic === 'TT-201'), 10_000);
  expect(typeof m.payload).toBe('number');
  expect(m.quality).toBe('good');
  expect(m.source).toBe('opcua:ua1');
  const counts = await until('two subscriptions', async () => {
    const c = await serverCounts();
    return c.subscriptions === 2 && c;
  }, 10_000, { everyMs: 200 });
  expect(counts).toEqual({ sessions: 1, subscriptions: 2 });
  await helper.unload();
  // Close handlers have finished: nothing of ours is left on the server.
  expect(await serverCounts()).toEqual({ sessions: 0, subscriptions: 0 });
}, 30000);

test('an unknown node id is reported with its tag, without a crash; the other tags flow', async () => {
  const inline = [
    'plant: T',
    'tags:',
    '  - { name: TT-201, range: [0, 150], source: { connection: ua1, nodeId: "ns=1;s=TT-201" } }',
    '  - { name: XX-999, range: [0, 1], source: { connection: ua1, nodeId: "ns=1;s=XX-999" } }',
    '  - { name: YY-1, source: { connection: plc1, address: "HR:0" } }',
  ].join('\n');
  await helper.load(nodes, flow({ plant: { source: 'inline', inline } }));
  const r1 = helper.getNode('r1');
  const warnings: string[] = [];
  const origWarn = r1.warn.bind(r1);
  r1.warn = (w: string) => {
    warnings.push(w);
    origWarn(w);
  };
  const statuses: Array<{ text?: string }> = [];
  const origStatus = r1.status.bind(r1);
  r1.status = (s: { text?: string }) => {
    statuses.push(s);
    origStatus(s);
  };
  const got = collect<Msg>('h1');
  await until('TT-201', () => got.find((x) => (x.payload as Record<string, unknown>)['TT-201']), 10_000);
  await until('the warning', () => warnings.find((w) => w.includes('XX-999')), 10_000);
  expect(warnings.find((w) => w.includes('XX-999'))).toMatch(/BadNodeIdUnknown/);
  await until('status', () => statuses.find((s) => s.text === '1/2 tags, 1 refused'), 10_000);
  expect(got.some((x) => 'XX-999' in (x.payload as object) || 'YY-1' in (x.payload as object))).toBe(false);
}, 20000);

test('TagIO over Basic256Sha256 SignAndEncrypt with user/password: write with the server DataType, then read back', async () => {
  await helper.load(nodes, flow({ connection: { securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256' } }), { c1: { user: 'op', password: 'secret' } });
  const c1 = helper.getNode('c1');
  const p = helper.getNode('p1');
  const sp = p.model.tagsByName.get('TIC-201.SP');
  await c1.writeTag(sp, 72.5);
  expect(proc.read('TIC-201.SP')).toBe(72.5);
  await expect(c1.readTag(sp)).resolves.toMatchObject({ value: 72.5, quality: 'good' });
  const mode = p.model.tagsByName.get('TIC-201.AUTO');
  await c1.writeTag(mode, false);
  await expect(c1.readTag(mode)).resolves.toMatchObject({ value: false });
  await c1.writeTag(mode, true);
  // A value outside the simulator's limits is refused by the server and reported, not thrown out of Node-RED.
  await expect(c1.writeTag(sp, 140)).rejects.toThrow(/BadOutOfRange/);
  await expect(c1.writeTag(sp, 'hot')).rejects.toThrow(/Double/);
  // The read node on the same connection kept working over the secure session.
  const got = collect<Msg>('h1');
  await helper.getNode('r1').receive({ topic: 'refresh' });
  await until('a refresh after input', () => got.length > 0, 10_000);
}, 30000);

test('a wrong password is reported in the status and the log, never thrown', async () => {
  await helper.load(nodes, flow({ connection: { securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256' } }), { c1: { user: 'op', password: 'wrong' } });
  const r1 = helper.getNode('r1');
  const statuses: Array<{ text?: string; fill?: string }> = [];
  const orig = r1.status.bind(r1);
  r1.status = (s: { text?: string; fill?: string }) => {
    statuses.push(s);
    orig(s);
  };
  const s = await until('a retry status', () => statuses.find((x) => /retry in/.test(x.text ?? '')), 10_000);
  expect(s.fill).toBe('yellow');
  expect(s.text).toMatch(/password|refused|Bad/i);
}, 20000);

test('invalid settings are reported, not crashed on', async () => {
  await helper.load(nodes, flow({ connection: { endpoint: 'http://wrong' }, read: { publishingInterval: 'fast' } }));
  expect(helper.getNode('c1').configError).toMatch(/opc\.tcp:\/\/host:4840/);
  const errors = helper
    .log()
    .args.map((a: Array<{ level: number; id?: string; msg?: unknown }>) => a[0])
    .filter((e: { level: number }) => e.level === 20);
  expect(errors.find((e: { id?: string }) => e.id === 'c1')?.msg).toMatch(/endpoint must look like opc\.tcp/);
  expect(errors.find((e: { id?: string }) => e.id === 'r1')?.msg).toMatch(/publishing interval \(ms\) must be/);
});

test('a server restart turns the tags bad, then values flow again without a redeploy and without a second subscription', async () => {
  await helper.load(nodes, flow({ read: { output: 'per-tag' } }));
  const got = collect<Msg>('h1');
  const p = helper.getNode('p1');
  await until('values', () => got.find((m) => m.topic === 'TT-201' && m.quality === 'good'), 10_000);
  const port = server.port;
  await server.stop();
  await until('tags marked bad', () => got.find((m) => m.topic === 'TT-201' && m.quality === 'bad'), 10_000);
  expect(p.live.get('TT-201').quality).toBe('bad');
  server = await startOpcuaServer(proc, { port, pkiDir: path.join(os.tmpdir(), 'operator-copilot-test-pki', 'sim'), users });
  got.length = 0;
  await until('good values again', () => got.find((m) => m.topic === 'TT-201' && m.quality === 'good'), 20000);
  expect(p.live.get('TT-201').quality).toBe('good');
  expect(helper.getNode('c1').connection.subscriptionsCreated).toBe(2);
  expect(await serverCounts()).toEqual({ sessions: 1, subscriptions: 1 });
}, 40000);

test('the editor browse route lists area folders and tag variables; bad input gets a clear answer', async () => {
  await helper.load(nodes, flow());
  const root = await helper.request().post('/copilot-opcua/browse').send({ endpoint: server.endpointUrl }).expect(200);
  expect(root.body.ok).toBe(true);
  const folders = root.body.children.filter((c: { nodeId: string }) => c.nodeId.startsWith('ns=1;'));
  expect(folders.map((c: { displayName: string }) => c.displayName).sort()).toEqual(['cooling', 'feed', 'reactor']);
  const reactor = folders.find((c: { displayName: string }) => c.displayName === 'reactor');
  const inside = await helper.request().post('/copilot-opcua/browse').send({ endpoint: server.endpointUrl, nodeId: reactor.nodeId }).expect(200);
  expect(inside.body.children).toContainEqual(expect.objectContaining({ nodeId: simNodeId('TT-201'), nodeClass: 'Variable', displayName: 'TT-201' }));
  const invalid = await helper.request().post('/copilot-opcua/browse').send({ endpoint: 'http://plc' }).expect(400);
  expect(invalid.body.error).toMatch(/opc\.tcp:\/\/host:4840/);
  const badId = await helper.request().post('/copilot-opcua/browse').send({ endpoint: server.endpointUrl, nodeId: 'ns=1;s=NOPE' }).expect(200);
  expect(badId.body.ok).toBe(false);
  expect(badId.body.error).toMatch(/BadNodeIdUnknown/);
}, 30000);

test('a plant with no tags on the connection opens no session and says so', async () => {
  const inline = 'plant: T\ntags:\n  - { name: YY-1, source: { connection: plc1, address: "HR:0" } }\n';
  await helper.load(nodes, flow({ plant: { source: 'inline', inline } }));
  expect(callsTo('r1', 'status').at(-1)).toMatchObject({ fill: 'yellow', text: 'no tags on "ua1"' });
  await sleep(300);
  expect(await serverCounts()).toEqual({ sessions: 0, subscriptions: 0 });
}, 20000);

test('a tag that names the OPC UA connection but has a Modbus-style source is warned about, not silently dropped', async () => {
  const inline = 'plant: T\ntags:\n  - { name: YY-2, source: { connection: ua1, address: "HR:0" } }\n';
  await helper.load(nodes, flow({ plant: { source: 'inline', inline } }));
  expect(reportedBy('r1', 'warn').join('\n')).toMatch(/not read: YY-2 name connection "ua1" but have no nodeId; an OPC UA source is \{connection: ua1, nodeId: /);
  await sleep(300);
  expect(await serverCounts()).toEqual({ sessions: 0, subscriptions: 0 });
}, 20000);

test('a plant-file edit that keeps the node ids keeps the subscription; one that changes them resubscribes', async () => {
  const file = path.join(userDir, 'plant-reload.yaml');
  const original = fs.readFileSync(OPCUA_PLANT, 'utf8');
  fs.writeFileSync(file, original);
  await helper.load(nodes, flow({ plant: { path: file } }));
  const c = helper.getNode('c1').connection;
  const got = collect<Msg>('h1');
  await until('the first batch', () => got.find((m) => m.topic === 'batch'), 10_000);
  expect(c.subscriptionsCreated).toBe(1);
  const reloads = () => reportedBy('p1', 'log').filter((t) => /reloaded/.test(t)).length;
  // A deadband edit: same tags, same node ids.
  fs.writeFileSync(file, original.replace('deadband: 0.1\n    source: { connection: ua1, nodeId: "ns=1;s=TT-201" }', 'deadband: 0.25\n    source: { connection: ua1, nodeId: "ns=1;s=TT-201" }'));
  await until('the first reload', () => reloads() === 1, 8000);
  got.length = 0;
  await until('values after the reload', () => got.find((m) => m.topic === 'batch'), 10_000);
  expect(c.subscriptionsCreated).toBe(1);
  // TT-201 leaves the connection: the item list changed, so the subscription is recreated.
  fs.writeFileSync(file, original.replace('\n    source: { connection: ua1, nodeId: "ns=1;s=TT-201" }', ''));
  await until('the second reload', () => reloads() === 2, 8000);
  await until('the new subscription', () => c.subscriptionsCreated === 2, 10_000);
  await until('one subscription on the server', async () => (await serverCounts()).subscriptions === 1, 10_000, { everyMs: 200 });
}, 30000);
