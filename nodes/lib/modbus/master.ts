// What the read node and the write path need from a Modbus connection, whatever the
// transport (TCP here, RTU through modbus-serial), plus the PDU helpers on top of request().
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

export interface UnitMetrics {
  sent: number;
  ok: number;
  timeouts: number;
  exceptions: number;
  /** Refused without being sent: queue full, unit parked after timeouts, or flushed. */
  rejected: number;
  queued: number;
  maxQueued: number;
  lastRttMs: number;
}

export interface ModbusMaster {
  readonly state: ConnectionState;
  readonly detail: string;
  open(): void;
  /** Sends one PDU; resolves with the answer PDU or rejects with a ModbusError. */
  request(unitId: number, pdu: Buffer): Promise<Buffer>;
  metrics(): Record<number, UnitMetrics>;
  on(event: 'state', listener: (state: ConnectionState, detail: string) => void): this;
  off(event: 'state', listener: (state: ConnectionState, detail: string) => void): this;
  close(): Promise<void>;
}

export type ModbusErrorKind = 'timeout' | 'disconnected' | 'closed' | 'queue-full' | 'exception' | 'protocol';

const EXCEPTIONS: Record<number, string> = {
  1: 'illegal function (the device does not support this function code)',
  2: 'illegal data address (the address is not mapped in the device, or is read-only)',
  3: 'illegal data value (bad quantity or a value the device refuses)',
  4: 'server device failure',
  6: 'server device busy',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

export class ModbusError extends Error {
  constructor(
    message: string,
    readonly kind: ModbusErrorKind,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'ModbusError';
  }

  static exception(code: number): ModbusError {
    return new ModbusError(`Modbus exception ${String(code).padStart(2, '0')}: ${EXCEPTIONS[code] ?? 'unknown exception'}`, 'exception', code);
  }
}

export async function readRegisters(m: ModbusMaster, unitId: number, fc: 3 | 4, start: number, count: number): Promise<Buffer> {
  const pdu = Buffer.allocUnsafe(5);
  pdu[0] = fc;
  pdu.writeUInt16BE(start, 1);
  pdu.writeUInt16BE(count, 3);
  const res = await m.request(unitId, pdu);
  if (res.length < 2 + count * 2 || res[1] !== count * 2) throw new ModbusError(`short answer: ${res[1]} bytes for ${count} registers`, 'protocol');
  return res.subarray(2, 2 + count * 2);
}

export async function readBits(m: ModbusMaster, unitId: number, fc: 1 | 2, start: number, count: number): Promise<boolean[]> {
  const pdu = Buffer.allocUnsafe(5);
  pdu[0] = fc;
  pdu.writeUInt16BE(start, 1);
  pdu.writeUInt16BE(count, 3);
  const res = await m.request(unitId, pdu);
  if (res.length < 2 + Math.ceil(count / 8)) throw new ModbusError(`short answer: ${res[1]} bytes for ${count} bits`, 'protocol');
  const out = new Array<boolean>(count);
  for (let i = 0; i < count; i++) out[i] = (res[2 + (i >> 3)] & (1 << (i & 7))) !== 0;
  return out;
}

/** FC16, also for a single register: devices that refuse FC6 on a setpoint are common, the reverse is rare. */
export async function writeRegisters(m: ModbusMaster, unitId: number, start: number, data: Buffer): Promise<void> {
  const qty = data.length / 2;
  const pdu = Buffer.allocUnsafe(6 + data.length);
  pdu[0] = 16;
  pdu.writeUInt16BE(start, 1);
  pdu.writeUInt16BE(qty, 3);
  pdu[5] = data.length;
  data.copy(pdu, 6);
  await m.request(unitId, pdu);
}

export async function writeCoil(m: ModbusMaster, unitId: number, address: number, value: boolean): Promise<void> {
  const pdu = Buffer.allocUnsafe(5);
  pdu[0] = 5;
  pdu.writeUInt16BE(address, 1);
  pdu.writeUInt16BE(value ? 0xff00 : 0x0000, 3);
  await m.request(unitId, pdu);
}
