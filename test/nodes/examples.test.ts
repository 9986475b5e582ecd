// Every Import-menu example deploys into a real Node-RED with the demo plant file in the user
// directory, and every node in it is created (a constructor that throws on the shipped
// configuration would leave its node missing).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startNodeRed, type EmbeddedNodeRed } from '../../dist/demo/node-red';
import { until } from '../helpers/wait';

const root = path.join(__dirname, '../..');
const examples = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.json'));

describe('examples', () => {
  let red: EmbeddedNodeRed;
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-examples-'));
  beforeAll(async () => {
    fs.copyFileSync(path.join(root, 'examples/plants/reactor-unit-2.yaml'), path.join(userDir, 'plant.yaml'));
    fs.copyFileSync(path.join(root, 'examples/plants/reactor-unit-2-opcua.yaml'), path.join(userDir, 'plant-opcua.yaml'));
    red = await startNodeRed({ userDir, flows: [], logLevel: 'fatal' });
  });
  afterAll(async () => {
    await red?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  test('there is an example for every flow node', () => {
    const types = new Set(examples.flatMap((f) => (JSON.parse(fs.readFileSync(path.join(root, 'examples', f), 'utf8')) as Array<{ type: string }>).map((n) => n.type)));
    for (const t of ['copilot-modbus-read', 'copilot-opcua-read', 'copilot-alarms', 'copilot-reason', 'copilot-approval', 'copilot-write']) expect(types).toContain(t);
  });

  test.each(examples)('%s deploys and every node is created', async (file) => {
    const flow = JSON.parse(fs.readFileSync(path.join(root, 'examples', file), 'utf8')) as Array<{ id: string; type: string }>;
    expect(flow.some((n) => n.type === 'comment')).toBe(true);
    const res = await fetch(`${red.url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v2' },
      body: JSON.stringify({ flows: flow }),
    });
    expect(res.status).toBe(200);
    const state = await (await fetch(`${red.url}/flows/state`)).json().catch(() => ({}));
    expect(state).not.toMatchObject({ state: 'stop' });
    // Flows start asynchronously after the deploy answers.
    let missing: string[] = [];
    await until(
      () => `every node of ${file} to be created (missing: ${missing.join(', ')})`,
      () => {
        missing = flow.filter((n) => n.type !== 'tab' && !red.RED.nodes.getNode(n.id)).map((n) => `${n.type} ${n.id}`);
        return !missing.length;
      },
      5000,
      { everyMs: 100 },
    );
    expect(missing).toEqual([]);
  });
});
