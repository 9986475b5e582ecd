// The shared test helper `until` (test/helpers/wait.ts): what it resolves with, and that a wait
// that cannot succeed fails on time with an error naming what was awaited.
import { sleep, until } from '../helpers/wait';

test('resolves with the first truthy value of a sync or async check', async () => {
  let n = 0;
  await expect(until('n to reach 3', () => ++n >= 3 && n)).resolves.toBe(3);
  await expect(until('an async value', async () => ({ ok: true }))).resolves.toEqual({ ok: true });
});

test('a timeout names what was awaited and comes on time', async () => {
  const t0 = Date.now();
  await expect(until('the impossible', () => false, 100)).rejects.toThrow('timed out after 100 ms waiting for the impossible');
  expect(Date.now() - t0).toBeLessThan(1000);
  let seen = 0;
  await expect(until(() => `seven (saw ${seen})`, () => ++seen === 7 && seen, 50, { everyMs: 100 })).rejects.toThrow(/waiting for seven \(saw 2\)$/);
});

test('an error in the check ends the wait at once, unless errors are retried', async () => {
  const t0 = Date.now();
  await expect(until('a broken check', () => { throw new Error('boom'); }, 5000)).rejects.toThrow(/^boom$/);
  expect(Date.now() - t0).toBeLessThan(1000);
  let calls = 0;
  const flaky = async () => {
    if (++calls < 3) throw new Error('not up yet');
    return 'up';
  };
  await expect(until('the server', flaky, 1000, { everyMs: 10, retryErrors: true })).resolves.toBe('up');
  await expect(until('a server that never answers', async () => { throw new Error('ECONNREFUSED'); }, 50, { everyMs: 10, retryErrors: true })).rejects.toThrow(
    'timed out after 50 ms waiting for a server that never answers: ECONNREFUSED',
  );
});

test('sleep waits at least the time asked', async () => {
  const t0 = Date.now();
  await sleep(30);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
});
