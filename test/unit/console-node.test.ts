// The copilot-console node in a real Node-RED 4 runtime (the package installed in its user
// directory): routes on httpNode at /copilot, users from credentials and from the environment,
// plain passwords hashed and stored back, the editor's hash route, 503 when no console is deployed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startNodeRed, type EmbeddedNodeRed } from '../../dist/demo/node-red';
import { verifyPassword } from '../../nodes/lib/console/passwords';
import { sleep, until } from '../helpers/wait';

const plantFile = path.join(__dirname, '../../examples/plants/reactor-unit-2.yaml');
const flows = [
  { id: 'tab1', type: 'tab', label: 'console' },
  { id: 'plant1', type: 'copilot-plant', name: 'reactor', source: 'file', path: plantFile, inline: '' },
  {
    id: 'console1',
    type: 'copilot-console',
    name: 'control room',
    plant: 'plant1',
    idleMinutes: 30,
    envUsers: '${CONSOLE_TEST_USERS}',
    envPassword: '${CONSOLE_TEST_PASSWORD}',
    title: '',
    showNormal: false,
    textSize: 'large',
  },
];

async function login(base: string, username: string, password: string) {
  const r = await fetch(`${base}/copilot/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = (await r.json()) as { csrfToken?: string; roles?: string[]; error?: string };
  return { status: r.status, body, cookie: (r.headers.getSetCookie()[0] ?? '').split(';')[0] };
}

/** Flows start after RED.start() and after a deploy answers: wait until the console answers 401. */
async function consoleUp(base: string): Promise<void> {
  await until('the console to come up (401 from /copilot/api/me)', async () => (await fetch(`${base}/copilot/api/me`)).status === 401, 10_000, { everyMs: 100 });
}

describe('copilot-console in a real Node-RED', () => {
  let red: EmbeddedNodeRed;
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-console-'));

  beforeAll(async () => {
    process.env.CONSOLE_TEST_USERS = 'operator1:operator, operator2:operator, boss:supervisor+engineer';
    process.env.CONSOLE_TEST_PASSWORD = 'env-secret';
    fs.mkdirSync(userDir, { recursive: true });
    // Someone put a clear password into the credentials file: the runtime must hash it.
    fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify({ console1: { users: JSON.stringify([{ name: 'eng', roles: ['engineer'], password: 'typed-in-clear' }]) } }));
    red = await startNodeRed({ userDir, flows, logLevel: 'error' });
    await consoleUp(red.url);
  });
  afterAll(async () => {
    await red?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
    delete process.env.CONSOLE_TEST_USERS;
    delete process.env.CONSOLE_TEST_PASSWORD;
  });

  test('serves the page and refuses anonymous API calls', async () => {
    const redirect = await fetch(`${red.url}/copilot`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/copilot/');
    const page = await fetch(`${red.url}/copilot/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('app.js');
    const js = await fetch(`${red.url}/copilot/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${red.url}/copilot/api/me`)).status).toBe(401);
  });

  test('users from the environment (${VAR}) and from credentials log in with their roles', async () => {
    const op = await login(red.url, 'operator1', 'env-secret');
    expect(op.status).toBe(200);
    expect(op.body.roles).toEqual(['operator']);
    const boss = await login(red.url, 'boss', 'env-secret');
    expect(boss.body.roles).toEqual(['supervisor', 'engineer']);
    expect((await login(red.url, 'operator2', 'wrong')).status).toBe(401);
    const eng = await login(red.url, 'eng', 'typed-in-clear');
    expect(eng.status).toBe(200);
    const me = await fetch(`${red.url}/copilot/api/me`, { headers: { cookie: eng.cookie } });
    expect(await me.json()).toMatchObject({ user: 'eng', plant: 'Reactor unit 2', display: { textSize: 'large' }, services: { alarms: false } });
    // No alarm node in this flow: a clear 503.
    const alarms = await fetch(`${red.url}/copilot/api/alarms`, { headers: { cookie: eng.cookie } });
    expect(alarms.status).toBe(503);
    expect(((await alarms.json()) as { error: string }).error).toMatch(/copilot-alarms/);
  });

  test('a clear password found in the credentials is stored back as a hash on the next deploy', async () => {
    expect((await login(red.url, 'eng', 'typed-in-clear')).status).toBe(200); // users are hashed by now
    const deploy = await fetch(`${red.url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flows),
    });
    expect(deploy.status).toBe(204);
    await consoleUp(red.url);
    const creds = fs.readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8');
    expect(creds).not.toContain('typed-in-clear');
    expect(creds).toContain('scrypt:');
    const again = await login(red.url, 'eng', 'typed-in-clear');
    expect([again.status, again.body.error]).toEqual([200, undefined]);
  });

  test("the editor's hash route returns a scrypt hash of the typed password", async () => {
    const r = await fetch(`${red.url}/copilot-console/hash`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'pw-1' }) });
    expect(r.status).toBe(200);
    const { hash } = (await r.json()) as { hash: string };
    expect(await verifyPassword('pw-1', hash)).toBe(true);
    const bad = await fetch(`${red.url}/copilot-console/hash`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(bad.status).toBe(400);
  });

  test('503 while no console is deployed; routes still answer once one is deployed again', async () => {
    const without = flows.filter((n) => n.type !== 'copilot-console');
    const post = (f: unknown[]) =>
      fetch(`${red.url}/flows`, { method: 'POST', headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(f) });
    expect((await post(without)).status).toBe(204);
    let none = await fetch(`${red.url}/copilot/api/me`);
    for (let i = 0; i < 100 && none.status !== 503; i++) {
      await sleep(100);
      none = await fetch(`${red.url}/copilot/api/me`);
    }
    expect(none.status).toBe(503);
    expect(((await none.json()) as { error: string }).error).toMatch(/no copilot-console/);
    expect((await post(flows)).status).toBe(204);
    await consoleUp(red.url);
    expect((await login(red.url, 'operator2', 'env-secret')).status).toBe(200);
  });
});
