// copilot-plant in a real Node-RED runtime (node-red-node-test-helper): inline and file models,
// reload on file change without a redeploy, last good model kept on a bad edit, editor check route.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plantNode = require('../../dist/nodes/copilot-plant/copilot-plant.js');

helper.init(require.resolve('node-red'));

const model = (limit: number) => `plant: T\ntags:\n  - { name: TT-1, range: [0, 100] }\nalarms:\n  - { tag: TT-1, type: HI, limit: ${limit}, priority: high, message: hot }\n`;

describe('copilot-plant', () => {
  let dir: string;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plant-node-'));
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('inline model is parsed and shared with a live value table and hub', async () => {
    await helper.load(plantNode, [{ id: 'p1', type: 'copilot-plant', name: 'unit', source: 'inline', inline: model(80) }]);
    const p = helper.getNode('p1');
    expect(p.model.plant).toBe('T');
    expect(p.model.alarmsById.get('TT-1:HI').limit).toBe(80);
    expect(p.errors).toEqual([]);
    p.live.update('TT-1', { value: 5, quality: 'good', timestamp: 1 });
    expect(p.live.get('TT-1').value).toBe(5);
    expect(typeof p.hub.provide).toBe('function');
  });

  test('a changed file reaches subscribers without a redeploy; a broken edit keeps the last good model', async () => {
    const file = path.join(dir, 'plant.yaml');
    fs.writeFileSync(file, model(80));
    await helper.load(plantNode, [{ id: 'p1', type: 'copilot-plant', source: 'file', path: file }]);
    const p = helper.getNode('p1');
    expect(p.model.alarmsById.get('TT-1:HI').limit).toBe(80);
    const reloaded = new Promise<number>((resolve) => p.onModel((m: { alarmsById: Map<string, { limit: number }> }) => resolve(m.alarmsById.get('TT-1:HI')!.limit)));
    fs.writeFileSync(file, model(90));
    await expect(reloaded).resolves.toBe(90);
    const errorLogged = new Promise<string>((resolve) => {
      const orig = p.error.bind(p);
      p.error = (m: string) => {
        resolve(m);
        orig(m);
      };
    });
    fs.writeFileSync(file, model(90).replace('limit: 90', 'limit: 900'));
    await expect(errorLogged).resolves.toMatch(/limit 900 is outside TT-1's range \[0,100\].*|still running on the previously loaded model/s);
    expect(p.errors.length).toBe(1);
    expect(p.model.alarmsById.get('TT-1:HI').limit).toBe(90);
  }, 20000);

  test('a missing file is reported, not a crash', async () => {
    await helper.load(plantNode, [{ id: 'p1', type: 'copilot-plant', source: 'file', path: path.join(dir, 'none.yaml') }]);
    const p = helper.getNode('p1');
    expect(p.model).toBeUndefined();
    expect(p.errors[0].message).toMatch(/cannot read the file/);
    expect(p.errors[0].message).toMatch(/relative to the Node-RED user directory/);
  });

  const sourced = `plant: S\ntags:\n  - { name: A, source: { connection: plc-1, address: "HR:0" } }\n  - { name: B, source: { connection: plc-1, address: "HR:2" } }\n  - { name: C }\n`;
  const connectionWarnings = () =>
    (helper.log().args as Array<[{ msg?: unknown }]>).map((a) => String(a[0].msg ?? '')).filter((m) => m.includes('read from connection'));

  test('tags whose source.connection names no connection node of the flow are reported once per name', async () => {
    await helper.load(plantNode, [{ id: 'p1', type: 'copilot-plant', source: 'inline', inline: sourced }]);
    expect(connectionWarnings()).toEqual([
      '2 tags (A, B) read from connection "plc-1", but the flow has no copilot-modbus or copilot-opcua node named "plc-1": give the connection node that name or correct source.connection in the plant model; until then these tags get values only from messages',
    ]);
  });

  test('no warning when the flow defines the connection', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const modbusNode = require('../../dist/nodes/copilot-modbus/copilot-modbus.js');
    await helper.load([plantNode, modbusNode], [
      { id: 'p1', type: 'copilot-plant', source: 'inline', inline: sourced },
      { id: 'm1', type: 'copilot-modbus', name: 'plc-1', transport: 'tcp', host: '127.0.0.1', port: 502, unitId: 1 },
    ]);
    expect(helper.getNode('p1').model.plant).toBe('S');
    expect(connectionWarnings()).toEqual([]);
  });

  test('the editor check route validates settings before deploy', async () => {
    await helper.load(plantNode, [{ id: 'p1', type: 'copilot-plant', source: 'inline', inline: model(80) }]);
    const ok = await helper.request().post('/copilot-plant/check').send({ source: 'inline', inline: model(80) }).expect(200);
    expect(ok.body).toMatchObject({ ok: true, plant: 'T', tags: 1, alarms: 1 });
    const bad = await helper.request().post('/copilot-plant/check').send({ source: 'inline', inline: 'plant: x\ntags: []\n' }).expect(200);
    expect(bad.body.ok).toBe(false);
    expect(bad.body.errors[0]).toMatch(/tags: a plant model needs at least one tag/);
  });
});
