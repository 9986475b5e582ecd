// OPC UA acquisition throughput and cost, measured against a bare node-opcua client in the same run:
//  1. notifications/s ingested and client CPU µs per notification for 1,000 and 10,000 monitored
//     items that all change every 100 ms: copilot-opcua-read in a real Node-RED runtime (live
//     table + report by exception + batch messages) vs a bare node-opcua subscription whose
//     handler only counts; RSS of each;
//  2. time to subscribe 10,000 items: the shared connection (batches of 1,000) vs one bare
//     monitorItems call with all 10,000.
// The server runs in a child process (`--serve N`) so its CPU is not counted as the client's; the
// clients run at the same time, each in its own process, over the same measurement windows.
// Prints one JSON line per measurement. Run after `npm run build`.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const WARMUP_MS = 1500;
const WINDOW_MS = 1500;
const WINDOWS = 3;
const CHANGE_MS = 100;
// Publishing twice per change period: with one queued value per item, a publish cycle that saw two
// server updates would drop one, and how often that happens depends on timer phase, not on the
// client (the first version of this bench measured that phase, not the clients).
const PUBLISH_MS = 50;


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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Counts `counter()` and this process's CPU over WINDOWS windows after a warm-up; the median
 * window counts (the machine is shared, so single windows are noisy).
 */
async function measure(counter) {
  // Concurrent clients measure the same wall-clock windows (see main), so they see the same
  // server rate and the same load on the shared machine.
  const startAt = Number(process.env.BENCH_START_AT || 0);
  await sleep(Math.max(WARMUP_MS, startAt - Date.now()));
  const rates = [];
  const costs = [];
  for (let w = 0; w < WINDOWS; w++) {
    if (global.gc) global.gc();
    const c0 = counter();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await sleep(WINDOW_MS);
    const cpu = process.cpuUsage(cpu0);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const n = counter() - c0;
    rates.push(n / seconds);
    costs.push(n ? (cpu.user + cpu.system) / n : NaN);
  }
  return { perSecond: Math.round(median(rates)), cpuUsPerNotification: median(costs), rssMB: Math.round(process.memoryUsage().rss / 1048576) };
}

async function bareClient(endpoint, n) {
  const { OPCUAClient, AttributeIds, TimestampsToReturn } = require('node-opcua-client');
  const { OPCUACertificateManager } = require('node-opcua-certificate-manager');
  const client = OPCUAClient.create({
    endpointMustExist: false,
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: path.join(os.tmpdir(), 'operator-copilot-bench-pki', 'client'), automaticallyAcceptUnknownCertificate: true }),
    connectionStrategy: { maxRetry: 1, initialDelay: 200 },
  });
  await client.connect(endpoint);
  const session = await client.createSession();
  const sub = await session.createSubscription2({ requestedPublishingInterval: PUBLISH_MS, requestedMaxKeepAliveCount: 10, requestedLifetimeCount: 60, maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 10 });
  const items = Array.from({ length: n }, (_, i) => ({ nodeId: `ns=1;s=V${i}`, attributeId: AttributeIds.Value }));
  let count = 0;
  const t0 = Date.now();
  const group = await sub.monitorItems(items, { samplingInterval: 0, discardOldest: true, queueSize: 1 }, TimestampsToReturn.Both);
  const subscribeMs = Date.now() - t0;
  group.on('changed', () => count++);
  const m = await measure(() => count);
  await sub.terminate();
  await session.close();
  await client.disconnect();
  return { ...m, subscribeMs };
}

function plantText(n) {
  const tags = [];
  for (let i = 0; i < n; i++) tags.push({ name: `T-${i}`, range: [0, 1e6], source: { connection: 'ua1', nodeId: `ns=1;s=V${i}` } });
  return JSON.stringify({ plant: 'Bench', tags });
}

async function copilotInNodeRed(endpoint, n) {
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
  try {
    const R = red.RED;
    let plant;
    for (let i = 0; i < 100 && !(plant = R.nodes.getNode('plant')); i++) await sleep(100);
    let count = 0;
    let messages = 0;
    plant.live.onUpdate(() => count++);
    for (let i = 0; i < 100 && !R.nodes.getNode('sink'); i++) await sleep(100);
    R.nodes.getNode('sink').on('input', () => messages++);
    // Wait until the subscription delivers (the first notification of every item).
    for (let i = 0; i < 300 && count < n; i++) await sleep(100);
    const m0 = messages;
    const m = await measure(() => count);
    return { ...m, messagesPerSecond: Math.round((messages - m0) / ((WARMUP_MS + WINDOWS * WINDOW_MS) / 1000)) };
  } finally {
    await red.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

async function subscribeTime(endpoint, n) {
  const { OpcuaConnection } = require('../dist/nodes/lib/opcua/connection');
  const conn = new OpcuaConnection({ endpoint, securityMode: 'None', securityPolicy: 'None', pkiDir: path.join(os.tmpdir(), 'operator-copilot-bench-pki', 'client'), acceptUnknownCertificate: true });
  try {
    await conn.browse('ns=0;i=85'); // connect and create the certificate outside the timing
    conn.acquire('bench');
    for (let i = 0; i < 100 && conn.status.state !== 'connected'; i++) await sleep(50);
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

/** The copilot pipeline (shared connection, live table, report by exception) without Node-RED. */
async function copilotPipeline(endpoint, n) {
  const { OpcuaConnection } = require('../dist/nodes/lib/opcua/connection');
  const { ExceptionReporter, reportMessages } = require('../dist/nodes/lib/opcua');
  const { LiveValueTable } = require('../dist/nodes/lib/plant');
  const conn = new OpcuaConnection({ endpoint, securityMode: 'None', securityPolicy: 'None', pkiDir: path.join(os.tmpdir(), 'operator-copilot-bench-pki', 'client'), acceptUnknownCertificate: true });
  const live = new LiveValueTable();
  const reporter = new ExceptionReporter(() => 0);
  const items = Array.from({ length: n }, (_, i) => ({ key: `T-${i}`, nodeId: `ns=1;s=V${i}` }));
  let count = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    reportMessages(reporter.takePending(), 'batch', 'opcua:ua1');
  };
  conn.acquire('bench');
  conn.addSubscriber({
    id: 'bench',
    publishingIntervalMs: PUBLISH_MS,
    samplingIntervalMs: 0,
    items,
    onValue: (i, s) => {
      count++;
      const sample = { value: s.value, quality: s.quality, timestamp: Date.now(), source: 'opcua:ua1' };
      live.update(items[i].key, sample);
      if (reporter.offer(items[i].key, sample) && !scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    onItemError: () => undefined,
  });
  for (let i = 0; i < 300 && count < n; i++) await sleep(100);
  try {
    return await measure(() => count);
  } finally {
    await conn.close();
  }
}

/** Child process: one client measurement, printed as one JSON line. */
async function client(mode, n, endpoint) {
  const r = mode === 'bare' ? await bareClient(endpoint, n) : mode === 'pipeline' ? await copilotPipeline(endpoint, n) : mode === 'node-red' ? await copilotInNodeRed(endpoint, n) : await subscribeTime(endpoint, n);
  process.stdout.write('RESULT ' + JSON.stringify(r) + '\n');
  process.exit(0);
}

function runClient(mode, n, endpoint, startAt) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, BENCH_START_AT: String(startAt || 0) };
    const child = spawn(process.execPath, ['--expose-gc', __filename, '--client', mode, String(n), endpoint], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let buf = '';
    child.stdout.on('data', (d) => (buf += d));
    child.on('exit', (code) => {
      const m = buf.match(/^RESULT (.*)$/m);
      if (m) resolve(JSON.parse(m[1]));
      else reject(new Error(`bench client ${mode} ${n} exited (${code}): ${buf.slice(-300)}`));
    });
  });
}

async function main() {
  const BASE = 'bare node-opcua subscription, counting handler';
  for (const n of [1000, 10000]) {
    const { child, endpoint } = await startServer(n);
    try {
      // All clients run at once, each in its own process, measuring the same windows: a shared
      // machine's load then weighs on the baseline exactly as on the copilot.
      const startAt = Date.now() + (n === 10000 ? 15000 : 8000);
      const [base, pipe, ours] = await Promise.all([
        runClient('bare', n, endpoint, startAt),
        n === 10000 ? runClient('pipeline', n, endpoint, startAt) : Promise.resolve(undefined),
        runClient('node-red', n, endpoint, startAt),
      ]);
      line({ metric: 'notifications_per_s', items: n, changeEveryMs: CHANGE_MS, publishingMs: PUBLISH_MS, offered: (n * 1000) / CHANGE_MS, value: ours.perSecond, baseline: BASE, baselineValue: base.perSecond, ratio: +(ours.perSecond / base.perSecond).toFixed(3), messagesPerSecond: ours.messagesPerSecond });
      line({ metric: 'client_cpu_us_per_notification', items: n, value: +ours.cpuUsPerNotification.toFixed(2), where: 'copilot-opcua-read in Node-RED', baseline: BASE, baselineValue: +base.cpuUsPerNotification.toFixed(2), ratio: +(ours.cpuUsPerNotification / base.cpuUsPerNotification).toFixed(3) });
      if (pipe) line({ metric: 'client_cpu_us_per_notification', items: n, value: +pipe.cpuUsPerNotification.toFixed(2), where: 'copilot connection + live table + report by exception, no Node-RED', baseline: BASE, baselineValue: +base.cpuUsPerNotification.toFixed(2), ratio: +(pipe.cpuUsPerNotification / base.cpuUsPerNotification).toFixed(3), perSecond: pipe.perSecond });
      line({ metric: 'rss_mb', items: n, value: ours.rssMB, note: 'includes the Node-RED runtime', baseline: 'bare client process', baselineValue: base.rssMB, ...(pipe ? { pipelineValue: pipe.rssMB } : {}) });
      if (n === 10000) {
        const info = await runClient('subscribe', n, endpoint);
        line({ metric: 'subscribe_ms', items: n, value: info.ms, batches: Math.ceil(n / 1000), refused: info.refused, baseline: 'bare client, one monitorItems call with all items', baselineValue: base.subscribeMs, ratio: +(info.ms / base.subscribeMs).toFixed(3) });
      }
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
else if (process.argv[2] === '--client') client(process.argv[3], Number(process.argv[4]), process.argv[5]).catch(fail);
else main().catch(fail);
