// The console API against the real router (supertest), with small in-test services behind the
// hub: auth everywhere, CSRF, roles, four-eyes, body validation, status mapping, rate limit, SSE.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { PlantHub } from '../../nodes/lib/hub';
import { ServiceError, type ProposalRecord } from '../../nodes/lib/contracts';
import { createConsoleRouter, hashPassword, type ConsoleContext, type ConsoleRouter, type ConsoleUser } from '../../nodes/lib/console';
import { alarmEvent, MemoryAudit, proposalRecord, TestAlarms, TestApproval, TestReason } from '../browser/fixtures/console-services';
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

interface Rig {
  app: express.Express;
  router: ConsoleRouter;
  hub: PlantHub;
  alarms: TestAlarms;
  approval: TestApproval;
  reason: TestReason;
  audit: MemoryAudit;
  clock: { t: number };
  ctx: { deployed: boolean; idleTimeoutMs: number; hub?: PlantHub };
}

const rigs: Rig[] = [];
function rig(): Rig {
  const hub = new PlantHub();
  const audit = new MemoryAudit();
  hub.audit = audit;
  const alarms = new TestAlarms(hub);
  const reason = new TestReason();
  const approval = new TestApproval(hub, (p) => {
    const result = { proposalId: p.id, tag: p.tag, requested: p.value as number, written: p.value as number, readBack: p.value as number, verified: true, at: Date.now() };
    approval.update({ ...p, state: 'written', result });
    hub.emit({ type: 'write', payload: result });
  });
  hub.provide('alarms', 'a', alarms);
  hub.provide('reason', 'r', reason);
  hub.provide('approval', 'p', approval);
  const clock = { t: Date.now() };
  const ctx: Rig['ctx'] = { deployed: true, idleTimeoutMs: 60_000 };
  const router = createConsoleRouter({
    now: () => clock.t,
    heartbeatMs: 50,
    context: (): ConsoleContext => {
      if (!ctx.deployed) throw new ServiceError(503, 'no copilot-console configuration node is deployed');
      return { hub: ctx.hub ?? hub, users, plant: 'Test plant', idleTimeoutMs: ctx.idleTimeoutMs };
    },
  });
  const app = express();
  app.use('/copilot', router);
  const r = { app, router, hub, alarms, approval, reason, audit, clock, ctx };
  rigs.push(r);
  return r;
}
afterEach(() => {
  for (const r of rigs.splice(0)) r.router.close();
});

interface Session {
  cookie: string;
  csrf: string;
}
async function login(app: express.Express, username: string, password = PW): Promise<Session> {
  const r = await request(app).post('/copilot/api/login').send({ username, password });
  expect(r.status).toBe(200);
  const cookie = (r.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
  return { cookie, csrf: r.body.csrfToken };
}
const post = (app: express.Express, s: Session, path: string, body?: unknown) =>
  request(app).post('/copilot/api' + path).set('cookie', s.cookie).set('x-csrf-token', s.csrf).send(body as object);
const get = (app: express.Express, s: Session, path: string) => request(app).get('/copilot/api' + path).set('cookie', s.cookie);

describe('authentication', () => {
  test('every API call except login answers 401 without a session', async () => {
    const { app } = rig();
    const calls: Array<[string, string]> = [
      ['get', '/me'], ['post', '/logout'], ['get', '/alarms'], ['post', '/alarms/x/ack'], ['post', '/alarms/x/shelve'], ['post', '/alarms/x/unshelve'],
      ['get', '/incidents'], ['post', '/incidents/i/ask'], ['post', '/incidents/i/feedback'], ['get', '/proposals?state=pending'],
      ['get', '/proposals/p'], ['post', '/proposals/p/select'], ['post', '/proposals/p/approve'], ['post', '/proposals/p/reject'],
      ['get', '/kpis'], ['get', '/audit'], ['get', '/events'], ['get', '/trend/TT-201'], ['get', '/nonexistent'],
    ];
    for (const [m, p] of calls) {
      const r = await (m === 'get' ? request(app).get('/copilot/api' + p) : request(app).post('/copilot/api' + p).send({}));
      expect([p, r.status]).toEqual([p, 401]);
      expect(typeof r.body.error).toBe('string');
    }
  });

  test('login sets an httpOnly SameSite=Strict cookie and returns user, roles and a CSRF token', async () => {
    const { app, audit } = rig();
    const r = await request(app).post('/copilot/api/login').send({ username: 'op1', password: PW });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ user: 'op1', roles: ['operator'], csrfToken: expect.any(String) });
    const cookie = (r.headers['set-cookie'] as unknown as string[])[0];
    expect(cookie).toMatch(/^copilot_sid=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/copilot');
    expect(audit.records.map((x) => [x.kind, x.actor])).toEqual([['login', 'op1']]);
    const me = await request(app).get('/copilot/api/me').set('cookie', cookie.split(';')[0]);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: 'op1', roles: ['operator'], csrfToken: r.body.csrfToken, plant: 'Test plant', services: { alarms: true, reason: true, approval: true, audit: true } });
  });

  test('wrong password and unknown user both give 401 with the same message', async () => {
    const { app, audit } = rig();
    const a = await request(app).post('/copilot/api/login').send({ username: 'op1', password: 'nope' });
    const b = await request(app).post('/copilot/api/login').send({ username: 'ghost', password: 'nope' });
    expect([a.status, b.status]).toEqual([401, 401]);
    expect(a.body.error).toBe(b.body.error);
    expect(a.headers['set-cookie']).toBeUndefined();
    expect(audit.records.map((x) => x.kind)).toEqual(['login-failed', 'login-failed']);
  });

  test('login bodies are validated (400)', async () => {
    const { app } = rig();
    for (const body of [{}, { username: 'op1' }, { username: '', password: 'x' }, { username: 'op1', password: 5 }]) {
      const r = await request(app).post('/copilot/api/login').send(body);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/username|password/);
    }
    const bad = await request(app).post('/copilot/api/login').set('content-type', 'application/json').send('{"username":');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/not valid JSON/);
  });

  test('five failures for a name from one client give 429, even for the right password, until the window passes', async () => {
    const { app, clock } = rig();
    for (let i = 0; i < 5; i++) expect((await request(app).post('/copilot/api/login').send({ username: 'sup', password: 'guess' + i })).status).toBe(401);
    const limited = await request(app).post('/copilot/api/login').send({ username: 'sup', password: PW });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.error).toMatch(/too many failed logins/);
    // Another user from the same client is not locked out by sup's failures.
    expect((await request(app).post('/copilot/api/login').send({ username: 'op1', password: PW })).status).toBe(200);
    clock.t += 5 * 60_000 + 1;
    expect((await request(app).post('/copilot/api/login').send({ username: 'sup', password: PW })).status).toBe(200);
  });

  test('logout ends the session and is audited; an idle session times out', async () => {
    const { app, audit, clock } = rig();
    const s = await login(app, 'op1');
    const out = await post(app, s, '/logout');
    expect(out.status).toBe(200);
    expect((out.headers['set-cookie'] as unknown as string[])[0]).toMatch(/Max-Age=0/);
    expect((await get(app, s, '/me')).status).toBe(401);
    expect(audit.records.map((x) => x.kind)).toEqual(['login', 'logout']);

    const s2 = await login(app, 'op1');
    clock.t += 30_000;
    expect((await get(app, s2, '/me')).status).toBe(200); // activity renews the idle timer
    clock.t += 59_000;
    expect((await get(app, s2, '/me')).status).toBe(200);
    clock.t += 60_001;
    expect((await get(app, s2, '/me')).status).toBe(401);
  });

  test('a failing audit log does not break login; the failure is reported', async () => {
    const hub = new PlantHub();
    hub.audit = { append: () => { throw new Error('the audit log is closed'); }, query: () => [] };
    const warnings: string[] = [];
    const router = createConsoleRouter({ context: () => ({ hub, users }), log: { warn: (m) => warnings.push(m) } });
    const app = express();
    app.use('/copilot', router);
    try {
      const r = await request(app).post('/copilot/api/login').send({ username: 'op1', password: PW });
      expect(r.status).toBe(200);
      expect(warnings[0]).toMatch(/login by op1 not recorded.*audit log is closed/);
    } finally {
      router.close();
    }
  });

  test('a mangled session cookie is no session (401), not an internal error', async () => {
    const { app } = rig();
    const r = await request(app).get('/copilot/api/me').set('cookie', 'copilot_sid=%E0%A4%A');
    expect(r.status).toBe(401);
    expect(r.body.error).toMatch(/not logged in/);
    const s = await login(app, 'op1');
    expect((await request(app).post('/copilot/api/login').set('cookie', 'copilot_sid=%zz').send({ username: 'op1', password: PW })).status).toBe(200);
    expect((await get(app, s, '/me')).status).toBe(200);
  });

  test('a user removed from the console loses the session', async () => {
    const r = rig();
    const s = await login(r.app, 'op2');
    const saved = users;
    users = users.filter((u) => u.name !== 'op2');
    try {
      expect((await get(r.app, s, '/me')).status).toBe(401);
    } finally {
      users = saved;
    }
  });
});

describe('CSRF', () => {
  test('state-changing calls need the X-CSRF-Token of the session (403 otherwise)', async () => {
    const { app, alarms } = rig();
    alarms.set(alarmEvent({ id: 'TT-201:HI', state: 'UNACK', active: true, acked: false, priority: 'high' }));
    const s = await login(app, 'op1');
    const other = await login(app, 'op2');
    const none = await request(app).post('/copilot/api/alarms/TT-201:HI/ack').set('cookie', s.cookie).send({});
    expect(none.status).toBe(403);
    expect(none.body.error).toMatch(/CSRF/);
    const wrong = await request(app).post('/copilot/api/alarms/TT-201:HI/ack').set('cookie', s.cookie).set('x-csrf-token', other.csrf).send({});
    expect(wrong.status).toBe(403);
    // The e2e check's call: reject of an unknown proposal without the token is 403, not 404.
    expect((await request(app).post('/copilot/api/proposals/none/reject').set('cookie', s.cookie).send({ reason: 'x' })).status).toBe(403);
    expect(alarms.alarms.get('TT-201:HI')?.state).toBe('UNACK');
    const ok = await post(app, s, '/alarms/TT-201:HI/ack');
    expect(ok.status).toBe(200);
    expect(ok.body.alarm.state).toBe('ACKED');
  });
});

describe('alarms', () => {
  test('lists every alarm, abnormal first by priority, and acks/shelves/unshelves with the user named', async () => {
    const { app, alarms } = rig();
    alarms.set(alarmEvent({ id: 'A:HI', priority: 'urgent' }));
    alarms.set(alarmEvent({ id: 'B:HI', state: 'UNACK', priority: 'low', activeSince: 1 }));
    alarms.set(alarmEvent({ id: 'C:HI', state: 'ACKED', priority: 'high', activeSince: 2 }));
    alarms.set(alarmEvent({ id: 'D:LO', state: 'UNACK', priority: 'high', activeSince: 3, firstOut: true }));
    const s = await login(app, 'op1');
    const list = await get(app, s, '/alarms');
    expect(list.status).toBe(200);
    expect(list.body.alarms.map((a: { id: string }) => a.id)).toEqual(['D:LO', 'C:HI', 'B:HI', 'A:HI']);

    const shelve = await post(app, s, '/alarms/B:HI/shelve', { minutes: 10, reason: 'bar check' });
    expect(shelve.status).toBe(200);
    expect(shelve.body.alarm).toMatchObject({ state: 'SHELVED', by: 'op1', reason: 'bar check' });
    expect((await post(app, s, '/alarms/B:HI/unshelve')).status).toBe(200);
    expect((await post(app, s, '/alarms/nope/ack')).status).toBe(404);
    expect((await post(app, s, '/alarms/A:HI/ack')).status).toBe(409);
  });

  test('extensions: reset a latched alarm; out of service and back only for supervisors and engineers, with a reason', async () => {
    const { app, alarms } = rig();
    alarms.set(alarmEvent({ id: 'P-101.RUN:DISCRETE', state: 'LATCHED', priority: 'high' }));
    alarms.set(alarmEvent({ id: 'AT-201:LO', state: 'NORMAL' }));
    const op = await login(app, 'op1');
    expect((await post(app, op, '/alarms/P-101.RUN:DISCRETE/reset')).body.alarm).toMatchObject({ state: 'NORMAL', by: 'op1' });
    expect((await post(app, op, '/alarms/P-101.RUN:DISCRETE/reset')).status).toBe(409);
    const denied = await post(app, op, '/alarms/AT-201:LO/out-of-service', { reason: 'analyser calibration' });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatch(/supervisor or engineer/);
    const sup = await login(app, 'sup');
    expect((await post(app, sup, '/alarms/AT-201:LO/out-of-service', {})).status).toBe(400);
    expect((await post(app, sup, '/alarms/AT-201:LO/out-of-service', { reason: 'analyser calibration' })).body.alarm).toMatchObject({ state: 'OUT_OF_SERVICE', by: 'sup' });
    expect((await post(app, sup, '/alarms/AT-201:LO/return-to-service')).body.alarm.state).toBe('NORMAL');
  });

  test('shelve bodies are validated', async () => {
    const { app, alarms } = rig();
    alarms.set(alarmEvent({ id: 'B:HI', state: 'UNACK' }));
    const s = await login(app, 'op1');
    for (const body of [{}, { minutes: '10', reason: 'x' }, { minutes: 10 }, { minutes: 0, reason: 'x' }, { minutes: 5000, reason: 'x' }, { minutes: 10, reason: '  ' }]) {
      const r = await post(app, s, '/alarms/B:HI/shelve', body);
      expect([JSON.stringify(body), r.status]).toEqual([JSON.stringify(body), 400]);
    }
    expect(alarms.alarms.get('B:HI')?.state).toBe('UNACK');
  });

  test('a viewer reads but cannot ack (403); KPIs answer', async () => {
    const { app, alarms } = rig();
    alarms.set(alarmEvent({ id: 'B:HI', state: 'UNACK' }));
    const v = await login(app, 'view');
    expect((await get(app, v, '/alarms')).status).toBe(200);
    const ack = await post(app, v, '/alarms/B:HI/ack');
    expect(ack.status).toBe(403);
    expect(ack.body.error).toMatch(/viewer/);
    const k = await get(app, v, '/kpis');
    expect(k.status).toBe(200);
    expect(k.body.activeAlarms).toBe(1);
  });

  test('503 with a clear message when the alarm node is not deployed, or no console is', async () => {
    const r = rig();
    const s = await login(r.app, 'op1');
    const bare = new PlantHub();
    (r.hub as unknown as { services: Map<string, unknown> }).services = (bare as unknown as { services: Map<string, unknown> }).services;
    const a = await get(r.app, s, '/alarms');
    expect(a.status).toBe(503);
    expect(a.body.error).toMatch(/copilot-alarms/);
    expect((await get(r.app, s, '/proposals')).body.error).toMatch(/copilot-approval/);
    r.ctx.deployed = false;
    const n = await get(r.app, s, '/me');
    expect(n.status).toBe(503);
    expect(n.body.error).toMatch(/copilot-console/);
  });
});

describe('proposals', () => {
  test('state filter, select -> approve, the write result carried on the record', async () => {
    const { app, approval } = rig();
    approval.add(proposalRecord({ id: 'p1' }));
    approval.add(proposalRecord({ id: 'p0', state: 'rejected' }));
    const s = await login(app, 'op1');
    expect((await get(app, s, '/proposals?state=pending')).body.proposals.map((p: { id: string }) => p.id)).toEqual(['p1']);
    expect((await get(app, s, '/proposals')).body.proposals).toHaveLength(2);
    expect((await get(app, s, '/proposals?state=bogus')).status).toBe(400);
    expect((await post(app, s, '/proposals/p1/approve', {})).status).toBe(409); // not selected
    expect((await post(app, s, '/proposals/p1/select')).body.proposal).toMatchObject({ state: 'selected', selectedBy: 'op1' });
    const a = await post(app, s, '/proposals/p1/approve', { reason: 'ok' });
    expect(a.status).toBe(200);
    const written = (await get(app, s, '/proposals?state=written')).body.proposals[0];
    expect(written).toMatchObject({ id: 'p1', state: 'written', result: { verified: true, written: 45 } });
    expect((await get(app, s, '/proposals/p1')).body.proposal.state).toBe('written');
    expect((await get(app, s, '/proposals/nope')).status).toBe(404);
  });

  test('edits within limits pass, outside give 422; bad bodies 400; reject needs a reason', async () => {
    const { app, approval } = rig();
    approval.add(proposalRecord({ id: 'p1' }));
    const s = await login(app, 'op1');
    await post(app, s, '/proposals/p1/select');
    expect((await post(app, s, '/proposals/p1/approve', { value: 'abc' })).status).toBe(400);
    expect((await post(app, s, '/proposals/p1/approve', { value: 90 })).status).toBe(422);
    expect((await post(app, s, '/proposals/p1/reject', {})).status).toBe(400);
    expect((await post(app, s, '/proposals/p1/reject', { reason: '' })).status).toBe(400);
    const rej = await post(app, s, '/proposals/p1/reject', { reason: 'level already falling' });
    expect(rej.body.proposal).toMatchObject({ state: 'rejected', rejection: { user: 'op1', reason: 'level already falling' } });
    expect((await post(app, s, '/proposals/p1/select')).status).toBe(409);
    expect((await post(app, s, '/proposals/missing/select')).status).toBe(404);
  });

  test('an expired proposal cannot be selected (409)', async () => {
    const { app, approval } = rig();
    approval.add(proposalRecord({ id: 'old', expiresAt: Date.now() - 1 }));
    const s = await login(app, 'op1');
    const r = await post(app, s, '/proposals/old/select');
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/expired/);
  });

  test('roles: a viewer cannot select or approve; an operator cannot approve a supervisor-only tag', async () => {
    const { app, approval } = rig();
    approval.add(proposalRecord({ id: 'tic', tag: 'TIC-201.SP', roles: ['supervisor'] }));
    const v = await login(app, 'view');
    expect((await post(app, v, '/proposals/tic/select')).status).toBe(403);
    expect((await post(app, v, '/proposals/tic/approve', {})).status).toBe(403);
    const op = await login(app, 'op1');
    const sel = await post(app, op, '/proposals/tic/select');
    expect(sel.status).toBe(403);
    expect(sel.body.error).toMatch(/supervisor/);
    const sup = await login(app, 'sup');
    expect((await post(app, sup, '/proposals/tic/select')).status).toBe(200);
    expect((await post(app, sup, '/proposals/tic/approve', {})).status).toBe(200);
    expect(approval.get('tic')?.state).toBe('written');
  });

  test('four-eyes: the same user twice is refused, a second different user completes it', async () => {
    const { app, approval } = rig();
    approval.add(proposalRecord({ id: 'feed', tag: 'FIC-101.SP', approvalsRequired: 2 }));
    const a = await login(app, 'op1');
    const b = await login(app, 'op2');
    await post(app, a, '/proposals/feed/select');
    const first = await post(app, a, '/proposals/feed/approve', { reason: 'first' });
    expect(first.body.proposal).toMatchObject({ state: 'approved', approvals: [{ user: 'op1' }] });
    await post(app, a, '/proposals/feed/select');
    const again = await post(app, a, '/proposals/feed/approve', { reason: 'again' });
    expect(again.status).toBe(409);
    expect(approval.get('feed')?.state).toBe('approved');
    // op1 still holds the selection; op2 takes it once it lapses (the real node times it out).
    approval.update({ ...(approval.get('feed') as ProposalRecord), selectedUntil: 0 });
    expect((await post(app, b, '/proposals/feed/select')).status).toBe(200);
    const second = await post(app, b, '/proposals/feed/approve', { reason: 'second' });
    expect(second.status).toBe(200);
    expect(approval.get('feed')).toMatchObject({ state: 'written', approvals: [{ user: 'op1' }, { user: 'op2' }] });
  });
});

describe('incidents, audit and the page', () => {
  test('incidents newest first with their suggestion; ask and feedback', async () => {
    const { app, reason } = rig();
    reason.list.push({ id: 'i1', openedAt: 1, alarmIds: [], flood: false }, { id: 'i2', openedAt: 2, alarmIds: ['TT-201:HI'], flood: false });
    const s = await login(app, 'op1');
    expect((await get(app, s, '/incidents')).body.incidents.map((i: { id: string }) => i.id)).toEqual(['i2', 'i1']);
    const ask = await post(app, s, '/incidents/i2/ask', { question: 'why?' });
    expect(ask.body).toEqual({ answer: 'op1 asked "why?"', reasoner: 'knowledge-base' });
    expect((await post(app, s, '/incidents/i2/ask', { question: '' })).status).toBe(400);
    expect((await post(app, s, '/incidents/zz/ask', { question: 'x' })).status).toBe(404);
    const fb = await post(app, s, '/incidents/i2/feedback', { cause: 'cw-pump-trip', correct: true });
    expect(fb.body.incident.feedback[0]).toMatchObject({ cause: 'cw-pump-trip', correct: true, user: 'op1' });
    expect((await post(app, s, '/incidents/i2/feedback', { cause: 'x', correct: 'yes' })).status).toBe(400);
  });

  test('audit query with from/to, validated', async () => {
    const { app, audit } = rig();
    const s = await login(app, 'op1');
    audit.records.push({ seq: 99, at: 1000, kind: 'old', actor: null, data: {}, hash: 'x', prevHash: 'y' });
    const all = await get(app, s, '/audit');
    expect(all.body.records.map((r: { kind: string }) => r.kind)).toEqual(['login', 'old']);
    const old = await get(app, s, '/audit?from=0&to=2000');
    expect(old.body.records.map((r: { kind: string }) => r.kind)).toEqual(['old']);
    expect((await get(app, s, '/audit?from=1970-01-01T00:00:00Z&to=1970-01-01T00:00:01Z')).body.records).toHaveLength(1);
    expect((await get(app, s, '/audit?from=yesterday')).status).toBe(400);
    expect((await get(app, s, '/audit?from=5&to=1')).status).toBe(400);
  });

  test('the page redirects to the trailing slash and is served with a strict CSP', async () => {
    const { app } = rig();
    const r = await request(app).get('/copilot');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/copilot/');
    const page = await request(app).get('/copilot/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
  });
});

describe('server-sent events', () => {
  test('delivers hub events to a logged-in browser and follows a redeployed hub', async () => {
    const r = rig();
    const s = await login(r.app, 'op1');
    const server = http.createServer(r.app).listen(0, '127.0.0.1');
    await new Promise((res) => server.once('listening', res));
    const port = (server.address() as AddressInfo).port;
    let text = '';
    const req = http.get({ port, host: '127.0.0.1', path: '/copilot/api/events', headers: { cookie: s.cookie } });
    try {
      const res = await new Promise<http.IncomingMessage>((ok, ko) => req.once('response', ok).once('error', ko));
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/event-stream/);
      res.on('data', (d: Buffer) => (text += d.toString()));
      const received = (needle: string) => until(() => `${JSON.stringify(needle)} on the event stream; received: ${text}`, () => text.includes(needle));
      await received('event: hello');
      r.alarms.set(alarmEvent({ id: 'TT-201:HI', state: 'UNACK', priority: 'high' }));
      await received('event: alarm\ndata: {"tag":"TT-201"');
      r.hub.emit({ type: 'kpis', payload: { activeAlarms: 3 } });
      await received('event: kpis\ndata: {"activeAlarms":3}');
      const redeployed = new PlantHub();
      r.ctx.hub = redeployed;
      await received('event: reset');
      redeployed.emit({ type: 'kpis', payload: { activeAlarms: 7 } });
      await received('data: {"activeAlarms":7}');
    } finally {
      req.destroy();
      r.router.close();
      await new Promise((res) => server.close(res));
    }
  });

  test('a session that times out is told to log out on the stream', async () => {
    const r = rig();
    const s = await login(r.app, 'op1');
    const server = http.createServer(r.app).listen(0, '127.0.0.1');
    await new Promise((res) => server.once('listening', res));
    const port = (server.address() as AddressInfo).port;
    const req = http.get({ port, host: '127.0.0.1', path: '/copilot/api/events', headers: { cookie: s.cookie } });
    try {
      const res = await new Promise<http.IncomingMessage>((ok, ko) => req.once('response', ok).once('error', ko));
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      r.clock.t += 61_000;
      await new Promise<void>((ok, ko) => {
        const t = setTimeout(() => ko(new Error('stream not ended: ' + text)), 5000);
        res.on('end', () => {
          clearTimeout(t);
          ok();
        });
      });
      expect(text).toContain('event: logout');
    } finally {
      req.destroy();
      await new Promise((res) => server.close(res));
    }
  });
});
