// Bounding calls in time (nodes/lib/timeout): the write path, the OPC UA connection and the close
// handlers of the OPC UA nodes rely on these.
import { settleWithin, TimeoutError, withTimeout } from '../../nodes/lib/timeout';
import { sleep } from '../helpers/wait';

test('withTimeout passes a prompt answer or error through, and names what did not answer in time', async () => {
  await expect(withTimeout(Promise.resolve(7), 1000, 'the write of X')).resolves.toBe(7);
  await expect(withTimeout(Promise.reject(new Error('refused')), 1000, 'the write of X')).rejects.toThrow('refused');
  await expect(withTimeout(new Promise(() => undefined), 30, 'the write of FIC-101.SP')).rejects.toThrow('the write of FIC-101.SP did not answer within 30 ms');
});

test('withTimeout rejects with a TimeoutError first, then stops the abandoned work', async () => {
  const ac = new AbortController();
  // Work that rejects as soon as it is aborted, as an HTTP client does.
  const work = new Promise((_, reject) => ac.signal.addEventListener('abort', () => reject(new Error('aborted'))));
  const err = await withTimeout(work, 30, 'the LLM', () => ac.abort()).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TimeoutError);
  expect((err as TimeoutError).ms).toBe(30);
  expect((err as Error).message).toBe('the LLM did not answer within 30 ms');
  expect(ac.signal.aborted).toBe(true);
  // Answered in time: the hook never runs.
  let stopped = false;
  await withTimeout(Promise.resolve(1), 1000, 'x', () => (stopped = true));
  await sleep(5);
  expect(stopped).toBe(false);
});

test('settleWithin calls done once: when the work settles, or at the bound if it never does', async () => {
  const calls: string[] = [];
  settleWithin(sleep(10), 1000, () => calls.push('settled'));
  settleWithin(Promise.reject(new Error('x')), 1000, () => calls.push('failed'));
  settleWithin(new Promise(() => undefined), 40, () => calls.push('bound'));
  let late!: () => void;
  settleWithin(new Promise<void>((r) => (late = r)), 30, () => calls.push('late'));
  await sleep(120);
  late();
  await sleep(20);
  expect(calls.sort()).toEqual(['bound', 'failed', 'late', 'settled']);
});
