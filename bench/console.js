// Console server benchmarks (built dist/): what the session, CSRF and sorting layers cost on the
// busiest read (GET /api/alarms with 200 alarms) against a bare Express route serving the same
// JSON, and how fast hub events fan out to browsers over server-sent events against raw writes of
// the same frames. One JSON line per measurement.
'use strict';
const http = require('node:http');
const path = require('node:path');
const express = require('express');

const dist = path.join(__dirname, '..', 'dist', 'nodes', 'lib');
const { createConsoleRouter, hashPassword } = require(path.join(dist, 'console'));
const { PlantHub } = require(path.join(dist, 'hub'));

const ALARMS = 200;
const CONCURRENCY = 8;
const DURATION_MS = 4000;
const SSE_CLIENTS = 20;
const SSE_EVENTS = 3000;
const progress = { phase: 'start', counts: [] };

function alarms() {
  const out = [];
  for (let i = 0; i < ALARMS; i++) {
    out.push({
      id: `TAG-${i}:HI`, tag: `TAG-${i}`, type: 'HI', state: i % 7 === 0 ? 'UNACK' : 'NORMAL', priority: ['urgent', 'high', 'medium', 'low'][i % 4],
      value: i, limit: 100, message: `Tag ${i} high`, activeSince: i % 7 === 0 ? Date.now() - i * 1000 : null, firstOut: i === 7,
      shelved: false, suppressed: false, rationalization: { cause: 'c', consequence: 'q', action: 'a', responseTime: '5m' }, active: i % 7 === 0, acked: i % 7 !== 0, at: Date.now(),
    });
  }
  return out;
}

function listen(app) {
  return new Promise((resolve) => {
    const server = http.createServer(app).listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function hammer(port, pathName, headers) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let done = 0;
  const end = Date.now() + DURATION_MS;
  const one = () =>
    new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: pathName, agent, headers }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
    });
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        await one();
        done++;
      }
    }),
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  return done / s;
}

function ready(reqs) {
  return new Promise((resolve) => (reqs.ready = resolve));
}

async function main() {
  const hash = await hashPassword('bench');
  const hub = new PlantHub();
  const list = alarms();
  hub.provide('alarms', 'bench', { list: () => list, command: () => { throw new Error('no'); }, kpis: () => ({}) });
  const router = createConsoleRouter({ context: () => ({ hub, users: [{ name: 'op', roles: ['operator'], hash }] }) });
  const app = express();
  app.use('/copilot', router);
  const server = await listen(app);
  const port = server.address().port;

  // The console allows 6 streams per session: the SSE clients share 4 sessions, 5 streams each.
  const cookies = [];
  for (let i = 0; i < 4; i++) {
    const login = await fetch(`http://127.0.0.1:${port}/copilot/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'op', password: 'bench' }) });
    cookies.push(login.headers.getSetCookie()[0].split(';')[0]);
  }
  const cookie = cookies[0];

  const bare = express();
  bare.get('/alarms', (_req, res) => res.json({ alarms: list }));
  const bareServer = await listen(bare);

  // Warm-up, then measure: the console route first, the baseline second, then once more each.
  await hammer(port, '/copilot/api/alarms', { cookie });
  const consoleRate = Math.max(await hammer(port, '/copilot/api/alarms', { cookie }), 0);
  const bareRate = await hammer(bareServer.address().port, '/alarms', {});
  console.log(JSON.stringify({ bench: 'console', metric: 'alarms_get_per_s', value: Math.round(consoleRate), baseline: 'bare express route serialising the same alarms (no session, CSRF, sorting)', baselineValue: Math.round(bareRate), ratio: Number((consoleRate / bareRate).toFixed(2)), alarms: ALARMS, concurrency: CONCURRENCY }));

  // SSE fan-out: hub.emit -> every stream, against a raw server writing the same frames.
  const payload = list[7];
  progress.phase = 'console sse';
  let consoleSse;
  let rawSse;
  {
    const reqs = [];
    const p = (async () => {
      const t = ready(reqs);
      const c = sseClientsWith(reqs, port, '/copilot/api/events', (i) => ({ cookie: cookies[i % cookies.length] }), SSE_EVENTS);
      await t;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < SSE_EVENTS; i++) {
        hub.emit({ type: 'alarm', payload });
        if (i % 10 === 0) await new Promise((r) => setImmediate(r));
      }
      await c;
      return Number(process.hrtime.bigint() - t0) / 1e9;
    })();
    consoleSse = (SSE_EVENTS * SSE_CLIENTS) / (await p);
  }
  progress.phase = 'raw sse';
  const raw = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    rawClients.push(res);
  });
  const rawClients = [];
  await new Promise((r) => raw.listen(0, '127.0.0.1', r));
  {
    const reqs = [];
    const t = ready(reqs);
    const c = sseClientsWith(reqs, raw.address().port, '/', () => ({}), SSE_EVENTS);
    await t;
    const frame = `event: alarm\ndata: ${JSON.stringify(payload)}\n\n`;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < SSE_EVENTS; i++) {
      for (const res of rawClients) res.write(frame);
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    await c;
    rawSse = (SSE_EVENTS * SSE_CLIENTS) / (Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(JSON.stringify({ bench: 'console', metric: 'sse_events_delivered_per_s', value: Math.round(consoleSse), baseline: 'raw http server writing the same frames', baselineValue: Math.round(rawSse), ratio: Number((consoleSse / rawSse).toFixed(2)), clients: SSE_CLIENTS, events: SSE_EVENTS }));

  // One login's password check (scrypt N=16384): the cost an attacker pays per guess, too.
  const { verifyPassword } = require(path.join(dist, 'console'));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 10; i++) await verifyPassword('bench', hash);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / 10;
  const { createHash } = require('node:crypto');
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) createHash('sha256').update('bench').digest();
  const shaMs = Number(process.hrtime.bigint() - t1) / 1e6 / 1000;
  console.log(JSON.stringify({ bench: 'console', metric: 'login_password_check_ms', value: Number(ms.toFixed(1)), baseline: 'one sha256 of the password (what a fast hash would cost)', baselineValue: Number(shaMs.toFixed(4)), ratio: Math.round(ms / shaMs) }));

  router.close();
  for (const r of rawClients) r.end();
  await new Promise((r) => server.close(r));
  await new Promise((r) => bareServer.close(r));
  server.closeAllConnections();
  raw.closeAllConnections();
  await new Promise((r) => raw.close(r));
}

function sseClientsWith(reqs, port, pathName, headers, expected) {
  return new Promise((resolve, reject) => {
    let finished = 0;
    let started = 0;
    for (let i = 0; i < SSE_CLIENTS; i++) {
      let count = 0;
      progress.counts[i] = 0;
      let tail = '';
      const req = http.get({ host: '127.0.0.1', port, path: pathName, headers: headers(i) }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream refused: HTTP ${res.statusCode}`));
        started++;
        if (started === SSE_CLIENTS) setTimeout(() => reqs.ready && reqs.ready(), 50);
        res.on('data', (d) => {
          const parts = (tail + d.toString()).split('\n\n');
          tail = parts.pop();
          for (const p of parts) if (p.startsWith('event: alarm')) progress.counts[i] = ++count;
          if (count === expected && ++finished === SSE_CLIENTS) {
            for (const r of reqs) r.destroy();
            resolve();
          }
        });
        res.on('error', () => undefined);
      });
      req.on('error', (e) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
      reqs.push(req);
    }
  });
}

// A stuck measurement must not hang the bench runner.
setTimeout(() => {
  console.error(`bench/console.js: timed out in ${progress.phase}: ${progress.counts.join(',')}`);
  process.exit(1);
}, 55_000).unref();

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
