// The console page in headless Chromium against the real router and the real parts behind it
// (fixtures/real-console.ts: plant model, live values, alarm engine, approval store, write path,
// hash-chained audit log; only the reasoner is a double), without Node-RED: text from the
// reasoner (possibly an LLM) is shown as text, never markup; a viewer gets no controls; an edit
// outside the limits is refused before it is sent, one inside is approved, written and read
// back; shelving needs a reason; ack works from the keyboard; missing nodes are named; a
// proposal's time runs down; every decision lands in an unbroken audit chain.
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { hashPassword, type ConsoleUser } from '../../nodes/lib/console';
import type { Incident } from '../../nodes/lib/contracts';
import { startRealConsole, type RealConsole } from './fixtures/real-console';
import { artifactPath, browserTest, chromiumAvailable, launchChromium } from '../helpers/browser';

jest.setTimeout(120_000);

const PUBLIC = path.join(__dirname, '../../dist/nodes/lib/console/public');
const PW = 'page-test-pw';

describe('console page with the real services', () => {
  let browser: Browser | undefined;
  let rc: RealConsole;
  let base = '';
  let withdrawApproval: () => void = () => undefined;

  beforeAll(async () => {
    if (!chromiumAvailable()) return;
    const hash = await hashPassword(PW);
    const users: ConsoleUser[] = [
      { name: 'op', roles: ['operator'], hash },
      { name: 'watcher', roles: ['viewer'], hash },
    ];
    rc = await startRealConsole({ users, publicDir: PUBLIC });
    withdrawApproval = rc.provideApproval();
    base = rc.base;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await rc?.close();
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
    rc.reason.list.push(incident);
    rc.hub.emit({ type: 'incident', payload: incident });
    await page.locator('.incident-view .summary').waitFor();
    expect(await page.locator('.incident-view .summary').textContent()).toBe(evil);
    expect(await page.locator('.incident-view img, .incident-view script, .incident-view b, .incident-view i').count()).toBe(0);
    expect(await page.locator('.incident-view .reasoner').first().textContent()).toContain('LLM openai/<i>gpt</i>');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await page.close();
  });

  browserTest('alarms: colour only when abnormal, shelve needs a reason, ack from the keyboard', async () => {
    // The steady plant: every alarm of the model is NORMAL, among them the high-priority PT-201:HI.
    expect(rc.alarms.list().filter((a) => a.state !== 'NORMAL')).toEqual([]);
    expect(rc.alarms.get('PT-201:HI')).toMatchObject({ state: 'NORMAL', priority: 'high' });
    const page = await loginPage('op');
    await page.locator('#alarm-list .empty.calm', { hasText: 'normal' }).waitFor();
    await page.locator('#show-normal').check();
    const normal = page.locator('.alarm[data-alarm="PT-201:HI"]');
    await normal.waitFor();
    expect(await normal.getAttribute('class')).toMatch(/\bquiet\b/);
    expect(await normal.getAttribute('class')).not.toMatch(/p-high/);
    await page.locator('#show-normal').uncheck();

    // The reactor overheats: TT-201 passes HIHI (95 degC, urgent, 1 s on-delay) and then HI (85, 2 s).
    rc.set('TT-201', 100);
    const row = page.locator('.alarm.unack.p-urgent[data-alarm="TT-201:HIHI"]');
    await row.waitFor();
    expect(await row.locator('.first-out').textContent()).toBe('1st OUT');
    // HI follows a second later, not first-out; once it is in, the list stops changing under the keyboard.
    const hi = page.locator('.alarm.unack.p-high[data-alarm="TT-201:HI"]');
    await hi.waitFor();
    expect(await hi.locator('.first-out').count()).toBe(0);

    await row.locator('button', { hasText: 'Shelve…' }).click();
    let shelveRequests = 0;
    page.on('request', (r) => r.url().includes('/shelve') && shelveRequests++);
    await row.locator('form.shelve button[type=submit]').click();
    // The reason field is required: the browser refuses the form before anything is sent.
    expect(await row.locator('form.shelve input[required]').evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);
    await page.waitForTimeout(300);
    expect(shelveRequests).toBe(0);
    expect(rc.alarms.get('TT-201:HIHI')?.state).toBe('UNACK');

    await row.locator('form.shelve button', { hasText: 'Cancel' }).click();
    await row.locator('button.ack').focus();
    await page.keyboard.press('Enter');
    await page.locator('.alarm[data-alarm="TT-201:HIHI"] .state', { hasText: 'ACKED' }).waitFor();
    expect(rc.alarms.get('TT-201:HIHI')).toMatchObject({ state: 'ACKED', by: 'op' });
    expect(rc.alarms.get('TT-201:HI')?.state).toBe('UNACK');
    // The acknowledgement is in the audit log under the operator's name.
    const acks = rc.audit.query({ kind: 'alarm' }).filter((r) => (r.data as { change?: string }).change === 'ack');
    expect(acks.map((r) => [r.actor, (r.data as { id: string }).id])).toEqual([['op', 'TT-201:HIHI']]);
    await page.close();
  });

  browserTest('proposals: an edit outside the limits is refused on the page, one inside is approved, written and read back; time runs down', async () => {
    // As copilot-reason would send it: limits, roles and approvals come from the plant model.
    const proposed = rc.propose({ id: 'lvl', tag: 'LIC-201.SP', current: 50, proposed: 45, unit: '%', rationale: 'lower the level', expiresAt: Date.now() + 90_000 });
    expect(proposed).toMatchObject({ state: 'pending', limits: { min: 30, max: 70, maxStep: 10 }, roles: ['operator', 'supervisor'], approvalsRequired: 1, policy: { ok: true } });
    const page = await loginPage('op');
    const card = page.locator('article.proposal[data-proposal=lvl]');
    await card.waitFor();
    expect(await card.locator('.limits').textContent()).toMatch(/Limits 30 … 70 %/);
    const left1 = await card.locator('.time-left').textContent();
    // The countdown ticks every second; 2.5 s always crosses at least one boundary.
    await page.waitForTimeout(2500);
    expect(await card.locator('.time-left').textContent()).not.toBe(left1);

    await card.locator('button', { hasText: /^Select$/ }).click();
    await card.locator('button.approve').waitFor();
    expect(rc.approval.get('lvl')).toMatchObject({ state: 'selected', selectedBy: 'op' });
    const value = card.locator('input[type=number]');
    await value.fill('95');
    let posted = 0;
    page.on('request', (r) => r.url().includes('/approve') && posted++);
    await card.locator('button.approve').click();
    await page.locator('#toast', { hasText: 'within 30 … 70' }).waitFor();
    expect(posted).toBe(0);
    expect(rc.approval.get('lvl')?.state).toBe('selected');

    await value.fill('42');
    await card.locator('button.approve').click();
    const done = page.locator('#history-list .hist.ok[data-proposal=lvl]');
    // A timeout here says what the services saw, not only that the page stayed empty.
    await done.waitFor({ state: 'attached', timeout: 15_000 }).catch((e: Error) => {
      const history = page.locator('#history-list').innerHTML().catch(() => '(page gone)');
      return history.then((h) => {
        throw new Error(
          `${e.message}\nproposal: ${JSON.stringify(rc.approval.get('lvl'))}\nwrite results: ${JSON.stringify(rc.writeResults)}\nrefusals: ${JSON.stringify(rc.writeRefusals)}\naudit errors: ${JSON.stringify(rc.auditErrors)}\nhistory: ${h.slice(0, 600)}`,
        );
      });
    });
    expect(await done.locator('.outcome').textContent()).toMatch(/written 42 %, read back 42 %: verified/);
    expect(posted).toBe(1);
    // The approval store issued one signed write for the edited value; copilot-write redeemed it,
    // wrote the device and read it back.
    expect(rc.approvedWrites.map((w) => ({ proposalId: w.proposalId, tag: w.tag, value: w.value, approvedBy: w.approvedBy }))).toEqual([
      { proposalId: 'lvl', tag: 'LIC-201.SP', value: 42, approvedBy: ['op'] },
    ]);
    expect(rc.writeRefusals).toEqual([]);
    expect(rc.device.get('LIC-201.SP')).toBe(42);
    expect(rc.approval.get('lvl')).toMatchObject({ state: 'written', value: 42, approvals: [{ user: 'op', value: 42 }], result: { verified: true, written: 42, readBack: 42 } });
    const decisions = rc.audit.query({ kind: 'decision' }).filter((r) => (r.data as { proposalId?: string }).proposalId === 'lvl');
    expect(decisions.map((r) => [r.actor, (r.data as { action: string }).action])).toEqual([
      ['op', 'select'],
      ['op', 'approve'],
    ]);
    expect(decisions[1].data).toMatchObject({ value: 42, edited: true, approvals: ['op'], approvalsRequired: 1 });
    // A late copy of the older "approved" record (the approve answer and the write's event race)
    // does not paint over the written one.
    const written = rc.approval.get('lvl')!;
    rc.hub.emit({ type: 'proposal', payload: { ...written, state: 'approved', result: undefined, updatedAt: written.updatedAt - 5 } });
    rc.hub.emit({ type: 'proposal', payload: { ...written, state: 'approved', result: undefined } });
    await page.waitForTimeout(500);
    expect(await page.locator('#history-list [data-proposal=lvl]').getAttribute('data-state')).toBe('written');
    expect(await done.locator('.outcome').textContent()).toMatch(/verified/);
    await page.screenshot({ path: artifactPath('console-page-proposal.png') });
    await page.close();
  });

  browserTest('a viewer sees the plant but gets no controls', async () => {
    rc.propose({ id: 'v1', tag: 'LIC-201.SP', current: rc.device.get('LIC-201.SP'), proposed: 45, expiresAt: Date.now() + 10 * 60_000 });
    // The level rises past LT-201 HI (75 %, 2 s on-delay).
    rc.set('LT-201', 80);
    const page = await loginPage('watcher');
    await page.locator('.alarm.unack[data-alarm="LT-201:HI"]').waitFor();
    expect(await page.locator('.alarm.unack').count()).toBeGreaterThan(1);
    expect(await page.locator('.alarm button').count()).toBe(0);
    await page.locator('article.proposal[data-proposal=v1] .hint', { hasText: 'Viewers cannot decide' }).waitFor();
    expect(await page.locator('article.proposal button').count()).toBe(0);
    await page.close();
  });

  browserTest('a missing approval node is named on the page', async () => {
    withdrawApproval();
    const page = await loginPage('op');
    await page.locator('#proposals .error', { hasText: 'copilot-approval' }).waitFor();
    withdrawApproval = rc.provideApproval();
    await page.close();
  });

  browserTest('everything the page did is in one unbroken audit chain', async () => {
    expect(rc.auditErrors).toEqual([]);
    const check = rc.audit.verify();
    expect(check).toMatchObject({ ok: true });
    expect(check.count).toBe(rc.audit.count());
    const records = rc.audit.query({});
    const logins = records.filter((r) => r.kind === 'login').map((r) => r.actor);
    expect(new Set(logins)).toEqual(new Set(['op', 'watcher']));
    // The write to the device was audited by copilot-write, with the approver, then its read-back.
    const write = records.find((r) => r.kind === 'write' && (r.data as { proposalId?: string }).proposalId === 'lvl');
    expect(write?.data).toMatchObject({ tag: 'LIC-201.SP', value: 42, approvedBy: ['op'], ok: true });
    const readBack = records.find((r) => r.kind === 'read-back' && (r.data as { proposalId?: string }).proposalId === 'lvl');
    expect(readBack?.data).toMatchObject({ written: 42, readBack: 42, verified: true });
    expect((readBack as { seq: number }).seq).toBeGreaterThan((write as { seq: number }).seq);
  });
});
