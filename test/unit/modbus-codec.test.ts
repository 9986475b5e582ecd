// Decoding and encoding of every type and byte/word order against hand-made byte vectors,
// scaling, address parsing, and the read planner's coalescing.
import { decodeRegisters, encodeRegisters, parseAddress, pointOf, readFunctionCode, type ByteOrder, type ModbusPoint } from '../../nodes/lib/modbus/codec';
import { planReads } from '../../nodes/lib/modbus/planner';
import { sampleOfRead } from '../../nodes/lib/modbus/poller';

const point = (over: Partial<ModbusPoint>): ModbusPoint => ({ area: 'HR', offset: 0, type: 'float32', order: 'ABCD', ...over });
const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('decodeRegisters / encodeRegisters', () => {
  // 1.5 as float32 is 3F C0 00 00; as bytes A B C D = 3F C0 00 00.
  const f32: Record<ByteOrder, string> = { ABCD: '3FC0 0000', CDAB: '0000 3FC0', BADC: 'C03F 0000', DCBA: '0000 C03F' };
  // 0x01020304 = 16909060
  const i32: Record<ByteOrder, string> = { ABCD: '0102 0304', CDAB: '0304 0102', BADC: '0201 0403', DCBA: '0403 0201' };
  // -2.5 as float64 is C0 04 00 00 00 00 00 00
  const f64: Record<ByteOrder, string> = { ABCD: 'C004 0000 0000 0000', CDAB: '0000 0000 0000 C004', BADC: '04C0 0000 0000 0000', DCBA: '0000 0000 0000 04C0' };

  it.each(Object.entries(f32))('float32 %s', (order, bytes) => {
    const p = point({ type: 'float32', order: order as ByteOrder });
    expect(decodeRegisters(p, hex(bytes))).toBe(1.5);
    expect(encodeRegisters(p, 1.5).toString('hex')).toBe(hex(bytes).toString('hex'));
  });
  it.each(Object.entries(i32))('int32 and uint32 %s', (order, bytes) => {
    expect(decodeRegisters(point({ type: 'int32', order: order as ByteOrder }), hex(bytes))).toBe(16909060);
    expect(decodeRegisters(point({ type: 'uint32', order: order as ByteOrder }), hex(bytes))).toBe(16909060);
    expect(encodeRegisters(point({ type: 'uint32', order: order as ByteOrder }), 16909060).toString('hex')).toBe(hex(bytes).toString('hex'));
  });
  it.each(Object.entries(f64))('float64 %s', (order, bytes) => {
    const p = point({ type: 'float64', order: order as ByteOrder });
    expect(decodeRegisters(p, hex(bytes))).toBe(-2.5);
    expect(encodeRegisters(p, -2.5).toString('hex')).toBe(hex(bytes).toString('hex'));
  });
  it('int16 and uint16, with the byte swap orders', () => {
    expect(decodeRegisters(point({ type: 'int16' }), hex('FFFE'))).toBe(-2);
    expect(decodeRegisters(point({ type: 'uint16' }), hex('FFFE'))).toBe(65534);
    expect(decodeRegisters(point({ type: 'int16', order: 'BADC' }), hex('FEFF'))).toBe(-2);
    expect(decodeRegisters(point({ type: 'uint16', order: 'DCBA' }), hex('3412'))).toBe(0x1234);
    expect(encodeRegisters(point({ type: 'int16' }), -2).toString('hex')).toBe('fffe');
  });
  it('negative int32 in word-swapped order', () => {
    const p = point({ type: 'int32', order: 'CDAB' });
    expect(decodeRegisters(p, encodeRegisters(p, -123456))).toBe(-123456);
    expect(encodeRegisters(p, -123456).toString('hex')).toBe('1dc0fffe');
  });
  it('bit in a register and bool registers', () => {
    expect(decodeRegisters(point({ type: 'bool', bit: 3 }), hex('0008'))).toBe(true);
    expect(decodeRegisters(point({ type: 'bool', bit: 15 }), hex('7FFF'))).toBe(false);
    expect(decodeRegisters(point({ type: 'bool', bit: 15 }), hex('8000'))).toBe(true);
    expect(() => encodeRegisters(point({ type: 'bool', bit: 3 }), true)).toThrow(/other 15 bits/);
    const boolReg = pointOf({ connection: 'plc1', address: 'HR:7', type: 'bool' });
    expect(boolReg).toMatchObject({ type: 'bool' });
    expect(decodeRegisters(boolReg, hex('0002'))).toBe(true);
    expect(decodeRegisters(boolReg, hex('0000'))).toBe(false);
    expect(encodeRegisters(boolReg, true).toString('hex')).toBe('0001');
  });
  it('linear scaling both ways', () => {
    const p = point({ type: 'int16', scale: { raw: [0, 27648], eng: [0, 150] } });
    expect(decodeRegisters(p, hex('3600'))).toBeCloseTo(75, 6); // 13824
    expect(encodeRegisters(p, 75).readInt16BE(0)).toBe(13824);
  });
  it('refuses values that do not fit the register type', () => {
    expect(() => encodeRegisters(point({ type: 'uint16' }), -1)).toThrow(/does not fit/);
    expect(() => encodeRegisters(point({ type: 'int16' }), 40000)).toThrow(/does not fit/);
    expect(() => encodeRegisters(point({ type: 'float32' }), NaN)).toThrow(/cannot encode/);
  });
});

describe('addresses', () => {
  it('parses areas, offsets and bits, with defaults', () => {
    expect(parseAddress('HR:100')).toEqual({ area: 'HR', offset: 100, bit: undefined });
    expect(parseAddress('IR:10.3')).toEqual({ area: 'IR', offset: 10, bit: 3 });
    expect(pointOf({ connection: 'plc1', address: 'CO:3' })).toMatchObject({ area: 'CO', type: 'bool' });
    expect(pointOf({ connection: 'plc1', address: 'HR:3' })).toMatchObject({ type: 'float32', order: 'ABCD' });
    expect(pointOf({ connection: 'plc1', address: 'HR:3', unitId: 0 })).toMatchObject({ unitId: 0 });
  });
  it('explains bad addresses', () => {
    expect(() => parseAddress('XX:1')).toThrow(/AREA:offset/);
    expect(() => parseAddress('CO:1.2')).toThrow(/only inside a register/);
    expect(() => parseAddress('HR:1.16')).toThrow(/0..15/);
    expect(() => pointOf({ connection: 'c', address: 'HR:65535', type: 'float32' })).toThrow(/past register 65535/);
  });
});

describe('planReads', () => {
  const pts = (area: 'HR' | 'CO', offsets: number[], type: ModbusPoint['type'] = 'float32') =>
    offsets.map((o) => ({ key: `${area}${o}`, point: point({ area, offset: o, type: area === 'CO' ? 'bool' : type }) }));

  it('merges neighbours and bridges gaps up to maxGap', () => {
    const plan = planReads(pts('HR', [0, 2, 4, 10, 30]), { defaultUnitId: 1, maxGap: 4 });
    expect(plan.map((r) => [r.start, r.count])).toEqual([[0, 12], [30, 2]]);
    expect(planReads(pts('HR', [0, 2, 4, 10, 30]), { defaultUnitId: 1, maxGap: 0 }).length).toBe(3);
    expect(plan[0].items.map((i) => i.offset)).toEqual([0, 2, 4, 10]);
  });
  it('never exceeds 125 registers or 2000 bits per request', () => {
    const regs = planReads(pts('HR', Array.from({ length: 5000 }, (_, i) => i * 2)), { defaultUnitId: 1, maxGap: 10 });
    expect(regs.length).toBe(Math.ceil(10000 / 124));
    expect(Math.max(...regs.map((r) => r.count))).toBeLessThanOrEqual(125);
    const bits = planReads(pts('CO', Array.from({ length: 5000 }, (_, i) => i)), { defaultUnitId: 1 });
    expect(bits.map((r) => r.count)).toEqual([2000, 2000, 1000]);
    expect(bits[0].fc).toBe(1);
  });
  it('keeps unit ids and areas apart; unit 0 is a unit', () => {
    const plan = planReads(
      [
        { key: 'a', point: point({ offset: 0, unitId: 0 }) },
        { key: 'b', point: point({ offset: 2 }) },
        { key: 'c', point: point({ area: 'IR', offset: 4 }) },
      ],
      { defaultUnitId: 1 },
    );
    expect(plan.map((r) => `${r.unitId}/${r.fc}/${r.start}`).sort()).toEqual(['0/3/0', '1/3/2', '1/4/4']);
  });
  it('respects a smaller configured limit', () => {
    expect(planReads(pts('HR', [0, 2, 4, 6]), { defaultUnitId: 1, maxRegisters: 4 }).length).toBe(2);
  });
  it('reads each area with its function code (one helper for the planner and readTag)', () => {
    expect((['CO', 'DI', 'HR', 'IR'] as const).map((a) => readFunctionCode(a))).toEqual([1, 2, 3, 4]);
    const plan = planReads((['CO', 'DI', 'HR', 'IR'] as const).map((area) => ({ key: area, point: point({ area, type: area === 'CO' || area === 'DI' ? 'bool' : 'uint16' }) })), { defaultUnitId: 1 });
    expect(plan.every((r) => r.fc === readFunctionCode(r.area))).toBe(true);
  });
});

describe('sampleOfRead', () => {
  it('a NaN or infinite float is bad, with the last value as context and the reason', () => {
    expect(sampleOfRead('T', 1.5, 7)).toEqual({ tag: 'T', value: 1.5, quality: 'good', timestamp: 7 });
    expect(sampleOfRead('B', false, 7)).toEqual({ tag: 'B', value: false, quality: 'good', timestamp: 7 });
    expect(sampleOfRead('T', Number.NaN, 8, 1.5)).toEqual({ tag: 'T', value: 1.5, quality: 'bad', timestamp: 8, error: 'the device sent NaN or infinity' });
    expect(sampleOfRead('T', Number.POSITIVE_INFINITY, 9)).toMatchObject({ value: 0, quality: 'bad' });
  });
});
