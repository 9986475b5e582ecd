// The CLI as an engineer runs it: the built bin, a real process, exit codes and output.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '../..');
const bin = path.join(root, 'bin/operator-copilot.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 20000 });

describe('operator-copilot CLI', () => {
  test('--help lists the commands', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/validate <plant-file>/);
    expect(r.stdout).toMatch(/import-alarms/);
  });

  test('validate accepts the demo plant with a one-line summary', () => {
    const r = run('validate', 'examples/plants/reactor-unit-2.yaml');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/valid: plant "Reactor unit 2", 24 tags \(3 writable\), 16 alarms, 8 causes/);
  });

  test('validate rejects a broken plant with every error as file:line: field: message', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
    const f = path.join(dir, 'bad.yaml');
    fs.writeFileSync(f, 'plant: Bad\ntags:\n  - name: A\n    range: [5, 1]\n  - name: A\nalarms:\n  - { tag: B, type: HI, limit: 1, priority: high, message: m }\n');
    const r = run('validate', f);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain(`${f}:4: tags[0].range: range low (5) must be below high (1)`);
    expect(lines).toContain(`${f}:5: tags[1].name: duplicate tag name "A" (first declared earlier in the file)`);
    expect(lines).toContain(`${f}:7: alarms[0].tag: alarm tag "B" is not a declared tag`);
    expect(lines[lines.length - 1]).toBe(`${f}: 3 errors`);
    fs.rmSync(dir, { recursive: true });
  });

  test('usage errors exit 2', () => {
    expect(run('validate').status).toBe(2);
    expect(run('no-such-command').status).toBe(2);
  });

  test('import-alarms turns a spreadsheet export into a plant-model alarms block', () => {
    const r = run('import-alarms', 'examples/plants/boiler-house-alarms.csv');
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('alarms:\n  - tag: ')).toBe(true);
  });
});
