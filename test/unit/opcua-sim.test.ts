// The real simulator (startSimulator with an OS-chosen OPC UA port) read through the shared OPC
// UA connection: every tag subscribed, values match the simulated plant, a setpoint write lands
// in the process model and reads back.
import * as os from 'node:os';
import * as path from 'node:path';
import { startSimulator, type RunningSimulator } from '../../sim';
import { simNodeId } from '../../sim/opcua-server';
import { OpcuaConnection } from '../../nodes/lib/opcua/connection';
import { sleep, until } from '../helpers/wait';

let sim: RunningSimulator;
let conn: OpcuaConnection;

beforeAll(async () => {
  sim = await startSimulator({ httpPort: 0, modbusPort: 0, opcuaPort: 0, speed: 1, seed: 7, opcua: { pkiDir: path.join(os.tmpdir(), 'operator-copilot-test-pki', 'sim') } });
  if (!sim.opcuaPort) throw new Error(`OPC UA did not start: ${sim.opcuaError}`);
  conn = new OpcuaConnection({
    endpoint: `opc.tcp://127.0.0.1:${sim.opcuaPort}`,
    securityMode: 'None',
    securityPolicy: 'None',
    pkiDir: path.join(os.tmpdir(), 'operator-copilot-test-pki', 'client'),
    acceptUnknownCertificate: true,
  });
}, 60000);

afterAll(async () => {
  await conn?.close();
  await sim?.stop();
});

test('every simulator tag is subscribed and matches the simulated plant', async () => {
  const tags = sim.process.tags;
  const latest = new Map<string, { value: unknown; quality: string }>();
  const errors: string[] = [];
  conn.acquire('t');
  conn.addSubscriber({
    id: 't',
    publishingIntervalMs: 100,
    samplingIntervalMs: 50,
    items: tags.map((t) => ({ key: t.name, nodeId: simNodeId(t.name) })),
    onValue: (i, s) => latest.set(tags[i].name, { ...s }),
    onItemError: (i, m) => errors.push(`${tags[i].name}: ${m}`),
  });
  await until(
    () => `a value for every tag (${latest.size} of ${tags.length}; item errors: ${errors.join('; ') || 'none'})`,
    () => latest.size >= tags.length,
    10000,
    { everyMs: 50 },
  );
  expect(errors).toEqual([]);
  expect(latest.size).toBe(tags.length);
  await sleep(300);
  for (const t of tags) {
    const got = latest.get(t.name)!;
    expect(got.quality).toBe('good');
    const now = sim.process.read(t.name);
    if (t.kind === 'boolean') expect(got.value).toBe(now);
    else {
      // The plant moves between the notification and this read: allow 1% of the range.
      const span = t.range ? t.range[1] - t.range[0] : 100;
      expect(Math.abs((got.value as number) - (now as number))).toBeLessThanOrEqual(span * 0.01);
    }
  }
  await conn.release('t');
}, 20000);

test('a setpoint written over OPC UA lands in the simulated plant and reads back', async () => {
  await conn.write(simNodeId('FIC-101.SP'), 8.5);
  expect(sim.process.read('FIC-101.SP')).toBe(8.5);
  await expect(conn.read(simNodeId('FIC-101.SP'))).resolves.toMatchObject({ value: 8.5, quality: 'good', dataType: 'Double' });
  await expect(conn.write(simNodeId('FT-101'), 8.5)).rejects.toThrow(/refused/);
});
