// OPC UA acquisition throughput and cost, measured against a bare node-opcua client in the same run:
//  1. notifications/s ingested and client CPU µs per notification for 1,000 and 10,000 monitored
//     items that all change every 100 ms: copilot-opcua-read in a real Node-RED runtime (live
//     table + report by exception + batch messages) vs a bare node-opcua subscription whose
//     handler only counts; RSS;
//  2. time to subscribe 10,000 items: the shared connection (batches of 1,000) vs one bare
//     monitorItems call with all 10,000.
// The server runs in a child process (`--serve N`) so its CPU is not counted as the client's. The
// bare client and Node-RED live in one client process (`--client N endpoint`) and take turns:
// A/B windows, one subscription publishing while the other is paused, so a busy shared machine
// weighs on both alike. CPU per notification is the total over all rounds (CPU time / notifications),
// so a garbage collection that lands in one window is paid in full, not dropped as an outlier; the
// time spent in GC is reported beside it.
// No forced GC before a window: a forced full collection wakes V8's memory reducer, which then runs
// an extra incremental mark-compact of the whole heap a second or two later. In the larger Node-RED
// heap that cost 40-60 ms per window and measured the bench, not the client (before this change the
// 1,000-item ratio read 1.9-2.4x; with natural GC alone, 1.1-1.3x).
// Prints one JSON line per measurement. Run after `npm run build`.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { sleep, until } = require('./_util');

const CHANGE_MS = 100;
// Publishing twice per change period: with one queued value per item, a publish cycle that saw two
// server updates would drop one, and how often that happens depends on timer phase, not on the client.
const PUBLISH_MS = 50;
const WINDOW_MS = 2000;
const SETTLE_MS = 300;
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 5;
const BASE = 'bare node-opcua subscription in the same process, same request (no timestamps), counting handler';

/** Child process: N Double variables ns=1;s=V<i>, all changing every 100 ms. */
async function serve(n) {
  const { OPCUAServer } = require('node-opcua-server');
  const { OPCUACertificateManager } = require('node-opcua-certificate-manager');
  const { Variant, DataType, StatusCodes } = require('node-opcua-client');
  const pki = path.join(os.tmpdir(), 'operator-copilot-bench-pki', 'server');
  const server = new OPCUAServer({
    port: 0,
    serverCertificateManager: new OPCUACertificateManager({ rootFolder: pki, automaticallyAcceptUnknownCertificate: true }),
    serverCapabilities: { maxSessions: 20, maxMonitoredItems: 100000, maxMonitoredItemsPerSubscription: 100000, operationLimits: { maxMonitoredItemsPerCall: 20000 } },
    isAuditing: false,
  });
  await server.initialize();
  const ns = server.engine.addressSpace.getOwnNamespace();
  const folder = ns.addFolder(server.engine.addressSpace.rootFolder.objects, { browseName: 'Bench' });
  const vars = [];
  for (let i = 0; i < n; i++) vars.push(ns.addVariable({ componentOf: folder, browseName: `V${i}`, nodeId: `s=V${i}`, dataType: 'Double', minimumSamplingInterval: 0, value: { dataType: DataType.Double, value: 0 } }));
  await server.start();
  let tick = 0;
  setInterval(() => {
    tick++;
    const now = new Date();
    for (let i = 0; i < n; i++) vars[i].setValueFromSource(new Variant({ dataType: DataType.Double, value: tick + i / n }), StatusCodes.Good, now);
  }, CHANGE_MS);
  process.stdout.write(JSON.stringify({ port: server.endpoints[0].port }) + '\n');
  process.on('SIGTERM', () => server.shutdown(0).then(() => process.exit(0)));
}

function line(o) {
  // The 1-minute load average says how busy the (shared) machine was while this was measured.
  console.log(JSON.stringify({ bench: 'opcua', ...o, loadavg: +os.loadavg()[0].toFixed(1), cpus: os.cpus().length }));
}

function startServer(n) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, '--serve', String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/\{"port":(\d+)\}/);
      if (m) resolve({ child, endpoint: `opc.tcp://127.0.0.1:${m[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`bench server exited (${code})`)));
  });
}

// Milliseconds spent in garbage collection since the process started.
let gcMs = 0;
function watchGc() {
  const { PerformanceObserver } = require('node:perf_hooks');
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  }).observe({ entryTypes: ['gc'] });
}

/** One window: notifications counted, this process's CPU and its GC time. */
async function window(counter) {
  const c0 = counter();
  const gc0 = gcMs;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await sleep(WINDOW_MS);
  const cpu = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { n: counter() - c0, seconds, cpuUs: cpu.user + cpu.system, gcMs: gcMs - gc0 };
}

/** Totals over the rounds: notifications/s, CPU µs per notification, GC ms per second. */
function total(windows) {
  const sum = (k) => windows.reduce((a, w) => a + w[k], 0);
  const n = sum('n');
  const seconds = sum('seconds');
  return { perSecond: n / seconds, cpuUs: n ? sum('cpuUs') / n : NaN, gcMsPerSecond: sum('gcMs') / seconds };
}

const pkiDir = (side) => path.join(os.tmpdir(), 'operator-copilot-bench-pki', side);

async function openBare(endpoint, n, timestamps) {
  const { OPCUAClient, AttributeIds, TimestampsToReturn } = require('node-opcua-client');
  const { OPCUACertificateManager } = require('node-opcua-certificate-manager');
  const client = OPCUAClient.create({
    endpointMustExist: false,
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: pkiDir('client'), automaticallyAcceptUnknownCertificate: true }),
    connectionStrategy: { maxRetry: 1, initialDelay: 200 },
  });
  await client.connect(endpoint);
  const session = await client.createSession();
  const sub = await session.createSubscription2({ requestedPublishingInterval: PUBLISH_MS, requestedMaxKeepAliveCount: 10, requestedLifetimeCount: 60, maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 10 });
  const items = Array.from({ length: n }, (_, i) => ({ nodeId: `ns=1;s=V${i}`, attributeId: AttributeIds.Value }));
  let count = 0;
  const t0 = Date.now();
  const group = await sub.monitorItems(items, { samplingInterval: 0, discardOldest: true, queueSize: 1 }, TimestampsToReturn[timestamps]);
  const subscribeMs = Date.now() - t0;
  group.on('changed', () => count++);
  return {
    sub,
    subscribeMs,
    count: () => count,
    close: async () => {
      await sub.terminate().catch(() => undefined);
      await session.close().catch(() => undefined);
      await client.disconnect();
    },
  };
}

function plantText(n) {
  const tags = [];
  for (let i = 0; i < n; i++) tags.push({ name: `T-${i}`, range: [0, 1e6], source: { connection: 'ua1', nodeId: `ns=1;s=V${i}` } });
  return JSON.stringify({ plant: 'Bench', tags });
}

async function openNodeRed(endpoint, n) {
  const { startNodeRed } = require('../dist/demo/node-red');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-bench-opcua-'));
  fs.writeFileSync(path.join(userDir, 'plant.json'), plantText(n));
  const flows = [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'plant', type: 'copilot-plant', name: 'bench plant', source: 'file', path: 'plant.json', audit: '' },
    { id: 'c1', type: 'copilot-opcua', name: 'ua1', endpoint, securityMode: 'None', securityPolicy: 'None', acceptUnknownCertificate: true },
    { id: 'r1', type: 'copilot-opcua-read', z: 'tab', plant: 'plant', connection: 'c1', samplingInterval: 0, publishingInterval: PUBLISH_MS, refresh: 0, output: 'batch', batchSize: 1000, x: 200, y: 100, wires: [['sink']] },
    { id: 'sink', type: 'function', z: 'tab', name: 'discard', func: 'return null;', outputs: 1, x: 400, y: 100, wires: [] },
  ];
  const red = await startNodeRed({ userDir, flows, logLevel: 'error' });
  const R = red.RED;
  await until('the flow', () => R.nodes.getNode('plant') && R.nodes.getNode('sink'));
  let count = 0;
  let messages = 0;
  R.nodes.getNode('plant').live.onUpdate(() => count++);
  R.nodes.getNode('sink').on('input', () => messages++);
  // Bench-only peek at the connection's internals, to pause and resume the node's subscription.
  const subscription = () => R.nodes.getNode('c1').connection.subscribers.get('r1')?.subscription;
  return {
    subscription,
    count: () => count,
    messages: () => messages,
    close: async () => {
      await red.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

async function subscribeTime(endpoint, n) {
  const { OpcuaConnection } = require('../dist/nodes/lib/opcua/connection');
  const conn = new OpcuaConnection({ endpoint, securityMode: 'None', securityPolicy: 'None', pkiDir: pkiDir('client'), acceptUnknownCertificate: true });
  try {
    conn.acquire('bench');
    await until('connected', () => conn.status.state === 'connected', 20000);
    return await new Promise((resolve) => {
      conn.addSubscriber({
        id: 'bench',
        publishingIntervalMs: 1000,
        samplingIntervalMs: 1000,
        batchSize: 1000,
        items: Array.from({ length: n }, (_, i) => ({ key: `T-${i}`, nodeId: `ns=1;s=V${i}` })),
        onValue: () => undefined,
        onItemError: () => undefined,
        onSubscribed: (info) => resolve(info),
      });
    });
  } finally {
    await conn.close();
  }
}

/** Child process: bare client and Node-RED in turns; prints one RESULT line. */
async function client(n, endpoint) {
  watchGc();
  // The baseline makes the same request as the connection (no timestamps on the wire), so the ratio
  // measures what the node adds, not a difference in what the server sends. A second bare client
  // asks for both timestamps, as most node-opcua examples do; it is reported beside the baseline.
  const bare = await openBare(endpoint, n, 'Neither');
  await until('bare values', () => bare.count() >= n);
  const rssBare = process.memoryUsage().rss;
  const bareBoth = await openBare(endpoint, n, 'Both');
  await until('bare values with timestamps', () => bareBoth.count() >= n);
  await bareBoth.sub.setPublishingMode(false);
  const red = await openNodeRed(endpoint, n);
  await until('copilot values', () => red.count() >= n && red.subscription());
  const b = [];
  const bb = [];
  const o = [];
  let ourMessages = 0;
  let ourSeconds = 0;
  for (let r = 0; r < ROUNDS; r++) {
    await red.subscription().setPublishingMode(false);
    await bare.sub.setPublishingMode(true);
    await sleep(SETTLE_MS);
    b.push(await window(bare.count));
    await bare.sub.setPublishingMode(false);
    await bareBoth.sub.setPublishingMode(true);
    await sleep(SETTLE_MS);
    bb.push(await window(bareBoth.count));
    await bareBoth.sub.setPublishingMode(false);
    await red.subscription().setPublishingMode(true);
    await sleep(SETTLE_MS);
    const m0 = red.messages();
    const t0 = Date.now();
    o.push(await window(red.count));
    ourMessages += red.messages() - m0;
    ourSeconds += (Date.now() - t0) / 1000;
  }
  const rssBoth = process.memoryUsage().rss;
  await red.close();
  await bare.close();
  await bareBoth.close();
  const sub = n >= 10000 ? await subscribeTime(endpoint, n) : undefined;
  // BENCH_VERBOSE=1: every window (notifications, CPU µs per notification, GC ms), to see whether
  // a difference is spread over all windows or comes from a few.
  if (process.env.BENCH_VERBOSE) {
    const show = (w) => `${w.n}:${(w.cpuUs / w.n).toFixed(2)}us:${w.gcMs.toFixed(0)}ms`;
    for (let r = 0; r < b.length; r++) process.stderr.write(`round ${r}: bare ${show(b[r])}  ours ${show(o[r])}  bare+ts ${show(bb[r])}\n`);
  }
  const tb = total(b);
  const tbb = total(bb);
  const to = total(o);
  const result = {
    bare: { perSecond: Math.round(tb.perSecond), cpuUs: tb.cpuUs, gcMsPerSecond: tb.gcMsPerSecond, rssMB: Math.round(rssBare / 1048576), subscribeMs: bare.subscribeMs },
    bareWithTimestamps: { perSecond: Math.round(tbb.perSecond), cpuUs: tbb.cpuUs },
    ours: { perSecond: Math.round(to.perSecond), cpuUs: to.cpuUs, gcMsPerSecond: to.gcMsPerSecond, rssMB: Math.round(rssBoth / 1048576), messagesPerSecond: Math.round(ourMessages / ourSeconds), subscribeMs: sub?.ms, refused: sub?.refused },
  };
  process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
  process.exit(0);
}

function runClient(n, endpoint) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, '--client', String(n), endpoint], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (d) => (buf += d));
    child.on('exit', (code) => {
      const m = buf.match(/^RESULT (.*)$/m);
      if (m) resolve(JSON.parse(m[1]));
      else reject(new Error(`bench client ${n} exited (${code}): ${buf.slice(-300)}`));
    });
  });
}

async function main() {
  for (const n of [1000, 10000]) {
    const { child, endpoint } = await startServer(n);
    try {
      const { bare, bareWithTimestamps, ours } = await runClient(n, endpoint);
      line({ metric: 'notifications_per_s', items: n, changeEveryMs: CHANGE_MS, publishingMs: PUBLISH_MS, offered: (n * 1000) / CHANGE_MS, value: ours.perSecond, baseline: BASE, baselineValue: bare.perSecond, ratio: +(ours.perSecond / bare.perSecond).toFixed(3), messagesPerSecond: ours.messagesPerSecond });
      line({ metric: 'client_cpu_us_per_notification', items: n, value: +ours.cpuUs.toFixed(2), where: 'copilot-opcua-read in Node-RED (live table, report by exception, batch messages)', baseline: BASE, baselineValue: +bare.cpuUs.toFixed(2), ratio: +(ours.cpuUs / bare.cpuUs).toFixed(3), rounds: ROUNDS, windowMs: WINDOW_MS, gcMsPerSecond: +ours.gcMsPerSecond.toFixed(1), baselineGcMsPerSecond: +bare.gcMsPerSecond.toFixed(1), bareWithTimestampsUs: +bareWithTimestamps.cpuUs.toFixed(2), ratioToBareWithTimestamps: +(ours.cpuUs / bareWithTimestamps.cpuUs).toFixed(3) });
      line({ metric: 'rss_mb', items: n, value: ours.rssMB, note: 'process with the bare client, Node-RED and copilot-opcua-read', baseline: 'same process with the bare client only', baselineValue: bare.rssMB });
      if (ours.subscribeMs !== undefined) line({ metric: 'subscribe_ms', items: n, value: ours.subscribeMs, batches: Math.ceil(n / 1000), refused: ours.refused, baseline: 'bare client, one monitorItems call with all items (first subscription on the server)', baselineValue: bare.subscribeMs, ratio: +(ours.subscribeMs / bare.subscribeMs).toFixed(3) });
    } finally {
      child.kill('SIGTERM');
    }
  }
}

const fail = (e) => {
  console.error(e);
  process.exit(1);
};
if (process.argv[2] === '--serve') serve(Number(process.argv[3])).catch(fail);
else if (process.argv[2] === '--client') client(Number(process.argv[3]), process.argv[4]).catch(fail);
else main().catch(fail);
