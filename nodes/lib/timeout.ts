// Bounding a device, server or LLM call in time: a PLC, OPC UA server or model that stops
// answering must not hold a write, a redeploy, a shutdown or an operator's question forever.

/** What withTimeout rejects with: `<what> did not answer within <ms> ms`, with the bound kept in `ms`. */
export class TimeoutError extends Error {
  constructor(
    what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * `p`, or a TimeoutError once `ms` pass. The timer never outlives `p`. `onTimeout` runs after the
 * rejection, to stop work nobody waits for any more (abort an HTTP request): the TimeoutError is
 * what the caller sees, not the abort error that may follow.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new TimeoutError(what, ms));
      onTimeout?.();
    }, ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Calls `done` once: when `work` settles (fulfilled or rejected), or after `ms` at the latest.
 * A node's close handler uses it so that Node-RED's redeploy never waits on an unresponsive server.
 */
export function settleWithin(work: Promise<unknown>, ms: number, done: () => void): void {
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(bound);
    done();
  };
  const bound = setTimeout(finish, ms);
  work.then(finish, finish);
}
