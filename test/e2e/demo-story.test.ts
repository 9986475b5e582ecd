// The end-to-end story a newcomer sees after `npm start`, driven through public surfaces only:
// the simulator's fault API, the console's JSON API and the audit CLI. For three different
// faults in turn: the right alarms arrive, the diagnosis names the injected fault, an operator
// approves the proposal (two users where four-eyes applies), the write is verified on the
// simulator, the alarms return to normal after the fault is cleared, and the audit chain holds.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDemo, type RunningDemo } from '../../dist/demo/main';
import { until } from '../helpers/wait';

jest.setTimeout(420_000);

const root = path.join(__dirname, '../..');

class ConsoleUser {
  cookie = '';
  csrf = '';
  constructor(
    private readonly base: string,
    readonly name: string,
  ) {}
  async call(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    const r = await fetch(this.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const sc = r.headers.getSetCookie();
    if (sc.length) this.cookie = sc.map((c) => c.split(';')[0]).join('; ');
    let json: any = null;
    try {
      json = await r.json();
    } catch {
      /* no body */
    }
    return { status: r.status, body: json };
  }
  async login(password: string): Promise<void> {
    const r = await this.call('POST', '/login', { username: this.name, password });
    expect(r.status).toBe(200);
    this.csrf = r.body.csrfToken;
  }
}

/** How this file polls the demo over HTTP: once a second, and a request that fails is tried again. */
const OVER_HTTP = { everyMs: 1000, retryErrors: true };

describe('the demo story: fault -> alarm -> diagnosis -> proposal -> approval -> verified write -> audit', () => {
  let demo: RunningDemo;
  let sim: string;
  let op1: ConsoleUser;
  let op2: ConsoleUser;
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-demo-'));
  const password = 'e2e-' + Math.random().toString(36).slice(2);
  const designSetpoints: Record<string, number> = { 'FIC-101.SP': 0, 'LIC-201.SP': 0 };

  beforeAll(async () => {
    demo = await startDemo({ port: 0, simHttpPort: 0, simModbusPort: 0, password, userDir, speed: 5, seed: 7, resetFlows: true, logLevel: 'error' });
    sim = `http://127.0.0.1:${demo.sim.httpPort}`;
    const api = `http://127.0.0.1:${demo.red.port}/copilot/api`;
    op1 = new ConsoleUser(api, 'operator1');
    op2 = new ConsoleUser(api, 'operator2');
    await until('the console API', async () => (await fetch(`${api}/me`)).status === 401, 60_000, { ...OVER_HTTP, everyMs: 500 });
    await op1.login(password);
    await op2.login(password);
    const tags = ((await (await fetch(`${sim}/state`)).json()) as { tags: Record<string, number> }).tags;
    for (const t of Object.keys(designSetpoints)) designSetpoints[t] = tags[t];
    // Let the plant settle and the read node fill the live value table.
    await until('all alarms normal', async () => {
      const alarms = (await op1.call('GET', '/alarms')).body.alarms as Array<{ state: string }>;
      return alarms.length > 0 && alarms.every((a) => a.state === 'NORMAL');
    }, 60_000, OVER_HTTP);
  });

  afterAll(async () => {
    await demo?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  const faults = [
    { type: 'pump-trip', target: 'P-301', cause: 'cw-pump-trip', alarm: 'FT-301:LO', setpoint: 'FIC-101.SP' },
    { type: 'pump-trip', target: 'P-201', cause: 'product-pump-trip', alarm: 'P-201.RUN:DISCRETE', setpoint: 'LIC-201.SP' },
    { type: 'loss-of-cooling', target: 'cooling-tower', cause: 'cw-supply-hot', alarm: 'TT-301:HI', setpoint: 'FIC-101.SP' },
  ];

  test.each(faults)('$type $target is diagnosed as $cause and its proposal is approved, written and verified', async (f) => {
    const listed = (await (await fetch(`${sim}/faults`)).json()) as { available: Array<{ type: string; target: string; cause: string }> };
    expect(listed.available).toContainEqual(expect.objectContaining({ type: f.type, target: f.target, cause: f.cause }));
    const before = new Set(((await op1.call('GET', '/incidents')).body.incidents as Array<{ id: string }>).map((i) => i.id));
    const inj = await fetch(`${sim}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: f.type, target: f.target }) });
    expect(inj.status).toBe(201);

    // The right alarm arrives.
    const alarm = await until(`alarm ${f.alarm}`, async () => {
      const alarms = (await op1.call('GET', '/alarms')).body.alarms as Array<{ id: string; state: string; priority: string }>;
      return alarms.find((a) => a.id === f.alarm && a.state !== 'NORMAL');
    }, 45_000, OVER_HTTP);
    expect(alarm.priority).toBeTruthy();

    // The diagnosis of the new incident names the injected fault.
    const incident = await until(`a diagnosis naming ${f.cause}`, async () => {
      const incs = ((await op1.call('GET', '/incidents')).body.incidents as Array<{ id: string; suggestion?: { hypotheses: Array<{ cause: string }> } }>).filter(
        (i) => !before.has(i.id),
      );
      return incs.find((i) => i.suggestion?.hypotheses[0]?.cause === f.cause);
    }, 45_000, OVER_HTTP);
    expect(incident.suggestion!.hypotheses[0].cause).toBe(f.cause);

    // Its setpoint proposal is pending; approve it (four-eyes where the tag needs it).
    let seen = '';
    const prop = await until(`a pending proposal for ${f.setpoint}`, async () => {
      const all = (await op1.call('GET', '/proposals')).body.proposals as Array<{ id: string; tag: string; state: string; current: unknown; proposed: number; policy: { ok: boolean; reasons: string[] } }>;
      seen = all.map((p) => `${p.id} ${p.tag} ${p.state} ${String(p.current)}->${p.proposed} ${p.policy.ok ? 'ok' : p.policy.reasons.join('; ')}`).join(' | ');
      const ps = (await op1.call('GET', '/proposals?state=pending')).body.proposals as Array<{ id: string; tag: string; incidentId?: string; approvalsRequired: number; proposed: number; policy: { ok: boolean } }>;
      return ps.find((p) => p.tag === f.setpoint && p.policy.ok);
    }, 30_000, OVER_HTTP).catch((e: Error) => {
      throw new Error(`${e.message}; proposals: ${seen}`);
    });
    expect((await op1.call('POST', `/proposals/${prop.id}/select`)).status).toBe(200);
    const a1 = await op1.call('POST', `/proposals/${prop.id}/approve`, { reason: 'e2e' });
    expect(a1.status).toBe(200);
    if (prop.approvalsRequired > 1) {
      const again = await op1.call('POST', `/proposals/${prop.id}/approve`, { reason: 'again' });
      expect(again.status).toBeGreaterThanOrEqual(400);
      expect((await op2.call('POST', `/proposals/${prop.id}/select`)).status).toBe(200);
      expect((await op2.call('POST', `/proposals/${prop.id}/approve`, { reason: 'second' })).status).toBe(200);
    }
    const written = await until(`proposal ${prop.id} written`, async () => {
      const ps = (await op1.call('GET', '/proposals')).body.proposals as Array<{ id: string; state: string; result?: { verified: boolean; readBack: number } }>;
      const p = ps.find((x) => x.id === prop.id);
      return p && (p.state === 'written' || p.state === 'failed') ? p : undefined;
    }, 30_000, OVER_HTTP);
    expect(written.state).toBe('written');
    expect(written.result!.verified).toBe(true);
    // The simulator itself holds the approved value.
    const state = (await (await fetch(`${sim}/state`)).json()) as { tags: Record<string, number> };
    expect(state.tags[f.setpoint]).toBeCloseTo(prop.proposed, 2);

    // Clear the fault: the alarms return to normal (acknowledge what needs it).
    expect((await fetch(`${sim}/faults`, { method: 'DELETE' })).status).toBeLessThan(300);
    let abnormal: string[] = [];
    await until('all alarms back to normal', async () => {
      const alarms = (await op1.call('GET', '/alarms')).body.alarms as Array<{ id: string; state: string; value: unknown }>;
      for (const a of alarms.filter((x) => x.state === 'RTN_UNACK' || x.state === 'UNACK')) await op1.call('POST', `/alarms/${encodeURIComponent(a.id)}/ack`);
      abnormal = alarms.filter((a) => a.state !== 'NORMAL').map((a) => `${a.id} ${a.state} (${String(a.value)})`);
      return abnormal.length === 0;
    }, 90_000, { ...OVER_HTTP, everyMs: 2000 }).catch((e: Error) => {
      throw new Error(`${e.message}; still abnormal: ${abnormal.join(', ')}`);
    });

    // With the fault gone the shift returns the plant to its normal operating point from the
    // DCS (the simulator's own controls, not the copilot's write path), as operators do after an
    // upset, so the next fault starts from the plant's design point.
    for (const [tag, v] of Object.entries(designSetpoints)) demo.sim.process.write(tag, v);
    await until('the plant back at its design point', async () => {
      const tags = ((await (await fetch(`${sim}/state`)).json()) as { tags: Record<string, number> }).tags;
      const alarms = (await op1.call('GET', '/alarms')).body.alarms as Array<{ id: string; state: string }>;
      for (const a of alarms.filter((x) => x.state === 'RTN_UNACK')) await op1.call('POST', `/alarms/${encodeURIComponent(a.id)}/ack`);
      return Math.abs(tags['FT-101'] - designSetpoints['FIC-101.SP']) < 0.3 && alarms.every((a) => a.state === 'NORMAL');
    }, 60_000, { ...OVER_HTTP, everyMs: 2000 });
  });

  test('the audit trail names the approvers and its hash chain verifies; a tampered copy is detected', async () => {
    const records = (await op1.call('GET', '/audit')).body.records as Array<{ kind: string; actor: string | null }>;
    expect(records.some((r) => r.kind === 'decision' && r.actor === 'operator1')).toBe(true);
    expect(records.some((r) => r.kind === 'write')).toBe(true);
    const db = path.join(userDir, 'copilot-audit.db');
    const cli = (f: string) => spawnSync(process.execPath, [path.join(root, 'bin/operator-copilot.js'), 'audit', 'verify', f], { encoding: 'utf8' });
    const ok = cli(db);
    expect(ok.stdout).toMatch(/chain ok/);
    expect(ok.status).toBe(0);
    const copy = path.join(userDir, 'tampered.db');
    fs.copyFileSync(db, copy);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3');
    const d = new Database(copy);
    const table = d.prepare("select name from sqlite_master where type='table' and name not like 'sqlite_%'").all()[0].name;
    const col = d.prepare(`pragma table_info("${table}")`).all().find((c: { name: string; type: string }) => /TEXT/i.test(c.type) && !/hash/i.test(c.name)).name;
    d.prepare(`update "${table}" set "${col}" = "${col}" || ' ' where rowid = (select rowid from "${table}" limit 1 offset 2)`).run();
    d.close();
    const bad = cli(copy);
    expect(bad.status).toBe(1);
  });
});
