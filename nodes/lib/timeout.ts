// Bounding a device or server call in time: a PLC or OPC UA server that stops answering must not
// hold a write, a redeploy or a shutdown forever.

/** `p`, or an Error saying `<what> did not answer within <ms> ms` once `ms` pass. The timer never outlives `p`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
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
