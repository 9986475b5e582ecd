// The operator console in headless Chromium against the real demo: the simulator over Modbus ->
// copilot-modbus-read -> copilot-alarms -> copilot-reason -> copilot-approval -> copilot-write in
// an embedded Node-RED (flows/demo.json). An operator logs in with the keyboard, sees the alarm
// arrive live (no reload), reads the incident with its cited evidence and reasoner, approves the
// four-eyes proposal, a second operator confirms it in another browser, and the first sees the
// write verified. Screenshots go to .test-artifacts/; COPILOT_UPDATE_SCREENSHOT=1 also refreshes
// docs/console-screenshot.png.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDemo, type RunningDemo } from '../../dist/demo/main';
import { artifactPath, browserTest, chromiumAvailable, launchChromium } from '../helpers/browser';
import { until } from '../helpers/wait';

jest.setTimeout(300_000);

async function apiLogin(base: string, username: string, password: string): Promise<string> {
  const r = await fetch(`${base}/copilot/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status}`);
  return r.headers.getSetCookie()[0].split(';')[0];
}

async function uiLogin(page: Page, base: string, user: string, password: string): Promise<void> {
  await page.goto(`${base}/copilot`);
  // Keyboard only: the page focuses the user name field; Tab to the password, Enter submits.
  await page.locator('#login-user').waitFor({ state: 'visible' });
  await page.keyboard.type(user);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.locator('#who', { hasText: user }).waitFor({ timeout: 15_000 });
  await page.locator('.live.on').waitFor({ timeout: 15_000 });
}

describe('operator console in a browser, real flow', () => {
  let demo: RunningDemo | undefined;
  let browser: Browser | undefined;
  let base = '';
  let sim = '';
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-browser-'));
  const password = 'browser-' + Math.random().toString(36).slice(2);

  beforeAll(async () => {
    if (!chromiumAvailable()) return;
    demo = await startDemo({ port: 0, simHttpPort: 0, simModbusPort: 0, password, userDir, speed: 5, seed: 7, resetFlows: true, logLevel: 'error' });
    base = `http://127.0.0.1:${demo.red.port}`;
    sim = `http://127.0.0.1:${demo.sim.httpPort}`;
    // Requests to a server that is still starting fail: keep polling through them.
    await until('the console API', async () => (await fetch(`${base}/copilot/api/me`)).status === 401, 60_000, { everyMs: 500, retryErrors: true });
    const cookie = await apiLogin(base, 'supervisor', password);
    await until('the plant settled with every alarm normal', async () => {
      const r = (await (await fetch(`${base}/copilot/api/alarms`, { headers: { cookie } })).json()) as { alarms?: Array<{ state: string }> };
      return !!r.alarms && r.alarms.length > 0 && r.alarms.every((a) => a.state === 'NORMAL');
    }, 90_000, { everyMs: 1000, retryErrors: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await demo?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  browserTest('log in, alarm arrives live, incident explained, four-eyes approval, write verified', async () => {
    const b = browser as Browser;
    const ctx1 = await b.newContext({ viewport: { width: 1680, height: 1050 } });
    const ctx2 = await b.newContext({ viewport: { width: 1024, height: 1366 }, hasTouch: true }); // a tablet, portrait
    try {
      const page = await ctx1.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await uiLogin(page, base, 'operator1', password);
      await page.locator('#alarm-list .empty.calm').waitFor();
      expect(await page.locator('.alarm.unack').count()).toBe(0);
      // Marks this document: if the page reloaded, the mark would be gone.
      await page.evaluate(() => ((window as unknown as { copilotMark: number }).copilotMark = 42));

      const inj = await fetch(`${sim}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'pump-trip', target: 'P-301' }) });
      expect(inj.status).toBe(201);

      // The alarm arrives over server-sent events, coloured by priority, unacknowledged.
      const row = page.locator('.alarm.unack', { hasText: 'FT-301' }).first();
      await row.waitFor({ timeout: 60_000 });
      expect(await row.getAttribute('class')).toMatch(/p-(urgent|high|medium|low)/);
      expect(await page.evaluate(() => (window as unknown as { copilotMark?: number }).copilotMark)).toBe(42);
      await page.screenshot({ path: artifactPath('console-1-alarm.png') });

      // The incident: explanation, the named cause with cited evidence, and who wrote it.
      await page.locator('.incident-view .cause-id', { hasText: 'cw-pump-trip' }).first().waitFor({ timeout: 60_000 });
      const incident = page.locator('.incident-view');
      expect((await incident.locator('.summary').textContent())?.length).toBeGreaterThan(10);
      expect(await incident.locator('.reasoner').first().textContent()).toMatch(/Written by .*knowledge base/);
      expect(await incident.locator('table.evidence tbody tr').count()).toBeGreaterThan(0);
      expect(await incident.locator('table.evidence', { hasText: 'P-301.RUN' }).count()).toBeGreaterThan(0);

      // The proposal: current vs proposed, limits, trend, time left; four-eyes.
      const card = page.locator('article.proposal', { hasText: 'FIC-101.SP' }).first();
      await card.waitFor({ timeout: 60_000 });
      expect(await card.locator('.limits').textContent()).toMatch(/Limits 2 … 15 m3\/h/);
      expect(await card.locator('.badge.four-eyes').textContent()).toBe('four-eyes 0/2');
      expect(await card.locator('.time-left').textContent()).toMatch(/left/);
      await card.locator('svg.spark').waitFor({ timeout: 20_000 });
      await page.screenshot({ path: artifactPath('console-2-incident-and-proposal.png') });
      // The README's screenshot is refreshed on request only, so test runs never dirty the tree.
      if (process.env.COPILOT_UPDATE_SCREENSHOT === '1') {
        fs.copyFileSync(artifactPath('console-2-incident-and-proposal.png'), path.join(__dirname, '..', '..', 'docs', 'console-screenshot.png'));
      }

      // Acknowledge the alarm from the page.
      await row.locator('button.ack').click();
      await page.locator('.alarm', { hasText: 'FT-301' }).first().locator('.state', { hasText: 'ACKED' }).waitFor({ timeout: 10_000 });

      // First approval.
      await card.locator('button', { hasText: /^Select$/ }).click();
      await card.locator('button.approve').waitFor();
      await card.locator('input[id^=reason-]').fill('cut feed while cooling water is lost');
      await card.locator('button.approve').click();
      await page.locator('#toast', { hasText: 'needs a second, different user' }).waitFor({ timeout: 10_000 });
      await card.locator('.hint', { hasText: 'You approved this' }).waitFor({ timeout: 10_000 });

      // Second approver on a tablet.
      const tablet = await ctx2.newPage();
      await uiLogin(tablet, base, 'operator2', password);
      const card2 = tablet.locator('article.proposal', { hasText: 'FIC-101.SP' }).first();
      await card2.locator('.badge.four-eyes', { hasText: 'four-eyes 1/2' }).waitFor({ timeout: 15_000 });
      // The first operator's selection ends with the approval; the second selects and confirms.
      await card2.locator('button', { hasText: 'Select to confirm as second approver' }).click({ timeout: 70_000 });
      await card2.locator('button.approve', { hasText: 'Confirm (second approval)' }).click();
      await tablet.screenshot({ path: artifactPath('console-3-tablet-second-approval.png') });

      // The first operator sees the write verified, live.
      const done = page.locator('#history-list .hist.ok', { hasText: 'FIC-101.SP' }).first();
      await done.waitFor({ state: 'attached', timeout: 45_000 });
      expect(await done.locator('.outcome').textContent()).toMatch(/verified/);
      expect(await done.textContent()).toMatch(/approved by operator1 and operator2/);
      await page.screenshot({ path: artifactPath('console-4-write-verified.png') });

      // The audit trail names both approvers.
      await page.locator('#nav button[data-view=audit]').click();
      await page.locator('#audit-rows tr', { hasText: 'operator2' }).first().waitFor({ timeout: 10_000 });
      await page.screenshot({ path: artifactPath('console-5-audit.png') });
      // The alarm KPIs of copilot-alarms.
      await page.locator('#nav button[data-view=kpis]').click();
      await page.locator('#kpis .kpi').first().waitFor({ timeout: 10_000 });
      expect(await page.locator('#kpis .kpi').count()).toBeGreaterThan(3);
      await page.screenshot({ path: artifactPath('console-6-kpis.png') });
      expect(pageErrors).toEqual([]);
    } finally {
      await fetch(`${sim}/faults`, { method: 'DELETE' }).catch(() => undefined);
      await ctx1.close();
      await ctx2.close();
    }
  });
});
