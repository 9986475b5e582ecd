// The Modbus client, planner and poller over real TCP against the simulator's Modbus server,
// on ports chosen by the OS: decoding of every type and order, coalescing (request counts),
// report by exception, bad quality on failure, recovery after a server restart mid-poll,
// half-open detection by timeout, a silent unit not blocking another, bounded queues.
import * as net from 'node:net';
import { ModbusTcpClient } from '../../nodes/lib/modbus/tcp-client';
import { ModbusPoller } from '../../nodes/lib/modbus/poller';
import { readRegisters, writeRegisters, ModbusError } from '../../nodes/lib/modbus/master';
import { encodeRegisters, type ByteOrder, type ModbusType } from '../../nodes/lib/modbus/codec';
import { loadPlantFile, tagsOnConnection, type Tag } from '../../nodes/lib/plant';
import { ReactorProcess } from '../../sim/reactor';
import { startModbusServer, type RunningModbusServer } from '../../sim/modbus-server';
import * as path from 'node:path';
import { sleep, until } from '../helpers/wait';

const { model } = loadPlantFile(path.join(__dirname, '../../examples/plants/reactor-unit-2.yaml'));
const demoTags = tagsOnConnection(model!, 'plc1');

let proc: ReactorProcess;
let server: RunningModbusServer;
const clients: ModbusTcpClient[] = [];
const client = (opts: Partial<ConstructorParameters<typeof ModbusTcpClient>[0]> = {}) => {
  const c = new ModbusTcpClient({ host: '127.0.0.1', port: server.port, timeoutMs: 300, backoffMinMs: 50, backoffMaxMs: 400, ...opts });
  clients.push(c);
  return c;
};

beforeEach(async () => {
  proc = new ReactorProcess({ seed: 2, warmupS: 300 });
  server = await startModbusServer(proc, { port: 0, unitIds: [0, 1, 2] });
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server.stop();
});

describe('Modbus TCP against the simulator', () => {
  it('decodes every type and order written raw into the scratch registers', async () => {
    const c = client();
    const cases: Array<[ModbusType, ByteOrder, number]> = [];
    for (const order of ['ABCD', 'CDAB', 'BADC', 'DCBA'] as ByteOrder[]) {
      cases.push(['int16', order, -1234], ['uint16', order, 54321], ['int32', order, -7654321], ['uint32', order, 3000000000], ['float32', order, 73.25], ['float64', order, -1234.5678]);
    }
    const tags: Tag[] = [];
    let addr = 1000;
    for (const [type, order, value] of cases) {
      const width = type.endsWith('16') ? 1 : type === 'float64' ? 4 : 2;
      // Raw big-endian bytes, reordered by hand (not by the codec under test).
      const be = Buffer.alloc(width * 2);
      if (type === 'int16') be.writeInt16BE(value);
      else if (type === 'uint16') be.writeUInt16BE(value);
      else if (type === 'int32') be.writeInt32BE(value);
      else if (type === 'uint32') be.writeUInt32BE(value);
      else if (type === 'float32') be.writeFloatBE(value);
      else be.writeDoubleBE(value);
      const words = Array.from({ length: width }, (_, i) => be.subarray(i * 2, i * 2 + 2));
      const ordered = order === 'CDAB' || order === 'DCBA' ? words.reverse() : words;
      const wire = Buffer.concat(ordered.map((w) => (order === 'BADC' || order === 'DCBA' ? Buffer.from([w[1], w[0]]) : w)));
      await writeRegisters(c, 1, addr, wire);
      tags.push({ name: `${type}-${order}`, kind: 'number', source: { connection: 'plc1', address: `HR:${addr}`, type, order } } as Tag);
      addr += width;
    }
    await writeRegisters(c, 1, addr, Buffer.from([0x00, 0x28])); // bits 3 and 5
    tags.push({ name: 'bit3', kind: 'boolean', source: { connection: 'plc1', address: `HR:${addr}.3` } } as Tag);
    tags.push({ name: 'bit4', kind: 'boolean', source: { connection: 'plc1', address: `IR:${addr}.4` } } as Tag);
    await writeRegisters(c, 1, addr + 1, Buffer.from([0x36, 0x00]));
    tags.push({ name: 'scaled', kind: 'number', source: { connection: 'plc1', address: `HR:${addr + 1}`, type: 'int16', scale: { raw: [0, 27648], eng: [0, 150] } } } as Tag);

    const poller = new ModbusPoller(tags, { defaultUnitId: 1 });
    const { all } = await poller.poll(c);
    const got = Object.fromEntries(all.map((s) => [s.tag, s.value]));
    for (const [type, order, value] of cases) {
      if (type.startsWith('float')) expect([type, order, got[`${type}-${order}`]]).toEqual([type, order, type === 'float32' ? Math.fround(value) : value]);
      else expect([type, order, got[`${type}-${order}`]]).toEqual([type, order, value]);
    }
    expect(got.bit3).toBe(true);
    expect(got.bit4).toBe(false);
    expect(got.scaled as number).toBeCloseTo(75, 6);
    expect(all.every((s) => s.quality === 'good')).toBe(true);
  });

  it('round-trips encodeRegisters through a write and a read', async () => {
    const c = client();
    const p = { area: 'HR' as const, offset: 1500, type: 'float32' as const, order: 'CDAB' as const };
    await writeRegisters(c, 1, 1500, encodeRegisters(p, 12.5));
    const raw = await readRegisters(c, 1, 3, 1500, 2);
    expect(raw.toString('hex')).toBe('00004148');
  });

  it('coalesces the demo plant into 3 requests (5 without gap bridging)', async () => {
    const c = client();
    const before = server.stats().requests;
    const poller = new ModbusPoller(demoTags, { defaultUnitId: 1, maxGap: 10 });
    expect(poller.requests.length).toBe(3);
    const { all } = await poller.poll(c);
    expect(server.stats().requests - before).toBe(3);
    expect(all).toHaveLength(24);
    const strict = new ModbusPoller(demoTags, { defaultUnitId: 1, maxGap: 0 });
    const mid = server.stats().requests;
    await strict.poll(c);
    expect(server.stats().requests - mid).toBe(5);
  });

  it('reads the plant as the simulator has it', async () => {
    const c = client();
    const { all } = await new ModbusPoller(demoTags, { defaultUnitId: 1 }).poll(c);
    const v = Object.fromEntries(all.map((s) => [s.tag, s.value]));
    expect(v['TT-201']).toBeCloseTo(proc.read('TT-201') as number, 4);
    expect(v['P-301.RUN']).toBe(true);
    expect(v['P-302.RUN']).toBe(false);
    expect(v['TIC-201.AUTO']).toBe(true);
  });

  it('reports by exception: unchanged tags are not sent again, a full refresh sends all', async () => {
    const c = client();
    const poller = new ModbusPoller(demoTags, { defaultUnitId: 1, fullRefreshMs: 0 });
    expect((await poller.poll(c)).changed).toHaveLength(24);
    expect((await poller.poll(c)).changed).toHaveLength(0);
    proc.write('FIC-101.SP', 10);
    proc.advance(0.1);
    const changed = (await poller.poll(c)).changed.map((s) => s.tag);
    expect(changed).toContain('FIC-101.SP');
    expect(changed).not.toContain('P-101.RUN');
    expect((await poller.poll(c, Date.now, true)).changed).toHaveLength(24);
  });

  it('marks the tags of a failed request bad, with the failure time, never good', async () => {
    const c = client();
    const tags = [...demoTags, { name: 'nowhere', kind: 'number', source: { connection: 'plc1', address: 'HR:9999', type: 'float32' } } as Tag];
    const poller = new ModbusPoller(tags, { defaultUnitId: 1, maxGap: 0 });
    const t0 = Date.now();
    const { all } = await poller.poll(c);
    const bad = all.filter((s) => s.quality === 'bad');
    expect(bad.map((s) => s.tag)).toEqual(['nowhere']);
    expect(bad[0].error).toMatch(/exception 02/);
    expect(bad[0].timestamp).toBeGreaterThanOrEqual(t0);
    await server.stop();
    const after = await poller.poll(c);
    expect(after.all.every((s) => s.quality === 'bad')).toBe(true);
    // A bad sample carries the tag's last value (context only), in the tags' order.
    expect(after.all.map((s) => s.value)).toEqual(all.map((s) => s.value));
    expect(after.all.map((s) => s.tag)).toEqual(tags.map((t) => t.name));
    // 'nowhere' was bad already: only the 24 tags that turned bad are reported again.
    expect(after.changed.length).toBe(24);
    expect(after.changed.every((s) => s.quality === 'bad' && s.error)).toBe(true);
    server = await startModbusServer(proc, { port: 0 });
  });

  it('recovers by itself after the server stops and restarts mid-poll', async () => {
    const port = server.port;
    const c = client();
    const poller = new ModbusPoller(demoTags, { defaultUnitId: 1 });
    const results: string[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const { all } = await poller.poll(c);
        results.push(all.every((s) => s.quality === 'good') ? 'good' : 'bad');
        await sleep(20);
      }
    })();
    await until('first good poll', () => results.includes('good'), 2000);
    await server.stop();
    await until('bad quality after the stop', () => results[results.length - 1] === 'bad', 2000);
    expect(['backoff', 'connecting']).toContain(c.state);
    await sleep(300);
    server = await startModbusServer(proc, { port });
    const n = results.length;
    await until('good quality after the restart', () => results.length > n && results[results.length - 1] === 'good', 3000);
    expect(c.state).toBe('connected');
    running = false;
    await loop;
  });

  it('detects a half-open connection by timeout and reconnects', async () => {
    const c = client({ timeoutMs: 200 });
    await readRegisters(c, 1, 3, 0, 2);
    const states: string[] = [];
    c.on('state', (s) => states.push(s));
    server.setFrozen(true);
    await expect(readRegisters(c, 1, 3, 0, 2)).rejects.toThrow(/did not answer within 200 ms/);
    expect(states[0]).toBe('backoff');
    server.setFrozen(false);
    await until('reconnect', () => c.state === 'connected', 3000);
    expect(server.stats().connections).toBeGreaterThanOrEqual(2);
    expect((await readRegisters(c, 1, 3, 0, 2)).length).toBe(4);
  });

  it('does not let a unit that never answers block another unit', async () => {
    server.setSilentUnitIds([5]);
    const c = client({ timeoutMs: 150, maxInFlight: 1 });
    await readRegisters(c, 1, 3, 0, 2);
    const silent: Array<Promise<unknown>> = [];
    const good: Array<Promise<Buffer>> = [];
    for (let i = 0; i < 5; i++) {
      silent.push(readRegisters(c, 5, 3, 0, 2).catch((e: ModbusError) => e));
      good.push(readRegisters(c, 1, 3, 0, 2));
    }
    const answers = await Promise.all(good);
    expect(answers.every((b) => b.length === 4)).toBe(true);
    const errors = (await Promise.all(silent)) as ModbusError[];
    expect(errors.every((e) => e instanceof ModbusError && e.kind === 'timeout')).toBe(true);
    expect(c.state).toBe('connected');
    expect(server.stats().connections).toBe(1);
    // Only one unit-5 request was left to time out; the unit was then parked and its queue
    // refused at once, so unit 1 waited for one timeout, not five.
    expect(c.metrics()[5].timeouts).toBe(1);
    expect(c.metrics()[5].rejected).toBe(4);
    expect(c.metrics()[1].ok).toBe(6);
  });

  it('bounds each unit queue and counts what it refused; unit id 0 is a unit', async () => {
    const c = client({ queueLimit: 5, maxInFlight: 1 });
    const all = await Promise.allSettled(Array.from({ length: 20 }, () => readRegisters(c, 0, 3, 0, 2)));
    const refused = all.filter((r) => r.status === 'rejected');
    expect(refused.length).toBe(15);
    expect(String((refused[0] as PromiseRejectedResult).reason.message)).toMatch(/queue of unit 0 is full/);
    expect(c.metrics()[0]).toMatchObject({ rejected: 15, ok: 5, maxQueued: 5 });
  });

  it('pipelines requests with distinct transaction ids when allowed', async () => {
    const c = client({ maxInFlight: 8 });
    const res = await Promise.all(Array.from({ length: 40 }, (_, i) => readRegisters(c, 1, 3, 100 + i, 1)));
    // The test pattern: register i holds (i + step) mod 65536, the same step for one snapshot.
    const step = (res[0].readUInt16BE(0) - 100) & 0xffff;
    res.forEach((b, i) => expect(b.readUInt16BE(0)).toBe((100 + i + step) & 0xffff));
  });

  it('keeps retrying a refused connection without ever reaching a dead state', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    await new Promise<void>((r) => blocker.close(() => r()));
    const c = new ModbusTcpClient({ host: '127.0.0.1', port, timeoutMs: 200, backoffMinMs: 20, backoffMaxMs: 100 });
    clients.push(c);
    const states: string[] = [];
    c.on('state', (s) => states.push(s));
    c.open();
    await until('four retries', () => states.filter((s) => s === 'backoff').length >= 4, 3000);
    await expect(readRegisters(c, 1, 3, 0, 2)).rejects.toThrow(/not connected|connection lost/);
    const late = await startModbusServer(proc, { port });
    try {
      await until('connected once the device is up', () => c.state === 'connected', 3000);
      expect((await readRegisters(c, 1, 3, 0, 2)).length).toBe(4);
    } finally {
      await c.close();
      await late.stop();
    }
  });
});
