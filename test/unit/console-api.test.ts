// The console API through HTTP (supertest) against the real router and the real parts a deployed
// flow has behind it (test/browser/fixtures/real-console.ts: the reactor-unit-2 plant model, live
// values, the alarm engine, the ApprovalStore, the write path and the hash-chained AuditLog in a
// temporary SQLite file; only the reasoner is a double): auth everywhere, CSRF, roles from the
// plant model, four-eyes, body validation, status mapping (404/409/422/403/400/503), the login
// rate limit, idle timeouts and the event stream. One clock drives every part, so a test moves
// time with rc.advance(ms) instead of waiting.
import * as http from 'node:http';
import request from 'supertest';
import { PlantHub } from '../../nodes/lib/hub';
import type { AlarmEvent, ProposalRecord } from '../../nodes/lib/contracts';
import type { TagValue } from '../../nodes/lib/plant';
import { hashPassword, type ConsoleUser } from '../../nodes/lib/console';
import { startRealConsole, type RealConsole, type RealConsoleOptions } from '../browser/fixtures/real-console';
import { until } from '../helpers/wait';

const PW = 'correct horse';
let users: ConsoleUser[];

beforeAll(async () => {
  const hash = await hashPassword(PW);
  users = [
    { name: 'op1', roles: ['operator'], hash },
    { name: 'op2', roles: ['operator'], hash },
    { name: 'sup', roles: ['supervisor'], hash },
    { name: 'view', roles: ['viewer'], hash },
  ];
});

const running: RealConsole[] = [];
/** A console with the real parts behind it; idle timeout 60 s, a fast SSE heartbeat. */
async function rig(opts: Partial<RealConsoleOptions> = {}): Promise<RealConsole> {
  const rc = await startRealConsole({ users, heartbeatMs: 50, idleTimeoutMs: 60_000, ...opts });
  running.push(rc);
  return rc;
}
afterEach(async () => {
  const done = running.splice(0);
  for (const rc of done) await rc.close();
  // The parts behind the console appended every record, and copilot-write refused nothing.
  for (const rc of done) expect({ auditErrors: rc.auditErrors, writeRefusals: rc.writeRefusals }).toEqual({ auditErrors: [], writeRefusals: [] });
});

interface Session {
  cookie: string;
  csrf: string;
}
async function login(rc: RealConsole, username: string, password = PW): Promise<Session> {
  const r = await request(rc.base).post('/copilot/api/login').send({ username, password });
  expect([username, r.status]).toEqual([username, 200]);
  const cookie = (r.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
  return { cookie, csrf: r.body.csrfToken };
}
const post = (rc: RealConsole, s: Session, path: string, body?: unknown) =>
  request(rc.base).post('/copilot/api' + path).set('cookie', s.cookie).set('x-csrf-token', s.csrf).send(body as object);
const get = (rc: RealConsole, s: Session, path: string) => request(rc.base).get('/copilot/api' + path).set('cookie', s.cookie);

/** The longest on-delay in reactor-unit-2 is 3 s. */
const LONGEST_ON_DELAY_MS = 3_000;
/** The process moves to `values` and stays there past every on-delay: the engine raises what the model says. */
function processMoves(rc: RealConsole, values: Record<string, TagValue>): void {
  for (const [tag, v] of Object.entries(values)) rc.set(tag, v);
  rc.advance(LONGEST_ON_DELAY_MS);
}
const alarm = (rc: RealConsole, id: string): AlarmEvent => {
  const a = rc.alarms.get(id);
  if (!a) throw new Error(`reactor-unit-2 has no alarm ${id}`);
  return a;
};
/** A proposal message on copilot-approval's input, expiring in 10 minutes. */
const propose = (rc: RealConsole, p: { id: string; tag: string; proposed: number } & Record<string, unknown>): ProposalRecord =>
  rc.propose({ current: rc.device.get(p.tag), expiresAt: rc.now() + 10 * 60_000, ...p });
const auditTrail = (rc: RealConsole) => rc.audit.query({}).map((r) => [r.kind, r.actor]);

describe('authentication', () => {
  test('every API call except login answers 401 without a session', async () => {
    const rc = await rig();
    propose(rc, { id: 'p', tag: 'LIC-201.SP', proposed: 45 });
    processMoves(rc, { 'TT-201': 90 });
    const calls: Array<[string, string]> = [
      ['get', '/me'], ['post', '/logout'], ['get', '/alarms'], ['post', '/alarms/TT-201:HI/ack'], ['post', '/alarms/TT-201:HI/shelve'], ['post', '/alarms/TT-201:HI/unshelve'],
      ['post', '/alarms/TT-201:HI/reset'], ['post', '/alarms/TT-201:HI/out-of-service'], ['post', '/alarms/TT-201:HI/return-to-service'],
      ['get', '/incidents'], ['post', '/incidents/i/ask'], ['post', '/incidents/i/feedback'], ['get', '/proposals?state=pending'],
      ['get', '/proposals/p'], ['post', '/proposals/p/select'], ['post', '/proposals/p/approve'], ['post', '/proposals/p/reject'],
      ['get', '/kpis'], ['get', '/audit'], ['get', '/events'], ['get', '/trend/TT-201'], ['get', '/nonexistent'],
    ];
    for (const [m, p] of calls) {
      const r = await (m === 'get' ? request(rc.base).get('/copilot/api' + p) : request(rc.base).post('/copilot/api' + p).send({ reason: 'x', minutes: 5 }));
      expect([p, r.status]).toEqual([p, 401]);
      expect(typeof r.body.error).toBe('string');
    }
    // Nothing was decided or changed.
    expect(rc.approval.get('p')).toMatchObject({ state: 'pending', approvals: [] });
    expect(alarm(rc, 'TT-201:HI').state).toBe('UNACK');
    expect(auditTrail(rc).filter(([k]) => k !== 'proposal' && k !== 'alarm')).toEqual([]);
  });

  test('login sets an httpOnly SameSite=Strict cookie and returns user, roles and a CSRF token', async () => {
    const rc = await rig();
    const r = await request(rc.base).post('/copilot/api/login').send({ username: 'op1', password: PW });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ user: 'op1', roles: ['operator'], csrfToken: expect.any(String) });
    const cookie = (r.headers['set-cookie'] as unknown as string[])[0];
    expect(cookie).toMatch(/^copilot_sid=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/copilot');
    expect(auditTrail(rc)).toEqual([['login', 'op1']]);
    const me = await request(rc.base).get('/copilot/api/me').set('cookie', cookie.split(';')[0]);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      user: 'op1',
      roles: ['operator'],
      csrfToken: r.body.csrfToken,
      plant: 'Reactor unit 2',
      idleTimeoutMs: 60_000,
      services: { alarms: true, reason: true, approval: true, audit: true },
    });
  });

  test('wrong password and unknown user both give 401 with the same message', async () => {
    const rc = await rig();
    const a = await request(rc.base).post('/copilot/api/login').send({ username: 'op1', password: 'nope' });
    const b = await request(rc.base).post('/copilot/api/login').send({ username: 'ghost', password: 'nope' });
    expect([a.status, b.status]).toEqual([401, 401]);
    expect(a.body.error).toBe(b.body.error);
    expect(a.headers['set-cookie']).toBeUndefined();
    expect(b.headers['set-cookie']).toBeUndefined();
    expect(auditTrail(rc)).toEqual([['login-failed', 'op1'], ['login-failed', 'ghost']]);
  });

  test('login bodies are validated (400)', async () => {
    const rc = await rig();
    for (const body of [{}, { username: 'op1' }, { username: '', password: 'x' }, { username: 'op1', password: 5 }]) {
      const r = await request(rc.base).post('/copilot/api/login').send(body);
      expect([JSON.stringify(body), r.status]).toEqual([JSON.stringify(body), 400]);
      expect(r.body.error).toMatch(/username|password/);
    }
    const bad = await request(rc.base).post('/copilot/api/login').set('content-type', 'application/json').send('{"username":');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/not valid JSON/);
    expect(auditTrail(rc)).toEqual([]);
  });

  test('five failures for a name from one client give 429, even for the right password, until the window passes', async () => {
    const rc = await rig();
    for (let i = 0; i < 5; i++) expect((await request(rc.base).post('/copilot/api/login').send({ username: 'sup', password: 'guess' + i })).status).toBe(401);
    const limited = await request(rc.base).post('/copilot/api/login').send({ username: 'sup', password: PW });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.error).toMatch(/too many failed logins/);
    expect(limited.headers['set-cookie']).toBeUndefined();
    // Another user from the same client is not locked out by sup's failures.
    await login(rc, 'op1');
    rc.advance(5 * 60_000 + 1);
    await login(rc, 'sup');
    expect(auditTrail(rc)).toEqual([...Array(5).fill(['login-failed', 'sup']), ['login', 'op1'], ['login', 'sup']]);
  });

  test('logout ends the session and is audited; an idle session times out', async () => {
    const rc = await rig();
    const s = await login(rc, 'op1');
    const out = await post(rc, s, '/logout');
    expect(out.status).toBe(200);
    expect((out.headers['set-cookie'] as unknown as string[])[0]).toMatch(/Max-Age=0/);
    expect((await get(rc, s, '/me')).status).toBe(401);
    expect(auditTrail(rc)).toEqual([['login', 'op1'], ['logout', 'op1']]);

    const s2 = await login(rc, 'op1');
    rc.advance(30_000);
    expect((await get(rc, s2, '/me')).status).toBe(200); // activity renews the idle timer
    rc.advance(59_000);
    expect((await get(rc, s2, '/me')).status).toBe(200);
    rc.advance(60_001);
    const late = await get(rc, s2, '/me');
    expect(late.status).toBe(401);
    expect(late.body.error).toMatch(/timed out/);
  });

  test('a failing audit log does not break login; the failure is reported', async () => {
    const rc = await rig();
    rc.audit.close();
    const r = await request(rc.base).post('/copilot/api/login').send({ username: 'op1', password: PW });
    expect(r.status).toBe(200);
    expect(rc.warnings).toEqual([expect.stringMatching(/^console: audit log append failed \(login by op1 not recorded\): the audit log .*copilot-audit\.db is closed$/)]);
    const cookie = (r.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    expect((await request(rc.base).get('/copilot/api/me').set('cookie', cookie)).status).toBe(200);
    // One report per outage, not one per lost record.
    await login(rc, 'op2');
    expect(rc.warnings).toHaveLength(1);
  });

  test('a mangled session cookie is no session (401), not an internal error', async () => {
    const rc = await rig();
    const r = await request(rc.base).get('/copilot/api/me').set('cookie', 'copilot_sid=%E0%A4%A');
    expect(r.status).toBe(401);
    expect(r.body.error).toMatch(/not logged in/);
    const s = await login(rc, 'op1');
    expect((await request(rc.base).post('/copilot/api/login').set('cookie', 'copilot_sid=%zz').send({ username: 'op1', password: PW })).status).toBe(200);
    expect((await get(rc, s, '/me')).status).toBe(200);
    expect(rc.warnings).toEqual([]);
  });

  test('a user removed from the console loses the session', async () => {
    const rc = await rig();
    const s = await login(rc, 'op2');
    rc.consoleNode.users = users.filter((u) => u.name !== 'op2');
    expect((await get(rc, s, '/me')).status).toBe(401);
    rc.consoleNode.users = users;
    expect((await get(rc, s, '/me')).status).toBe(401);
  });
});

describe('CSRF', () => {
  test('state-changing calls need the X-CSRF-Token of the session (403 otherwise)', async () => {
    const rc = await rig();
    processMoves(rc, { 'TT-201': 90 });
    expect(alarm(rc, 'TT-201:HI')).toMatchObject({ state: 'UNACK', priority: 'high' });
    propose(rc, { id: 'p1', tag: 'LIC-201.SP', proposed: 45 });
    const s = await login(rc, 'op1');
    const other = await login(rc, 'op2');
    const none = await request(rc.base).post('/copilot/api/alarms/TT-201:HI/ack').set('cookie', s.cookie).send({});
    expect(none.status).toBe(403);
    expect(none.body.error).toMatch(/CSRF/);
    const wrong = await request(rc.base).post('/copilot/api/alarms/TT-201:HI/ack').set('cookie', s.cookie).set('x-csrf-token', other.csrf).send({});
    expect(wrong.status).toBe(403);
    for (const path of ['/proposals/p1/select', '/proposals/p1/approve', '/proposals/p1/reject', '/alarms/TT-201:HI/shelve', '/logout']) {
      const r = await request(rc.base).post('/copilot/api' + path).set('cookie', s.cookie).send({ reason: 'x', minutes: 5 });
      expect([path, r.status]).toEqual([path, 403]);
    }
    // The e2e check's call: reject of an unknown proposal without the token is 403, not 404.
    expect((await request(rc.base).post('/copilot/api/proposals/none/reject').set('cookie', s.cookie).send({ reason: 'x' })).status).toBe(403);
    expect(alarm(rc, 'TT-201:HI').state).toBe('UNACK');
    expect(rc.approval.get('p1')).toMatchObject({ state: 'pending', approvals: [] });
    expect((await get(rc, s, '/me')).status).toBe(200); // logout without the token did not log out
    const ok = await post(rc, s, '/alarms/TT-201:HI/ack');
    expect(ok.status).toBe(200);
    expect(ok.body.alarm).toMatchObject({ id: 'TT-201:HI', state: 'ACKED', by: 'op1' });
    expect(rc.audit.query({ kind: 'alarm' }).filter((r) => (r.data as { change?: string }).change === 'ack').map((r) => r.actor)).toEqual(['op1']);
  });
});

describe('alarms', () => {
  test('lists every alarm, abnormal first by priority, and acks/shelves/unshelves with the user named', async () => {
    const rc = await rig();
    // TT-201 at 100 degC: HIHI (urgent) and HI (high); LT-201 high (medium); product flow low (low).
    processMoves(rc, { 'TT-201': 100, 'LT-201': 80, 'FT-202': 1 });
    // Later, cooling water flow lost (high): newer than TT-201:HI in the same priority.
    processMoves(rc, { 'FT-301': 0 });
    const s = await login(rc, 'op1');
    const list = await get(rc, s, '/alarms');
    expect(list.status).toBe(200);
    const alarms = list.body.alarms as AlarmEvent[];
    expect(alarms.length).toBe(rc.model.alarms.length);
    expect(alarms.slice(0, 5).map((a) => [a.id, a.priority, a.state])).toEqual([
      ['TT-201:HIHI', 'urgent', 'UNACK'],
      ['FT-301:LO', 'high', 'UNACK'],
      ['TT-201:HI', 'high', 'UNACK'],
      ['LT-201:HI', 'medium', 'UNACK'],
      ['FT-202:LO', 'low', 'UNACK'],
    ]);
    expect(alarms.slice(5).every((a) => a.state === 'NORMAL')).toBe(true);

    const shelve = await post(rc, s, '/alarms/FT-202:LO/shelve', { minutes: 10, reason: 'bar check' });
    expect(shelve.status).toBe(200);
    expect(shelve.body.alarm).toMatchObject({ state: 'SHELVED', shelved: true, by: 'op1', reason: 'bar check', shelvedUntil: expect.any(Number) });
    // The condition is still there: back from the shelf it needs an acknowledgement again.
    const unshelve = await post(rc, s, '/alarms/FT-202:LO/unshelve');
    expect(unshelve.status).toBe(200);
    expect(unshelve.body.alarm).toMatchObject({ state: 'UNACK', shelved: false, by: 'op1' });
    expect((await post(rc, s, '/alarms/FT-202:LO/unshelve')).status).toBe(409);
    const ack = await post(rc, s, '/alarms/TT-201:HIHI/ack');
    expect(ack.body.alarm).toMatchObject({ state: 'ACKED', by: 'op1' });
    expect((await post(rc, s, '/alarms/TT-201:HIHI/ack')).status).toBe(409); // already acknowledged
    expect((await post(rc, s, '/alarms/nope/ack')).status).toBe(404);
    expect((await post(rc, s, '/alarms/LT-201:LO/ack')).status).toBe(409); // NORMAL: nothing to acknowledge
    const byOp1 = rc.audit.query({ kind: 'alarm' }).filter((r) => r.actor === 'op1');
    expect(byOp1.map((r) => [(r.data as { id: string }).id, (r.data as { change: string }).change])).toEqual([
      ['FT-202:LO', 'shelve'],
      ['FT-202:LO', 'unshelve'],
      ['TT-201:HIHI', 'ack'],
    ]);
  });

  test('extensions: reset a latched alarm; out of service and back only for supervisors and engineers, with a reason', async () => {
    // reactor-unit-2 latches no alarm: this console's plant latches the P-301 trip alarm.
    const rc = await rig({ editPlant: (y) => y.replace('  - tag: P-301.RUN\n    type: DISCRETE\n', '  - tag: P-301.RUN\n    type: DISCRETE\n    latched: true\n') });
    expect(rc.model.alarms.find((a) => a.id === 'P-301.RUN:DISCRETE')?.latched).toBe(true);
    const op = await login(rc, 'op1');
    rc.set('P-301.RUN', false);
    expect(alarm(rc, 'P-301.RUN:DISCRETE').state).toBe('UNACK');
    const early = await post(rc, op, '/alarms/P-301.RUN:DISCRETE/reset');
    expect(early.status).toBe(409);
    expect(early.body.error).toMatch(/still present/);
    rc.set('P-301.RUN', true);
    expect(alarm(rc, 'P-301.RUN:DISCRETE').state).toBe('LATCHED');
    expect((await post(rc, op, '/alarms/P-301.RUN:DISCRETE/reset')).body.alarm).toMatchObject({ state: 'NORMAL', by: 'op1' });
    expect((await post(rc, op, '/alarms/P-301.RUN:DISCRETE/reset')).status).toBe(409);
    expect((await post(rc, op, '/alarms/TT-201:HI/reset')).status).toBe(409); // not a latched alarm

    const denied = await post(rc, op, '/alarms/LT-201:LO/out-of-service', { reason: 'transmitter calibration' });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatch(/supervisor or engineer/);
    const sup = await login(rc, 'sup');
    expect((await post(rc, sup, '/alarms/LT-201:LO/out-of-service', {})).status).toBe(400);
    expect((await post(rc, sup, '/alarms/LT-201:LO/out-of-service', { reason: 'transmitter calibration' })).body.alarm).toMatchObject({ state: 'OUT_OF_SERVICE', by: 'sup', reason: 'transmitter calibration' });
    // Out of service, the level dropping below the limit raises nothing.
    processMoves(rc, { 'LT-201': 10 });
    expect(alarm(rc, 'LT-201:LO').state).toBe('OUT_OF_SERVICE');
    expect((await post(rc, op, '/alarms/LT-201:LO/return-to-service')).status).toBe(403);
    // Back in service with the condition present, it is presented to the operator again.
    expect((await post(rc, sup, '/alarms/LT-201:LO/return-to-service')).body.alarm).toMatchObject({ state: 'UNACK', by: 'sup' });
    expect((await post(rc, sup, '/alarms/LT-201:LO/return-to-service')).status).toBe(409);
  });

  test('shelve bodies are validated', async () => {
    const rc = await rig();
    processMoves(rc, { 'TT-201': 90 });
    const s = await login(rc, 'op1');
    for (const body of [{}, { minutes: '10', reason: 'x' }, { minutes: 10 }, { minutes: 0, reason: 'x' }, { minutes: 5000, reason: 'x' }, { minutes: 10, reason: '  ' }]) {
      const r = await post(rc, s, '/alarms/TT-201:HI/shelve', body);
      expect([JSON.stringify(body), r.status]).toEqual([JSON.stringify(body), 400]);
    }
    expect(alarm(rc, 'TT-201:HI').state).toBe('UNACK');
  });

  test('a viewer reads but cannot ack (403); KPIs answer', async () => {
    const rc = await rig();
    processMoves(rc, { 'TT-201': 90 });
    const v = await login(rc, 'view');
    expect((await get(rc, v, '/alarms')).status).toBe(200);
    const ack = await post(rc, v, '/alarms/TT-201:HI/ack');
    expect(ack.status).toBe(403);
    expect(ack.body.error).toMatch(/viewer/);
    expect((await post(rc, v, '/alarms/TT-201:HI/shelve', { minutes: 10, reason: 'x' })).status).toBe(403);
    expect(alarm(rc, 'TT-201:HI').state).toBe('UNACK');
    const k = await get(rc, v, '/kpis');
    expect(k.status).toBe(200);
    expect(k.body).toMatchObject({ alarms: 1, unacknowledged: 1, priority: { counts: { high: 1 } } });
  });

  test('503 with a clear message when the alarm node is not deployed, or no console is', async () => {
    const rc = await rig();
    const s = await login(rc, 'op1');
    rc.provideAlarms()();
    rc.provideApproval()();
    const a = await get(rc, s, '/alarms');
    expect(a.status).toBe(503);
    expect(a.body.error).toMatch(/copilot-alarms/);
    expect((await post(rc, s, '/alarms/TT-201:HI/ack')).status).toBe(503);
    const p = await get(rc, s, '/proposals');
    expect(p.status).toBe(503);
    expect(p.body.error).toMatch(/copilot-approval/);
    expect((await get(rc, s, '/me')).body.services).toEqual({ alarms: false, reason: true, approval: false, audit: true });
    rc.consoleNode.deployed = false;
    const n = await get(rc, s, '/me');
    expect(n.status).toBe(503);
    expect(n.body.error).toMatch(/copilot-console/);
    expect((await request(rc.base).post('/copilot/api/login').send({ username: 'op1', password: PW })).status).toBe(503);
  });
});

describe('proposals', () => {
  test('state filter, select -> approve, the write result carried on the record', async () => {
    const rc = await rig();
    // Refused by the write policy as it arrives (TIC-201.SP is limited to 60 … 80).
    const refused = propose(rc, { id: 'p0', tag: 'TIC-201.SP', proposed: 95 });
    expect(refused).toMatchObject({ state: 'rejected', rejection: { user: 'policy' } });
    propose(rc, { id: 'p1', tag: 'LIC-201.SP', proposed: 45 });
    const s = await login(rc, 'op1');
    expect((await get(rc, s, '/proposals?state=pending')).body.proposals.map((p: { id: string }) => p.id)).toEqual(['p1']);
    expect((await get(rc, s, '/proposals?state=rejected')).body.proposals.map((p: { id: string }) => p.id)).toEqual(['p0']);
    expect((await get(rc, s, '/proposals')).body.proposals).toHaveLength(2);
    expect((await get(rc, s, '/proposals?state=bogus')).status).toBe(400);
    const unselected = await post(rc, s, '/proposals/p1/approve', {});
    expect(unselected.status).toBe(409);
    expect(unselected.body.error).toMatch(/select the LIC-201.SP proposal first/);
    expect((await post(rc, s, '/proposals/p1/select')).body.proposal).toMatchObject({ state: 'selected', selectedBy: 'op1' });
    const a = await post(rc, s, '/proposals/p1/approve', { reason: 'ok' });
    expect(a.status).toBe(200);
    expect(a.body.proposal).toMatchObject({ state: 'approved', value: 45, approvals: [{ user: 'op1', value: 45, reason: 'ok' }] });
    await rc.writesSettled();
    const written = (await get(rc, s, '/proposals?state=written')).body.proposals;
    expect(written).toEqual([expect.objectContaining({ id: 'p1', state: 'written', result: expect.objectContaining({ verified: true, written: 45, readBack: 45 }) })]);
    expect((await get(rc, s, '/proposals/p1')).body.proposal.state).toBe('written');
    expect(rc.device.get('LIC-201.SP')).toBe(45);
    expect((await get(rc, s, '/proposals/nope')).status).toBe(404);
    expect((await post(rc, s, '/proposals/p1/select')).status).toBe(409); // written: decided
    expect(rc.writeRefusals).toEqual([]);
  });

  test('edits: within the write policy pass; outside the limits or a larger step than maxStep give 422; bad bodies 400; reject needs a reason', async () => {
    const rc = await rig();
    // LIC-201.SP is 50; the plant model allows 30 … 70, at most 10 per change.
    propose(rc, { id: 'p1', tag: 'LIC-201.SP', proposed: 45 });
    const s = await login(rc, 'op1');
    expect((await post(rc, s, '/proposals/p1/select')).status).toBe(200);
    expect((await post(rc, s, '/proposals/p1/approve', { value: 'abc' })).status).toBe(400);
    const high = await post(rc, s, '/proposals/p1/approve', { value: 90 });
    expect(high.status).toBe(422);
    expect(high.body.error).toMatch(/above the maximum 70/);
    const step = await post(rc, s, '/proposals/p1/approve', { value: 62 }); // inside 30 … 70, but 12 from the live 50
    expect(step.status).toBe(422);
    expect(step.body.error).toMatch(/exceeds the largest allowed step of 10/);
    expect(rc.approval.get('p1')).toMatchObject({ state: 'selected', approvals: [] });
    expect((await post(rc, s, '/proposals/p1/reject', {})).status).toBe(400);
    expect((await post(rc, s, '/proposals/p1/reject', { reason: '' })).status).toBe(400);
    const rej = await post(rc, s, '/proposals/p1/reject', { reason: 'level already falling' });
    expect(rej.body.proposal).toMatchObject({ state: 'rejected', rejection: { user: 'op1', reason: 'level already falling' } });
    expect((await post(rc, s, '/proposals/p1/select')).status).toBe(409);
    expect((await post(rc, s, '/proposals/missing/select')).status).toBe(404);

    propose(rc, { id: 'p2', tag: 'LIC-201.SP', proposed: 45 });
    expect((await post(rc, s, '/proposals/p2/select')).status).toBe(200);
    const edited = await post(rc, s, '/proposals/p2/approve', { value: 58, reason: 'a little more' });
    expect(edited.status).toBe(200);
    expect(edited.body.proposal).toMatchObject({ state: 'approved', value: 58, approvals: [{ user: 'op1', value: 58 }] });
    await rc.writesSettled();
    expect(rc.approval.get('p2')).toMatchObject({ state: 'written', result: { written: 58, verified: true } });
    expect(rc.device.get('LIC-201.SP')).toBe(58);
    expect(rc.audit.query({ kind: 'policy-refusal' }).map((r) => (r.data as { value: number }).value)).toEqual([90, 62]);
  });

  test('the write policy at approval also checks interlocks and the freshness of the live value (422)', async () => {
    const rc = await rig();
    propose(rc, { id: 'lic', tag: 'LIC-201.SP', proposed: 45 });
    const s = await login(rc, 'op1');
    expect((await post(rc, s, '/proposals/lic/select')).status).toBe(200);
    // The read node loses the PLC: after 15 s the live value is too old to approve against.
    rc.setReading(false);
    rc.advance(16_000);
    const stale = await post(rc, s, '/proposals/lic/approve', {});
    expect(stale.status).toBe(422);
    expect(stale.body.error).toMatch(/live value of LIC-201.SP is 1[6-9] s old \(limit 15 s\)/);
    rc.setReading(true);
    expect((await post(rc, s, '/proposals/lic/approve', {})).status).toBe(200);

    // The feed pump stops while a feed change is selected: interlock feed-pump-stopped blocks it.
    propose(rc, { id: 'feed', tag: 'FIC-101.SP', proposed: 6 });
    expect((await post(rc, s, '/proposals/feed/select')).status).toBe(200);
    rc.set('P-101.RUN', false);
    const blocked = await post(rc, s, '/proposals/feed/approve', {});
    expect(blocked.status).toBe(422);
    expect(blocked.body.error).toMatch(/interlock feed-pump-stopped blocks writes to FIC-101.SP/);
    expect(rc.approval.get('feed')).toMatchObject({ state: 'selected', approvals: [] });
    await rc.writesSettled();
    expect(rc.device.get('FIC-101.SP')).toBe(8);
  });

  test('select before operate: one holder at a time; others cannot approve or reject it (409) until the selection times out', async () => {
    const rc = await rig({ approval: { selectionTimeoutMs: 20_000 } });
    propose(rc, { id: 'sbo', tag: 'LIC-201.SP', proposed: 45 });
    const a = await login(rc, 'op1');
    const b = await login(rc, 'op2');
    expect((await post(rc, a, '/proposals/sbo/select')).status).toBe(200);
    const taken = await post(rc, b, '/proposals/sbo/select');
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatch(/selected by op1/);
    const notHis = await post(rc, b, '/proposals/sbo/approve', {});
    expect(notHis.status).toBe(409);
    expect(notHis.body.error).toMatch(/selected by op1, not by op2/);
    const reject = await post(rc, b, '/proposals/sbo/reject', { reason: 'not yours' });
    expect(reject.status).toBe(409);
    expect(reject.body.error).toMatch(/selected by op1/);
    expect(rc.approval.get('sbo')).toMatchObject({ state: 'selected', selectedBy: 'op1' });
    rc.advance(20_001);
    expect(rc.approval.get('sbo')).toMatchObject({ state: 'pending' });
    expect((await post(rc, a, '/proposals/sbo/approve', {})).status).toBe(409); // op1's selection lapsed
    expect((await post(rc, b, '/proposals/sbo/select')).body.proposal).toMatchObject({ state: 'selected', selectedBy: 'op2' });
    expect((await post(rc, b, '/proposals/sbo/reject', { reason: 'level already falling' })).body.proposal.state).toBe('rejected');
    expect(rc.approvedWrites).toEqual([]);
  });

  test('an expired proposal cannot be selected (409)', async () => {
    const rc = await rig();
    const old = propose(rc, { id: 'old', tag: 'LIC-201.SP', proposed: 45, expiresAt: rc.now() - 1 });
    expect(old.state).toBe('expired');
    const s = await login(rc, 'op1');
    const r = await post(rc, s, '/proposals/old/select');
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/expired/);

    propose(rc, { id: 'soon', tag: 'LIC-201.SP', proposed: 45, expiresAt: rc.now() + 5_000 });
    expect((await post(rc, s, '/proposals/soon/select')).status).toBe(200);
    rc.advance(5_001);
    const late = await post(rc, s, '/proposals/soon/approve', {});
    expect(late.status).toBe(409);
    expect(late.body.error).toMatch(/expired/);
    expect(rc.approvedWrites).toEqual([]);
  });

  test('roles come from the plant model: a viewer cannot select or approve; an operator cannot decide on a supervisor-only tag, whatever the proposal claims', async () => {
    const rc = await rig();
    const rec = propose(rc, { id: 'tic', tag: 'TIC-201.SP', proposed: 68, roles: ['operator'], approvalsRequired: 1 });
    expect(rec).toMatchObject({ roles: ['supervisor'], limits: { min: 60, max: 80, maxStep: 5 } });
    const v = await login(rc, 'view');
    expect((await post(rc, v, '/proposals/tic/select')).status).toBe(403);
    expect((await post(rc, v, '/proposals/tic/approve', {})).status).toBe(403);
    expect((await post(rc, v, '/proposals/tic/reject', { reason: 'no' })).status).toBe(403);
    const op = await login(rc, 'op1');
    const sel = await post(rc, op, '/proposals/tic/select');
    expect(sel.status).toBe(403);
    expect(sel.body.error).toMatch(/supervisor/);
    expect((await post(rc, op, '/proposals/tic/reject', { reason: 'no' })).status).toBe(403);
    expect(rc.approval.get('tic')).toMatchObject({ state: 'pending', approvals: [] });
    const sup = await login(rc, 'sup');
    expect((await post(rc, sup, '/proposals/tic/select')).status).toBe(200);
    expect((await post(rc, sup, '/proposals/tic/approve', {})).status).toBe(200);
    await rc.writesSettled();
    expect(rc.approval.get('tic')?.state).toBe('written');
    expect(rc.device.get('TIC-201.SP')).toBe(68);
  });

  test('four-eyes: the same user twice is refused, a second different user completes it, and the approval is good for one write', async () => {
    const rc = await rig();
    // FIC-101.SP needs two approvals in the plant model; the message asks for one.
    const rec = propose(rc, { id: 'feed', tag: 'FIC-101.SP', proposed: 6, approvalsRequired: 1 });
    expect(rec).toMatchObject({ state: 'pending', approvalsRequired: 2 });
    const a = await login(rc, 'op1');
    const b = await login(rc, 'op2');
    await post(rc, a, '/proposals/feed/select');
    const first = await post(rc, a, '/proposals/feed/approve', { reason: 'first' });
    expect(first.status).toBe(200);
    // Not approved yet: back to pending with one approval, selection released for the second user.
    expect(first.body.proposal).toMatchObject({ state: 'pending', approvals: [{ user: 'op1', value: 6 }] });
    expect(first.body.proposal.selectedBy).toBeUndefined();
    const again = await post(rc, a, '/proposals/feed/select');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/four-eyes needs a second, different user/);
    expect((await post(rc, a, '/proposals/feed/approve', { reason: 'again' })).status).toBe(409);
    expect(rc.approval.get('feed')).toMatchObject({ state: 'pending', approvals: [{ user: 'op1' }] });
    expect(rc.approvedWrites).toEqual([]);
    expect((await post(rc, b, '/proposals/feed/select')).status).toBe(200);
    const second = await post(rc, b, '/proposals/feed/approve', { reason: 'second' });
    expect(second.status).toBe(200);
    expect(second.body.proposal).toMatchObject({ state: 'approved', approvals: [{ user: 'op1' }, { user: 'op2' }] });
    await rc.writesSettled();
    expect(rc.approval.get('feed')).toMatchObject({ state: 'written', result: { written: 6, verified: true } });
    expect(rc.device.get('FIC-101.SP')).toBe(6);
    const w = rc.approvedWrites.find((x) => x.proposalId === 'feed');
    expect(w).toMatchObject({ tag: 'FIC-101.SP', value: 6, approvedBy: ['op1', 'op2'] });
    // The write spent the signed approval: replaying it is refused.
    const replay = rc.approval.redeem(w as unknown as Record<string, unknown>, 'replay');
    expect(replay).toMatchObject({ ok: false, reason: expect.stringMatching(/already used/) });
    expect(rc.writeResults.filter((r) => r.proposalId === 'feed')).toHaveLength(1);
  });
});

describe('incidents, audit and the page', () => {
  test('incidents newest first with their suggestion; ask and feedback', async () => {
    const rc = await rig();
    rc.reason.list.push({ id: 'i1', openedAt: 1, alarmIds: [], flood: false }, { id: 'i2', openedAt: 2, alarmIds: ['TT-201:HI'], flood: false });
    const s = await login(rc, 'op1');
    expect((await get(rc, s, '/incidents')).body.incidents.map((i: { id: string }) => i.id)).toEqual(['i2', 'i1']);
    const ask = await post(rc, s, '/incidents/i2/ask', { question: 'why?' });
    expect(ask.body).toEqual({ answer: 'op1 asked "why?"', reasoner: 'knowledge-base' });
    expect((await post(rc, s, '/incidents/i2/ask', { question: '' })).status).toBe(400);
    expect((await post(rc, s, '/incidents/zz/ask', { question: 'x' })).status).toBe(404);
    const fb = await post(rc, s, '/incidents/i2/feedback', { cause: 'cw-pump-trip', correct: true });
    expect(fb.body.incident.feedback[0]).toMatchObject({ cause: 'cw-pump-trip', correct: true, user: 'op1' });
    expect((await post(rc, s, '/incidents/i2/feedback', { cause: 'x', correct: 'yes' })).status).toBe(400);
    const v = await login(rc, 'view');
    expect((await post(rc, v, '/incidents/i2/feedback', { cause: 'x', correct: true })).status).toBe(403);
  });

  test('audit query with from/to, validated; the records are hash-chained', async () => {
    const rc = await rig();
    const t0 = rc.now();
    await login(rc, 'op1');
    rc.advance(10 * 60_000);
    const s = await login(rc, 'op2');
    const all = await get(rc, s, '/audit');
    expect(all.body.records.map((r: { kind: string; actor: string }) => [r.kind, r.actor])).toEqual([['login', 'op1'], ['login', 'op2']]);
    const [r1, r2] = all.body.records as Array<{ hash: string; prevHash: string; at: number }>;
    expect(r1.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(r2.prevHash).toBe(r1.hash);
    expect(r2.at - r1.at).toBeGreaterThanOrEqual(10 * 60_000);
    const early = await get(rc, s, `/audit?from=${t0 - 1000}&to=${t0 + 60_000}`);
    expect(early.body.records.map((r: { actor: string }) => r.actor)).toEqual(['op1']);
    const iso = await get(rc, s, `/audit?from=${new Date(t0 - 1000).toISOString()}&to=${new Date(t0 + 60_000).toISOString()}`);
    expect(iso.body.records.map((r: { actor: string }) => r.actor)).toEqual(['op1']);
    expect((await get(rc, s, `/audit?from=${t0 + 60_000}`)).body.records.map((r: { actor: string }) => r.actor)).toEqual(['op2']);
    expect((await get(rc, s, '/audit?kind=login&limit=1')).body.records.map((r: { actor: string }) => r.actor)).toEqual(['op2']);
    expect((await get(rc, s, '/audit?from=yesterday')).status).toBe(400);
    expect((await get(rc, s, '/audit?from=5&to=1')).status).toBe(400);
    expect((await get(rc, s, '/audit?limit=0')).status).toBe(400);
    expect(rc.audit.verify()).toMatchObject({ ok: true, count: 2 });
  });

  test('the page redirects to the trailing slash and is served with a strict CSP', async () => {
    const rc = await rig();
    const r = await request(rc.base).get('/copilot');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/copilot/');
    const page = await request(rc.base).get('/copilot/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
  });
});

describe('server-sent events', () => {
  async function openStream(rc: RealConsole, s: Session) {
    const req = http.get(`${rc.base}/copilot/api/events`, { headers: { cookie: s.cookie } });
    const res = await new Promise<http.IncomingMessage>((ok, ko) => req.once('response', ok).once('error', ko));
    const stream = { req, res, text: '', ended: false };
    res.on('data', (d: Buffer) => (stream.text += d.toString()));
    res.on('end', () => (stream.ended = true));
    return stream;
  }

  test('delivers hub events to a logged-in browser and follows a redeployed hub', async () => {
    const rc = await rig();
    const s = await login(rc, 'op1');
    const stream = await openStream(rc, s);
    try {
      expect(stream.res.statusCode).toBe(200);
      expect(stream.res.headers['content-type']).toMatch(/text\/event-stream/);
      const received = (needle: string) => until(() => `${JSON.stringify(needle)} on the event stream; received: ${stream.text}`, () => stream.text.includes(needle));
      await received('event: hello');
      // The real engine raises TT-201:HI from the process value.
      processMoves(rc, { 'TT-201': 90 });
      await received('event: alarm\ndata: {"id":"TT-201:HI","tag":"TT-201","type":"HI","state":"UNACK","priority":"high"');
      rc.emitKpis();
      await received('event: kpis\ndata: {"at":');
      expect(stream.text).toMatch(/event: kpis\ndata: .*"unacknowledged":1/);
      propose(rc, { id: 'p1', tag: 'LIC-201.SP', proposed: 45 });
      await received('event: proposal\ndata: {"id":"p1"');
      const redeployed = new PlantHub();
      rc.consoleNode.hub = redeployed;
      await received('event: reset');
      redeployed.emit({ type: 'kpis', payload: { activeAlarms: 7 } });
      await received('data: {"activeAlarms":7}');
      // The old hub no longer reaches this stream.
      const before = stream.text;
      rc.hub.emit({ type: 'kpis', payload: { activeAlarms: 99 } });
      redeployed.emit({ type: 'kpis', payload: { activeAlarms: 8 } });
      await received('data: {"activeAlarms":8}');
      expect(stream.text.slice(before.length)).not.toContain('99');
    } finally {
      stream.req.destroy();
    }
  });

  test('a session that times out is told to log out on the stream', async () => {
    const rc = await rig();
    const s = await login(rc, 'op1');
    const stream = await openStream(rc, s);
    try {
      await until(() => `the hello event; received: ${stream.text}`, () => stream.text.includes('event: hello'));
      rc.advance(61_000);
      await until(() => `the stream to end; received: ${stream.text}`, () => stream.ended, 5000);
      expect(stream.text).toContain('event: logout');
    } finally {
      stream.req.destroy();
    }
  });
});
