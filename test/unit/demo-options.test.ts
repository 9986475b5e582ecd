// The demo's start banner: which host its console and editor URLs name for the HOST it listens on,
// the console users it lists from a flow's environment users, and how it fills its user dir.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { envUserNames, prepareUserDir, urlHost } from '../../dist/demo/main';

test('the printed URLs name the listening address; a wildcard address prints loopback and says so', () => {
  expect(urlHost(undefined)).toEqual({ host: '127.0.0.1', note: '' });
  expect(urlHost('localhost')).toEqual({ host: '127.0.0.1', note: '' });
  expect(urlHost('192.168.10.5')).toEqual({ host: '192.168.10.5', note: '' });
  expect(urlHost('fd00::5')).toEqual({ host: '[fd00::5]', note: '' });
  expect(urlHost('0.0.0.0').host).toBe('127.0.0.1');
  expect(urlHost('0.0.0.0').note).toMatch(/all interfaces: HOST=0\.0\.0\.0/);
  expect(urlHost('::').note).toMatch(/all interfaces/);
});

test('the banner lists the environment users of the flow\'s console nodes (name:role lists only)', () => {
  const flow = JSON.stringify([
    { type: 'copilot-console', envUsers: 'operator1:operator, super1:supervisor+operator;eng1' },
    { type: 'copilot-console', envUsers: '${CONSOLE_USERS}' },
    { type: 'copilot-console', envUsers: '[{"name":"x","roles":["operator"],"password":"p"}]' },
    { type: 'function', envUsers: 'nobody:operator' },
  ]);
  expect(envUserNames(flow)).toEqual(['operator1', 'super1', 'eng1']);
  expect(envUserNames('not json')).toEqual([]);
});

test('the demo user dir takes a newer checkout\'s plant model and flow (old copies kept as backups); an engineer\'s edits otherwise survive a restart', () => {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-userdir-'));
  try {
    const o = { userDir, resetFlows: false } as Parameters<typeof prepareUserDir>[0];
    // A user dir from an older checkout: its plant copy differs and has no marker.
    fs.writeFileSync(path.join(userDir, 'plant.yaml'), 'plant: old\n');
    prepareUserDir(o);
    const shipped = fs.readFileSync(path.join(__dirname, '../../examples/plants/reactor-unit-2.yaml'), 'utf8');
    expect(fs.readFileSync(path.join(userDir, 'plant.yaml'), 'utf8')).toBe(shipped);
    const backups = fs.readdirSync(userDir).filter((f) => /^plant\.backup-\d+\.yaml$/.test(f));
    expect(backups).toHaveLength(1);
    expect(fs.readFileSync(path.join(userDir, backups[0]), 'utf8')).toBe('plant: old\n');
    // Edited in place after that: the same checkout keeps the edit.
    fs.writeFileSync(path.join(userDir, 'plant.yaml'), shipped + '# edited\n');
    fs.appendFileSync(path.join(userDir, 'flows.json'), ' ');
    prepareUserDir(o);
    expect(fs.readFileSync(path.join(userDir, 'plant.yaml'), 'utf8')).toBe(shipped + '# edited\n');
    expect(fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8').endsWith(' ')).toBe(true);
    // DEMO_RESET rewrites both, and an edit it replaces is kept as a backup too.
    prepareUserDir({ ...o, resetFlows: true });
    expect(fs.readFileSync(path.join(userDir, 'plant.yaml'), 'utf8')).toBe(shipped);
    const edited = fs.readdirSync(userDir).filter((f) => /^plant\.backup-\d+\.yaml$/.test(f)).map((f) => fs.readFileSync(path.join(userDir, f), 'utf8'));
    expect(edited).toContain(shipped + '# edited\n');
    expect(fs.readdirSync(userDir).some((f) => /^flows\.backup-\d+\.json$/.test(f))).toBe(true);
  } finally {
    fs.rmSync(userDir, { recursive: true, force: true });
  }
});
