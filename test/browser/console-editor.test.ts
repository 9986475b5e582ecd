// The copilot-console editor in the real Node-RED editor (headless Chromium): users added in the
// form with roles and passwords are stored as scrypt hashes only — both when the password is
// hashed as the field is left and when Done is clicked straight after typing — and can log in.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { startNodeRed, type EmbeddedNodeRed } from '../../dist/demo/node-red';
import { artifactPath, browserTest, chromiumAvailable, launchChromium } from '../helpers/browser';
import { until } from '../helpers/wait';

jest.setTimeout(180_000);

const plantFile = path.join(__dirname, '../../examples/plants/reactor-unit-2.yaml');
const flows = [
  { id: 'tab1', type: 'tab', label: 'console' },
  { id: 'plant1', type: 'copilot-plant', name: 'reactor', source: 'file', path: plantFile, inline: '' },
  { id: 'console1', type: 'copilot-console', name: 'control room', plant: 'plant1', idleMinutes: 30, envUsers: '', envPassword: '', title: '', showNormal: false, textSize: 'normal' },
];

describe('copilot-console editor', () => {
  let red: EmbeddedNodeRed | undefined;
  let browser: Browser | undefined;
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-console-editor-'));

  beforeAll(async () => {
    if (!chromiumAvailable()) return;
    red = await startNodeRed({ userDir, flows, logLevel: 'error' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await red?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  browserTest('passwords typed in the editor are stored as scrypt hashes and work for login', async () => {
    const r = red as EmbeddedNodeRed;
    const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(r.url + '/');
    await page.waitForFunction(() => {
      const R = (window as unknown as { RED?: { nodes?: { node(id: string): unknown } } }).RED;
      return !!R?.nodes?.node && !!R.nodes.node('console1');
    }, undefined, { timeout: 60_000 });
    await page.evaluate(() => (window as unknown as { RED: { editor: { editConfig(n: string, t: string, id: string, p: string): void } } }).RED.editor.editConfig('', 'copilot-console', 'console1', 'node-input'));
    const list = page.locator('#copilot-console-users');
    await list.waitFor({ state: 'attached', timeout: 15_000 });
    const add = page.locator('.red-ui-editableList-addButton').first();

    // First user: the password is hashed when the field is left.
    await add.click();
    const row1 = page.locator('#copilot-console-users li').nth(0);
    await row1.locator('input[type=text]').fill('chief');
    await row1.locator('input[data-role=operator]').uncheck();
    await row1.locator('input[data-role=supervisor]').check();
    await row1.locator('input[type=password]').fill('chief-pw-1');
    await row1.locator('input[type=text]').focus();
    await row1.getByText('password set (hashed)').waitFor({ timeout: 15_000 });

    // Second user: Done right after typing (the hash is made on save).
    await add.click();
    const row2 = page.locator('#copilot-console-users li').nth(1);
    await row2.locator('input[type=text]').fill('op7');
    await row2.locator('input[type=password]').fill('op7-pw-2');
    await page.screenshot({ path: artifactPath('console-editor-users.png') });
    await page.locator('#node-config-dialog-ok').click();

    await page.locator('#red-ui-header-button-deploy').click();
    const confirm = page.locator('#red-ui-header-button-deploy-confirm, .red-ui-notification button:has-text("Confirm deploy")');
    await Promise.race([confirm.first().click({ timeout: 5_000 }).catch(() => undefined), page.waitForTimeout(5_000)]);

    const credFile = path.join(userDir, 'flows_cred.json');
    let creds = '';
    await until(
      () => `the deploy to store op7 in ${credFile} (${creds ? 'it holds no op7' : 'no file yet'})`,
      () => {
        creds = fs.existsSync(credFile) ? fs.readFileSync(credFile, 'utf8') : '';
        return creds.includes('op7');
      },
      20_000,
      { everyMs: 200 },
    );
    expect(creds).toContain('chief');
    expect(creds).toContain('op7');
    expect(creds).not.toContain('chief-pw-1');
    expect(creds).not.toContain('op7-pw-2');
    expect(creds.match(/scrypt:/g)?.length).toBe(2);

    // The console accepts both users once the deploy has restarted it.
    await until(
      'the redeployed console to know op7',
      async () => {
        const node = r.RED.nodes.getNode('console1') as { users?: Promise<Array<{ name: string }>> } | null;
        return !!node?.users && (await node.users).some((u) => u.name === 'op7');
      },
      10_000,
      { everyMs: 100 },
    );
    const login = async (username: string, password: string) => {
      const res = await fetch(`${r.url}/copilot/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
      return { status: res.status, body: (await res.json()) as { roles?: string[] } };
    };
    const chief = await login('chief', 'chief-pw-1');
    expect(chief.status).toBe(200);
    expect(chief.body.roles).toEqual(['supervisor']);
    expect((await login('op7', 'op7-pw-2')).body.roles).toEqual(['operator']);
    expect(errors).toEqual([]);
  });
});
