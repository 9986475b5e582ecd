// `operator-copilot sim` as a user runs it (the built CLI): the ports line at start, the fault
// API answering, a clean exit on SIGINT and SIGTERM, and clear usage errors.
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';

const bin = path.join(__dirname, '../../bin/operator-copilot.js');

function startCli(args: string[]): Promise<{ child: ReturnType<typeof spawn>; line: string; out: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'sim', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('no ports line within 10 s: ' + out));
    }, 10_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^sim: .*$/m.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, line: m[0], out: () => out });
      }
    });
    child.stderr!.on('data', (d) => (out += d));
  });
}

const exitOf = (child: ReturnType<typeof spawn>) => new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

describe('operator-copilot sim', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('prints the ports in use, serves the fault API and exits cleanly on %s', async (signal) => {
    const { child, line, out } = await startCli(['--http-port', '0', '--modbus-port', '0', '--speed', '10', '--seed', '3']);
    const m = /^sim: http=(\d+) modbus=(\d+) opcua=off speed=10 seed=3$/.exec(line);
    expect(m).not.toBeNull();
    const faults = await (await fetch(`http://127.0.0.1:${m![1]}/faults`)).json();
    expect(faults.available[0].cause).toBe('cw-pump-trip');
    const exited = exitOf(child);
    child.kill(signal);
    expect(await exited).toBe(0);
    expect(out()).toMatch(/sim: stopped/);
  });

  it('refuses bad options with a usage message', () => {
    const r = spawnSync(process.execPath, [bin, 'sim', '--speed', 'fast'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--speed needs a number/);
    const p = spawnSync(process.execPath, [bin, 'sim', '--modbus-port', '70000'], { encoding: 'utf8' });
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/port 0..65535/);
  });
});
