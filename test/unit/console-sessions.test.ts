// Console sessions end when the user's password changes (or the user is removed): whoever knew the
// old password must not stay logged in with it. Real router over supertest; the audit log records
// why the session ended.
import express from 'express';
import request from 'supertest';
import { PlantHub } from '../../nodes/lib/hub';
import type { AuditSink } from '../../nodes/lib/contracts';
import { createConsoleRouter, hashPassword, type ConsoleContext, type ConsoleRouter, type ConsoleUser } from '../../nodes/lib/console';

let router: ConsoleRouter | undefined;
afterEach(() => router?.close());

async function setUp() {
  const users: ConsoleUser[] = [
    { name: 'op1', roles: ['operator'], hash: await hashPassword('old secret') },
    { name: 'op2', roles: ['operator'], hash: await hashPassword('other secret') },
  ];
  const hub = new PlantHub();
  const kinds: Array<[string, string | null, unknown]> = [];
  hub.audit = { append: (kind: string, actor: string | null, data: unknown) => kinds.push([kind, actor, data]), query: () => [] } as unknown as AuditSink;
  router = createConsoleRouter({ context: (): ConsoleContext => ({ hub, users, plant: 'Test plant', idleTimeoutMs: 60_000 }) });
  const app = express();
  app.use('/copilot', router);
  const login = async (username: string, password: string) => {
    const r = await request(app).post('/copilot/api/login').send({ username, password });
    return { status: r.status, cookie: r.status === 200 ? (r.headers['set-cookie'] as unknown as string[])[0].split(';')[0] : '' };
  };
  const me = (cookie: string) => request(app).get('/copilot/api/me').set('Cookie', cookie);
  return { users, kinds, login, me };
}

test("changing a password ends that user's sessions, not other users", async () => {
  const { users, kinds, login, me } = await setUp();
  const a = await login('op1', 'old secret');
  const b = await login('op2', 'other secret');
  expect((await me(a.cookie)).status).toBe(200);

  users[0] = { ...users[0], hash: await hashPassword('new secret') };
  const after = await me(a.cookie);
  expect(after.status).toBe(401);
  expect(after.body.error).toMatch(/password was changed/);
  expect(kinds).toContainEqual(['logout', 'op1', expect.objectContaining({ reason: 'password changed' })]);
  // The session is gone, not merely refused once: the same cookie stays refused.
  expect((await me(a.cookie)).status).toBe(401);
  expect((await me(b.cookie)).status).toBe(200);

  expect((await login('op1', 'old secret')).status).toBe(401);
  const again = await login('op1', 'new secret');
  expect(again.status).toBe(200);
  expect((await me(again.cookie)).status).toBe(200);
});

test('a role change applies to a live session at once; removing the user ends it', async () => {
  const { users, login, me } = await setUp();
  const a = await login('op1', 'old secret');
  users[0] = { ...users[0], roles: ['viewer'] };
  const r = await me(a.cookie);
  expect(r.status).toBe(200);
  expect(r.body.roles).toEqual(['viewer']);
  users.splice(0, 1);
  expect((await me(a.cookie)).status).toBe(401);
});
