// Modbus addresses and value encoding for plant-model tags: area and offset from "HR:100",
// "IR:5", "CO:3", "DI:3" or "HR:10.3" (bit 3 of a register); int16/uint16/int32/uint32/float32/
// float64/bool with byte and word order ABCD (big-endian), CDAB (word swap), BADC (byte swap)
// and DCBA (little-endian); linear scaling raw -> engineering units.
import type { ByteOrder, ModbusSource, ModbusType } from '../plant/schema';

export type { ByteOrder, ModbusType };
export type Area = 'HR' | 'IR' | 'CO' | 'DI';

export interface ModbusPoint {
  area: Area;
  offset: number;
  /** Bit inside a register (0 = least significant), for "HR:10.3". */
  bit?: number;
  type: ModbusType;
  order: ByteOrder;
  unitId?: number;
  scale?: { raw: [number, number]; eng: [number, number] };
}

export const isBitArea = (a: Area): a is 'CO' | 'DI' => a === 'CO' || a === 'DI';

const READ_FC = { CO: 1, DI: 2, HR: 3, IR: 4 } as const;

/** The function code that reads an area: 1 coils, 2 discrete inputs, 3 holding registers, 4 input registers. */
export function readFunctionCode(area: 'CO' | 'DI'): 1 | 2;
export function readFunctionCode(area: 'HR' | 'IR'): 3 | 4;
export function readFunctionCode(area: Area): 1 | 2 | 3 | 4;
export function readFunctionCode(area: Area): 1 | 2 | 3 | 4 {
  return READ_FC[area];
}

/** Registers (or bits) a point occupies. */
export function widthOf(p: Pick<ModbusPoint, 'area' | 'type' | 'bit'>): number {
  if (isBitArea(p.area) || p.bit !== undefined) return 1;
  switch (p.type) {
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'float64':
      return 4;
    default:
      return 1;
  }
}

export function parseAddress(address: string): { area: Area; offset: number; bit?: number } {
  const m = /^(HR|IR|CO|DI):(\d+)(?:\.(\d{1,2}))?$/.exec(address);
  if (!m) throw new Error(`bad Modbus address "${address}": use AREA:offset, e.g. "HR:100", "CO:3" or "HR:10.3"`);
  const offset = Number(m[2]);
  if (offset > 65535) throw new Error(`Modbus address "${address}": offset ${offset} is above 65535`);
  const bit = m[3] === undefined ? undefined : Number(m[3]);
  if (bit !== undefined && (bit > 15 || (m[1] !== 'HR' && m[1] !== 'IR'))) {
    throw new Error(`Modbus address "${address}": a bit (0..15) is allowed only inside a register (HR or IR)`);
  }
  return { area: m[1] as Area, offset, bit };
}

/** The point a tag's source describes, with the documented defaults filled in. */
export function pointOf(source: ModbusSource): ModbusPoint {
  const { area, offset, bit } = parseAddress(source.address);
  // A bool register is true when non-zero (decodeRegisters) and written as 0/1 (encodeRegisters).
  const type: ModbusType = isBitArea(area) || bit !== undefined ? 'bool' : (source.type ?? 'float32');
  const p: ModbusPoint = { area, offset, bit, type, order: source.order ?? 'ABCD', unitId: source.unitId };
  if (source.scale) p.scale = { raw: source.scale.raw, eng: source.scale.eng };
  if (offset + widthOf(p) > 65536) throw new Error(`Modbus address "${source.address}": a ${type} there runs past register 65535`);
  return p;
}

/** Reorders the bytes of one value between wire order (registers as sent) and big-endian ABCD. */
function reorder(src: Buffer, order: ByteOrder): Buffer {
  if (order === 'ABCD') return src;
  const n = src.length;
  const out = Buffer.allocUnsafe(n);
  const words = n / 2;
  for (let w = 0; w < words; w++) {
    // CDAB / DCBA reverse the word order; BADC / DCBA swap the bytes inside each word.
    const fromWord = order === 'CDAB' || order === 'DCBA' ? words - 1 - w : w;
    const swap = order === 'BADC' || order === 'DCBA';
    out[w * 2] = src[fromWord * 2 + (swap ? 1 : 0)];
    out[w * 2 + 1] = src[fromWord * 2 + (swap ? 0 : 1)];
  }
  return out;
}

function toEng(p: ModbusPoint, raw: number): number {
  if (!p.scale) return raw;
  const [r0, r1] = p.scale.raw;
  const [e0, e1] = p.scale.eng;
  return e0 + ((raw - r0) * (e1 - e0)) / (r1 - r0);
}

function toRaw(p: ModbusPoint, eng: number): number {
  if (!p.scale) return eng;
  const [r0, r1] = p.scale.raw;
  const [e0, e1] = p.scale.eng;
  return r0 + ((eng - e0) * (r1 - r0)) / (e1 - e0);
}

/** Decodes a register point from the bytes of its registers (2 bytes per register, wire order). */
export function decodeRegisters(p: ModbusPoint, bytes: Buffer): number | boolean {
  if (p.bit !== undefined) return (bytes.readUInt16BE(0) & (1 << p.bit)) !== 0;
  const b = reorder(bytes.subarray(0, widthOf(p) * 2), p.order);
  let raw: number;
  switch (p.type) {
    case 'int16':
      raw = b.readInt16BE(0);
      break;
    case 'uint16':
      raw = b.readUInt16BE(0);
      break;
    case 'int32':
      raw = b.readInt32BE(0);
      break;
    case 'uint32':
      raw = b.readUInt32BE(0);
      break;
    case 'float32':
      raw = b.readFloatBE(0);
      break;
    case 'float64':
      raw = b.readDoubleBE(0);
      break;
    default:
      return b.readUInt16BE(0) !== 0;
  }
  return toEng(p, raw);
}

const INT_LIMITS: Partial<Record<ModbusType, [number, number]>> = {
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** Encodes an engineering value into register bytes (wire order) for FC16. */
export function encodeRegisters(p: ModbusPoint, value: number | boolean): Buffer {
  if (p.bit !== undefined) throw new Error('a bit inside a register cannot be written on its own (it would overwrite the other 15 bits)');
  const raw = typeof value === 'boolean' ? (value ? 1 : 0) : toRaw(p, value);
  if (!Number.isFinite(raw)) throw new Error(`cannot encode ${value} as ${p.type}`);
  const b = Buffer.alloc(widthOf(p) * 2);
  const lim = INT_LIMITS[p.type];
  const int = Math.round(raw);
  if (lim && (int < lim[0] || int > lim[1])) throw new Error(`${value} does not fit a ${p.type} register (${lim[0]}..${lim[1]} raw)`);
  switch (p.type) {
    case 'int16':
      b.writeInt16BE(int, 0);
      break;
    case 'uint16':
    case 'bool':
      b.writeUInt16BE(int, 0);
      break;
    case 'int32':
      b.writeInt32BE(int, 0);
      break;
    case 'uint32':
      b.writeUInt32BE(int, 0);
      break;
    case 'float32':
      b.writeFloatBE(raw, 0);
      break;
    case 'float64':
      b.writeDoubleBE(raw, 0);
      break;
  }
  // reorder() is its own inverse for every order.
  return reorder(b, p.order);
}
