// Pure OPC UA logic: status-code severities, value conversion for reads and writes, batching,
// back-off, report by exception, configuration validation.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { batches, coerceForWrite, connectionConfigSchema, qualityOf, readConfigSchema, tagValueOf } from '../../nodes/lib/opcua';
import { backoffDelay } from '../../nodes/lib/backoff';
import { BATCH_MAX_TAGS, ExceptionReporter, exceeds, reportMessages } from '../../nodes/lib/plant';
// Node-RED's own message clone, as the runtime uses it for a message wired to several nodes.
import { util as RED_UTIL } from '@node-red/util';

test('status codes map to good / uncertain / bad by their severity bits', () => {
  expect(qualityOf(0)).toBe('good'); // Good
  expect(qualityOf(0x00a20000)).toBe('good'); // GoodSubscriptionTransferred (info bits do not matter)
  expect(qualityOf(0x40000000)).toBe('uncertain'); // Uncertain
  expect(qualityOf(0x408f0000)).toBe('uncertain'); // UncertainLastUsableValue
  expect(qualityOf(0x80340000)).toBe('bad'); // BadNodeIdUnknown
  expect(qualityOf({ value: 0x808a0000 })).toBe('bad'); // BadWaitingForInitialData
  expect(qualityOf(0xc0000000)).toBe('bad'); // reserved severity: treated as bad
});

test('received values become tag values; structures and arrays do not', () => {
  expect(tagValueOf(11, 12.5)).toBe(12.5);
  expect(tagValueOf(1, false)).toBe(false);
  expect(tagValueOf(12, 'AUTO')).toBe('AUTO');
  expect(tagValueOf(8, [0, 5])).toBe(5); // Int64 as [high, low]
  expect(tagValueOf(9, [1, 0])).toBe(4294967296);
  expect(tagValueOf(8, [-1, 0xffffffff])).toBe(-1);
  expect(tagValueOf(13, new Date(1000))).toBe(1000);
  expect(tagValueOf(11, null)).toBeUndefined();
  expect(tagValueOf(22, { some: 'structure' })).toBeUndefined();
});

test('writes follow the server DataType and never round or wrap', () => {
  expect(coerceForWrite(11, 12.7)).toEqual({ ok: true, value: 12.7 });
  expect(coerceForWrite(10, 1.5)).toEqual({ ok: true, value: 1.5 });
  expect(coerceForWrite(1, true)).toEqual({ ok: true, value: true });
  expect(coerceForWrite(1, 0)).toEqual({ ok: true, value: false });
  expect(coerceForWrite(4, 12)).toEqual({ ok: true, value: 12 });
  expect(coerceForWrite(8, 5)).toEqual({ ok: true, value: [0, 5] });
  const refusals: Array<[number, number | boolean | string, RegExp]> = [
    [4, 12.7, /whole number/],
    [4, 40000, /outside -32768..32767/],
    [5, -1, /outside 0..65535/],
    [1, 2, /Boolean/],
    [11, Number.NaN, /finite/],
    [11, 'ten', /finite/],
    [12, 5, /String/],
    [22, 5, /cannot be written/],
  ];
  for (const [dt, v, why] of refusals) {
    const r = coerceForWrite(dt, v);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(why);
  }
});

test('integer writes are accepted exactly when they fit the type', () => {
  fc.assert(
    fc.property(fc.integer({ min: -100000, max: 100000 }), (n) => {
      const r = coerceForWrite(4, n);
      expect(r.ok).toBe(n >= -32768 && n <= 32767);
    }),
  );
});

test('batches cover every item once, in order, each at most the batch size', () => {
  fc.assert(
    fc.property(fc.array(fc.integer(), { maxLength: 3000 }), fc.integer({ min: 1, max: 1200 }), (items, size) => {
      const bs = batches(items, size);
      expect(bs.flat()).toEqual(items);
      expect(bs.every((b) => b.length >= 1 && b.length <= size)).toBe(true);
      expect(bs.length).toBe(Math.ceil(items.length / size));
    }),
  );
  expect(() => batches([1], 0)).toThrow(/positive whole number/);
});

test('back-off grows, is capped, is jittered and never zero', () => {
  const opts = { initialMs: 1000, maxMs: 30000 };
  expect(backoffDelay(1, opts, () => 0)).toBe(500);
  expect(backoffDelay(1, opts, () => 1)).toBe(1000);
  expect(backoffDelay(3, opts, () => 1)).toBe(4000);
  expect(backoffDelay(50, opts, () => 1)).toBe(30000);
  expect(backoffDelay(50, opts, () => 0)).toBe(15000);
});

test('report by exception: deadband, quality changes, one pending sample per tag, full refresh', () => {
  const r = new ExceptionReporter(['TT-201', 'P-301.RUN', 'FT-101'], [0.1, 0, 0]);
  expect(r.offer(0, { value: 70, quality: 'good', timestamp: 1 })).toBe(true);
  expect(r.offer(0, { value: 70.05, quality: 'good', timestamp: 2 })).toBe(false);
  expect(r.offer(0, { value: 70.08, quality: 'good', timestamp: 3 })).toBe(false); // within 0.1 of the reported 70
  expect(r.offer(0, { value: 70.15, quality: 'good', timestamp: 4 })).toBe(true);
  expect(r.offer(0, { value: 70.15, quality: 'bad', timestamp: 5 })).toBe(true);
  expect(r.offer(1, { value: true, quality: 'good', timestamp: 5 })).toBe(true);
  expect(r.offer(1, { value: true, quality: 'good', timestamp: 6 })).toBe(false);
  expect(r.offer(3, { value: 1, quality: 'good', timestamp: 6 })).toBe(false); // no such item
  const pending = r.takePending();
  // Each tag once, in the order it first became reportable, with its newest reportable sample.
  expect(pending).toEqual({
    tags: ['TT-201', 'P-301.RUN'],
    samples: [
      { value: 70.15, quality: 'bad', timestamp: 5 },
      { value: true, quality: 'good', timestamp: 5 },
    ],
  });
  expect(r.takePending()).toEqual({ tags: [], samples: [] });
  r.offer(0, { value: 70.16, quality: 'bad', timestamp: 7 });
  expect(r.latestOf(0)!.timestamp).toBe(7);
  expect(r.latestOfTag('P-301.RUN')!.timestamp).toBe(6);
  expect(r.latestOfTag('nope')).toBeUndefined();
  const refreshed = r.fullRefresh();
  const all = new Map(refreshed.tags.map((t, i) => [t, refreshed.samples[i]]));
  expect([...all.keys()]).toEqual(['TT-201', 'P-301.RUN']); // FT-101 has no value yet
  expect(all.get('TT-201')!.timestamp).toBe(7);
  expect(all.get('P-301.RUN')!.timestamp).toBe(6);
  // The refresh reported the latest samples: a repeat of them is not reported again.
  expect(r.offer(0, { value: 70.16, quality: 'bad', timestamp: 8 })).toBe(false);
  expect(r.takePending().tags).toEqual([]);
  expect(exceeds(Number.NaN, Number.NaN, 0)).toBe(false);
  expect(exceeds(1, Number.NaN, 0)).toBe(true);
});

test('a reported value never drifts more than the deadband from the latest value without being reported', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 5, noNaN: true }), (vals, db) => {
      const r = new ExceptionReporter(['X'], [db]);
      let lastReported = Number.NaN;
      vals.forEach((v, i) => {
        if (r.offer(0, { value: v, quality: 'good', timestamp: i })) lastReported = v;
        expect(Math.abs(v - lastReported)).toBeLessThanOrEqual(db);
      });
    }),
  );
});

test('a reader that offers one record per item, overwritten in place, is measured from what was reported', () => {
  // The OPC UA reader offers the tag's live record, which every notification overwrites.
  const r = new ExceptionReporter<{ value: number | boolean; quality: 'good' | 'bad'; timestamp: number }>(['FT-101', 'XV-1'], [0.5, 0]);
  const rec = { value: 10 as number, quality: 'good' as 'good' | 'bad', timestamp: 1 };
  const set = (value: number, timestamp: number, quality: 'good' | 'bad' = 'good') => Object.assign(rec, { value, timestamp, quality });
  expect(r.offer(0, set(10, 1))).toBe(true);
  expect(r.offer(0, set(10.3, 2))).toBe(false); // within 0.5 of 10, but queued: the report shows the record as it is now
  const first = r.takePending();
  expect(first.tags).toEqual(['FT-101']);
  expect(first.samples[0]).toBe(rec);
  // The report's state (10.3) is the reference now, not the 10 that queued it.
  expect(r.offer(0, set(10.7, 3))).toBe(false);
  expect(r.offer(0, set(10.9, 4))).toBe(true);
  expect(r.takePending().samples.map((s) => s.value)).toEqual([10.9]);
  // Quality alone is a change; NaN equals NaN; a number and a boolean never compare equal.
  expect(r.offer(0, set(10.9, 5, 'bad'))).toBe(true);
  r.takePending();
  expect(r.offer(0, set(Number.NaN, 6, 'bad'))).toBe(true);
  r.takePending();
  expect(r.offer(0, set(Number.NaN, 7, 'bad'))).toBe(false);
  expect(r.offer(1, { value: 1, quality: 'good', timestamp: 1 })).toBe(true);
  expect(r.offer(1, { value: true, quality: 'good', timestamp: 2 })).toBe(true);
  expect(r.offer(1, { value: true, quality: 'good', timestamp: 3 })).toBe(false);
});

test('with records overwritten in place, a report never lags the latest value by more than the deadband', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ v: fc.double({ min: -100, max: 100, noNaN: true }), take: fc.boolean() }), { minLength: 1, maxLength: 200 }),
      fc.double({ min: 0, max: 5, noNaN: true }),
      (steps, db) => {
        const r = new ExceptionReporter(['X'], [db]);
        const rec = { value: 0, quality: 'good' as const, timestamp: 0 };
        let emitted: number | undefined;
        let queued = false;
        steps.forEach(({ v, take }, i) => {
          rec.value = v;
          rec.timestamp = i;
          if (r.offer(0, rec)) queued = true;
          // The last step always flushes, as the node does after every publish response.
          if (take || i === steps.length - 1) {
            const report = r.takePending();
            // What goes out is copied when the report is taken, as reportMessages does.
            if (report.samples.length) emitted = report.samples[0].value as number;
            expect(report.samples.length > 0).toBe(queued);
            queued = false;
            expect(Math.abs(v - emitted!)).toBeLessThanOrEqual(db);
          }
        });
      },
    ),
  );
});

test('a large report goes out as batch messages of at most BATCH_MAX_TAGS tags, each tag once', () => {
  const n = BATCH_MAX_TAGS * 2 + 500;
  const tags = Array.from({ length: n }, (_, i) => `T-${i}`);
  const samples = tags.map((_, i) => ({ value: i, quality: 'good' as const, timestamp: i }));
  const msgs = reportMessages({ tags, samples }, 'batch', 'opcua:ua1');
  expect(msgs.map((m) => Object.keys(m.payload as object).length)).toEqual([BATCH_MAX_TAGS, BATCH_MAX_TAGS, 500]);
  expect(msgs.every((m) => m.topic === 'batch' && m.source === 'opcua:ua1')).toBe(true);
  const merged = Object.assign({}, ...msgs.map((m) => m.payload as object)) as Record<string, { value: number }>;
  expect(Object.keys(merged)).toEqual(tags);
  expect(merged['T-2499']).toEqual({ value: 2499, quality: 'good', timestamp: 2499 });
  // Exactly BATCH_MAX_TAGS is one message.
  expect(reportMessages({ tags: tags.slice(0, BATCH_MAX_TAGS), samples: samples.slice(0, BATCH_MAX_TAGS) }, 'batch', 'x')).toHaveLength(1);
});

test('report messages: one batch message or one message per tag', () => {
  const s = {
    tags: ['TT-201', 'P-301.RUN'],
    samples: [
      { value: 70, quality: 'good' as const, timestamp: 1 },
      { value: false, quality: 'uncertain' as const, timestamp: 2 },
    ],
  };
  expect(reportMessages(s, 'batch', 'opcua:ua1')).toEqual([
    { topic: 'batch', source: 'opcua:ua1', payload: { 'TT-201': { value: 70, quality: 'good', timestamp: 1 }, 'P-301.RUN': { value: false, quality: 'uncertain', timestamp: 2 } } },
  ]);
  expect(reportMessages(s, 'per-tag', 'opcua:ua1')).toEqual([
    { topic: 'TT-201', payload: 70, quality: 'good', timestamp: 1, source: 'opcua:ua1' },
    { topic: 'P-301.RUN', payload: false, quality: 'uncertain', timestamp: 2, source: 'opcua:ua1' },
  ]);
  expect(reportMessages({ tags: [], samples: [] }, 'batch', 'x')).toEqual([]);
  expect(reportMessages({ tags: [], samples: [] }, 'per-tag', 'x')).toEqual([]);
  // The batch holds copies: editing a message does not reach the reporter's samples.
  const held = { value: 1, quality: 'good' as const, timestamp: 1 };
  const [msg] = reportMessages({ tags: ['A'], samples: [held] }, 'batch', 'x');
  (msg.payload as Record<string, { value: number }>).A.value = 99;
  expect(held.value).toBe(1);
});

test('batch entries are plain objects, to the contract and to every consumer', () => {
  // Entries are built by a constructor (see BatchEntry in exception.ts, why), yet no consumer may
  // be able to tell them from the object literals of DESIGN §2.
  const [msg] = reportMessages(
    {
      tags: ['TT-201', 'PT-101'],
      samples: [
        { value: 70.5, quality: 'good', timestamp: 1 },
        { value: 0, quality: 'bad', timestamp: 2, error: 'timed out' },
      ],
    },
    'batch',
    'modbus:plc1',
  );
  const payload = msg.payload as Record<string, object>;
  for (const entry of Object.values(payload)) {
    expect(Object.getPrototypeOf(entry)).toBe(Object.prototype);
    expect(entry.constructor).toBe(Object);
    expect(Object.prototype.toString.call(entry)).toBe('[object Object]');
  }
  // toStrictEqual compares types too: a class instance would fail here.
  expect(payload).toStrictEqual({ 'TT-201': { value: 70.5, quality: 'good', timestamp: 1 }, 'PT-101': { value: 0, quality: 'bad', timestamp: 2, error: 'timed out' } });
  expect(Object.keys(payload['TT-201'])).toEqual(['value', 'quality', 'timestamp']);
  expect(JSON.parse(JSON.stringify(payload))).toStrictEqual(payload);
  // Node-RED deep-clones a message for each extra wire: the clone is the same plain data, apart.
  const clone = RED_UTIL.cloneMessage(msg) as typeof msg;
  expect(clone.payload).toStrictEqual(payload);
  (clone.payload as Record<string, { value: number }>)['TT-201'].value = 1;
  expect((payload['TT-201'] as { value: number }).value).toBe(70.5);
});

test('configuration errors say what to enter', () => {
  expect(connectionConfigSchema.safeParse({ endpoint: 'opc.tcp://plc:4840' }).success).toBe(true);
  const noScheme = connectionConfigSchema.safeParse({ endpoint: 'http://plc:4840' });
  expect(noScheme.success).toBe(false);
  expect(JSON.stringify(noScheme.error?.issues)).toMatch(/opc\.tcp:\/\/host:4840/);
  const mismatch = connectionConfigSchema.safeParse({ endpoint: 'opc.tcp://plc:4840', securityMode: 'SignAndEncrypt', securityPolicy: 'None' });
  expect(mismatch.success).toBe(false);
  expect(JSON.stringify(mismatch.error?.issues)).toMatch(/go together/);
  expect(readConfigSchema.parse({ samplingInterval: '250', publishingInterval: '500', refresh: '0', output: 'per-tag', batchSize: '500' })).toEqual({
    samplingInterval: 250,
    publishingInterval: 500,
    refresh: 0,
    output: 'per-tag',
    batchSize: 500,
  });
  expect(readConfigSchema.safeParse({ publishingInterval: 'fast' }).success).toBe(false);
  expect(readConfigSchema.safeParse({ batchSize: 2.5 }).success).toBe(false);
});

test('registering the OPC UA nodes does not load node-opcua (it loads with the first connection)', () => {
  // A fresh process: the built node modules, registered with a stub RED, must leave node-opcua unloaded.
  const script = `
    const RED = { nodes: { createNode() {}, registerType() {}, getNode() { return null; } }, httpAdmin: { post() {} }, auth: { needsPermission: () => () => undefined }, settings: {} };
    for (const m of ['copilot-opcua/copilot-opcua.js', 'copilot-opcua-read/copilot-opcua-read.js', 'lib/opcua/index.js']) {
      const mod = require(require('node:path').join(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'nodes'))}, m));
      if (typeof mod === 'function') mod(RED);
    }
    console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules[\\\\/]node-opcua/.test(k))));`;
  const loaded = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
  expect(loaded).toEqual([]);
});

test('the OPC UA demo plant differs from the Modbus demo plant only in its source lines', () => {
  const body = (file: string) => {
    const lines = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'plants', file), 'utf8').split('\n');
    return lines.slice(lines.findIndex((l) => l.startsWith('plant:'))).filter((l) => !/^\s+source:/.test(l));
  };
  expect(body('reactor-unit-2-opcua.yaml')).toEqual(body('reactor-unit-2.yaml'));
});
