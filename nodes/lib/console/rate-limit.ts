// Login rate limit: a user name tried from one client may fail `maxFailures` times within
// `windowMs`; after that every attempt (even with the right password) is refused with 429 until
// the oldest failure leaves the window. A client guessing many names is limited as a whole too.
export interface RateLimitOptions {
  maxFailures: number;
  windowMs: number;
  /** Failures allowed from one client across all user names. */
  maxFailuresPerClient: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { maxFailures: 5, windowMs: 5 * 60_000, maxFailuresPerClient: 20 };

/** Bound on remembered keys so a spray of names cannot grow memory without limit. */
const MAX_KEYS = 10_000;

export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly opts: RateLimitOptions = DEFAULT_RATE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until a login may be tried again, or 0 when allowed now. */
  retryAfterMs(username: string, client: string): number {
    const t = this.now();
    const wait = (key: string, max: number) => {
      const list = this.recent(key, t);
      return list.length >= max ? list[list.length - max] + this.opts.windowMs - t : 0;
    };
    return Math.max(wait(userKey(username, client), this.opts.maxFailures), wait(clientKey(client), this.opts.maxFailuresPerClient));
  }

  /**
   * Counts a failure; returns its time so a login that turns out right can be forgiven. Logins
   * count as failures while the password is being checked, so parallel guesses are limited too.
   */
  fail(username: string, client: string): number {
    const t = this.now();
    if (this.failures.size >= MAX_KEYS) this.sweep();
    for (const key of [userKey(username, client), clientKey(client)]) {
      const list = this.recent(key, t);
      list.push(t);
      this.failures.set(key, list);
    }
    return t;
  }

  /** A successful login clears that name's failures from that client and forgives its own attempt. */
  succeed(username: string, client: string, attemptAt: number): void {
    this.failures.delete(userKey(username, client));
    const list = this.failures.get(clientKey(client));
    const i = list ? list.lastIndexOf(attemptAt) : -1;
    if (list && i >= 0) list.splice(i, 1);
  }

  sweep(): void {
    const t = this.now();
    for (const key of [...this.failures.keys()]) if (!this.recent(key, t).length) this.failures.delete(key);
    // Still too many: drop the oldest keys rather than grow.
    while (this.failures.size >= MAX_KEYS) this.failures.delete(this.failures.keys().next().value as string);
  }

  private recent(key: string, t: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((x) => t - x < this.opts.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }
}

const userKey = (u: string, c: string) => `u:${u.toLowerCase()}|${c}`;
const clientKey = (c: string) => `c:${c}`;
