// One tag read or written on demand through a Modbus master: the write path's write and
// read-back (copilot-modbus's TagIO) and the write benchmark use this same code.
import type { TagIO, TagReading } from '../approval/write';
import type { Tag, TagValue } from '../plant';
import { isModbusSource } from '../plant';
import { decodeRegisters, encodeRegisters, isBitArea, pointOf, readFunctionCode, widthOf } from './codec';
import { readBits, readRegisters, writeRegisters, type ModbusMaster } from './master';
import { sampleOfRead } from './poller';

/**
 * TagIO over a Modbus master. `borrow` runs one operation with a master (a shared connection
 * opens and releases it around the call); `defaultUnit` is used when an address names no unit.
 */
export function modbusTagIO(borrow: <T>(fn: (m: ModbusMaster) => Promise<T>) => Promise<T>, defaultUnit: number): TagIO {
  const pointFor = (tag: Tag) => {
    if (!isModbusSource(tag.source)) throw new Error(`${tag.name} has no Modbus source`);
    return pointOf(tag.source);
  };
  return {
    readTag: (tag: Tag) =>
      borrow(async (m): Promise<TagReading> => {
        const p = pointFor(tag);
        const unit = p.unitId ?? defaultUnit;
        const value = isBitArea(p.area)
          ? (await readBits(m, unit, readFunctionCode(p.area), p.offset, 1))[0]
          : decodeRegisters(p, await readRegisters(m, unit, readFunctionCode(p.area), p.offset, widthOf(p)));
        return sampleOfRead(tag.name, value, Date.now());
      }),
    writeTag: (tag: Tag, value: TagValue) =>
      borrow(async (m) => {
        const p = pointFor(tag);
        const unit = p.unitId ?? defaultUnit;
        // The plant loader accepts writable setpoints in holding registers only (FC16), so a
        // write elsewhere is a caller's mistake, refused before the device is touched.
        if (p.area !== 'HR') throw new Error(`${tag.name} is in ${p.area}: setpoint writes go to holding registers (HR) only`);
        if (typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`${tag.name} needs a number`);
        return writeRegisters(m, unit, p.offset, encodeRegisters(p, value));
      }),
  };
}
