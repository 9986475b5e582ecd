// The simulator's public surfaces over real sockets on OS-chosen ports: the HTTP fault API
// (DESIGN §7) and the Modbus TCP server's standard answers; a fault injected over HTTP shows
// up in the tag values read over Modbus.
import * as net from 'node:net';
import * as path from 'node:path';
import { startSimulator, type RunningSimulator } from '../../sim';
import { ModbusTcpClient } from '../../nodes/lib/modbus/tcp-client';
import { ModbusPoller } from '../../nodes/lib/modbus/poller';
import { ModbusError, readRegisters, writeCoil, writeRegisters } from '../../nodes/lib/modbus/master';
import { loadPlantFile, tagsOnConnection } from '../../nodes/lib/plant';
import { until } from '../helpers/wait';

const { model } = loadPlantFile(path.join(__dirname, '../../examples/plants/reactor-unit-2.yaml'));

let sim: RunningSimulator;
let client: ModbusTcpClient;
const http = (p: string, init?: RequestInit) => fetch(`http://127.0.0.1:${sim.httpPort}${p}`, init);
const post = (body: unknown) => http('/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** One raw request on a fresh socket; returns the answer PDU. */
function raw(unit: number, pdu: number[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(sim.modbusPort, '127.0.0.1');
    const head = Buffer.from([0, 7, 0, 0, 0, pdu.length + 1, unit]);
    s.setTimeout(1000, () => {
      s.destroy();
      reject(new Error('no answer'));
    });
    s.on('error', reject);
    s.on('connect', () => s.write(Buffer.concat([head, Buffer.from(pdu)])));
    s.on('data', (d) => {
      s.destroy();
      expect(d.readUInt16BE(0)).toBe(7);
      resolve(d.subarray(7));
    });
  });
}

beforeAll(async () => {
  sim = await startSimulator({ httpPort: 0, modbusPort: 0, speed: 20, seed: 9, silentUnitIds: [9] });
  client = new ModbusTcpClient({ host: '127.0.0.1', port: sim.modbusPort, timeoutMs: 500 });
});
afterAll(async () => {
  await client.close();
  await sim.stop();
});

describe('HTTP fault API', () => {
  it('GET /state has time, the 24 tags and the active faults', async () => {
    const r = await http('/state');
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(Object.keys(body.tags).sort()).toEqual(model!.tags.map((t) => t.name).sort());
    expect(typeof body.time).toBe('number');
    expect(body.faults).toEqual([]);
  });

  it('GET /faults lists faults with causes, the cooling water pump trip first', async () => {
    const body = await (await http('/faults')).json();
    expect(body.available[0]).toMatchObject({ type: 'pump-trip', target: 'P-301', cause: 'cw-pump-trip' });
    expect(body.available.length).toBe(8);
    expect(body.active).toEqual([]);
  });

  it('POST /faults: 400 with a clear error for a bad body, 404 for a fault the plant lacks', async () => {
    const bad = await post({ type: 'meteor', target: 'P-301' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/type must be one of: pump-trip/);
    const notJson = await post('{nope');
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error).toMatch(/not valid JSON/);
    const noTarget = await post({ type: 'pump-trip' });
    expect(noTarget.status).toBe(400);
    expect((await noTarget.json()).error).toMatch(/target/);
    const extra = await post({ type: 'pump-trip', target: 'P-301', colour: 'red' });
    expect(extra.status).toBe(400);
    const unknown = await post({ type: 'pump-trip', target: 'P-999' });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatch(/P-101, P-201, P-301, P-302/);
    expect((await http('/faults/F999', { method: 'DELETE' })).status).toBe(404);
    expect((await http('/nothing')).status).toBe(404);
  });

  it('a fault injected over HTTP shows in the tag values read over Modbus, and clears', async () => {
    const poller = new ModbusPoller(tagsOnConnection(model!, 'plc1'), { defaultUnitId: 1 });
    const values = async () => Object.fromEntries((await poller.poll(client)).all.map((s) => [s.tag, s.value]));
    const before = await values();
    expect(before['P-301.RUN']).toBe(true);
    const r = await post({ type: 'pump-trip', target: 'P-301' });
    expect(r.status).toBe(201);
    const { id } = await r.json();
    expect(id).toMatch(/^F\d+$/);
    let v: Record<string, unknown> = {};
    await until(
      () => `TT-201 above 80 after the pump trip (last read ${String(v['TT-201'])})`,
      async () => {
        v = await values();
        return (v['TT-201'] as number) > 80;
      },
      5000,
      { everyMs: 50 },
    );
    expect(v['P-301.RUN']).toBe(false);
    expect(v['FT-301'] as number).toBeLessThan(15);
    expect(v['PT-301'] as number).toBeLessThan(2.5);
    expect(v['TT-201'] as number).toBeGreaterThan(80);
    expect((await (await http('/state')).json()).faults[0]).toMatchObject({ id, type: 'pump-trip', target: 'P-301', cause: 'cw-pump-trip' });
    expect((await http(`/faults/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await (await http('/faults')).json()).active).toEqual([]);
    expect((await values())['P-301.RUN']).toBe(true);
    await post({ type: 'sensor-bias', target: 'TT-201', value: 5 });
    await post({ type: 'controller-manual', target: 'LIC-201' });
    const cleared = await (await http('/faults', { method: 'DELETE' })).json();
    expect(cleared).toEqual({ cleared: 2 });
  });
});

describe('Modbus TCP server', () => {
  it('answers bad function codes, addresses and values with exceptions 01, 02, 03', async () => {
    expect([...(await raw(1, [0x07]))]).toEqual([0x87, 0x01]);
    expect([...(await raw(1, [0x03, 0x27, 0x0f, 0x00, 0x02]))]).toEqual([0x83, 0x02]); // 9999 + 2 > 10000
    expect([...(await raw(1, [0x03, 0x00, 0x00, 0x00, 0x00]))]).toEqual([0x83, 0x03]);
    expect([...(await raw(1, [0x03, 0x00, 0x00, 0x00, 0x7e]))]).toEqual([0x83, 0x03]); // 126 registers
    expect([...(await raw(1, [0x01, 0x00, 0x00, 0x07, 0xd1]))]).toEqual([0x81, 0x03]); // 2001 bits
    expect([...(await raw(1, [0x05, 0x00, 0x01, 0x12, 0x34]))]).toEqual([0x85, 0x03]);
    expect([...(await raw(3, [0x03, 0x00, 0x00, 0x00, 0x02]))]).toEqual([0x83, 0x0b]); // unit not served
  });

  it('refuses writes to process values (02) and out-of-range setpoints (03)', async () => {
    const pv = Buffer.alloc(4);
    pv.writeFloatBE(5);
    await expect(writeRegisters(client, 1, 0, pv)).rejects.toMatchObject({ kind: 'exception', code: 2 });
    await expect(writeCoil(client, 1, 3, true)).rejects.toMatchObject({ code: 2 });
    const far = Buffer.alloc(4);
    far.writeFloatBE(500);
    await expect(writeRegisters(client, 1, 12, far)).rejects.toMatchObject({ code: 3 });
  });

  it('writes to setpoint registers and mode coils take effect in the process', async () => {
    const sp = Buffer.alloc(4);
    sp.writeFloatBE(55);
    await writeRegisters(client, 1, 20, sp);
    expect(sim.process.read('LIC-201.SP')).toBe(55);
    expect((await readRegisters(client, 1, 3, 20, 2)).readFloatBE(0)).toBe(55);
    // FC6 on one half of the float: the other half is kept.
    const half = await raw(1, [0x06, 0x00, 0x14, 0x42, 0x48]); // 50.0 = 0x42480000
    expect(half[0]).toBe(6);
    expect(sim.process.read('LIC-201.SP')).toBe(50);
    await writeCoil(client, 1, 2, false);
    expect(sim.process.read('LIC-201.AUTO')).toBe(false);
    await writeCoil(client, 1, 2, true);
    expect(sim.process.read('LIC-201.AUTO')).toBe(true);
  });

  it('never answers a silent unit id', async () => {
    await expect(raw(9, [0x03, 0x00, 0x00, 0x00, 0x02])).rejects.toThrow(/no answer/);
    await expect(readRegisters(client, 9, 3, 0, 2)).rejects.toBeInstanceOf(ModbusError);
  });
});
