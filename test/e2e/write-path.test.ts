// End to end over real Modbus TCP: the simulator serves the demo plant; copilot-modbus and
// copilot-modbus-read fill the live value table; a proposal is approved (four-eyes where the
// plant model says so) through the approval service the console calls; copilot-write writes it
// through the connection, reads it back and verifies it; the proposal becomes `written`; the
// audit chain verifies with the CLI, and a tampered copy of the database is detected.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { collectPayloads, errorsOf, useNodeRed } from '../helpers/node-red';
import { DEMO_PLANT_FILE } from '../helpers/plant';
import { until } from '../helpers/wait';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
const dist = path.join(__dirname, '../../dist');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodes = ['copilot-plant', 'copilot-modbus', 'copilot-modbus-read', 'copilot-approval', 'copilot-write'].map((t) => require(path.join(dist, 'nodes', t, `${t}.js`)));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startSimulator } = require(path.join(dist, 'sim/index.js'));
const BIN = path.join(__dirname, '../../bin/operator-copilot.js');

helper.init(require.resolve('node-red'));

const op1 = { name: 'operator1', roles: ['operator'] };
const op2 = { name: 'operator2', roles: ['operator'] };

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('write path end to end over Modbus TCP', () => {
  let sim: any;
  const userDir = useNodeRed({ prefix: 'copilot-write-e2e-', plant: DEMO_PLANT_FILE });
  beforeAll(async () => {
    sim = await startSimulator({ modbusPort: 0, httpPort: 0, seed: 7 });
  });
  afterAll(async () => {
    await sim?.stop();
  });
  const load = (ramp?: { maxSteps: number; interval: number }) =>
    helper.load(nodes, [
      { id: 'plant', type: 'copilot-plant', source: 'file', path: 'plant.yaml', audit: 'copilot-audit.db' },
      { id: 'mb', type: 'copilot-modbus', name: 'plc1', transport: 'tcp', host: '127.0.0.1', port: sim.modbusPort, unitId: 1, timeout: 2000 },
      { id: 'read', type: 'copilot-modbus-read', plant: 'plant', connection: 'mb', interval: 0.2, fullRefresh: 1, output: 'batch', wires: [[]] },
      { id: 'appr', type: 'copilot-approval', plant: 'plant', maxSteps: ramp?.maxSteps ?? 1, wires: [['write'], [], []] },
      { id: 'write', type: 'copilot-write', plant: 'plant', timeout: 3, ramp: !!ramp, rampInterval: ramp?.interval ?? 5, wires: [['results']] },
      { id: 'results', type: 'helper' },
    ]);

  test('proposal -> four-eyes approval -> write -> read-back verified -> written; audit chain verifies; tampering is detected', async () => {
    await load();
    const plant = helper.getNode('plant');
    const live = (t: string) => plant.live.get(t);
    await until('live values from Modbus', () => live('FIC-101.SP')?.quality === 'good' && live('LIC-201.SP') && live('PT-201') && live('P-101.RUN'), 10_000);
    const svc = plant.hub.service('approval');
    const got = collectPayloads('results');

    // Single approval: LIC-201.SP (operators), +5 % from the value the PLC holds now.
    const lic = Number(live('LIC-201.SP').value);
    const licTarget = Math.round(lic + 5);
    helper.getNode('appr').receive({ topic: 'copilot/proposal', payload: { id: 'e2e-lic', tag: 'LIC-201.SP', current: lic, proposed: licTarget, expiresAt: Date.now() + 120_000 } });
    svc.select('e2e-lic', op1);
    svc.approve('e2e-lic', op1, { reason: 'e2e' });
    const r1 = await until('LIC-201.SP write result', () => got.find((r) => r.proposalId === 'e2e-lic'), 10_000);
    expect(r1).toMatchObject({ tag: 'LIC-201.SP', requested: licTarget, written: licTarget, verified: true });
    expect(Math.abs(Number(r1.readBack) - licTarget)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(Number(sim.process.read('LIC-201.SP')) - licTarget)).toBeLessThanOrEqual(0.05);
    await until('proposal written', () => svc.get('e2e-lic').state === 'written', 10_000);
    expect(svc.get('e2e-lic').result.verified).toBe(true);

    // Four-eyes: FIC-101.SP needs two different operators; the same one twice is refused.
    const fic = Number(live('FIC-101.SP').value);
    const ficTarget = Math.round((fic - 1) * 10) / 10;
    helper.getNode('appr').receive({ topic: 'copilot/proposal', payload: { id: 'e2e-fic', tag: 'FIC-101.SP', current: fic, proposed: ficTarget, expiresAt: Date.now() + 120_000 } });
    svc.select('e2e-fic', op1);
    svc.approve('e2e-fic', op1, {});
    expect(() => svc.approve('e2e-fic', op1, {})).toThrow(expect.objectContaining({ status: 409 }));
    expect(svc.get('e2e-fic').state).toBe('pending');
    svc.select('e2e-fic', op2);
    svc.approve('e2e-fic', op2, {});
    const r2 = await until('FIC-101.SP write result', () => got.find((r) => r.proposalId === 'e2e-fic'), 10_000);
    expect(r2).toMatchObject({ tag: 'FIC-101.SP', verified: true });
    expect(Math.abs(Number(sim.process.read('FIC-101.SP')) - ficTarget)).toBeLessThanOrEqual(0.05);
    await until('four-eyes proposal written', () => svc.get('e2e-fic').state === 'written', 10_000);

    // A replayed approved write and a hand-made one are refused and audited; the PLC is untouched.
    const errors = errorsOf('write');
    const audit = plant.hub.audit;
    const replay = audit.query({ kind: 'write' }).find((r: any) => r.data.proposalId === 'e2e-lic');
    expect(replay).toBeDefined();
    helper.getNode('write').receive({ payload: { proposalId: 'e2e-lic', tag: 'LIC-201.SP', value: 70, approvedBy: ['operator1'], token: 'x.y' } });
    helper.getNode('write').receive({ payload: { tag: 'LIC-201.SP', value: 70 } });
    await until('two refusals', () => errors.length >= 2, 10_000);
    expect(errors.join('\n')).toMatch(/write refused: the approval token signature is not valid/);
    expect(Math.abs(Number(sim.process.read('LIC-201.SP')) - licTarget)).toBeLessThanOrEqual(0.05);
    expect(audit.query({ kind: 'token-refusal' }).length).toBe(2);

    // The audit chain: intact on the live database (read-only, while Node-RED holds it open) ...
    const kinds = new Set(audit.query({}).map((r: any) => r.kind));
    for (const k of ['proposal', 'decision', 'write', 'read-back', 'token-refusal']) expect(kinds).toContain(k);
    audit.checkpoint();
    const db = path.join(userDir(), 'copilot-audit.db');
    const ok = cli('audit', 'verify', db);
    expect(ok.stdout).toMatch(/^chain ok: \d+ records/);
    expect(ok.status).toBe(0);
    // ... and a copy altered the way the acceptance check does it is detected.
    const copy = path.join(userDir(), 'tampered.db');
    fs.copyFileSync(db, copy);
    const d = new Database(copy);
    const n = (d.prepare('select count(*) c from audit').get() as { c: number }).c;
    const rid = (d.prepare(`select rowid r from audit limit 1 offset ${Math.floor(n / 2)}`).get() as { r: number }).r;
    d.prepare(`update audit set kind = kind || ' ' where rowid = ?`).run(rid);
    d.close();
    const bad = cli('audit', 'verify', copy);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(new RegExp(`^chain broken at record ${rid} `));
  }, 60_000);

  test('a ramped change is written in steps of at most maxStep, each read back', async () => {
    await load({ maxSteps: 3, interval: 0.3 });
    const plant = helper.getNode('plant');
    const live = (t: string) => plant.live.get(t);
    await until('live values from Modbus', () => live('LIC-201.SP')?.quality === 'good' && live('PT-201') && live('P-101.RUN'), 10_000);
    const got = collectPayloads('results');
    const lic = Number(live('LIC-201.SP').value);
    const target = lic > 50 ? 35 : 65; // 15 to 30 %: two or three steps of at most 10
    helper.getNode('appr').receive({ topic: 'copilot/proposal', payload: { id: 'ramp', tag: 'LIC-201.SP', current: lic, proposed: target, expiresAt: Date.now() + 120_000 } });
    const svc = plant.hub.service('approval');
    svc.select('ramp', op1);
    svc.approve('ramp', op1, {});
    const r = await until('ramp result', () => got[0], 20_000);
    expect(r).toMatchObject({ proposalId: 'ramp', requested: target, written: target, verified: true });
    const steps = plant.hub.audit.query({ kind: 'write' }).map((x: any) => x.data);
    expect(steps.length).toBe(Math.ceil(Math.abs(target - lic) / 10 - 1e-9));
    let prev = lic;
    for (const s of steps) {
      expect(Math.abs(s.value - prev)).toBeLessThanOrEqual(10 + 1e-6);
      prev = s.value;
    }
    expect(plant.hub.audit.query({ kind: 'read-back' }).every((x: any) => x.data.verified)).toBe(true);
    expect(Math.abs(Number(sim.process.read('LIC-201.SP')) - target)).toBeLessThanOrEqual(0.05);
  }, 40_000);
});
