// Small durable state (alarm states and shelves, pending proposals, the token nonce ledger) kept
// as JSON files in the Node-RED user directory. Writes are atomic (temp file + rename) so a
// crash mid-write leaves the previous state, never a truncated file.
import * as fs from 'node:fs';
import * as path from 'node:path';

export class StateFile<T> {
  private timer?: NodeJS.Timeout;
  private pending?: T;

  /**
   * `onError` receives failures of the debounced writes, which run on a timer where a throw
   * would be an uncaught exception (and stop Node-RED); `flush()` called directly throws.
   */
  constructor(
    readonly file: string,
    private readonly debounceMs = 200,
    private readonly onError: (e: Error) => void = () => undefined,
  ) {}

  load(): T | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as T;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      // A corrupt file is moved aside (kept for inspection) rather than crashing the node.
      try {
        fs.renameSync(this.file, `${this.file}.corrupt-${Date.now()}`);
      } catch {
        /* nothing more to do */
      }
      return undefined;
    }
  }

  /** Saves soon (coalescing bursts of changes); `flush()` writes now. */
  save(state: T): void {
    this.pending = state;
    if (this.debounceMs <= 0) return this.flush();
    if (!this.timer)
      this.timer = setTimeout(() => {
        try {
          this.flush();
        } catch (e) {
          this.onError(e as Error);
        }
      }, this.debounceMs);
  }

  /** Writes the pending state now; on failure it stays pending, so the next save or flush retries. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const state = this.pending;
    if (state === undefined) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, this.file);
    if (this.pending === state) this.pending = undefined;
  }
}

/** Where a node keeps its state: <userDir>/copilot-state/<kind>-<nodeId>.json */
export function stateFilePath(userDir: string, kind: string, nodeId: string): string {
  return path.join(userDir, 'copilot-state', `${kind}-${nodeId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}
