// Helpers the benchmarks share: a pause, a wait that fails loudly, and order statistics.
// scripts/bench.js runs every bench/*.js except files starting with `_`, so this one is never
// run as a benchmark of its own.
'use strict';

/** Resolves after `ms` milliseconds. */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `check` (sync or async) every `everyMs` until it returns a truthy value, and resolves with
 * that value. On timeout it throws `bench: timed out after <timeoutMs> ms waiting for <what>`, so a
 * benchmark never goes on to measure something that did not start (and report 0/s or null).
 * `what` may be a function, called only on timeout, to show the state seen then.
 */
async function until(what, check, timeoutMs = 60_000, { everyMs = 50 } = {}) {
  const t0 = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - t0 >= timeoutMs) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(everyMs);
  }
}

/** Ascending order of numbers or bigints (`a - b` of two bigints is a bigint, which sort() rejects). */
const ascending = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The `p`-th percentile (0-100) of `xs` (numbers or bigints) by the nearest-rank-below rule: the
 * element at index floor(p/100 * n) of the sorted values, the last one for p = 100. `xs` is not changed.
 */
function percentile(xs, p) {
  if (!xs.length) throw new Error('bench: percentile of no values');
  const s = [...xs].sort(ascending);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** The median: the middle element, or the upper of the two middle ones for an even count. */
const median = (xs) => percentile(xs, 50);

module.exports = { sleep, until, percentile, median };
