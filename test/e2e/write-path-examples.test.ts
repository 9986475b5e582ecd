// The shipped example flows work as their comments say, against the simulator over Modbus TCP:
// examples/copilot-write.json writes and verifies LIC-201.SP, then refuses the replayed approved
// write and the hand-made one; examples/copilot-approval.json takes a four-eyes proposal through
// two operators (the same one twice is refused) to a verified write.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collect, useNodeRed } from '../helpers/node-red';
import { DEMO_PLANT_FILE } from '../helpers/plant';
import { until } from '../helpers/wait';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
const root = path.join(__dirname, '../..');
const core = (f: string) => require(require.resolve(`@node-red/nodes/core/${f}`, { paths: [require.resolve('node-red')] }));
const nodes = [
  ...['copilot-plant', 'copilot-modbus', 'copilot-modbus-read', 'copilot-approval', 'copilot-write'].map((t) => require(path.join(root, 'dist/nodes', t, `${t}.js`))),
  core('common/20-inject.js'),
  core('common/25-catch.js'),
  core('common/90-comment.js'),
  core('function/10-function.js'),
  core('function/15-change.js'),
];
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startSimulator } = require(path.join(root, 'dist/sim/index.js'));

helper.init(require.resolve('node-red'));

/** The example flow with its debug nodes turned into helper nodes and plc1 pointed at the simulator. */
function example(file: string, modbusPort: number) {
  const flow = JSON.parse(fs.readFileSync(path.join(root, 'examples', file), 'utf8')) as Array<Record<string, any>>;
  return flow.map((n) => {
    if (n.type === 'debug') return { id: n.id, z: n.z, type: 'helper', name: n.name };
    if (n.type === 'copilot-modbus') return { ...n, port: String(modbusPort) };
    return n;
  });
}

const idOf = (flow: Array<Record<string, any>>, type: string, name: string) => flow.find((n) => n.type === type && n.name === name)!.id;

/** The messages reaching the example's debug node `name` (a helper node here). */
const collectAt = (flow: Array<Record<string, any>>, name: string) => collect(idOf(flow, 'helper', name));

describe('example flows', () => {
  let sim: any;
  useNodeRed({ prefix: 'copilot-examples-', plant: DEMO_PLANT_FILE });
  beforeAll(async () => {
    sim = await startSimulator({ modbusPort: 0, httpPort: 0, seed: 11 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  test('copilot-write.json: verified write, then the replay and the hand-made write are refused', async () => {
    const flow = example('copilot-write.json', sim.modbusPort);
    await helper.load(nodes, flow);
    const plant = helper.getNode(flow.find((n) => n.type === 'copilot-plant')!.id);
    await until('live values', () => plant.live.get('LIC-201.SP')?.quality === 'good' && plant.live.get('PT-201') && plant.live.get('P-101.RUN'), 15_000);
    const results = collectAt(flow, 'write result');
    const why = collectAt(flow, 'why');
    helper.getNode(idOf(flow, 'inject', 'propose, select and approve LIC-201.SP = 55')).receive({});
    const r = await until('write result', () => results[0]?.payload, 15_000);
    expect(r).toMatchObject({ tag: 'LIC-201.SP', requested: 55, verified: true });
    expect(Math.abs(Number(sim.process.read('LIC-201.SP')) - 55)).toBeLessThanOrEqual(0.05);
    helper.getNode(idOf(flow, 'inject', 'replay the last approved write')).receive({});
    await until('replay refused', () => why.length === 1, 15_000);
    expect(why[0].error.message).toMatch(/write refused: the approval token for LIC-201.SP was already used/);
    helper.getNode(idOf(flow, 'inject', 'hand-made write without a token')).receive({});
    await until('hand-made write refused', () => why.length === 2, 15_000);
    expect(why[1].error.message).toMatch(/write refused: not an approved write: token/);
    expect(plant.hub.audit.query({ kind: 'token-refusal' }).length).toBe(2);
    expect(results.length).toBe(1);
  }, 40_000);

  test('copilot-approval.json: four-eyes on FIC-101.SP by two operators, the same one twice refused', async () => {
    const flow = example('copilot-approval.json', sim.modbusPort);
    await helper.load(nodes, flow);
    const plant = helper.getNode(flow.find((n) => n.type === 'copilot-plant')!.id);
    await until('live values', () => plant.live.get('FIC-101.SP')?.quality === 'good' && plant.live.get('PT-201') && plant.live.get('P-101.RUN'), 15_000);
    const results = collectAt(flow, 'write result');
    const why = collectAt(flow, 'why');
    const press = (name: string) => helper.getNode(idOf(flow, 'inject', name)).receive({});
    press('propose FIC-101.SP = 8');
    await until('pending proposal', () => plant.hub.service('approval').list('pending').length === 1, 15_000);
    press('operator1 selects');
    press('operator1 approves');
    press('operator1 selects');
    await until('same user refused', () => why.length === 1, 15_000);
    expect(why[0].error.message).toMatch(/operator1 already approved this proposal; four-eyes/);
    press('operator2 selects');
    press('operator2 approves');
    const r = await until('write result', () => results[0]?.payload, 15_000);
    expect(r).toMatchObject({ tag: 'FIC-101.SP', requested: 8, verified: true });
    await until('written', () => plant.hub.service('approval').list('written').length === 1, 15_000);
  }, 40_000);
});
