// A Modbus TCP server for the simulator, written on `net`: the framing is small, and the
// server must be fast (benchmarks run against it) and standard (pipelined requests answered
// in order with their transaction ids, exception codes for bad function codes, addresses and
// values). modbus-serial's ServerTCP answers each request after a timer of at least 1 ms and
// refuses port 0, so it is not used here.
//
// Function codes 1, 2, 3, 4, 5, 6, 15, 16. Exceptions: 01 illegal function, 02 illegal data
// address (outside the tables, or a write to a process value), 03 illegal data value (bad
// quantity, coil value, or a setpoint outside its range), 0B gateway target failed to respond
// (a unit id the simulator does not serve).
import * as net from 'node:net';
import type { SimProcess } from './process-api';
import { COILS, DISCRETE_INPUTS, HOLDING_FLOATS, PATTERN_START, SCRATCH_END, SCRATCH_START } from './modbus-map';

export interface ModbusServerOptions {
  port: number;
  host?: string;
  /** Unit ids that are answered (default [1]). */
  unitIds?: number[];
  /** Unit ids that are never answered at all, like a dead device behind a gateway. */
  silentUnitIds?: number[];
  /** Size of the register tables (holding and input), default 10,000. */
  registers?: number;
  /** Size of the bit tables (coils and discrete inputs), default 2,000. */
  bits?: number;
}

export interface RunningModbusServer {
  port: number;
  /** Requests answered (including exception answers), for tests and benchmarks. */
  stats(): { requests: number; exceptions: number; connections: number; open: number };
  /** Stops answering without closing sockets (a hung device): for half-open tests. */
  setFrozen(frozen: boolean): void;
  setSilentUnitIds(ids: number[]): void;
  stop(): Promise<void>;
}

const EXC_ILLEGAL_FUNCTION = 0x01;
const EXC_ILLEGAL_ADDRESS = 0x02;
const EXC_ILLEGAL_VALUE = 0x03;
const EXC_GATEWAY_TARGET = 0x0b;

class ModbusException extends Error {
  constructor(readonly code: number) {
    super(`modbus exception ${code}`);
  }
}

export async function startModbusServer(proc: SimProcess, opts: ModbusServerOptions): Promise<RunningModbusServer> {
  const registerCount = opts.registers ?? 10_000;
  const bitCount = opts.bits ?? 2_000;
  const units = new Set(opts.unitIds ?? [1]);
  let silent = new Set(opts.silentUnitIds ?? []);
  let frozen = false;
  const counters = { requests: 0, exceptions: 0, connections: 0 };

  // Register image, refreshed after every simulation step so that a read is a buffer copy.
  const image = Buffer.alloc(registerCount * 2);
  const floatAt = Object.entries(HOLDING_FLOATS).filter(([, a]) => a + 1 < registerCount);
  const writableFloats = new Map<number, string>();
  for (const t of proc.tags) if (t.writable && t.name in HOLDING_FLOATS) writableFloats.set(HOLDING_FLOATS[t.name], t.name);
  const writableCoils = new Map<number, string>();
  for (const t of proc.tags) if (t.writable && t.name in COILS) writableCoils.set(COILS[t.name], t.name);
  let patternStep = 0;

  const refresh = () => {
    for (const [tag, addr] of floatAt) image.writeFloatBE(Number(proc.read(tag)), addr * 2);
    patternStep = (patternStep + 1) & 0xffff;
    for (let i = PATTERN_START; i < registerCount; i++) {
      if (i >= SCRATCH_START && i < SCRATCH_END) continue;
      image.writeUInt16BE((i + patternStep) & 0xffff, i * 2);
    }
  };
  refresh();
  const unsubscribe = proc.onStep(refresh);

  const scratchBits = new Uint8Array(SCRATCH_END - SCRATCH_START);
  const inScratch = (addr: number) => addr >= SCRATCH_START && addr < SCRATCH_END;
  const bitTag = (table: Record<string, number>) => {
    const byAddr = new Map<number, string>();
    for (const [tag, a] of Object.entries(table)) byAddr.set(a, tag);
    return byAddr;
  };
  const coilTags = bitTag(COILS);
  const inputTags = bitTag(DISCRETE_INPUTS);
  const bitValue = (table: Map<number, string>, addr: number): boolean => {
    if (inScratch(addr)) return scratchBits[addr - SCRATCH_START] === 1;
    const tag = table.get(addr);
    return tag !== undefined && proc.read(tag) === true;
  };

  function readBits(fc: number, pdu: Buffer): Buffer {
    if (pdu.length !== 5) throw new ModbusException(EXC_ILLEGAL_VALUE);
    const start = pdu.readUInt16BE(1);
    const qty = pdu.readUInt16BE(3);
    if (qty < 1 || qty > 2000) throw new ModbusException(EXC_ILLEGAL_VALUE);
    if (start + qty > bitCount) throw new ModbusException(EXC_ILLEGAL_ADDRESS);
    const table = fc === 1 ? coilTags : inputTags;
    const bytes = Math.ceil(qty / 8);
    const out = Buffer.alloc(2 + bytes);
    out[0] = fc;
    out[1] = bytes;
    for (let i = 0; i < qty; i++) if (bitValue(table, start + i)) out[2 + (i >> 3)] |= 1 << (i & 7);
    return out;
  }

  function readRegisters(fc: number, pdu: Buffer): Buffer {
    if (pdu.length !== 5) throw new ModbusException(EXC_ILLEGAL_VALUE);
    const start = pdu.readUInt16BE(1);
    const qty = pdu.readUInt16BE(3);
    if (qty < 1 || qty > 125) throw new ModbusException(EXC_ILLEGAL_VALUE);
    if (start + qty > registerCount) throw new ModbusException(EXC_ILLEGAL_ADDRESS);
    const out = Buffer.allocUnsafe(2 + qty * 2);
    out[0] = fc;
    out[1] = qty * 2;
    image.copy(out, 2, start * 2, (start + qty) * 2);
    return out;
  }

  function applyWrite(tag: string, value: number | boolean): void {
    try {
      proc.write(tag, value);
    } catch {
      throw new ModbusException(EXC_ILLEGAL_VALUE);
    }
  }

  /** Registers [start, start+qty) must be whole writable setpoints; anything else is a process value. */
  function writeRegisters(start: number, values: Buffer): void {
    const qty = values.length / 2;
    if (start + qty > registerCount) throw new ModbusException(EXC_ILLEGAL_ADDRESS);
    if (start >= SCRATCH_START && start + qty <= SCRATCH_END) {
      values.copy(image, start * 2);
      return;
    }
    const touched = new Set<number>();
    for (let r = start; r < start + qty; r++) {
      const base = writableFloats.has(r) ? r : writableFloats.has(r - 1) ? r - 1 : undefined;
      if (base === undefined) throw new ModbusException(EXC_ILLEGAL_ADDRESS);
      touched.add(base);
    }
    // Compose each float from the new registers and, for a single-register write, the other half as it is now.
    const scratch = Buffer.from(image.subarray(0, registerCount * 2));
    values.copy(scratch, start * 2);
    for (const base of touched) {
      const v = scratch.readFloatBE(base * 2);
      if (!Number.isFinite(v)) throw new ModbusException(EXC_ILLEGAL_VALUE);
      applyWrite(writableFloats.get(base)!, v);
      image.writeFloatBE(Number(proc.read(writableFloats.get(base)!)), base * 2);
    }
  }

  function writeCoil(addr: number, value: boolean): void {
    if (addr >= bitCount) throw new ModbusException(EXC_ILLEGAL_ADDRESS);
    if (inScratch(addr)) {
      scratchBits[addr - SCRATCH_START] = value ? 1 : 0;
      return;
    }
    const tag = writableCoils.get(addr);
    if (!tag) throw new ModbusException(EXC_ILLEGAL_ADDRESS);
    applyWrite(tag, value);
  }

  function handle(pdu: Buffer): Buffer {
    const fc = pdu[0];
    switch (fc) {
      case 1:
      case 2:
        return readBits(fc, pdu);
      case 3:
      case 4:
        return readRegisters(fc, pdu);
      case 5: {
        if (pdu.length !== 5) throw new ModbusException(EXC_ILLEGAL_VALUE);
        const v = pdu.readUInt16BE(3);
        if (v !== 0xff00 && v !== 0x0000) throw new ModbusException(EXC_ILLEGAL_VALUE);
        writeCoil(pdu.readUInt16BE(1), v === 0xff00);
        return Buffer.from(pdu);
      }
      case 6: {
        if (pdu.length !== 5) throw new ModbusException(EXC_ILLEGAL_VALUE);
        writeRegisters(pdu.readUInt16BE(1), pdu.subarray(3, 5));
        return Buffer.from(pdu);
      }
      case 15: {
        const start = pdu.readUInt16BE(1);
        const qty = pdu.readUInt16BE(3);
        const bytes = pdu[5];
        if (qty < 1 || qty > 1968 || bytes !== Math.ceil(qty / 8) || pdu.length !== 6 + bytes) throw new ModbusException(EXC_ILLEGAL_VALUE);
        if (start + qty > bitCount) throw new ModbusException(EXC_ILLEGAL_ADDRESS);
        for (let i = 0; i < qty; i++) if (!writableCoils.has(start + i) && !inScratch(start + i)) throw new ModbusException(EXC_ILLEGAL_ADDRESS);
        for (let i = 0; i < qty; i++) writeCoil(start + i, (pdu[6 + (i >> 3)] & (1 << (i & 7))) !== 0);
        return pdu.subarray(0, 5);
      }
      case 16: {
        const start = pdu.readUInt16BE(1);
        const qty = pdu.readUInt16BE(3);
        const bytes = pdu[5];
        if (qty < 1 || qty > 123 || bytes !== qty * 2 || pdu.length !== 6 + bytes) throw new ModbusException(EXC_ILLEGAL_VALUE);
        writeRegisters(start, pdu.subarray(6, 6 + bytes));
        return Buffer.from(pdu.subarray(0, 5));
      }
      default:
        throw new ModbusException(EXC_ILLEGAL_FUNCTION);
    }
  }

  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    counters.connections++;
    sockets.add(sock);
    sock.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    sock.on('error', () => sock.destroy());
    sock.on('close', () => sockets.delete(sock));
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const answers: Buffer[] = [];
      while (buf.length >= 8) {
        const len = buf.readUInt16BE(4);
        if (len < 2 || len > 254 || buf.readUInt16BE(2) !== 0) {
          // Framing is lost (not Modbus TCP): a real device drops the connection.
          sock.destroy();
          return;
        }
        if (buf.length < 6 + len) break;
        const frame = buf.subarray(0, 6 + len);
        buf = buf.subarray(6 + len);
        const unit = frame[6];
        if (frozen || silent.has(unit)) continue;
        const pdu = frame.subarray(7);
        let resp: Buffer;
        if (!units.has(unit)) {
          resp = Buffer.from([pdu[0] | 0x80, EXC_GATEWAY_TARGET]);
          counters.exceptions++;
        } else {
          try {
            resp = handle(pdu);
          } catch (e) {
            // A PDU too short for its function code is a malformed request: illegal data value.
            resp = Buffer.from([pdu[0] | 0x80, e instanceof ModbusException ? e.code : e instanceof RangeError ? EXC_ILLEGAL_VALUE : 0x04]);
            counters.exceptions++;
          }
        }
        counters.requests++;
        const head = Buffer.allocUnsafe(7);
        frame.copy(head, 0, 0, 4); // transaction id and protocol id as asked
        head.writeUInt16BE(resp.length + 1, 4);
        head[6] = unit;
        answers.push(head, resp);
      }
      if (answers.length) sock.write(Buffer.concat(answers));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    stats: () => ({ ...counters, open: sockets.size }),
    setFrozen: (f) => {
      frozen = f;
    },
    setSilentUnitIds: (ids) => {
      silent = new Set(ids);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
