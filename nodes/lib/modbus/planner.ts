// Read planner: coalesces the points of one connection into as few requests as possible.
// Points are grouped by unit id and area, sorted by address, and merged while the merged
// request stays within the protocol limit (125 registers or 2000 bits) and the hole between
// two points is at most `maxGap` registers/bits (reading a few unused registers is cheaper
// than another round trip; some devices refuse reads over unmapped addresses: set maxGap 0).
import { type Area, isBitArea, type ModbusPoint, readFunctionCode, widthOf } from './codec';

export interface PlannedItem<K> {
  key: K;
  point: ModbusPoint;
  /** Offset of the point inside the request (registers or bits). */
  offset: number;
}

export interface PlannedRead<K> {
  unitId: number;
  area: Area;
  /** Function code: 1 coils, 2 discrete inputs, 3 holding registers, 4 input registers. */
  fc: 1 | 2 | 3 | 4;
  start: number;
  count: number;
  items: Array<PlannedItem<K>>;
}

export interface PlanOptions {
  /** Unit id for points whose source has none. */
  defaultUnitId: number;
  /** Largest hole to read through, in registers (register areas) or bits (coil/input areas). */
  maxGap?: number;
  maxRegisters?: number;
  maxBits?: number;
}

export function planReads<K>(points: Array<{ key: K; point: ModbusPoint }>, opts: PlanOptions): Array<PlannedRead<K>> {
  const maxGap = Math.max(0, opts.maxGap ?? 10);
  const groups = new Map<string, Array<{ key: K; point: ModbusPoint }>>();
  for (const p of points) {
    const unitId = p.point.unitId ?? opts.defaultUnitId;
    const g = `${unitId}/${p.point.area}`;
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(p);
  }
  const out: Array<PlannedRead<K>> = [];
  for (const [g, list] of groups) {
    const [unitText, area] = g.split('/') as [string, Area];
    const limit = isBitArea(area) ? Math.min(2000, opts.maxBits ?? 2000) : Math.min(125, opts.maxRegisters ?? 125);
    list.sort((a, b) => a.point.offset - b.point.offset);
    let cur: PlannedRead<K> | undefined;
    for (const p of list) {
      const width = widthOf(p.point);
      const end = p.point.offset + width;
      if (cur && p.point.offset - (cur.start + cur.count) <= maxGap && Math.max(end, cur.start + cur.count) - cur.start <= limit) {
        cur.count = Math.max(cur.count, end - cur.start);
        cur.items.push({ key: p.key, point: p.point, offset: p.point.offset - cur.start });
        continue;
      }
      cur = { unitId: Number(unitText), area, fc: readFunctionCode(area), start: p.point.offset, count: width, items: [{ key: p.key, point: p.point, offset: 0 }] };
      out.push(cur);
    }
  }
  return out;
}
