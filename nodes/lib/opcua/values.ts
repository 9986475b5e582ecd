// Conversions between OPC UA built-in data types and the plant model's tag values. The numeric
// DataType ids are those of OPC UA Part 6 §5.1.2 (the same numbers as node-opcua's DataType enum),
// so this file needs no node-opcua import and is tested directly.
import type { TagValue } from '../plant';

export const OPCUA_DATA_TYPES: Record<number, string> = {
  1: 'Boolean',
  2: 'SByte',
  3: 'Byte',
  4: 'Int16',
  5: 'UInt16',
  6: 'Int32',
  7: 'UInt32',
  8: 'Int64',
  9: 'UInt64',
  10: 'Float',
  11: 'Double',
  12: 'String',
  13: 'DateTime',
};

const INTEGER_RANGES: Record<number, [number, number]> = {
  2: [-128, 127],
  3: [0, 255],
  4: [-32768, 32767],
  5: [0, 65535],
  6: [-2147483648, 2147483647],
  7: [0, 4294967295],
  8: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  9: [0, Number.MAX_SAFE_INTEGER],
};

export function dataTypeName(dataType: number): string {
  return OPCUA_DATA_TYPES[dataType] ?? `DataType ${dataType}`;
}

/**
 * The tag value of a received variant value, or undefined when the value is not a scalar a tag
 * can hold (arrays, structures). Int64/UInt64 arrive from node-opcua as [high, low] 32-bit words.
 */
export function tagValueOf(dataType: number, value: unknown): TagValue | undefined {
  if (value === null || value === undefined) return undefined;
  if ((dataType === 8 || dataType === 9) && Array.isArray(value) && value.length === 2) {
    const [hi, lo] = value as [number, number];
    return dataType === 8 ? hi * 4294967296 + (lo >>> 0) : (hi >>> 0) * 4294967296 + (lo >>> 0);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  return undefined;
}

export type Coerced = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * The value to write to a variable of the given (server-reported) DataType, or why it cannot be
 * written: a write must never round, wrap or guess (a setpoint of 12.7 into an Int16 is refused,
 * not truncated to 12).
 */
export function coerceForWrite(dataType: number, value: TagValue): Coerced {
  const name = dataTypeName(dataType);
  if (dataType === 1) {
    if (typeof value === 'boolean') return { ok: true, value };
    if (value === 0 || value === 1) return { ok: true, value: value === 1 };
    return { ok: false, reason: `the variable is Boolean; ${JSON.stringify(value)} is not true/false` };
  }
  if (dataType === 12) {
    if (typeof value === 'string') return { ok: true, value };
    return { ok: false, reason: `the variable is a String; ${JSON.stringify(value)} is not text` };
  }
  if (dataType === 10 || dataType === 11) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, reason: `the variable is ${name}; ${JSON.stringify(value)} is not a finite number` };
    if (dataType === 10 && Math.abs(value) > 3.4028234663852886e38) return { ok: false, reason: `${value} does not fit a Float` };
    return { ok: true, value };
  }
  const range = INTEGER_RANGES[dataType];
  if (range) {
    const n = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) return { ok: false, reason: `the variable is ${name}; ${JSON.stringify(value)} is not a whole number` };
    if (n < range[0] || n > range[1]) return { ok: false, reason: `the variable is ${name}; ${n} is outside ${range[0]}..${range[1]}` };
    if (dataType === 8 || dataType === 9) return { ok: true, value: [Math.floor(n / 4294967296), n >>> 0] };
    return { ok: true, value: n };
  }
  return { ok: false, reason: `the variable's data type ${name} cannot be written by a setpoint write` };
}
