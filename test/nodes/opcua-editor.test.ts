// The copilot-opcua and copilot-opcua-read editors in the real Node-RED editor (headless
// Chromium) against the simulator's OPC UA server: the forms open without script errors, the
// security selects keep mode and policy consistent, and Browse walks Objects -> reactor -> TT-201.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { startNodeRed, type EmbeddedNodeRed } from '../../dist/demo/node-red';
import { startOpcuaServer, simNodeId } from '../../sim/opcua-server';
import type { RunningOpcuaServer } from '../../sim/process-api';
import { artifactPath, browserTest, chromiumAvailable, launchChromium } from '../helpers/browser';
import { fakeProcess, type FakeProcess } from '../unit/opcua-fake-process';

jest.setTimeout(180_000);

describe('copilot-opcua editors', () => {
  let red: EmbeddedNodeRed | undefined;
  let browser: Browser | undefined;
  let server: RunningOpcuaServer | undefined;
  let proc: FakeProcess | undefined;
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-opcua-editor-'));

  beforeAll(async () => {
    if (!chromiumAvailable()) return;
    proc = fakeProcess(200);
    server = await startOpcuaServer(proc, { port: 0, pkiDir: path.join(os.tmpdir(), 'operator-copilot-test-pki', 'sim') });
    fs.copyFileSync(path.join(__dirname, '../../examples/plants/reactor-unit-2-opcua.yaml'), path.join(userDir, 'plant-opcua.yaml'));
    const flows = [
      { id: 'tab1', type: 'tab', label: 'opcua' },
      { id: 'plant1', type: 'copilot-plant', name: 'reactor', source: 'file', path: 'plant-opcua.yaml', inline: '', audit: '' },
      { id: 'conn1', type: 'copilot-opcua', name: 'ua1', endpoint: server.endpointUrl, securityMode: 'None', securityPolicy: 'None', acceptUnknownCertificate: true },
      { id: 'read1', type: 'copilot-opcua-read', z: 'tab1', plant: 'plant1', connection: 'conn1', samplingInterval: 500, publishingInterval: 1000, refresh: 10, output: 'batch', batchSize: 1000, x: 200, y: 100, wires: [[]] },
    ];
    red = await startNodeRed({ userDir, flows, logLevel: 'error' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await red?.stop();
    await server?.stop();
    proc?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  browserTest('the connection form browses the server; the read node form opens cleanly', async () => {
    const r = red as EmbeddedNodeRed;
    const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(r.url + '/');
    await page.waitForFunction(() => {
      const R = (window as unknown as { RED?: { nodes?: { node(id: string): unknown } } }).RED;
      return !!R?.nodes?.node && !!R.nodes.node('conn1') && !!R.nodes.node('read1');
    }, undefined, { timeout: 60_000 });

    await page.evaluate(() => (window as unknown as { RED: { editor: { editConfig(n: string, t: string, id: string, p: string): void } } }).RED.editor.editConfig('', 'copilot-opcua', 'conn1', 'node-input'));
    await page.locator('#copilot-opcua-browse').waitFor({ timeout: 15_000 });
    // Choosing SignAndEncrypt picks a real policy; going back to None resets it.
    await page.locator('#node-config-input-securityMode').selectOption('SignAndEncrypt');
    expect(await page.locator('#node-config-input-securityPolicy').inputValue()).toBe('Basic256Sha256');
    await page.locator('#node-config-input-securityMode').selectOption('None');
    expect(await page.locator('#node-config-input-securityPolicy').inputValue()).toBe('None');

    await page.locator('#copilot-opcua-browse').click();
    const result = page.locator('#copilot-opcua-browse-result');
    await result.getByText('reactor', { exact: false }).first().waitFor({ timeout: 20_000 });
    await result.locator('div', { hasText: 'reactor' }).first().click();
    await result.getByText(simNodeId('TT-201'), { exact: true }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#copilot-opcua-browse-node').inputValue()).toBe('ns=1;s=area/reactor');
    await page.screenshot({ path: artifactPath('opcua-editor-browse.png') });
    await page.locator('#node-config-dialog-cancel').click();

    await page.evaluate(() => (window as unknown as { RED: { editor: { edit(n: unknown): void }; nodes: { node(id: string): unknown } } }).RED.editor.edit((window as unknown as { RED: { nodes: { node(id: string): unknown } } }).RED.nodes.node('read1')));
    await page.locator('#node-input-publishingInterval').waitFor({ timeout: 15_000 });
    expect(await page.locator('#node-input-publishingInterval').inputValue()).toBe('1000');
    expect(await page.locator('#node-input-output').inputValue()).toBe('batch');
    await page.locator('#node-dialog-cancel').click();
    expect(errors).toEqual([]);
  });
});
