// `operator-copilot audit verify|export`: checks the hash chain of an audit database and exports
// a date range for a report or an investigation. Both open the file read-only.
import * as fs from 'node:fs';
import { AuditLog, CSV_HEADER, csvLine, headFileOf, isoTime, jsonLine, readHeadAnchor } from '../../nodes/lib/audit';
import { UsageError, type Command, option } from '../command';

function openReadOnly(file: string | undefined): AuditLog {
  if (!file) throw new UsageError('name the audit database file (e.g. ~/.node-red/copilot-audit.db)');
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  return new AuditLog(file, { readonly: true });
}

function time(args: string[], name: string): number | undefined {
  const v = option(args, name);
  if (v === undefined) return undefined;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw new UsageError(`${name} "${v}" is not a date: use ISO 8601, e.g. 2026-11-23 or 2026-11-23T14:00:00Z`);
  return t;
}

function positional(args: string[], withValue: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (withValue.includes(args[i])) i++;
    else if (!args[i].startsWith('--')) out.push(args[i]);
  }
  return out;
}

export const auditVerify: Command = {
  name: 'audit verify',
  usage: 'operator-copilot audit verify <audit.db>',
  summary: 'check the audit hash chain (and <db>.head.json, if present): exit 0 "chain ok: N records", or exit 1 naming the first broken record',
  async run(args, io) {
    const file = positional(args, [])[0];
    const log = openReadOnly(file);
    try {
      // The head file beside the database shows records cut off the end (which the chain alone cannot).
      const anchor = readHeadAnchor(file!);
      const r = log.verify(anchor);
      if (r.ok) {
        const head = anchor ? `; matches ${headFileOf(file!)} of ${isoTime(anchor.at)}` : '';
        io.out(`chain ok: ${r.count} records (head ${r.headHash.slice(0, 16)}${head})`);
        return 0;
      }
      const b = r.firstBroken!;
      const when = b.at !== undefined ? ` written ${isoTime(b.at)}` : '';
      io.out(`chain broken at record ${b.seq} (position ${b.position}${when}): ${b.problem}; the ${r.count} records before it are intact`);
      return 1;
    } finally {
      log.close();
    }
  },
};

export const auditExport: Command = {
  name: 'audit export',
  usage: 'operator-copilot audit export <audit.db> [--from ISO] [--to ISO] [--format csv|jsonl]',
  summary: 'write the audit records of a date range to stdout as CSV (default) or JSON lines',
  async run(args, io) {
    const format = option(args, '--format') ?? 'csv';
    if (format !== 'csv' && format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl, not "${format}"`);
    const from = time(args, '--from');
    const to = time(args, '--to');
    if (from !== undefined && to !== undefined && from > to) throw new UsageError('--from is after --to');
    const log = openReadOnly(positional(args, ['--from', '--to', '--format'])[0]);
    try {
      if (format === 'csv') io.out(CSV_HEADER);
      for (const r of log.rows(from, to)) io.out(format === 'csv' ? csvLine(r) : jsonLine(r));
      return 0;
    } finally {
      log.close();
    }
  },
};

export const commands = [auditVerify, auditExport];
