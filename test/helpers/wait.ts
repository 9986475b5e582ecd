// Waiting in tests: a plain pause, and polling a condition until it holds or failing with an
// error that says what was awaited ("timed out after 5000 ms waiting for the first batch").
// One copy for every test file, instead of an `until` per file with its own order of arguments,
// interval and message.

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What `until` resolves with: the check's value once it is truthy. */
export type Truthy<T> = Exclude<T, undefined | null | false | 0 | ''>;

/** How long `until` waits unless told otherwise; a wait that may need longer says so at the call. */
export const DEFAULT_WAIT_MS = 5000;

export interface PollOptions {
  /** Milliseconds between two checks (default 20). Make it longer where a check is costly, e.g. a request. */
  everyMs?: number;
  /**
   * Keep polling when the check throws or rejects, e.g. a request to a server that is not up yet;
   * a timeout then ends with the last error. By default the first error ends the wait at once,
   * so a broken check fails the test straight away instead of at the timeout.
   */
  retryErrors?: boolean;
}

/**
 * Calls `check` (sync or async) until it returns a truthy value and resolves with that value, so
 * a wait can also fetch what it waited for: `const msg = await until('the first batch', () =>
 * got.find((m) => m.topic === 'batch'))`. The first check runs at once.
 *
 * @param what what is awaited, for the error `timed out after <timeoutMs> ms waiting for <what>`;
 *   a function is called only on timeout, so the message can show the state seen then.
 * @param timeoutMs how long to keep checking (default `DEFAULT_WAIT_MS`).
 */
export async function until<T>(
  what: string | (() => string),
  check: () => T | PromiseLike<T>,
  timeoutMs: number = DEFAULT_WAIT_MS,
  { everyMs = 20, retryErrors = false }: PollOptions = {},
): Promise<Truthy<T>> {
  const t0 = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Truthy<T>;
    } catch (e) {
      if (!retryErrors) throw e;
      lastError = e;
    }
    if (Date.now() - t0 >= timeoutMs) {
      const description = typeof what === 'function' ? what() : what;
      const cause = lastError === undefined ? '' : `: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
    }
    await sleep(everyMs);
  }
}
