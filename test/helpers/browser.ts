// Browser tests drive Debian's Chromium through playwright-core. Where /usr/bin/chromium is
// missing they log clearly that they were skipped and why, and still assert that the reason holds
// (so they cannot pass silently on a machine that has Chromium); with COPILOT_REQUIRE_BROWSER=1
// (CI sets it) a missing Chromium is a failure instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.COPILOT_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = path.join(__dirname, '..', '..', '.test-artifacts');
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/**
 * A Jest test that needs Chromium. Without it: fails when COPILOT_REQUIRE_BROWSER=1, otherwise
 * logs the skip and its reason.
 */
export function browserTest(name: string, fn: () => Promise<void>, timeoutMs = 120_000): void {
  test(
    name,
    async () => {
      if (chromiumAvailable()) return fn();
      const why = `${CHROMIUM} not found (install Debian's chromium package: apt-get install chromium)`;
      if (process.env.COPILOT_REQUIRE_BROWSER === '1') throw new Error(`browser test "${name}" cannot run: ${why}; COPILOT_REQUIRE_BROWSER=1 requires it`);
      console.warn(`SKIPPED browser test "${name}": ${why}. Set COPILOT_REQUIRE_BROWSER=1 to make this a failure.`);
      expect(chromiumAvailable()).toBe(false);
    },
    timeoutMs,
  );
}

export function artifactPath(name: string): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}
