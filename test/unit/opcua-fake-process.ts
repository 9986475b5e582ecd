// A small SimProcess over the demo plant's tags for the OPC UA tests: process values wander on a
// timer, setpoints and modes accept writes within their range. Not the simulator (that is a
// physical model); just enough plant to serve and subscribe to.
import * as path from 'node:path';
import { loadPlantFile } from '../../nodes/lib/plant';
import type { SimProcess, SimTagInfo } from '../../sim/process-api';

export const DEMO_PLANT = path.join(__dirname, '..', '..', 'examples', 'plants', 'reactor-unit-2.yaml');

export interface FakeProcess extends SimProcess {
  /** Advances one step now (the timer also does it every stepMs). */
  step(): void;
  stop(): void;
  writes: Array<{ tag: string; value: number | boolean }>;
}

export function fakeProcess(stepMs = 100): FakeProcess {
  const { model, errors } = loadPlantFile(DEMO_PLANT);
  if (!model) throw new Error('demo plant did not load: ' + JSON.stringify(errors));
  const tags: SimTagInfo[] = model.tags.map((t) => ({
    name: t.name,
    kind: t.kind === 'boolean' ? 'boolean' : 'number',
    unit: t.unit,
    range: t.range as [number, number] | undefined,
    description: t.description,
    area: t.area,
    writable: !!t.writable || t.name.endsWith('.AUTO'),
  }));
  const values = new Map<string, number | boolean>();
  for (const t of model.tags) {
    if (t.kind === 'boolean') values.set(t.name, t.normal === true);
    else if (Array.isArray(t.normal)) values.set(t.name, (t.normal[0] + t.normal[1]) / 2);
    else values.set(t.name, t.range ? (t.range[0] + t.range[1]) / 2 : 0);
  }
  const listeners = new Set<() => void>();
  const writes: Array<{ tag: string; value: number | boolean }> = [];
  let n = 0;
  const step = () => {
    n++;
    for (const t of tags) {
      if (t.kind !== 'number' || t.writable) continue;
      const v = values.get(t.name) as number;
      const span = t.range ? t.range[1] - t.range[0] : 10;
      values.set(t.name, v + Math.sin(n / 3 + t.name.length) * span * 0.002);
    }
    for (const l of listeners) l();
  };
  const timer = setInterval(step, stepMs);
  timer.unref();
  return {
    tags,
    writes,
    read(tag) {
      const v = values.get(tag);
      if (v === undefined) throw new Error(`unknown tag ${tag}`);
      return v;
    },
    write(tag, value) {
      const t = tags.find((x) => x.name === tag);
      if (!t || !t.writable) throw new Error(`${tag} is not writable`);
      if (typeof value !== (t.kind === 'boolean' ? 'boolean' : 'number')) throw new Error(`${tag}: wrong type`);
      const w = model.tagsByName.get(tag)?.writable;
      if (w && typeof value === 'number' && (value < w.min || value > w.max)) throw new Error(`${tag}: ${value} outside ${w.min}..${w.max}`);
      values.set(tag, value);
      writes.push({ tag, value });
    },
    time: () => Date.now(),
    onStep(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    step,
    stop: () => clearInterval(timer),
  };
}
