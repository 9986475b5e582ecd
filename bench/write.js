// The safe write path, measured against baselines in the same run:
//  1. approval-to-verified-write latency over loopback Modbus TCP against the simulator:
//     approve() (policy re-check, token signing) -> token check -> policy re-check -> write ->
//     read-back -> compare, with every step audited to a real SQLite file; p50/p99 against a
//     bare write + read-back of the same register through the same connection;
//  2. audit appends per second (hash chain, canonical JSON, one transaction per record) against
//     plain SQLite inserts of the same rows into the same schema with the same settings;
//  3. audit verification speed (records per second).
// Prints one JSON line per measurement. Run after `npm run build`.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Database = require('better-sqlite3');
const { startSimulator } = require('../dist/sim/index.js');
const { ModbusTcpClient, modbusTagIO } = require('../dist/nodes/lib/modbus');
const { loadPlantFile } = require('../dist/nodes/lib/plant');
const { ApprovalStore, executeApprovedWrite } = require('../dist/nodes/lib/approval');
const { AuditLog, AUDIT_SCHEMA } = require('../dist/nodes/lib/audit');
const { until, percentile } = require('./_util');

const N_WRITES = 300;
const N_APPENDS = 20000;
const ms = (ns) => Number((Number(ns) / 1e6).toFixed(3));
const out = (o) => console.log(JSON.stringify(o));

async function writeLatency(dir) {
  const sim = await startSimulator({ modbusPort: 0, httpPort: 0, seed: 3 });
  const client = new ModbusTcpClient({ host: '127.0.0.1', port: sim.modbusPort, timeoutMs: 2000 });
  client.open();
  try {
    await until(() => `the Modbus client to connect to the simulator (state ${client.state}: ${client.detail})`, () => client.state === 'connected', 2000, { everyMs: 20 });
    const model = loadPlantFile(path.join(__dirname, '../examples/plants/reactor-unit-2.yaml')).model;
    // The same tag I/O copilot-modbus gives the write node, on this one connection.
    const io = modbusTagIO((fn) => fn(client), 1);
    const live = new Map();
    const refresh = () => {
      for (const t of ['PT-201', 'P-101.RUN', 'LIC-201.SP']) live.set(t, { value: sim.process.read(t), quality: 'good', timestamp: Date.now() });
    };
    const audit = new AuditLog(path.join(dir, 'write-bench.db'));
    const auditFn = (k, a, d) => audit.append(k, a, d);
    let approved;
    const store = new ApprovalStore({
      now: Date.now,
      secret: 'bench-secret-0123456789abcdef',
      model: () => model,
      live: (t) => live.get(t),
      audit: auditFn,
      onChange: (_r, ev, w) => ev === 'approved' && (approved = w),
    });
    const tag = model.tagsByName.get('LIC-201.SP');
    const user = { name: 'operator1', roles: ['operator'] };
    const approval = [];
    const baseline = [];
    let verified = 0;
    for (let i = 0; i < N_WRITES; i++) {
      refresh();
      const target = i % 2 ? 55 : 50;
      const id = `b${i}`;
      store.propose({ id, tag: 'LIC-201.SP', current: live.get('LIC-201.SP').value, proposed: target, limits: { min: 0, max: 0 }, rationale: 'bench', evidence: [], approvalsRequired: 1, roles: [], expiresAt: Date.now() + 60_000, policy: { ok: true, reasons: [] } });
      store.select(id, user);
      const t0 = process.hrtime.bigint();
      store.approve(id, user, {});
      const r = await executeApprovedWrite(approved, {
        redeem: (w, a) => store.redeem(w, a),
        model: () => model,
        live: (t) => live.get(t),
        io: () => io,
        now: Date.now,
        audit: auditFn,
        actor: 'bench',
        updateLive: (t, v) => live.set(t, v),
      });
      approval.push(process.hrtime.bigint() - t0);
      if (r.result && r.result.verified) verified++;
      store.recordWrite(r.result);

      const b0 = process.hrtime.bigint();
      await io.writeTag(tag, target);
      await io.readTag(tag);
      baseline.push(process.hrtime.bigint() - b0);
    }
    audit.close();
    const p50 = ms(percentile(approval, 50));
    const p99 = ms(percentile(approval, 99));
    const b50 = ms(percentile(baseline, 50));
    const b99 = ms(percentile(baseline, 99));
    out({ bench: 'write', metric: 'approval_to_verified_write_ms_p50', value: p50, baseline: 'bare Modbus write + read-back, same connection', baselineValue: b50, ratio: Number((p50 / b50).toFixed(2)), writes: N_WRITES, verified });
    out({ bench: 'write', metric: 'approval_to_verified_write_ms_p99', value: p99, baseline: 'bare Modbus write + read-back, same connection', baselineValue: b99, ratio: Number((p99 / b99).toFixed(2)), writes: N_WRITES, verified });
  } finally {
    await client.close();
    await sim.stop();
  }
}

function auditRate(dir) {
  const record = (i) => ({ action: 'approve', proposalId: `p${i}`, tag: 'FIC-101.SP', current: { value: 10, quality: 'good', timestamp: 1_800_000_000_000 + i }, proposed: 7, limits: { min: 2, max: 15, maxStep: 4 }, approvals: ['operator1'], reason: 'bench' });
  const log = new AuditLog(path.join(dir, 'audit-bench.db'));
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < N_APPENDS; i++) log.append('decision', 'operator1', record(i));
  const auditS = Number(process.hrtime.bigint() - t0) / 1e9;
  t0 = process.hrtime.bigint();
  const v = log.verify();
  const verifyS = Number(process.hrtime.bigint() - t0) / 1e9;
  log.close();

  const db = new Database(path.join(dir, 'plain-bench.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(AUDIT_SCHEMA);
  const ins = db.prepare('INSERT INTO audit (at, kind, actor, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)');
  t0 = process.hrtime.bigint();
  for (let i = 0; i < N_APPENDS; i++) ins.run(Date.now(), 'decision', 'operator1', JSON.stringify(record(i)), '', '');
  const plainS = Number(process.hrtime.bigint() - t0) / 1e9;
  db.close();
  const rate = Math.round(N_APPENDS / auditS);
  const plain = Math.round(N_APPENDS / plainS);
  out({ bench: 'audit', metric: 'appends_per_s', value: rate, baseline: 'plain SQLite insert, same schema and settings', baselineValue: plain, ratio: Number((rate / plain).toFixed(2)), records: N_APPENDS });
  out({ bench: 'audit', metric: 'verify_records_per_s', value: Math.round(v.count / verifyS), records: v.count, ok: v.ok });
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-write-'));
  try {
    await writeLatency(dir);
    auditRate(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
