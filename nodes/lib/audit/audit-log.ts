// The append-only, hash-chained audit log (DESIGN §5 rule 6) in one SQLite file. Each record
// carries the hash of the one before it, so altering, deleting, inserting or reordering any
// record breaks the chain at that point and `verify()` names it.
//
// The file holds exactly one table, `audit`, so that every row in the file is covered by the
// chain. No UPDATE/DELETE triggers: they would stop an accident, not an attacker (who can drop
// them), and verification is what gives the guarantee.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { AuditRecord, AuditSink } from '../contracts';
import { canonicalJson } from './canonical';

/** prevHash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditLogOptions {
  /** Clock for record timestamps (ms since epoch); injectable for tests. */
  now?: () => number;
  /** Open for reading only (verify, export): never creates or changes the file. */
  readonly?: boolean;
  /**
   * Copy the write-ahead log into the main file this long after the last append, so a plain
   * copy of the .db file (a backup, a support bundle) holds every record. 0 = after every append.
   */
  checkpointMs?: number;
}

/**
 * The head anchor: the last record's seq and hash, kept beside the database in
 * `<file>.head.json` and refreshed with every checkpoint. A chain cut off at the end is
 * internally consistent; only a copy of the head kept elsewhere shows that records are missing.
 */
export interface HeadAnchor {
  seq: number;
  hash: string;
  /** When the anchor was written (ms since epoch). */
  at: number;
}

export const headFileOf = (file: string): string => `${file}.head.json`;

export function readHeadAnchor(file: string): HeadAnchor | undefined {
  try {
    const h = JSON.parse(fs.readFileSync(headFileOf(file), 'utf8')) as HeadAnchor;
    return typeof h?.seq === 'number' && typeof h.hash === 'string' && typeof h.at === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

export interface StoredRow {
  seq: number;
  at: number;
  kind: string;
  actor: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

export interface ChainBreak {
  /** The seq stored in the first record that fails (or the seq that was expected there). */
  seq: number;
  /** 1-based position of that record in the file. */
  position: number;
  kind?: string;
  at?: number;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  count: number;
  firstBroken?: ChainBreak;
  /** Hash of the last record: write it down elsewhere to detect truncation of the tail later. */
  headHash: string;
}

export interface QueryOptions {
  from?: number;
  to?: number;
  kind?: string;
  /** The most recent `limit` records of the range (still returned oldest first). */
  limit?: number;
}

/** sha256 over the canonical record, including the previous record's hash. */
export function recordHash(r: { seq: number; at: number; kind: string; actor: string | null; data: string; prevHash: string }): string {
  // Keys in sorted order with primitive values: JSON.stringify gives exactly canonicalJson's text,
  // without its walk (this runs for every append and every record verified).
  const canonical = JSON.stringify({ actor: r.actor, at: Number.isFinite(r.at) ? r.at : null, data: r.data, kind: r.kind, prevHash: r.prevHash, seq: r.seq });
  return createHash('sha256').update(canonical).digest('hex');
}

/** The audit table (exported for the benchmark's plain-SQLite baseline of the same schema). */
export const AUDIT_SCHEMA = `CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT,
  data TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
)`;

function toRecord(r: StoredRow): AuditRecord {
  let data: unknown;
  try {
    data = JSON.parse(r.data);
  } catch {
    data = r.data;
  }
  return { seq: r.seq, at: r.at, kind: r.kind, actor: r.actor, data, prevHash: r.prev_hash, hash: r.hash };
}

export class AuditLog implements AuditSink {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly checkpointMs: number;
  private checkpointTimer?: NodeJS.Timeout;
  private closed = false;
  private lastAnchor = 0;
  /**
   * Set when the head file beside the database names a record the database does not hold (or
   * holds with another hash): records were removed or rewritten while the log was closed. The
   * head file is kept as `<file>.head.json.mismatch-<time>` for the investigation.
   */
  readonly anchorProblem?: string;
  private readonly appendTx?: (kind: string, actor: string | null, data: string, value: unknown) => AuditRecord;

  constructor(file: string, opts: AuditLogOptions = {}) {
    this.file = file;
    this.now = opts.now ?? Date.now;
    this.checkpointMs = opts.checkpointMs ?? 1000;
    if (opts.readonly) {
      this.db = new Database(file, { readonly: true, fileMustExist: true });
      const t = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit'").get();
      if (!t) {
        this.db.close();
        throw new Error(`${file} is not an operator-copilot audit database (it has no "audit" table)`);
      }
      return;
    }
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash; a power loss may lose the last records, never
    // corrupt the chain.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(AUDIT_SCHEMA);
    const last = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    const insert = this.db.prepare('INSERT INTO audit (seq, at, kind, actor, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
    // The head is kept in memory and each record is one INSERT with its seq. If another writer
    // on the same file (a second plant node, an overlapping restart) took that seq first, the
    // primary key refuses ours; the head is re-read and the record chained after theirs, so the
    // file always holds a single chain.
    let head: { seq: number; hash: string } | undefined;
    this.appendTx = (kind, actor, data, value) => {
      for (let attempt = 0; ; attempt++) {
        head ??= (last.get() as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: GENESIS_HASH };
        const seq = head.seq + 1;
        const prevHash = head.hash;
        const at = this.now();
        const hash = recordHash({ seq, at, kind, actor, data, prevHash });
        try {
          insert.run(seq, at, kind, actor, data, prevHash, hash);
        } catch (e) {
          if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && attempt < 100) {
            head = undefined;
            continue;
          }
          throw e;
        }
        head = { seq, hash };
        return { seq, at, kind, actor, data: value, prevHash, hash };
      }
    };
    if (file !== ':memory:') {
      const anchor = readHeadAnchor(file);
      const problem = anchor && this.anchorMismatch(anchor);
      if (problem) {
        this.anchorProblem = problem;
        try {
          fs.renameSync(headFileOf(file), `${headFileOf(file)}.mismatch-${Date.now()}`);
        } catch {
          // Keeping the old head file in place also keeps the evidence.
        }
      }
    }
  }

  /** Appends one record and returns it (with its seq and hash). */
  append(kind: string, actor: string | null, data: unknown): AuditRecord {
    if (!this.appendTx) throw new Error(`the audit log ${this.file} is open read-only`);
    if (this.closed) throw new Error(`the audit log ${this.file} is closed`);
    if (typeof kind !== 'string' || !kind) throw new Error('an audit record needs a kind');
    const rec = this.appendTx(kind, actor ?? null, canonicalJson(data ?? null), data ?? null);
    this.scheduleCheckpoint();
    return rec;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n;
  }

  query(opts: QueryOptions = {}): AuditRecord[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (opts.from !== undefined) (where.push('at >= ?'), args.push(opts.from));
    if (opts.to !== undefined) (where.push('at <= ?'), args.push(opts.to));
    if (opts.kind) (where.push('kind = ?'), args.push(opts.kind));
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    let rows: StoredRow[];
    if (opts.limit !== undefined) {
      rows = this.db.prepare(`SELECT * FROM audit ${w} ORDER BY seq DESC LIMIT ?`).all(...args, Math.max(0, Math.floor(opts.limit))) as StoredRow[];
      rows.reverse();
    } else {
      rows = this.db.prepare(`SELECT * FROM audit ${w} ORDER BY seq`).all(...args) as StoredRow[];
    }
    return rows.map(toRecord);
  }

  /** Streams the stored rows of a time range in chain order (for export). */
  *rows(from?: number, to?: number): IterableIterator<StoredRow> {
    const where: string[] = [];
    const args: number[] = [];
    if (from !== undefined) (where.push('at >= ?'), args.push(from));
    if (to !== undefined) (where.push('at <= ?'), args.push(to));
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    yield* this.db.prepare(`SELECT * FROM audit ${w} ORDER BY seq`).iterate(...args) as IterableIterator<StoredRow>;
  }

  /**
   * Walks the whole chain and names the first record that breaks it: content altered (hash
   * mismatch), a record deleted or inserted (seq gap, broken link), or records reordered.
   */
  verify(anchor?: HeadAnchor): VerifyResult {
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let position = 0;
    const it = this.db.prepare('SELECT seq, at, kind, actor, data, prev_hash, hash FROM audit ORDER BY rowid').iterate() as IterableIterator<StoredRow>;
    for (const r of it) {
      position++;
      const broken = (problem: string): VerifyResult => {
        it.return?.();
        return {
          ok: false,
          count: position - 1,
          firstBroken: { seq: typeof r.seq === 'number' ? r.seq : expectedSeq, position, kind: String(r.kind), at: typeof r.at === 'number' ? r.at : undefined, problem },
          headHash: prevHash,
        };
      };
      if (r.seq !== expectedSeq) {
        return broken(
          typeof r.seq === 'number' && r.seq > expectedSeq
            ? `record ${expectedSeq}${r.seq - expectedSeq > 1 ? `..${r.seq - 1}` : ''} is missing (deleted): the next record is ${r.seq}`
            : `record ${r.seq} is out of order (expected ${expectedSeq} here)`,
        );
      }
      if (typeof r.at !== 'number' || typeof r.kind !== 'string' || typeof r.data !== 'string' || (r.actor !== null && typeof r.actor !== 'string'))
        return broken(`record ${r.seq} has a column of the wrong type (altered)`);
      if (r.prev_hash !== prevHash)
        return broken(`record ${r.seq} does not link to record ${r.seq - 1} (previous-hash mismatch: a record was deleted, inserted or reordered)`);
      const h = recordHash({ seq: r.seq, at: r.at, kind: r.kind, actor: r.actor, data: r.data, prevHash: r.prev_hash });
      if (h !== r.hash) return broken(`record ${r.seq} (${r.kind}) does not match its hash: its content was altered after it was written`);
      prevHash = r.hash;
      expectedSeq++;
    }
    if (anchor) {
      const problem = this.anchorMismatch(anchor);
      if (problem) {
        const missing = anchor.seq > position;
        return {
          ok: false,
          count: missing ? position : Math.min(position, anchor.seq - 1),
          firstBroken: { seq: missing ? position + 1 : anchor.seq, position: missing ? position + 1 : anchor.seq, problem },
          headHash: prevHash,
        };
      }
    }
    return { ok: true, count: position, headHash: prevHash };
  }

  /** Why the database does not agree with a head anchor, or undefined when it does. */
  private anchorMismatch(anchor: HeadAnchor): string | undefined {
    const row = this.db.prepare('SELECT hash FROM audit WHERE seq = ?').get(anchor.seq) as { hash: string } | undefined;
    const when = new Date(anchor.at).toISOString();
    if (!row) {
      const last = (this.db.prepare('SELECT max(seq) AS n FROM audit').get() as { n: number | null }).n ?? 0;
      return `record ${last + 1}${anchor.seq > last + 1 ? `..${anchor.seq}` : ''} is missing: the head file of ${when} says the log reached record ${anchor.seq}, the database ends at ${last} (records were cut off the end)`;
    }
    if (row.hash !== anchor.hash) return `record ${anchor.seq} is not the one the head file of ${when} names (the chain was rewritten from there)`;
    return undefined;
  }

  /** Copies the write-ahead log into the main file now. */
  checkpoint(mode: 'PASSIVE' | 'TRUNCATE' = 'PASSIVE'): void {
    if (this.closed || !this.appendTx) return;
    this.db.pragma(`wal_checkpoint(${mode})`);
    this.writeAnchor();
  }

  /** Refreshes `<file>.head.json` (atomically) when records were added since the last time. */
  private writeAnchor(): void {
    if (this.file === ':memory:') return;
    const head = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    if (!head || head.seq === this.lastAnchor) return;
    const anchor: HeadAnchor = { seq: head.seq, hash: head.hash, at: this.now() };
    const target = headFileOf(this.file);
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(anchor));
    fs.renameSync(tmp, target);
    this.lastAnchor = head.seq;
  }

  close(): void {
    if (this.closed) return;
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpointTimer = undefined;
    try {
      this.checkpoint('TRUNCATE');
    } catch {
      // Another connection still reading: the WAL stays and is applied on the next open.
    }
    this.closed = true;
    this.db.close();
  }

  private scheduleCheckpoint(): void {
    if (this.checkpointMs <= 0) return this.checkpoint();
    if (this.checkpointTimer) return;
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = undefined;
      try {
        this.checkpoint();
      } catch {
        // Busy: the next append schedules another attempt.
      }
    }, this.checkpointMs);
    this.checkpointTimer.unref();
  }
}

/** Formats a record time for people and exports (UTC, ISO 8601). */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const CSV_HEADER = 'seq,at,kind,actor,data,prev_hash,hash';

/** One CSV line (RFC 4180 quoting) of a stored row; `data` is the exact hashed JSON text. */
export function csvLine(r: StoredRow): string {
  return [r.seq, isoTime(r.at), r.kind, r.actor, r.data, r.prev_hash, r.hash].map(csvCell).join(',');
}

/** One JSON line of a stored row, with `data` parsed (its canonical form is the hashed text). */
export function jsonLine(r: StoredRow): string {
  const rec = toRecord(r);
  return JSON.stringify({ seq: rec.seq, at: isoTime(rec.at), atMs: rec.at, kind: rec.kind, actor: rec.actor, data: rec.data, prevHash: rec.prevHash, hash: rec.hash });
}
