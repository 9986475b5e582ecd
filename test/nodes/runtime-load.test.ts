// Done-when of the foundation: a real Node-RED 4.1 runtime with the package installed in its
// user directory loads every node type the package declares, with no error.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startNodeRed, type EmbeddedNodeRed } from '../../dist/demo/node-red';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));

describe('package in a real Node-RED runtime', () => {
  let red: EmbeddedNodeRed;
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-runtime-'));
  afterAll(async () => {
    await red?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  test('every declared node type is registered without error', async () => {
    red = await startNodeRed({ userDir, flows: [], logLevel: 'error' });
    const res = await fetch(`${red.url}/nodes`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    const list = (await res.json()) as Array<{ module: string; types: string[]; enabled: boolean; err?: string }>;
    const ours = list.filter((n) => n.module === pkg.name);
    const declared = Object.keys(pkg['node-red'].nodes).sort();
    // The registry lists nodes in load order; compare as sets. `err` is set for a node set
    // whose file failed to load; `enabled` is false for one the runtime disabled.
    const got = ours.map((n) => ({ types: n.types, err: n.err ?? null, enabled: n.enabled })).sort((a, b) => String(a.types[0]).localeCompare(String(b.types[0])));
    expect(got).toEqual(declared.map((t) => ({ types: [t], err: null, enabled: true })));
    // The editor gets every node's HTML (form, help) from the runtime.
    const html = await (await fetch(`${red.url}/nodes`, { headers: { accept: 'text/html' } })).text();
    for (const t of declared) expect(html).toContain(`data-help-name="${t}"`);
  });
});
