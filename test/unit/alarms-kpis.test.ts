// KPIs on a known one-hour sequence, with every expected number worked out by hand below.
import { AlarmEngine } from '../../nodes/lib/alarms';
import { parsePlantText } from '../../nodes/lib/plant';

// A1..A10 low, A11..A12 medium (position "reactor"); B1 medium, B2 high, B3 urgent ("feed").
const prio = (i: number) => (i <= 10 ? 'low' : 'medium');
const text = [
  'plant: KPI unit',
  'areas: [reactor, feed]',
  'tags:',
  ...Array.from({ length: 12 }, (_, i) => `  - { name: A${i + 1}, range: [0, 200], area: reactor }`),
  ...[1, 2, 3].map((i) => `  - { name: B${i}, range: [0, 200], area: feed }`),
  'alarms:',
  ...Array.from({ length: 12 }, (_, i) => `  - { tag: A${i + 1}, type: HI, limit: 100, priority: ${prio(i + 1)}, message: A${i + 1} high }`),
  ...['medium', 'high', 'urgent'].map((p, i) => `  - { tag: B${i + 1}, type: HI, limit: 100, priority: ${p}, message: B${i + 1} high }`),
].join('\n');

test('KPIs over a known hour match the hand-computed numbers', () => {
  const { model } = parsePlantText(text, { file: 'kpi.yaml' });
  const engine = new AlarmEngine(model!, () => undefined, { staleMs: 30 * 60_000 });
  const s = (tag: string, value: number, t: number) => engine.ingest({ tag, value, quality: 'good', timestamp: t });
  engine.tick(0); // the window starts here

  // 0-10 min: A1..A12 raise at 1 s .. 12 s -> 12 alarms in the first interval; the 11th starts a flood.
  for (let i = 1; i <= 12; i++) s(`A${i}`, 150, i * 1000);
  engine.command({ command: 'shelve', alarmId: 'A12:HI', user: 'op1', minutes: 600, reason: 'known fault' }, 100_000);
  // The flood ends when the 8th raise (at 8 s) leaves the 10-minute window: 608 s; seen at the next tick.
  engine.tick(700_000);
  // 30-32 min: B1, B2, B3.
  s('B1', 150, 1_800_000);
  s('B2', 150, 1_860_000);
  s('B3', 150, 1_920_000);
  engine.command({ command: 'ack', alarmId: 'B1:HI', user: 'op1' }, 1_950_000);
  // 40-41 min: A1 clears and raises again.
  s('A1', 50, 2_400_000);
  s('A1', 150, 2_460_000);

  const k = engine.kpis(3_600_000);
  // 16 raises in 1 h = 6 intervals of 10 min.
  expect(k.window).toEqual({ from: 0, to: 3_600_000, ms: 3_600_000 });
  expect(k.alarms).toBe(16);
  expect(k.per10Min).toBe(2.67); // 16 / 6
  expect(k.perHour).toBe(16);
  expect(k.peak10Min).toBe(12);
  expect(k.pctIntervalsOver10).toBe(16.67); // 1 of 6 intervals had more than 10
  expect(k.byPosition).toEqual({
    feed: { alarms: 3, per10Min: 0.5, perHour: 3, peak10Min: 3, intervals: 6, intervalsOver10: 0, pctIntervalsOver10: 0 },
    reactor: { alarms: 13, per10Min: 2.17, perHour: 13, peak10Min: 12, intervals: 6, intervalsOver10: 1, pctIntervalsOver10: 16.67 },
  });
  // Flood from the 11th raise (11 s) to 608 s: 597 s of 3600 s.
  expect(k.floods).toBe(1);
  expect(k.timeInFloodMs).toBe(597_000);
  expect(k.pctTimeInFlood).toBe(16.58);
  // A1 twice, then by id: A10, A11, A12, A2 .. A7 -> 11 of 16 raises.
  expect(k.top10.map((e) => [e.id, e.count])).toEqual([
    ['A1:HI', 2], ['A10:HI', 1], ['A11:HI', 1], ['A12:HI', 1], ['A2:HI', 1], ['A3:HI', 1], ['A4:HI', 1], ['A5:HI', 1], ['A6:HI', 1], ['A7:HI', 1],
  ]);
  expect(k.top10[0].share).toBe(12.5);
  expect(k.top10Share).toBe(68.75);
  // Raised: low 11 (A1..A10 + A1 again), medium 3 (A11, A12, B1), high band 2 (B2 high + B3 urgent).
  expect(k.priority.counts).toEqual({ urgent: 1, high: 1, medium: 3, low: 11 });
  expect(k.priority.annunciated).toEqual({ low: 68.75, medium: 18.75, high: 12.5 });
  // Configured: 15 alarms, low 10, medium 3, high band 2.
  expect(k.priority.configured).toEqual({ low: 66.67, medium: 20, high: 13.33 });
  expect(k.priority.guide).toEqual({ low: 80, medium: 15, high: 5 });
  // Active now: A1..A11 and B1..B3 (A12 is shelved) = 14 standing; B1 acknowledged -> 13 unacknowledged.
  // Stale (active > 30 min): A2..A11 (since 2..11 s); A1 re-raised at 41 min, B1 at exactly 30 min is not "more than".
  expect(k).toMatchObject({ standing: 14, unacknowledged: 13, stale: 10, shelved: 1, suppressed: 0, outOfService: 0, chattering: 0, fleeting: 0 });
  expect(engine.summary(3_600_000)).toMatchObject({ active: 14, unacknowledged: 13, flood: null, byPriority: { urgent: { active: 1, unacknowledged: 1 }, medium: { active: 2, unacknowledged: 1 } } });
});

test('rates use the time the engine has actually observed, never more than the window', () => {
  const { model } = parsePlantText(text, { file: 'kpi.yaml' });
  const engine = new AlarmEngine(model!, () => undefined, { kpiWindowMs: 3_600_000 });
  engine.tick(0);
  engine.ingest({ tag: 'A1', value: 150, quality: 'good', timestamp: 60_000 });
  // 1 raise in the first 20 minutes: 0.5 per 10 min, 3 per hour.
  expect(engine.kpis(1_200_000)).toMatchObject({ alarms: 1, per10Min: 0.5, perHour: 3, window: { from: 0, ms: 1_200_000 } });
  // Two hours later the raise has left the 1-hour window.
  expect(engine.kpis(7_260_000)).toMatchObject({ alarms: 0, window: { from: 3_660_000, ms: 3_600_000 } });
});
