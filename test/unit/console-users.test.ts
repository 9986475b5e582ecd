// Console passwords (scrypt), user lists from credentials and the environment, login rate limit.
import { hashPassword, isPasswordHash, verifyPassword, parseStoredUsers, parseEnvUsers, mergeUsers, LoginRateLimiter } from '../../nodes/lib/console';

test('scrypt hashes verify the right password only, salt differs per hash, malformed hashes fail closed', async () => {
  const a = await hashPassword('s3cret');
  const b = await hashPassword('s3cret');
  expect(a).toMatch(/^scrypt:16384:8:1:/);
  expect(a).not.toBe(b);
  expect(a).not.toContain('s3cret');
  expect(isPasswordHash(a)).toBe(true);
  expect(await verifyPassword('s3cret', a)).toBe(true);
  expect(await verifyPassword('s3cret ', a)).toBe(false);
  expect(await verifyPassword('s3cret', 'plain-text')).toBe(false);
  // A tampered cost factor must not make a login allocate gigabytes.
  expect(await verifyPassword('s3cret', a.replace('16384', String(1 << 24)))).toBe(false);
  // Factors within each bound but together beyond scrypt's memory limit fail closed too (no throw, so a login answers 401).
  for (const t of [a.replace('16384', String(1 << 20)), a.replace('16384', String(1 << 16)).replace(':8:', ':32:')]) {
    expect(isPasswordHash(t)).toBe(false);
    await expect(verifyPassword('s3cret', t)).resolves.toBe(false);
  }
  await expect(hashPassword('')).rejects.toThrow(/empty/);
});

test('stored users: only valid entries with hashes are kept, errors name the user', async () => {
  const hash = await hashPassword('x');
  const r = parseStoredUsers(JSON.stringify([{ name: 'op1', roles: ['operator'], hash }, { name: 'bob', roles: ['operator'], hash: 'x' }, { name: 'eve', roles: ['root'], hash }]));
  expect(r.users.map((u) => u.name)).toEqual(['op1']);
  expect(r.errors).toHaveLength(2);
  expect(r.errors[0]).toMatch(/bob.*scrypt/);
  expect(r.errors[1]).toMatch(/eve.*role/);
  expect(parseStoredUsers('{').errors[0]).toMatch(/not valid JSON/);
  expect(parseStoredUsers('').users).toEqual([]);
});

test('an environment password keeps one hash across redeploys, so live sessions are not ended as "password changed"', async () => {
  const first = await parseEnvUsers('operator1:operator', 'same-pw');
  const again = await parseEnvUsers('operator1:operator, operator2:operator', 'same-pw');
  expect(again.users[0].hash).toBe(first.users[0].hash);
  expect(again.users[1].hash).toBe(first.users[0].hash);
  const json = await parseEnvUsers('[{"name":"op3","roles":["operator"],"password":"same-pw"}]', undefined);
  expect(json.users[0].hash).toBe(first.users[0].hash);
  // A changed password is a new hash (and ends the sessions, as it should).
  const changed = await parseEnvUsers('operator1:operator', 'other-pw');
  expect(changed.users[0].hash).not.toBe(first.users[0].hash);
  expect(await verifyPassword('other-pw', changed.users[0].hash)).toBe(true);
});

test('environment users: compact name:role list with a shared password, or JSON', async () => {
  const compact = await parseEnvUsers('operator1:operator, operator2:operator, supervisor:supervisor+engineer', 'demo-pw');
  expect(compact.errors).toEqual([]);
  expect(compact.users.map((u) => [u.name, u.roles])).toEqual([['operator1', ['operator']], ['operator2', ['operator']], ['supervisor', ['supervisor', 'engineer']]]);
  expect(await verifyPassword('demo-pw', compact.users[2].hash)).toBe(true);
  expect((await parseEnvUsers('operator1:operator', undefined)).errors[0]).toMatch(/no password/);
  expect((await parseEnvUsers('operator1:operator', undefined)).errors[0]).toMatch(/set the "Env password" field of the copilot-console node .*\$\{DEMO_PASSWORD\}/);
  expect((await parseEnvUsers('op:operator:pw', 'x')).errors[0]).toMatch(/"Env password" of the copilot-console node/);
  expect((await parseEnvUsers('op:operator:pw', 'x')).errors[0]).toMatch(/passwords go in the password field/);
  expect((await parseEnvUsers('op:wizard', 'x')).errors[0]).toMatch(/role/);

  const json = await parseEnvUsers(JSON.stringify([{ name: 'a', roles: ['viewer'], password: 'pa' }, { name: 'b', roles: ['operator'] }]), undefined);
  expect(json.users.map((u) => u.name)).toEqual(['a']);
  expect(await verifyPassword('pa', json.users[0].hash)).toBe(true);
  expect(json.errors[0]).toMatch(/password or a hash/);

  const alias = await parseEnvUsers(JSON.stringify([{ username: 'supervisor', password: 'pw', roles: ['supervisor', 'operator'] }]), undefined);
  expect(alias.users.map((u) => [u.name, u.roles])).toEqual([['supervisor', ['supervisor', 'operator']]]);

  const merged = mergeUsers(compact.users.slice(0, 1), compact.users);
  expect(merged.users).toHaveLength(3);
  expect(merged.errors[0]).toMatch(/operator1.*node's entry/);
});

test('rate limiter: per name and client, per client overall, forgiven on success', () => {
  let t = 0;
  const l = new LoginRateLimiter({ maxFailures: 3, windowMs: 1000, maxFailuresPerClient: 5 }, () => t);
  for (let i = 0; i < 3; i++) l.fail('bob', '1.2.3.4');
  expect(l.retryAfterMs('bob', '1.2.3.4')).toBe(1000);
  expect(l.retryAfterMs('BOB', '1.2.3.4')).toBe(1000);
  expect(l.retryAfterMs('bob', '5.6.7.8')).toBe(0);
  t = 400;
  expect(l.retryAfterMs('bob', '1.2.3.4')).toBe(600);
  l.fail('amy', '1.2.3.4');
  const at = l.fail('cat', '1.2.3.4');
  expect(l.retryAfterMs('dan', '1.2.3.4')).toBe(600); // five failures from the client in all
  l.succeed('cat', '1.2.3.4', at);
  expect(l.retryAfterMs('dan', '1.2.3.4')).toBe(0);
  t = 1001;
  expect(l.retryAfterMs('bob', '1.2.3.4')).toBe(0);
});
