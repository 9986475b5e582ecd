import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StateFile } from '../../nodes/lib/state-file';
import { sleep } from '../helpers/wait';

describe('StateFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'state-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('debounced saves coalesce and land atomically', async () => {
    const f = new StateFile<{ n: number }>(path.join(dir, 'sub', 's.json'), 20);
    f.save({ n: 1 });
    f.save({ n: 2 });
    expect(f.load()).toBeUndefined();
    await sleep(60);
    expect(f.load()).toEqual({ n: 2 });
    expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual(['s.json']);
  });

  test('a failed debounced write is reported, not thrown on the timer, and retried by the next flush', async () => {
    const blocker = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocker, 'x'); // a file where the state folder should be: mkdir fails
    const errors: Error[] = [];
    const f = new StateFile<{ n: number }>(path.join(blocker, 's.json'), 10, (e) => errors.push(e));
    f.save({ n: 1 });
    await sleep(50);
    expect(errors).toHaveLength(1);
    expect(() => f.flush()).toThrow(); // still pending: a direct flush tries again and throws
    fs.rmSync(blocker);
    f.flush();
    expect(f.load()).toEqual({ n: 1 });
  });

  test('a corrupt file is moved aside, not fatal', () => {
    const file = path.join(dir, 's.json');
    fs.writeFileSync(file, '{broken');
    expect(new StateFile(file).load()).toBeUndefined();
    expect(fs.readdirSync(dir).some((n) => n.startsWith('s.json.corrupt-'))).toBe(true);
  });
});
