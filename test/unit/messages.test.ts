import { samplesFromMessage, MessageError } from '../../nodes/lib/messages';
import { LiveValueTable } from '../../nodes/lib/plant/live-values';

describe('tag sample messages', () => {
  test('single sample with defaults and numeric strings', () => {
    expect(samplesFromMessage({ topic: 'TT-201', payload: '72.5' }, 1000)).toEqual([
      { tag: 'TT-201', value: 72.5, quality: 'good', timestamp: 1000, source: undefined },
    ]);
    expect(samplesFromMessage({ topic: 'P-301.RUN', payload: false, quality: 'bad', timestamp: 5, source: 'plc1' })[0]).toEqual({
      tag: 'P-301.RUN',
      value: false,
      quality: 'bad',
      timestamp: 5,
      source: 'plc1',
    });
  });
  test('batch', () => {
    const s = samplesFromMessage({ topic: 'batch', payload: { A: { value: 1, quality: 'uncertain', timestamp: 9 }, B: { value: true } } }, 7);
    expect(s).toEqual([
      { tag: 'A', value: 1, quality: 'uncertain', timestamp: 9, source: undefined },
      { tag: 'B', value: true, quality: 'good', timestamp: 7, source: undefined },
    ]);
  });
  test.each([
    [{ payload: 1 }, /msg.topic must be the tag name/],
    [{ topic: 'A', payload: { x: 1 } }, /must be a number, boolean or string/],
    [{ topic: 'A', payload: null }, /got null/],
    [{ topic: 'A', payload: 1, quality: 'excellent' }, /good, uncertain or bad/],
    [{ topic: 'batch', payload: [1] }, /payload must be an object/],
    [{ topic: 'batch', payload: { A: 3 } }, /entry "A"/],
    [{ topic: 'batch', payload: { A: { value: NaN } } }, /entry "A"/],
    [{ topic: 'batch', payload: { A: { value: 1, quality: 'fine' } } }, /entry "A"/],
    [{ topic: 'batch', payload: { A: { value: 1, timestamp: '9' } } }, /entry "A"/],
    [{ topic: 'batch', payload: { A: null } }, /entry "A"/],
  ])('rejects %j', (msg, re) => {
    expect(() => samplesFromMessage(msg as Record<string, unknown>)).toThrow(MessageError);
    expect(() => samplesFromMessage(msg as Record<string, unknown>)).toThrow(re);
  });
});

describe('live value table', () => {
  test('keeps latest values, trends numeric good samples, ignores bad ones for the trend', () => {
    const t = new LiveValueTable({ trendEveryMs: 1000 });
    const seen: string[] = [];
    t.onUpdate((tag) => seen.push(tag));
    t.onUpdate(() => {
      throw new Error('a broken listener must not stop the others');
    });
    for (let i = 0; i < 200; i++) t.update('A', { value: i, quality: 'good', timestamp: i * 1000 });
    t.update('A', { value: 999, quality: 'bad', timestamp: 199_400 });
    t.update('A', { value: 5, quality: 'good', timestamp: 199_500 }); // within trendEveryMs of the last point
    expect(t.get('A')!.value).toBe(5);
    const tr = t.trend('A');
    expect(tr).toHaveLength(120);
    expect(tr[0]).toEqual([80_000, 80]);
    expect(tr[119]).toEqual([199_000, 199]);
    expect(t.trend('A', 190_000)).toHaveLength(10);
    expect(seen).toHaveLength(202);
    // A late (older) sample and a repeat of the held one change nothing and notify no one.
    t.update('A', { value: 1, quality: 'good', timestamp: 100 });
    t.update('A', { value: 5, quality: 'good', timestamp: 199_500 });
    expect(t.get('A')).toEqual({ value: 5, quality: 'good', timestamp: 199_500 });
    expect(seen).toHaveLength(202);
    t.update('B', { value: 1, quality: 'bad', timestamp: 0 });
    expect(t.goodValue('B')).toBeUndefined();
    expect(t.goodValue('A')).toBe(5);
    expect(Object.keys(t.snapshot()).sort()).toEqual(['A', 'B']);
  });

  test('the trends of many tags (more than one shared trend buffer holds) keep to their own tag', () => {
    const t = new LiveValueTable();
    const tags = Array.from({ length: 700 }, (_, i) => `T-${i}`);
    // 130 points each: every ring wraps once.
    for (let k = 0; k < 130; k++) tags.forEach((tag, i) => t.update(tag, { value: i * 1000 + k, quality: 'good', timestamp: k * 1000 }));
    for (const i of [0, 255, 256, 511, 512, 699]) {
      const tr = t.trend(tags[i]);
      expect(tr).toHaveLength(120);
      expect(tr[0]).toEqual([10_000, i * 1000 + 10]);
      expect(tr[119]).toEqual([129_000, i * 1000 + 129]);
    }
    expect(t.trend('T-700')).toEqual([]);
  });

  test('a slot taken once is the same tag as update() by name; an empty slot is not a value', () => {
    const t = new LiveValueTable();
    const seen: Array<[string, unknown]> = [];
    const stop = t.onUpdate((tag, v) => seen.push([tag, v.value]));
    const c = t.slot('C');
    expect(t.get('C')).toBeUndefined();
    expect(t.snapshot()).toEqual({});
    t.updateSlot(c, { value: 1, quality: 'good', timestamp: 10 });
    t.update('C', { value: 2, quality: 'good', timestamp: 20 });
    t.updateSlot(c, { value: 0, quality: 'good', timestamp: 15 }); // older than the held value: ignored
    expect(t.slot('C')).toBe(c);
    expect(t.get('C')!.value).toBe(2);
    expect(t.trend('C').map(([, v]) => v)).toEqual([1]); // 20 is within trendEveryMs of 10
    expect(seen).toEqual([['C', 1], ['C', 2]]);
    // A listener that unsubscribes while being notified does not disturb the others.
    const other: number[] = [];
    const stopSelf = t.onUpdate(() => stopSelf());
    t.onUpdate((_, v) => other.push(v.value as number));
    t.update('C', { value: 3, quality: 'good', timestamp: 30 });
    t.update('C', { value: 4, quality: 'good', timestamp: 40 });
    expect(other).toEqual([3, 4]);
    stop();
    t.update('C', { value: 5, quality: 'good', timestamp: 50 });
    expect(seen).toHaveLength(4);
  });

  test('the table keeps its own record of a tag: the caller may reuse its sample, a reader of get() keeps a copy', () => {
    const t = new LiveValueTable();
    const heard: Array<{ tag: string; value: unknown; quality: string }> = [];
    t.onUpdate((tag, v) => heard.push({ tag, value: v.value, quality: v.quality }));
    const slot = t.slot('FT-101');
    // One sample object reused for every update, as the OPC UA reader does.
    const scratch = { value: 10 as number | boolean, quality: 'good' as const, timestamp: 1, source: 'opcua:ua1' };
    const first = t.updateSlot(slot, scratch);
    expect(first).toMatchObject({ value: 10, quality: 'good', timestamp: 1, source: 'opcua:ua1' });
    const kept = t.get('FT-101')!;
    scratch.value = 11;
    scratch.timestamp = 2;
    // Editing the caller's object after the update changes neither the table nor an earlier get().
    expect(t.get('FT-101')!.value).toBe(10);
    const second = t.updateSlot(slot, scratch);
    // The same slot, overwritten in place; a copy taken by get() before does not move.
    expect(second).toBe(first);
    expect(second!.value).toBe(11);
    expect(kept).toEqual({ value: 10, quality: 'good', timestamp: 1, source: 'opcua:ua1' });
    // Editing a copy does not reach the table.
    kept.value = 99;
    expect(t.get('FT-101')!.value).toBe(11);
    expect(t.snapshot()['FT-101'].value).toBe(11);
    // A stale or repeated sample is not stored: undefined, and no listener hears it.
    expect(t.updateSlot(slot, scratch)).toBeUndefined();
    expect(t.updateSlot(slot, { value: 12, quality: 'good', timestamp: 1 })).toBeUndefined();
    // A tag whose value changes type (a number, then a boolean, then a number) keeps every value.
    scratch.value = true;
    scratch.timestamp = 3;
    expect(t.updateSlot(slot, scratch)!.value).toBe(true);
    expect(t.update('FT-101', { value: 7.5, quality: 'uncertain', timestamp: 4 })).toMatchObject({ value: 7.5, quality: 'uncertain', timestamp: 4, source: undefined });
    expect(t.get('FT-101')).toEqual({ value: 7.5, quality: 'uncertain', timestamp: 4 });
    expect(t.goodValue('FT-101')).toBe(7.5);
    expect(heard).toEqual([
      { tag: 'FT-101', value: 10, quality: 'good' },
      { tag: 'FT-101', value: 11, quality: 'good' },
      { tag: 'FT-101', value: true, quality: 'good' },
      { tag: 'FT-101', value: 7.5, quality: 'uncertain' },
    ]);
    // The trend took only the first sample: the others came within one trend period of it.
    expect(t.trend('FT-101').map(([, v]) => v)).toEqual([10]);
  });
});
