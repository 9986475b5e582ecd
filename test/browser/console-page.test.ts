// The console page in headless Chromium against the real router with in-test services (no
// Node-RED): text from the reasoner (possibly an LLM) is shown as text, never markup; a viewer
// gets no controls; an edit outside the limits is refused before it is sent, one inside is sent
// as `value`; shelving needs a reason; ack works from the keyboard; missing nodes are named; a proposal's time runs down.
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { PlantHub } from '../../nodes/lib/hub';
import { createConsoleRouter, hashPassword, type ConsoleRouter, type ConsoleUser } from '../../nodes/lib/console';
import type { Incident } from '../../nodes/lib/contracts';
import { alarmEvent, MemoryAudit, proposalRecord, TestAlarms, TestApproval, TestReason } from './fixtures/console-services';
import { artifactPath, browserTest, chromiumAvailable, launchChromium } from '../helpers/browser';

jest.setTimeout(120_000);

const PUBLIC = path.join(__dirname, '../../dist/nodes/lib/console/public');
const PW = 'page-test-pw';

describe('console page with in-test services', () => {
  let browser: Browser | undefined;
  let server: http.Server | undefined;
  let router: ConsoleRouter | undefined;
  let base = '';
  const hub = new PlantHub();
  const audit = new MemoryAudit();
  hub.audit = audit;
  const alarms = new TestAlarms(hub);
  const reason = new TestReason();
  const approvals: Array<{ id: string; value?: number }> = [];
  const approval = new TestApproval(hub, (p) => approvals.push({ id: p.id, value: p.value }));
  let withdrawApproval: () => void = () => undefined;

  beforeAll(async () => {
    if (!chromiumAvailable()) return;
    const hash = await hashPassword(PW);
    const users: ConsoleUser[] = [
      { name: 'op', roles: ['operator'], hash },
      { name: 'watcher', roles: ['viewer'], hash },
    ];
    hub.provide('alarms', 'a', alarms);
    hub.provide('reason', 'r', reason);
    withdrawApproval = hub.provide('approval', 'p', approval);
    router = createConsoleRouter({ publicDir: PUBLIC, context: () => ({ hub, users, plant: 'Test plant' }) });
    const app = express();
    app.use('/copilot', router);
    server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((r) => (server as http.Server).once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    router?.close();
    server?.closeAllConnections();
    if (server) await new Promise((r) => (server as http.Server).close(r));
  });

  async function loginPage(user: string): Promise<Page> {
    const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${base}/copilot/`);
    await page.locator('#login-user').fill(user);
    await page.locator('#login-pass').fill(PW);
    await page.locator('#login-form button[type=submit]').click();
    await page.locator('.live.on').waitFor({ timeout: 10_000 });
    return page;
  }

  browserTest('reasoner text is shown as text, never as markup', async () => {
    const page = await loginPage('op');
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const evil = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b>';
    const incident: Incident = {
      id: 'inc-x',
      openedAt: Date.now(),
      alarmIds: ['TT-201:HI'],
      flood: false,
      suggestion: {
        id: 's1', incidentId: 'inc-x', alarms: [], verdict: 'ambiguous', summary: evil,
        hypotheses: [{ cause: 'c1', description: evil, confidence: 0.5, evidence: [{ tag: 'TT-201', observed: evil, expected: 'high', relation: 'supports' }] }],
        consequences: [evil], actions: [], proposals: [], reasoner: 'llm:openai/<i>gpt</i>', createdAt: Date.now(),
      },
    };
    reason.list.push(incident);
    hub.emit({ type: 'incident', payload: incident });
    await page.locator('.incident-view .summary').waitFor();
    expect(await page.locator('.incident-view .summary').textContent()).toBe(evil);
    expect(await page.locator('.incident-view img, .incident-view script, .incident-view b, .incident-view i').count()).toBe(0);
    expect(await page.locator('.incident-view .reasoner').first().textContent()).toContain('LLM openai/<i>gpt</i>');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await page.close();
  });

  browserTest('alarms: colour only when abnormal, shelve needs a reason, ack from the keyboard', async () => {
    alarms.set(alarmEvent({ id: 'PT-201:HI', state: 'NORMAL', priority: 'high' }));
    const page = await loginPage('op');
    await page.locator('#alarm-list .empty.calm', { hasText: 'normal' }).waitFor();
    await page.locator('#show-normal').check();
    const normal = page.locator('.alarm', { hasText: 'PT-201' });
    await normal.waitFor();
    expect(await normal.getAttribute('class')).toMatch(/\bquiet\b/);
    expect(await normal.getAttribute('class')).not.toMatch(/p-high/);
    await page.locator('#show-normal').uncheck();

    alarms.set(alarmEvent({ id: 'TT-201:HI', state: 'UNACK', priority: 'urgent', active: true, acked: false, activeSince: Date.now(), firstOut: true }));
    const row = page.locator('.alarm.unack.p-urgent', { hasText: 'TT-201' });
    await row.waitFor();
    expect(await row.locator('.first-out').textContent()).toBe('1st OUT');

    await row.locator('button', { hasText: 'Shelve…' }).click();
    let shelveRequests = 0;
    page.on('request', (r) => r.url().includes('/shelve') && shelveRequests++);
    await row.locator('form.shelve button[type=submit]').click();
    // The reason field is required: the browser refuses the form before anything is sent.
    expect(await row.locator('form.shelve input[required]').evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);
    await page.waitForTimeout(300);
    expect(shelveRequests).toBe(0);
    expect(alarms.alarms.get('TT-201:HI')?.state).toBe('UNACK');

    await row.locator('form.shelve button', { hasText: 'Cancel' }).click();
    await row.locator('button.ack').focus();
    await page.keyboard.press('Enter');
    await page.locator('.alarm', { hasText: 'TT-201' }).locator('.state', { hasText: 'ACKED' }).waitFor();
    expect(alarms.alarms.get('TT-201:HI')).toMatchObject({ state: 'ACKED', by: 'op' });
    await page.close();
  });

  browserTest('proposals: an edit outside the limits is refused on the page, one inside is sent; time runs down', async () => {
    approval.add(proposalRecord({ id: 'lvl', tag: 'LIC-201.SP', current: 50, proposed: 45, limits: { min: 30, max: 70, maxStep: 10 }, expiresAt: Date.now() + 90_000 }));
    const page = await loginPage('op');
    const card = page.locator('article.proposal[data-proposal=lvl]');
    await card.waitFor();
    const left1 = await card.locator('.time-left').textContent();
    // The countdown ticks every second; 2.5 s always crosses at least one boundary.
    await page.waitForTimeout(2500);
    expect(await card.locator('.time-left').textContent()).not.toBe(left1);

    await card.locator('button', { hasText: /^Select$/ }).click();
    const value = card.locator('input[type=number]');
    await value.fill('95');
    let posted = 0;
    page.on('request', (r) => r.url().includes('/approve') && posted++);
    await card.locator('button.approve').click();
    await page.locator('#toast', { hasText: 'within 30 … 70' }).waitFor();
    expect(posted).toBe(0);

    await value.fill('42');
    await card.locator('button.approve').click();
    await page.locator('#history-list [data-proposal=lvl]').waitFor({ state: 'attached' });
    expect(approvals).toContainEqual({ id: 'lvl', value: 42 });
    await page.screenshot({ path: artifactPath('console-page-proposal.png') });
    await page.close();
  });

  browserTest('a viewer sees the plant but gets no controls', async () => {
    approval.add(proposalRecord({ id: 'v1', tag: 'LIC-201.SP' }));
    alarms.set(alarmEvent({ id: 'LT-201:HI', state: 'UNACK', priority: 'medium', active: true, acked: false }));
    const page = await loginPage('watcher');
    await page.locator('.alarm', { hasText: 'LT-201' }).waitFor();
    expect(await page.locator('.alarm button').count()).toBe(0);
    await page.locator('article.proposal[data-proposal=v1] .hint', { hasText: 'Viewers cannot decide' }).waitFor();
    expect(await page.locator('article.proposal button').count()).toBe(0);
    await page.close();
  });

  browserTest('a missing approval node is named on the page', async () => {
    withdrawApproval();
    const page = await loginPage('op');
    await page.locator('#proposals .error', { hasText: 'copilot-approval' }).waitFor();
    withdrawApproval = hub.provide('approval', 'p', approval);
    await page.close();
  });
});
