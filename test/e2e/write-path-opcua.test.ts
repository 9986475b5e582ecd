// The write path over OPC UA: the simulator serves the demo plant over OPC UA; copilot-opcua and
// copilot-opcua-read fill the live value table from the OPC UA copy of the demo plant; an
// approved proposal is written by copilot-write through the OPC UA connection (with the server's
// data type), read back and verified; the simulated process holds the value; audit chain intact.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectPayloads } from '../helpers/node-red';
import { until } from '../helpers/wait';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
const root = path.join(__dirname, '../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodes = ['copilot-plant', 'copilot-opcua', 'copilot-opcua-read', 'copilot-approval', 'copilot-write'].map((t) => require(path.join(root, 'dist/nodes', t, `${t}.js`)));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startSimulator } = require(path.join(root, 'dist/sim/index.js'));

helper.init(require.resolve('node-red'));

describe('write path end to end over OPC UA', () => {
  let sim: any;
  let userDir: string;
  beforeAll(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-write-ua-'));
    sim = await startSimulator({ modbusPort: 0, httpPort: 0, opcuaPort: 0, seed: 5, opcua: { pkiDir: path.join(userDir, 'sim-pki') } });
    if (!sim.opcuaPort) throw new Error(`the simulator's OPC UA server did not start: ${sim.opcuaError}`);
  }, 60_000);
  afterAll(async () => {
    await helper.unload();
    await helper.stopServer();
    await sim?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  }, 30_000);

  test('proposal -> approval -> OPC UA write -> read-back verified -> written', async () => {
    fs.copyFileSync(path.join(root, 'examples/plants/reactor-unit-2-opcua.yaml'), path.join(userDir, 'plant.yaml'));
    helper.settings({ userDir });
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
    await helper.load(nodes, [
      { id: 'plant', type: 'copilot-plant', source: 'file', path: 'plant.yaml' },
      { id: 'ua', type: 'copilot-opcua', name: 'ua1', endpoint: `opc.tcp://127.0.0.1:${sim.opcuaPort}`, securityMode: 'None', securityPolicy: 'None', acceptUnknownCertificate: true },
      { id: 'read', type: 'copilot-opcua-read', plant: 'plant', connection: 'ua', samplingInterval: 100, publishingInterval: 200, refresh: 5, output: 'batch', batchSize: 100, wires: [[]] },
      { id: 'appr', type: 'copilot-approval', plant: 'plant', wires: [['write'], [], []] },
      { id: 'write', type: 'copilot-write', plant: 'plant', timeout: 5, wires: [['results']] },
      { id: 'results', type: 'helper' },
    ]);
    const plant = helper.getNode('plant');
    const live = (t: string) => plant.live.get(t);
    await until('live values over OPC UA', () => live('LIC-201.SP')?.quality === 'good' && live('PT-201')?.quality === 'good' && live('P-101.RUN')?.quality === 'good', 20_000);
    const got = collectPayloads('results');
    const lic = Number(live('LIC-201.SP').value);
    const target = Math.round(lic - 4);
    helper.getNode('appr').receive({ topic: 'copilot/proposal', payload: { id: 'ua-lic', tag: 'LIC-201.SP', current: lic, proposed: target, expiresAt: Date.now() + 120_000 } });
    const svc = plant.hub.service('approval');
    const op = { name: 'operator1', roles: ['operator'] };
    svc.select('ua-lic', op);
    svc.approve('ua-lic', op, {});
    const r = await until('write result', () => got[0], 20_000);
    expect(r).toMatchObject({ proposalId: 'ua-lic', tag: 'LIC-201.SP', requested: target, written: target, verified: true });
    expect(Math.abs(Number(sim.process.read('LIC-201.SP')) - target)).toBeLessThanOrEqual(0.05);
    await until('written', () => svc.get('ua-lic').state === 'written', 20_000);
    const kinds = plant.hub.audit.query({}).map((x: any) => x.kind);
    expect(kinds).toEqual(expect.arrayContaining(['proposal', 'decision', 'write', 'read-back']));
    expect(plant.hub.audit.verify().ok).toBe(true);
  }, 60_000);
});
