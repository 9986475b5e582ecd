// The audit log: hash chain, verification naming the first broken record for every kind of
// tampering, time-range queries, export, and the CLI's exit codes and output.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { AuditLog, GENESIS_HASH, canonicalJson, recordHash } from '../../nodes/lib/audit';
import { auditExport, auditVerify } from '../../cli/commands/audit';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-test-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function filled(n: number, t0 = Date.UTC(2026, 10, 23, 12)): string {
  const file = path.join(dir, 'a.db');
  let t = t0;
  const log = new AuditLog(file, { now: () => (t += 60_000) });
  for (let i = 0; i < n; i++) log.append(i % 2 ? 'decision' : 'proposal', i % 3 ? `op${i}` : null, { i, tag: 'FIC-101.SP', value: 7 + i });
  log.close();
  return file;
}

async function cli(cmd: typeof auditVerify, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cmd.run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const tamper = (file: string, sql: string, ...args: unknown[]) => {
  const d = new Database(file);
  const r = d.prepare(sql).run(...args);
  d.close();
  expect(r.changes).toBeGreaterThan(0);
};

describe('canonicalJson', () => {
  it('does not depend on key order and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, undefined], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[1,null]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson(NaN)).toBe('null');
  });
});

describe('AuditLog', () => {
  it('chains each record to the previous one and verifies', () => {
    const log = new AuditLog(path.join(dir, 'a.db'), { now: () => 1000 });
    const a = log.append('alarm', null, { tag: 'TT-201', type: 'HI' });
    const b = log.append('decision', 'operator1', { proposalId: 'p1', action: 'approve' });
    expect(a.seq).toBe(1);
    expect(a.prevHash).toBe(GENESIS_HASH);
    expect(b.prevHash).toBe(a.hash);
    expect(b.hash).toBe(recordHash({ seq: 2, at: 1000, kind: 'decision', actor: 'operator1', data: canonicalJson(b.data), prevHash: a.hash }));
    expect(log.verify()).toEqual({ ok: true, count: 2, headHash: b.hash });
    // The documented definition: sha256 over the canonical JSON of the record including prevHash.
    const canonical = canonicalJson({ seq: 2, at: 1000, kind: 'decision', actor: 'operator1', data: canonicalJson(b.data), prevHash: a.hash });
    expect(b.hash).toBe(createHash('sha256').update(canonical).digest('hex'));
    log.close();
  });

  it('continues the same chain after reopening, and two writers on one file make one chain', () => {
    const file = path.join(dir, 'a.db');
    const w1 = new AuditLog(file);
    w1.append('login', 'op1', {});
    const w2 = new AuditLog(file);
    w2.append('login', 'op2', {});
    w1.append('login', 'op3', {});
    w1.close();
    w2.close();
    const r = new AuditLog(file);
    expect(r.append('login', 'op4', {}).seq).toBe(4);
    expect(r.verify()).toMatchObject({ ok: true, count: 4 });
    r.close();
  });

  it('answers time-range, kind and limit queries oldest first', () => {
    const file = filled(10);
    const log = new AuditLog(file, { readonly: true });
    const all = log.query();
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const range = log.query({ from: all[2].at, to: all[5].at });
    expect(range.map((r) => r.seq)).toEqual([3, 4, 5, 6]);
    expect(log.query({ kind: 'decision' }).every((r) => r.kind === 'decision')).toBe(true);
    expect(log.query({ limit: 3 }).map((r) => r.seq)).toEqual([8, 9, 10]);
    expect(all[4].data).toEqual({ i: 4, tag: 'FIC-101.SP', value: 11 });
    log.close();
  });

  it('leaves every record in the main database file after a checkpoint (a plain copy is complete)', () => {
    const file = path.join(dir, 'a.db');
    const log = new AuditLog(file, { checkpointMs: 0 });
    for (let i = 0; i < 5; i++) log.append('write', 'op', { i });
    const copy = path.join(dir, 'copy.db');
    fs.copyFileSync(file, copy);
    const c = new AuditLog(copy, { readonly: true });
    expect(c.verify()).toMatchObject({ ok: true, count: 5 });
    c.close();
    log.close();
  });

  it('refuses to open a file that is not an audit database', () => {
    const file = path.join(dir, 'other.db');
    const d = new Database(file);
    d.exec('CREATE TABLE t (x)');
    d.close();
    expect(() => new AuditLog(file, { readonly: true })).toThrow(/not an operator-copilot audit database/);
  });
});

describe('tamper detection names the first broken record', () => {
  it.each([
    ['data altered in place', "UPDATE audit SET data = replace(data, '11', '12') WHERE seq = 5", 5, /content was altered/],
    ['kind altered (what the acceptance check does)', "UPDATE audit SET kind = kind || ' ' WHERE seq = 5", 5, /content was altered/],
    ['actor altered', "UPDATE audit SET actor = 'someone-else' WHERE seq = 5", 5, /content was altered/],
    ['time altered', 'UPDATE audit SET at = at + 1 WHERE seq = 5', 5, /content was altered/],
    ['middle record deleted', 'DELETE FROM audit WHERE seq = 5', 6, /record 5 is missing/],
    ['hash recomputed after an edit', '', 6, /does not link to record 5/],
  ])('%s', async (_what, sql, brokenAt, problem) => {
    const file = filled(10);
    if (sql) tamper(file, sql);
    else {
      // A careful forger edits record 5 and recomputes its hash: record 6 no longer links.
      const d = new Database(file);
      const r = d.prepare('SELECT * FROM audit WHERE seq = 5').get() as { seq: number; at: number; kind: string; actor: string | null; data: string; prev_hash: string };
      const data = r.data.replace('11', '99');
      d.prepare('UPDATE audit SET data = ?, hash = ? WHERE seq = 5').run(data, recordHash({ ...r, data, prevHash: r.prev_hash }));
      d.close();
    }
    const log = new AuditLog(file, { readonly: true });
    const v = log.verify();
    log.close();
    expect(v.ok).toBe(false);
    expect(v.firstBroken!.seq).toBe(brokenAt);
    expect(v.firstBroken!.problem).toMatch(problem);
    const c = await cli(auditVerify, [file]);
    expect(c.code).toBe(1);
    expect(c.out).toContain(`chain broken at record ${brokenAt}`);
  });

  it('detects records cut off the end with the head file, and says which are missing', async () => {
    const file = filled(10);
    expect(fs.existsSync(`${file}.head.json`)).toBe(true);
    expect((await cli(auditVerify, [file])).out).toMatch(/^chain ok: 10 records \(head [0-9a-f]{16}; matches .*a\.db\.head\.json of /);
    tamper(file, 'DELETE FROM audit WHERE seq >= 9');
    const c = await cli(auditVerify, [file]);
    expect(c.code).toBe(1);
    expect(c.out).toMatch(/^chain broken at record 9 .*record 9\.\.10 is missing: the head file .* says the log reached record 10, the database ends at 8/);
    // Without the head file the shortened chain is internally consistent: why the anchor matters.
    fs.renameSync(`${file}.head.json`, path.join(dir, 'elsewhere.json'));
    expect((await cli(auditVerify, [file])).code).toBe(0);
  });

  it('reopening a log whose end was cut off while it was closed reports it and keeps the old head file', async () => {
    const file = filled(6);
    const d = new Database(file);
    d.prepare('DELETE FROM audit WHERE seq = 6').run();
    d.close();
    const log = new AuditLog(file);
    expect(log.anchorProblem).toMatch(/record 6 is missing/);
    log.close();
    expect(fs.readdirSync(dir).some((f) => f.startsWith('a.db.head.json.mismatch-'))).toBe(true);
  });

  it('detects two records swapped (reordered)', async () => {
    const file = filled(10);
    const d = new Database(file);
    const rows = d.prepare('SELECT * FROM audit WHERE seq IN (4, 5) ORDER BY seq').all() as Array<Record<string, unknown>>;
    const upd = d.prepare('UPDATE audit SET at = ?, kind = ?, actor = ?, data = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    d.transaction(() => {
      upd.run(rows[1].at, rows[1].kind, rows[1].actor, rows[1].data, rows[1].prev_hash, rows[1].hash, 4);
      upd.run(rows[0].at, rows[0].kind, rows[0].actor, rows[0].data, rows[0].prev_hash, rows[0].hash, 5);
    })();
    d.close();
    const c = await cli(auditVerify, [file]);
    expect(c.code).toBe(1);
    expect(c.out).toContain('chain broken at record 4');
  });

  it("alters one text column of a middle row of every table, as the acceptance check does, and is caught", async () => {
    const file = filled(9);
    const d = new Database(file);
    let altered = 0;
    for (const { name } of d.prepare("select name from sqlite_master where type='table' and name not like 'sqlite_%'").all() as Array<{ name: string }>) {
      const cols = (d.prepare(`pragma table_info("${name}")`).all() as Array<{ name: string; type: string }>).filter((c) => /TEXT|JSON|^$/i.test(c.type) && !/hash/i.test(c.name));
      const n = (d.prepare(`select count(*) c from "${name}"`).get() as { c: number }).c;
      if (n < 3 || !cols.length) continue;
      const rid = (d.prepare(`select rowid r from "${name}" limit 1 offset ${Math.floor(n / 2)}`).get() as { r: number }).r;
      altered += d.prepare(`update "${name}" set "${cols[0].name}" = coalesce("${cols[0].name}", '') || ' ' where rowid = ?`).run(rid).changes;
    }
    d.close();
    expect(altered).toBe(1);
    expect((await cli(auditVerify, [file])).code).toBe(1);
  });
});

describe('CLI', () => {
  it('audit verify says "chain ok: N records" and exits 0 on an intact chain', async () => {
    const c = await cli(auditVerify, [filled(7)]);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/^chain ok: 7 records/);
  });

  it('audit verify on an empty log is ok with 0 records; on a missing file it fails', async () => {
    const file = path.join(dir, 'empty.db');
    new AuditLog(file).close();
    expect((await cli(auditVerify, [file])).out).toMatch(/^chain ok: 0 records/);
    await expect(cli(auditVerify, [path.join(dir, 'nope.db')])).rejects.toThrow(/no such file/);
  });

  it('audit export writes a date range as CSV and as JSON lines', async () => {
    const t0 = Date.UTC(2026, 10, 23, 12);
    const file = filled(10, t0); // records at t0 + 1..10 minutes
    const csv = await cli(auditExport, [file, '--from', new Date(t0 + 3 * 60_000).toISOString(), '--to', new Date(t0 + 5 * 60_000).toISOString()]);
    expect(csv.code).toBe(0);
    const lines = csv.out.split('\n');
    expect(lines[0]).toBe('seq,at,kind,actor,data,prev_hash,hash');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['3', '4', '5']);
    expect(lines[1]).toContain('"{""i"":2,""tag"":""FIC-101.SP"",""value"":9}"');
    const jl = await cli(auditExport, [file, '--format', 'jsonl', '--from', '2026-11-23T12:09:00Z']);
    const recs = jl.out.split('\n').map((l) => JSON.parse(l));
    expect(recs.map((r) => r.seq)).toEqual([9, 10]);
    expect(recs[0]).toMatchObject({ kind: 'proposal', at: '2026-11-23T12:09:00.000Z', data: { i: 8 } });
    await expect(cli(auditExport, [file, '--format', 'xml'])).rejects.toThrow(/csv or jsonl/);
    await expect(cli(auditExport, [file, '--from', 'yesterday'])).rejects.toThrow(/not a date/);
  });
});
