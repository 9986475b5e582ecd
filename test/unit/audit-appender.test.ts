// A node's audit appends never throw into the plant: the first failure of an outage is reported
// with what was not recorded, later ones are counted, and the recovery says how many were lost.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditLog, tolerantAppender } from '../../nodes/lib/audit';

test('reports an outage once, counts what it lost, and follows a log that is replaced', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-appender-'));
  const failed: string[] = [];
  const recovered: number[] = [];
  let log: AuditLog | undefined;
  const append = tolerantAppender(() => log, { failed: (m) => failed.push(m), recovered: (n) => recovered.push(n) });
  try {
    append('alarm', null, { a: 1 }); // no log yet: nothing to record, nothing to report
    log = new AuditLog(path.join(dir, 'a.db'));
    append('alarm', null, { a: 2 });
    expect(log.count()).toBe(1);
    log.close(); // a closed log throws on append, as a full disk or a locked file would
    expect(() => append('decision', 'op1', { action: 'approve' })).not.toThrow();
    append('alarm', null, { a: 3 });
    append('alarm', null, { a: 4 });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/audit log append failed \(decision by op1 not recorded\): .*closed/);
    log = new AuditLog(path.join(dir, 'b.db'));
    append('alarm', null, { a: 5 });
    expect(recovered).toEqual([3]);
    expect(log.count()).toBe(1);
    append('alarm', null, { a: 6 });
    expect(recovered).toEqual([3]);
  } finally {
    log?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
