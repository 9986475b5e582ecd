// Modbus acquisition throughput and recovery, against baselines measured in the same run and
// against the same server (the simulator's Modbus TCP server, in a child process so that the
// CPU measured here is the client's alone). A 10,000-register map: HR 0..9999, read as
// 10,000 uint16 tags.
//  1. ceiling: a raw pipelined socket client (FC3, 125 registers per request, no decoding);
//  2. ours, library level (ModbusTcpClient + ModbusPoller: plan, decode, report by exception)
//     at 1 and 8 requests in flight: registers/s, tag samples/s, CPU µs per request and per tag;
//  3. ours in a real Node-RED runtime (copilot-modbus-read, batch output): tag samples/s
//     delivered into Node-RED (counted at a downstream node);
//  4. the peer most users run, node-red-contrib-modbus, installed by this script into
//     bench/peer (never the project root), 80 Modbus-Read nodes of 125 registers with its
//     default client settings, in the same kind of runtime;
//  5. recovery: server killed and restarted on the same port; time to the first good sample.
// Prints one JSON line per measurement. Run after `npm run build`.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const { ModbusTcpClient, ModbusPoller } = require('../dist/nodes/lib/modbus');
const { parsePlantText } = require('../dist/nodes/lib/plant');
const { sleep, until } = require('./_util');

const REGISTERS = 10_000;
const RUN_MS = Number(process.env.MODBUS_BENCH_MS || 3000);
const line = (o) => console.log(JSON.stringify({ bench: 'modbus', ...o }));
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Starts `operator-copilot sim` in a child process; resolves with {child, port}. */
function startSim(port = 0) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/operator-copilot.js'), 'sim', '--modbus-port', String(port), '--http-port', '0', '--speed', '1', '--seed', '1'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const t = setTimeout(() => reject(new Error('simulator did not start: ' + out)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /modbus=(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`simulator exited (${code}): ${out}`)));
  });
}
const stopSim = (s) => new Promise((r) => (s.child.exitCode !== null ? r() : (s.child.once('exit', () => r()), s.child.kill('SIGTERM'))));

/** The raw ceiling: FC3 x 125 registers, `depth` requests on the wire, no decoding. */
async function rawCeiling(port, depth) {
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  await new Promise((r, j) => (sock.once('connect', r), sock.once('error', j)));
  let tid = 0;
  let answered = 0;
  let buf = Buffer.alloc(0);
  let stop = false;
  const frame = (start) => {
    const b = Buffer.alloc(12);
    b.writeUInt16BE(++tid & 0xffff, 0);
    b.writeUInt16BE(6, 4);
    b[6] = 1;
    b[7] = 3;
    b.writeUInt16BE(start, 8);
    b.writeUInt16BE(125, 10);
    return b;
  };
  let next = 0;
  const send = () => {
    sock.write(frame(next));
    next = (next + 125) % REGISTERS;
  };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((resolve) => {
    sock.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 6 && buf.length >= 6 + buf.readUInt16BE(4)) {
        buf = buf.subarray(6 + buf.readUInt16BE(4));
        answered++;
        if (!stop) send();
        else if (--depth === 0) resolve();
      }
    });
    for (let i = 0; i < depth; i++) send();
    setTimeout(() => (stop = true), RUN_MS);
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  sock.destroy();
  return { regsPerS: (answered * 125) / s, reqPerS: answered / s, cpuUsPerReq: (cpu.user + cpu.system) / answered };
}

function mapTags() {
  const tags = [];
  for (let i = 0; i < REGISTERS; i++) tags.push({ name: `R${i}`, deadband: 0, source: { connection: 'plc1', address: `HR:${i}`, type: 'uint16' } });
  return tags;
}
function plantText() {
  return JSON.stringify({ plant: 'Modbus bench', areas: ['a'], tags: mapTags() });
}

/** Ours, library level: continuous polls of the whole map for RUN_MS. */
async function oursLib(port, inFlight, tags) {
  const client = new ModbusTcpClient({ host: '127.0.0.1', port, maxInFlight: inFlight, queueLimit: 1000, timeoutMs: 2000 });
  const poller = new ModbusPoller(tags, { defaultUnitId: 1, maxGap: 0 });
  await poller.poll(client); // connect and warm up
  let polls = 0;
  let samples = 0;
  let good = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const end = Date.now() + RUN_MS;
  while (Date.now() < end) {
    const { all } = await poller.poll(client);
    polls++;
    samples += all.length;
    for (const s of all) if (s.quality === 'good') good++;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const requests = polls * poller.requests.length;
  await client.close();
  return { regsPerS: (polls * REGISTERS) / s, samplesPerS: samples / s, good: good / samples, cpuUsPerReq: (cpu.user + cpu.system) / requests, cpuUsPerTag: (cpu.user + cpu.system) / samples, requestsPerPoll: poller.requests.length };
}

/** A Node-RED runtime through node-red-node-test-helper; runs fn(helper) and tears it down. */
async function withNodeRed(fn) {
  const helper = require('node-red-node-test-helper');
  helper.init(require.resolve('node-red'));
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modbus-bench-'));
  helper.settings({ userDir, logging: { console: { level: 'off' } } });
  await helper.startServer();
  try {
    return await fn(helper);
  } finally {
    await helper.unload();
    await helper.stopServer();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

/** Ours in Node-RED: copilot-modbus-read polling as fast as it can (interval 10 ms after each poll; polls never overlap). */
async function oursNodeRed(port, inFlight) {
  return withNodeRed(async (helper) => {
    const nodes = ['copilot-plant', 'copilot-modbus', 'copilot-modbus-read'].map((t) => require(`../dist/nodes/${t}/${t}.js`));
    await helper.load(nodes, [
      { id: 'plant', type: 'copilot-plant', name: 'bench', source: 'inline', inline: plantText() },
      { id: 'conn1', type: 'copilot-modbus', name: 'plc1', transport: 'tcp', host: '127.0.0.1', port, unitId: 1, timeout: 2000, inFlight, queueLimit: 1000 },
      // fullRefresh 0.01 s: every poll sends every tag, so the count is samples delivered, not changes.
      { id: 'rd', type: 'copilot-modbus-read', plant: 'plant', connection: 'conn1', interval: 0.01, fullRefresh: 0.01, output: 'batch', maxGap: 0, wires: [['sink']] },
      { id: 'sink', type: 'helper' },
    ]);
    let samples = 0;
    let first = false;
    helper.getNode('sink').on('input', (m) => {
      first = true;
      samples += Object.keys(m.payload).length;
    });
    await until(`the first batch from copilot-modbus-read (${inFlight} in flight)`, () => first, 5000, { everyMs: 25 });
    samples = 0;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await sleep(RUN_MS);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    return { samplesPerS: samples / s, cpuUsPerTag: samples ? (cpu.user + cpu.system) / samples : null };
  });
}

const PEER_DIR = path.join(root, 'bench', 'peer');
const PEER_CANDIDATES = ['5.45.2', '5.23.3'];
const PEER_SKIPPED = { '5.60.2': 'declares engines.node >=22' };

/** Installs the peer into bench/peer (never the root); returns {version} or {error}. */
function ensurePeer() {
  const pkg = path.join(PEER_DIR, 'node_modules', 'node-red-contrib-modbus', 'package.json');
  if (fs.existsSync(pkg)) return { version: require(pkg).version };
  fs.mkdirSync(PEER_DIR, { recursive: true });
  if (!fs.existsSync(path.join(PEER_DIR, 'package.json'))) fs.writeFileSync(path.join(PEER_DIR, 'package.json'), '{"name":"modbus-bench-peer","private":true}\n');
  const failures = {};
  for (const v of PEER_CANDIDATES) {
    const r = spawnSync('npm', ['install', '--prefix', PEER_DIR, `node-red-contrib-modbus@${v}`, '--no-audit', '--no-fund', '--no-save', '--no-package-lock', '--ignore-scripts', '--fetch-retries', '0', '--fetch-timeout', '20000'], { encoding: 'utf8', timeout: 90_000 });
    if (r.status === 0 && fs.existsSync(pkg)) return { version: require(pkg).version, failures };
    failures[v] = ((r.stderr || '') + (r.error ? r.error.message : '')).split('\n').filter((l) => /error/i.test(l)).slice(0, 2).join(' ') || `exit ${r.status}`;
  }
  return { error: 'node-red-contrib-modbus could not be installed', failures };
}

/** The peer: 80 Modbus-Read nodes x 125 holding registers, its default client, rate 50 ms each. */
async function peerNodeRed(port) {
  return withNodeRed(async (helper) => {
    const dir = path.join(PEER_DIR, 'node_modules', 'node-red-contrib-modbus', 'modbus');
    const nodes = [require(path.join(dir, 'modbus-client.js')), require(path.join(dir, 'modbus-read.js'))];
    const flow = [
      // The peer's editor defaults for the client (modbus-client.html), only host and port set.
      { id: 'pc', type: 'modbus-client', name: 'peer', clienttype: 'tcp', bufferCommands: true, stateLogEnabled: false, queueLogEnabled: false, failureLogEnabled: true, tcpHost: '127.0.0.1', tcpPort: port, tcpType: 'DEFAULT', serialPort: '/dev/ttyUSB', serialType: 'RTU-BUFFERD', serialBaudrate: 9600, serialDatabits: 8, serialStopbits: 1, serialParity: 'none', serialConnectionDelay: 100, unit_id: 1, commandDelay: 1, clientTimeout: 1000, reconnectOnTimeout: true, reconnectTimeout: 2000, parallelUnitIdsAllowed: true },
      { id: 'sink', type: 'helper' },
    ];
    for (let i = 0; i < REGISTERS / 125; i++) {
      flow.push({ id: `pr${i}`, type: 'modbus-read', name: '', topic: '', showStatusActivities: false, logIOActivities: false, showErrors: false, unitid: '', dataType: 'HoldingRegister', adr: String(i * 125), quantity: '125', rate: '50', rateUnit: 'ms', delayOnStart: false, startDelayTime: '', server: 'pc', useIOFile: false, ioFile: '', useIOForPayload: false, emptyMsgOnFail: false, wires: [['sink'], []] });
    }
    await helper.load(nodes, flow);
    let regs = 0;
    helper.getNode('sink').on('input', (m) => {
      if (Array.isArray(m.payload)) regs += m.payload.length;
    });
    await until('the first registers from node-red-contrib-modbus', () => regs > 0, 5000, { everyMs: 25 });
    regs = 0;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await sleep(RUN_MS);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    return { regsPerS: regs / s, cpuUsPerReg: regs ? (cpu.user + cpu.system) / regs : null };
  });
}

/** Kills the server, restarts it on the same port after 500 ms; time from restart to the first good sample. */
async function recovery(sim) {
  const client = new ModbusTcpClient({ host: '127.0.0.1', port: sim.port, timeoutMs: 500 });
  const poller = new ModbusPoller(mapTags().slice(0, 100), { defaultUnitId: 1 });
  await poller.poll(client);
  await stopSim(sim);
  await sleep(500);
  const restarted = await startSim(sim.port);
  const tRestart = Date.now();
  let tGood;
  while (!tGood && Date.now() - tRestart < 20_000) {
    const { all } = await poller.poll(client);
    if (all.every((s) => s.quality === 'good')) tGood = Date.now();
    else await sleep(10);
  }
  const detail = client.detail;
  await client.close();
  return { sim: restarted, ms: tGood ? tGood - tRestart : null, backoffMaxStepMs: client.opts.backoffMaxMs, detail };
}

(async () => {
  let sim = await startSim();
  try {
    const tags = parsePlantText(plantText(), { file: 'bench.json' }).model.tags;
    const ceiling1 = await rawCeiling(sim.port, 1);
    const ceiling8 = await rawCeiling(sim.port, 8);
    for (const [inFlight, ceiling] of [[1, ceiling1], [8, ceiling8]]) {
      const o = await oursLib(sim.port, inFlight, tags);
      line({ metric: 'registers_per_s', inFlight, value: Math.round(o.regsPerS), baseline: `raw pipelined socket, ${inFlight} in flight`, baselineValue: Math.round(ceiling.regsPerS), ratio: round(o.regsPerS / ceiling.regsPerS, 2) });
      line({ metric: 'tag_samples_per_s', inFlight, level: 'library', value: Math.round(o.samplesPerS), goodFraction: o.good, requestsPerPoll: o.requestsPerPoll });
      line({ metric: 'cpu_us_per_request', inFlight, value: round(o.cpuUsPerReq), baseline: 'raw socket client', baselineValue: round(ceiling.cpuUsPerReq), ratio: round(o.cpuUsPerReq / ceiling.cpuUsPerReq, 2) });
      line({ metric: 'cpu_us_per_tag', inFlight, value: round(o.cpuUsPerTag, 3) });
    }

    const peer = ensurePeer();
    let peerResult;
    if (peer.version) {
      try {
        peerResult = await peerNodeRed(sim.port);
      } catch (e) {
        peer.error = `node-red-contrib-modbus ${peer.version} did not run: ${e.message}`;
      }
    }
    for (const inFlight of [1, 8]) {
      const nr = await oursNodeRed(sim.port, inFlight);
      const out = { metric: 'tag_samples_per_s', level: 'node-red', inFlight, value: Math.round(nr.samplesPerS), cpuUsPerTag: nr.cpuUsPerTag && round(nr.cpuUsPerTag, 3) };
      if (peerResult) Object.assign(out, { baseline: `node-red-contrib-modbus ${peer.version}, 80 read nodes x 125 registers, default client settings, rate 50 ms`, baselineValue: Math.round(peerResult.regsPerS), ratio: round(nr.samplesPerS / peerResult.regsPerS, 1) });
      else Object.assign(out, { baseline: 'node-red-contrib-modbus', baselineValue: null, baselineError: peer.error, failures: peer.failures });
      line(out);
    }
    if (peerResult) line({ metric: 'peer_registers_per_s', value: Math.round(peerResult.regsPerS), peer: `node-red-contrib-modbus ${peer.version}`, cpuUsPerRegister: peerResult.cpuUsPerReg && round(peerResult.cpuUsPerReg, 3), skipped: PEER_SKIPPED, failures: peer.failures });

    const rec = await recovery(sim);
    sim = rec.sim;
    line({ metric: 'recovery_ms', value: rec.ms, note: 'server restarted on the same port 500 ms after it was killed; time from restart to the first all-good poll', target: 'within one back-off step (0.25 s doubling, jittered)' });
  } finally {
    await stopSim(sim);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
