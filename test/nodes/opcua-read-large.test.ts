// copilot-opcua-read with more tags than one batch message carries, in a real Node-RED runtime
// against a node-opcua server on an OS-chosen port: 5,000 Double and 20 Boolean variables.
// A report goes out as several batch messages (each at most BATCH_MAX_TAGS tags, every tag once),
// each its own object (no message shares a payload with another or with the live table), and a
// change on the server reaches the flow and the live table for every tag, numbers and booleans.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OPCUAServer } from 'node-opcua-server';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import { DataType, StatusCodes, Variant } from 'node-opcua-client';
import { BATCH_MAX_TAGS } from '../../nodes/lib/plant';
import { collect, useNodeRed } from '../helpers/node-red';
import { until } from '../helpers/wait';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plantNode = require('../../dist/nodes/copilot-plant/copilot-plant.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const opcuaNode = require('../../dist/nodes/copilot-opcua/copilot-opcua.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const readNode = require('../../dist/nodes/copilot-opcua-read/copilot-opcua-read.js');

helper.init(require.resolve('node-red'));

const NUMBERS = 5000;
const SWITCHES = 20;
type Sample = { value: unknown; quality: string; timestamp: number };
type Msg = { topic: string; payload: Record<string, Sample>; source?: string };

let server: OPCUAServer;
let plantText: string;
let setAll: (numberOffset: number, switchesOn: boolean) => void;

beforeAll(async () => {
  server = new OPCUAServer({
    port: 0,
    serverCertificateManager: new OPCUACertificateManager({ rootFolder: path.join(os.tmpdir(), 'operator-copilot-test-pki', 'large-server'), automaticallyAcceptUnknownCertificate: true }),
    serverCapabilities: { maxMonitoredItemsPerSubscription: 10000, operationLimits: { maxMonitoredItemsPerCall: 10000 } },
    isAuditing: false,
  });
  await server.initialize();
  const ns = server.engine.addressSpace!.getOwnNamespace();
  const folder = ns.addFolder(server.engine.addressSpace!.rootFolder.objects, { browseName: 'Large' });
  const numbers = Array.from({ length: NUMBERS }, (_, i) => ns.addVariable({ componentOf: folder, browseName: `N${i}`, nodeId: `s=N${i}`, dataType: 'Double', minimumSamplingInterval: 0 }));
  const switches = Array.from({ length: SWITCHES }, (_, i) => ns.addVariable({ componentOf: folder, browseName: `S${i}`, nodeId: `s=S${i}`, dataType: 'Boolean', minimumSamplingInterval: 0 }));
  setAll = (offset, on) => {
    const now = new Date();
    numbers.forEach((v, i) => v.setValueFromSource(new Variant({ dataType: DataType.Double, value: offset + i / 4 }), StatusCodes.Good, now));
    switches.forEach((v) => v.setValueFromSource(new Variant({ dataType: DataType.Boolean, value: on }), StatusCodes.Good, now));
  };
  setAll(0, false);
  await server.start();
  const tags = [
    ...Array.from({ length: NUMBERS }, (_, i) => ({ name: `N-${i}`, range: [0, 1e6], source: { connection: 'ua1', nodeId: `ns=1;s=N${i}` } })),
    ...Array.from({ length: SWITCHES }, (_, i) => ({ name: `S-${i}`, type: 'boolean', source: { connection: 'ua1', nodeId: `ns=1;s=S${i}` } })),
  ];
  plantText = JSON.stringify({ plant: 'Large', tags });
}, 60_000);

afterAll(async () => {
  await server?.shutdown(0);
});

const userDir = useNodeRed({ prefix: 'opcua-large-' });

/** The batch messages since `from`, merged, once every tag was reported (undefined before). */
function mergedSince(got: Msg[], from: number, accept: (tag: string, s: Sample) => boolean): Record<string, Sample> | undefined {
  const all: Record<string, Sample> = {};
  for (const m of got.slice(from)) for (const [tag, s] of Object.entries(m.payload)) if (accept(tag, s)) all[tag] = s;
  return Object.keys(all).length === NUMBERS + SWITCHES ? all : undefined;
}

test('a report larger than one batch message goes out as several, every tag once, none sharing a payload', async () => {
  fs.writeFileSync(path.join(userDir(), 'plant.json'), plantText);
  await helper.load([plantNode, opcuaNode, readNode], [
    { id: 'p1', type: 'copilot-plant', name: 'large', source: 'file', path: 'plant.json' },
    { id: 'c1', type: 'copilot-opcua', name: 'ua1', endpoint: `opc.tcp://127.0.0.1:${server.endpoints[0].port}`, securityMode: 'None', securityPolicy: 'None', acceptUnknownCertificate: true },
    { id: 'r1', type: 'copilot-opcua-read', plant: 'p1', connection: 'c1', samplingInterval: 0, publishingInterval: 100, refresh: 0, output: 'batch', batchSize: 1000, wires: [['h1']] },
    { id: 'h1', type: 'helper' },
  ]);
  const got = collect<Msg>('h1');
  const live = helper.getNode('p1').live;
  const first = await until('every tag reported', () => mergedSince(got, 0, () => true), 20_000, { everyMs: 100 });
  // Values do not change here, so each tag was reported exactly once, in messages of at most BATCH_MAX_TAGS tags.
  const sizes = got.map((m) => Object.keys(m.payload).length);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(BATCH_MAX_TAGS);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(NUMBERS + SWITCHES);
  expect(got.length).toBeGreaterThanOrEqual(Math.ceil((NUMBERS + SWITCHES) / BATCH_MAX_TAGS));
  expect(got.every((m) => m.topic === 'batch' && m.source === 'opcua:ua1')).toBe(true);
  expect(first['N-4999']).toMatchObject({ value: 4999 / 4, quality: 'good' });
  expect(first['S-7']).toMatchObject({ value: false, quality: 'good' });
  expect(live.get('N-1234')).toMatchObject({ value: 1234 / 4, quality: 'good', source: 'opcua:ua1' });
  // A downstream edit of one message reaches neither the live table nor any other message.
  first['N-1234'].value = -1;
  expect(live.get('N-1234').value).toBe(1234 / 4);
  expect(new Set(got.map((m) => m.payload)).size).toBe(got.length);

  // Every value changes on the server: numbers move, switches turn on.
  const from = got.length;
  setAll(10000, true);
  const next = await until('every tag reported again', () => mergedSince(got, from, (tag, s) => (tag.startsWith('S-') ? s.value === true : (s.value as number) >= 10000)), 20_000, { everyMs: 100 });
  expect(next['N-0']).toMatchObject({ value: 10000, quality: 'good' });
  expect(next['N-4999'].value).toBe(10000 + 4999 / 4);
  expect(next['S-19']).toMatchObject({ value: true, quality: 'good' });
  for (const tag of ['N-0', 'N-2499', 'N-2500', 'N-4999']) expect(live.get(tag).value).toBe(10000 + Number(tag.slice(2)) / 4);
  expect(live.get('S-3')).toMatchObject({ value: true, quality: 'good' });
  expect(Math.max(...got.slice(from).map((m) => Object.keys(m.payload).length))).toBeLessThanOrEqual(BATCH_MAX_TAGS);
}, 60_000);
