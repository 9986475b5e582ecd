// The console's safety rules through its HTTP API, decided by the real parts a deployed flow has
// behind it (fixtures/real-console.ts: ApprovalStore with the reactor-unit-2 plant model, the
// write path, the hash-chained audit log): auth and CSRF before anything, select before operate,
// one selection holder at a time, limits and steps (422), roles from the plant model (403),
// four-eyes by two different users, expiry, single-use approvals. No browser: the page test
// (console-page.test.ts) shows the same store through Chromium.
import { hashPassword, type ConsoleUser } from '../../nodes/lib/console';
import type { ProposalRecord } from '../../nodes/lib/contracts';
import { startRealConsole, type RealConsole } from './fixtures/real-console';
import { sleep, until } from '../helpers/wait';

const PW = 'safety-test-pw';
/** How long a write may take to be verified, and how often to look. */
const WRITE_WAIT_MS = 10_000;
const WRITE_POLL = { everyMs: 50 };

interface Session {
  cookie: string;
  csrf: string;
}

let rc: RealConsole;

beforeAll(async () => {
  const hash = await hashPassword(PW);
  const users: ConsoleUser[] = [
    { name: 'op1', roles: ['operator'], hash },
    { name: 'op2', roles: ['operator'], hash },
    { name: 'sup', roles: ['supervisor'], hash },
    { name: 'view', roles: ['viewer'], hash },
  ];
  rc = await startRealConsole({ users });
});
afterAll(async () => {
  await rc?.close();
});

async function login(username: string, password = PW): Promise<Session> {
  const r = await fetch(`${rc.base}/copilot/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  expect(r.status).toBe(200);
  const body = (await r.json()) as { csrfToken: string };
  return { cookie: r.headers.getSetCookie()[0].split(';')[0], csrf: body.csrfToken };
}

interface Answer {
  status: number;
  body: { error?: string; proposal?: ProposalRecord; proposals?: ProposalRecord[] };
}

async function call(method: 'GET' | 'POST', path: string, s?: Session | null, body?: unknown, csrf = s?.csrf): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (s) headers.cookie = s.cookie;
  if (csrf) headers['x-csrf-token'] = csrf;
  const r = await fetch(`${rc.base}/copilot/api${path}`, { method, headers, body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined });
  return { status: r.status, body: (await r.json()) as Answer['body'] };
}
const post = (s: Session | null, path: string, body?: unknown) => call('POST', path, s, body);

const decisionsOf = (id: string) =>
  rc.audit
    .query({ kind: 'decision' })
    .filter((r) => (r.data as { proposalId?: string }).proposalId === id)
    .map((r) => [r.actor, (r.data as { action: string }).action]);

test('without a session nothing is decided (401); a wrong password gets no session', async () => {
  rc.propose({ id: 'auth', tag: 'LIC-201.SP', current: 50, proposed: 45, expiresAt: Date.now() + 10 * 60_000 });
  for (const [m, p] of [['POST', '/proposals/auth/select'], ['POST', '/proposals/auth/approve'], ['POST', '/proposals/auth/reject'], ['GET', '/proposals'], ['GET', '/audit']] as const) {
    const r = await call(m, p, null, { reason: 'x' });
    expect([p, r.status]).toEqual([p, 401]);
  }
  const bad = await fetch(`${rc.base}/copilot/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'op1', password: 'wrong' }) });
  expect(bad.status).toBe(401);
  expect(bad.headers.getSetCookie()).toEqual([]);
  expect(rc.approval.get('auth')?.state).toBe('pending');
  expect(decisionsOf('auth')).toEqual([]);
  expect(rc.audit.query({ kind: 'login-failed' }).map((r) => r.actor)).toEqual(['op1']);
});

test("CSRF: a decision needs the session's own X-CSRF-Token (403 otherwise)", async () => {
  rc.propose({ id: 'csrf', tag: 'LIC-201.SP', current: 50, proposed: 45, expiresAt: Date.now() + 10 * 60_000 });
  const a = await login('op1');
  const b = await login('op2');
  const none = await call('POST', '/proposals/csrf/select', a, {}, '');
  expect(none.status).toBe(403);
  expect(none.body.error).toMatch(/CSRF/);
  expect((await call('POST', '/proposals/csrf/select', a, {}, b.csrf)).status).toBe(403);
  expect((await call('POST', '/proposals/csrf/reject', a, { reason: 'x' }, '')).status).toBe(403);
  expect(rc.approval.get('csrf')?.state).toBe('pending');
  expect(decisionsOf('csrf')).toEqual([]);
  expect((await post(a, '/proposals/csrf/select')).body.proposal).toMatchObject({ state: 'selected', selectedBy: 'op1' });
});

test('select before operate; a selection is held by one user until released', async () => {
  rc.propose({ id: 'sbo', tag: 'LIC-201.SP', current: 50, proposed: 45, expiresAt: Date.now() + 10 * 60_000 });
  const a = await login('op1');
  const b = await login('op2');
  const unselected = await post(a, '/proposals/sbo/approve', {});
  expect(unselected.status).toBe(409);
  expect(unselected.body.error).toMatch(/select the LIC-201.SP proposal first/);
  expect((await post(a, '/proposals/sbo/select')).status).toBe(200);
  const taken = await post(b, '/proposals/sbo/select');
  expect(taken.status).toBe(409);
  expect(taken.body.error).toMatch(/selected by op1/);
  const notHis = await post(b, '/proposals/sbo/approve', {});
  expect(notHis.status).toBe(409);
  expect(notHis.body.error).toMatch(/selected by op1, not by op2/);
  expect((await post(b, '/proposals/sbo/reject', { reason: 'not yours' })).status).toBe(409);
  expect(rc.approvedWrites).toEqual([]);
  const ok = await post(a, '/proposals/sbo/approve', {});
  expect(ok.status).toBe(200);
  expect(ok.body.proposal).toMatchObject({ state: 'approved', value: 45, approvals: [{ user: 'op1', value: 45 }] });
  await until('the write of sbo', () => rc.approval.get('sbo')?.state === 'written', WRITE_WAIT_MS, WRITE_POLL);
  expect(rc.device.get('LIC-201.SP')).toBe(45);
  expect(decisionsOf('sbo')).toEqual([['op1', 'select'], ['op1', 'approve']]);
});

test('limits: outside min/max or a step larger than maxStep is refused (422); bad bodies 400; reject needs a reason', async () => {
  // The live LIC-201.SP is 45 now (the previous test wrote it); limits 30 … 70, largest step 10.
  const live = rc.device.get('LIC-201.SP') as number;
  rc.propose({ id: 'lim', tag: 'LIC-201.SP', current: live, proposed: live - 5, expiresAt: Date.now() + 10 * 60_000 });
  const a = await login('op1');
  expect((await post(a, '/proposals/lim/select')).status).toBe(200);
  const high = await post(a, '/proposals/lim/approve', { value: 90 });
  expect(high.status).toBe(422);
  expect(high.body.error).toMatch(/above the maximum 70/);
  const low = await post(a, '/proposals/lim/approve', { value: 25 });
  expect(low.status).toBe(422);
  expect(low.body.error).toMatch(/below the minimum 30/);
  const step = await post(a, '/proposals/lim/approve', { value: live + 12 });
  expect(step.status).toBe(422);
  expect(step.body.error).toMatch(/largest allowed step of 10/);
  expect((await post(a, '/proposals/lim/approve', { value: 'abc' })).status).toBe(400);
  expect(rc.approval.get('lim')).toMatchObject({ state: 'selected', approvals: [] });
  expect(rc.audit.query({ kind: 'policy-refusal' }).filter((r) => (r.data as { proposalId?: string }).proposalId === 'lim')).toHaveLength(3);
  expect((await post(a, '/proposals/lim/reject', {})).status).toBe(400);
  expect((await post(a, '/proposals/lim/reject', { reason: '  ' })).status).toBe(400);
  const rej = await post(a, '/proposals/lim/reject', { reason: 'level already falling' });
  expect(rej.body.proposal).toMatchObject({ state: 'rejected', rejection: { user: 'op1', reason: 'level already falling' } });
  expect((await post(a, '/proposals/lim/select')).status).toBe(409);
  expect((await post(a, '/proposals/missing/select')).status).toBe(404);
  expect(rc.device.get('LIC-201.SP')).toBe(live);
});

test('roles come from the plant model: a viewer and an operator are refused (403) a supervisor-only tag, even when the proposal claims otherwise', async () => {
  // The message claims operators may decide with one approval; TIC-201.SP is supervisor-only in the model.
  const rec = rc.propose({ id: 'tic', tag: 'TIC-201.SP', current: 70, proposed: 68, roles: ['operator'], approvalsRequired: 1, expiresAt: Date.now() + 10 * 60_000 });
  expect(rec).toMatchObject({ state: 'pending', roles: ['supervisor'], limits: { min: 60, max: 80, maxStep: 5 } });
  const v = await login('view');
  expect((await post(v, '/proposals/tic/select')).status).toBe(403);
  expect((await post(v, '/proposals/tic/approve', {})).status).toBe(403);
  const op = await login('op1');
  const sel = await post(op, '/proposals/tic/select');
  expect(sel.status).toBe(403);
  expect(sel.body.error).toMatch(/supervisor/);
  expect((await post(op, '/proposals/tic/approve', {})).status).toBe(403);
  expect((await post(op, '/proposals/tic/reject', { reason: 'no' })).status).toBe(403);
  expect(rc.approval.get('tic')?.state).toBe('pending');
  const sup = await login('sup');
  expect((await post(sup, '/proposals/tic/select')).status).toBe(200);
  expect((await post(sup, '/proposals/tic/approve', {})).status).toBe(200);
  await until('the write of tic', () => rc.approval.get('tic')?.state === 'written', WRITE_WAIT_MS, WRITE_POLL);
  expect(rc.device.get('TIC-201.SP')).toBe(68);
});

test('four-eyes: the same user cannot approve twice; a second, different user completes it, and the approval is good for one write', async () => {
  // FIC-101.SP needs two approvals in the model; the message asks for one.
  const rec = rc.propose({ id: 'feed', tag: 'FIC-101.SP', current: 8, proposed: 6, approvalsRequired: 1, expiresAt: Date.now() + 10 * 60_000 });
  expect(rec).toMatchObject({ state: 'pending', approvalsRequired: 2 });
  const a = await login('op1');
  const b = await login('op2');
  expect((await post(a, '/proposals/feed/select')).status).toBe(200);
  const first = await post(a, '/proposals/feed/approve', { reason: 'first' });
  expect(first.status).toBe(200);
  expect(first.body.proposal).toMatchObject({ state: 'pending', approvals: [{ user: 'op1', value: 6 }] });
  const before = rc.approvedWrites.length;
  // op1 again: refused at select and at approve.
  const again = await post(a, '/proposals/feed/select');
  expect(again.status).toBe(409);
  expect(again.body.error).toMatch(/four-eyes needs a second, different user/);
  expect((await post(a, '/proposals/feed/approve', { reason: 'again' })).status).toBe(409);
  expect(rc.approval.get('feed')).toMatchObject({ state: 'pending', approvals: [{ user: 'op1' }] });
  expect(rc.approvedWrites.length).toBe(before);
  expect(rc.device.get('FIC-101.SP')).toBe(8);

  expect((await post(b, '/proposals/feed/select')).status).toBe(200);
  const second = await post(b, '/proposals/feed/approve', { reason: 'second' });
  expect(second.status).toBe(200);
  expect(second.body.proposal).toMatchObject({ state: 'approved', approvals: [{ user: 'op1' }, { user: 'op2' }] });
  await until('the write of feed', () => rc.approval.get('feed')?.state === 'written', WRITE_WAIT_MS, WRITE_POLL);
  expect(rc.device.get('FIC-101.SP')).toBe(6);
  const w = rc.approvedWrites.find((x) => x.proposalId === 'feed');
  expect(w).toMatchObject({ tag: 'FIC-101.SP', value: 6, approvedBy: ['op1', 'op2'] });
  // The signed approval was spent by the write: replaying it is refused.
  const replay = rc.approval.redeem(w as unknown as Record<string, unknown>, 'replay');
  expect(replay).toMatchObject({ ok: false });
  expect((replay as { reason: string }).reason).toMatch(/already used/);
  expect(decisionsOf('feed')).toEqual([['op1', 'select'], ['op1', 'approve'], ['op2', 'select'], ['op2', 'approve']]);
});

test('expiry: a proposal past its time cannot be selected or approved (409), even by the user holding the selection', async () => {
  const late = rc.propose({ id: 'late', tag: 'LIC-201.SP', current: rc.device.get('LIC-201.SP'), proposed: 40, expiresAt: Date.now() - 1 });
  expect(late.state).toBe('expired');
  const a = await login('op1');
  const r = await post(a, '/proposals/late/select');
  expect(r.status).toBe(409);
  expect(r.body.error).toMatch(/expired/);

  rc.propose({ id: 'soon', tag: 'LIC-201.SP', current: rc.device.get('LIC-201.SP'), proposed: 40, expiresAt: Date.now() + 1500 });
  expect((await post(a, '/proposals/soon/select')).status).toBe(200);
  await sleep(1700);
  const approve = await post(a, '/proposals/soon/approve', {});
  expect(approve.status).toBe(409);
  expect(approve.body.error).toMatch(/expired/);
  expect(rc.approval.get('soon')?.state).toBe('expired');
  expect(rc.approvedWrites.some((w) => w.proposalId === 'soon' || w.proposalId === 'late')).toBe(false);
  expect(decisionsOf('soon')).toEqual([['op1', 'select'], [null, 'expired']]);
});

test('every decision above is in one unbroken audit chain', () => {
  expect(rc.auditErrors).toEqual([]);
  expect(rc.writeRefusals).toEqual([]);
  const v = rc.audit.verify();
  expect(v.ok).toBe(true);
  expect(v.count).toBe(rc.audit.count());
  expect(v.count).toBeGreaterThan(20);
});
