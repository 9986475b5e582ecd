// LLM budget: calls per minute and tokens per hour, sliding windows. When either is spent the
// copilot answers from the knowledge base and says so; it never queues calls for later.
export class LlmBudget {
  private readonly calls: number[] = [];
  private readonly tokens: Array<[number, number]> = [];

  /** `tokensPerHour` 0 (or Infinity): no token limit. */
  constructor(
    private readonly callsPerMinute: number,
    private readonly tokensPerHour: number,
  ) {}

  /** Why a call may not be made now, or undefined when it may. */
  refusal(now: number): string | undefined {
    while (this.calls.length && now - this.calls[0] >= 60_000) this.calls.shift();
    while (this.tokens.length && now - this.tokens[0][0] >= 3_600_000) this.tokens.shift();
    if (this.callsPerMinute <= 0) return 'LLM calls are set to 0 per minute';
    if (this.calls.length >= this.callsPerMinute) return `rate limit of ${this.callsPerMinute} LLM calls per minute reached`;
    const used = this.tokens.reduce((s, [, n]) => s + n, 0);
    if (this.tokensPerHour > 0 && used >= this.tokensPerHour) return `token budget of ${this.tokensPerHour} per hour used up`;
    return undefined;
  }

  take(now: number): void {
    this.calls.push(now);
  }

  spend(now: number, tokens: number): void {
    this.tokens.push([now, tokens]);
  }
}
