// CSV import of the alarm list: the master alarm database that sites keep in spreadsheets.
// One row per alarm; header names are matched loosely ("Alarm Type", "alarm_type", "TYPE")
// and common synonyms are accepted, so an export from a rationalization tool needs no editing.
import { parse } from 'csv-parse/sync';
import { alarmSchema, type AlarmSpec } from './schema';
import type { PlantError } from './loader';

const COLUMNS: Record<string, keyof AlarmSpec> = {
  tag: 'tag',
  tagname: 'tag',
  point: 'tag',
  id: 'id',
  alarmid: 'id',
  type: 'type',
  alarmtype: 'type',
  condition: 'type',
  limit: 'limit',
  setpoint: 'limit',
  alarmsetpoint: 'limit',
  triplimit: 'limit',
  reference: 'reference',
  direction: 'direction',
  deadband: 'deadband',
  ondelay: 'onDelay',
  offdelay: 'offDelay',
  maxage: 'maxAge',
  priority: 'priority',
  message: 'message',
  description: 'message',
  alarmmessage: 'message',
  cause: 'cause',
  causes: 'cause',
  probablecause: 'cause',
  consequence: 'consequence',
  consequences: 'consequence',
  action: 'action',
  correctiveaction: 'action',
  operatoraction: 'action',
  response: 'action',
  responsetime: 'responseTime',
  timetorespond: 'responseTime',
  maxresponsetime: 'responseTime',
  suppresswhen: 'suppressWhen',
  suppression: 'suppressWhen',
  latched: 'latched',
  position: 'position',
  console: 'position',
};

const PRIORITY: Record<string, AlarmSpec['priority']> = {
  urgent: 'urgent',
  emergency: 'urgent',
  critical: 'urgent',
  '1': 'urgent',
  high: 'high',
  '2': 'high',
  medium: 'medium',
  med: 'medium',
  '3': 'medium',
  low: 'low',
  '4': 'low',
};

const TYPE: Record<string, string> = { 'HI-HI': 'HIHI', 'LO-LO': 'LOLO', HH: 'HIHI', H: 'HI', L: 'LO', LL: 'LOLO', BADPV: 'BAD_PV', 'BAD PV': 'BAD_PV', DIGITAL: 'DISCRETE', 'RATE OF CHANGE': 'ROC', RATE: 'ROC', DEVIATION: 'DEV' };

const norm = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');

function cellValue(v: string): string | number | boolean {
  if (/^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  if (v.trim() !== '' && !isNaN(Number(v))) return Number(v);
  return v;
}

export interface CsvAlarmRow {
  alarm: AlarmSpec;
  line: number;
}

export function importAlarmCsv(text: string, file: string): { alarms: CsvAlarmRow[]; errors: PlantError[] } {
  const errors: PlantError[] = [];
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, info: true, relax_column_count: true });
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    return { alarms: [], errors: [{ file, line, field: '', message: `CSV cannot be read: ${(e as Error).message}` }] };
  }
  const alarms: CsvAlarmRow[] = [];
  for (const { record, info } of records) {
    const line = info.lines;
    const spec: Record<string, unknown> = {};
    for (const [header, rawValue] of Object.entries(record)) {
      // Extra spreadsheet columns (owner, review date, ...) are normal and ignored.
      const key = COLUMNS[norm(header)];
      if (!key) continue;
      if (rawValue === undefined || rawValue === '') continue;
      let value: unknown = rawValue;
      if (key === 'priority') value = PRIORITY[norm(rawValue)] ?? rawValue;
      else if (key === 'type') value = TYPE[rawValue.toUpperCase()] ?? rawValue.toUpperCase();
      else if (key === 'limit' || key === 'reference') value = cellValue(rawValue);
      else if (key === 'deadband') value = Number(rawValue);
      else if (key === 'direction') value = rawValue.trim().toLowerCase();
      else if (key === 'latched') value = cellValue(rawValue) === true;
      else if (['onDelay', 'offDelay', 'maxAge', 'responseTime'].includes(key)) value = rawValue;
      spec[key] = value;
    }
    const parsed = alarmSchema.safeParse(spec);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const col = String(issue.path[0] ?? '');
        errors.push({
          file,
          line,
          field: col || 'row',
          message: spec[col] === undefined ? `column "${col}" is empty or missing` : `${issue.message} (got ${JSON.stringify(spec[col])})`,
        });
      }
      continue;
    }
    alarms.push({ alarm: parsed.data, line });
  }
  if (!records.length) errors.push({ file, line: 1, field: '', message: 'no alarm rows (a header line and one row per alarm are expected)' });
  const hasTag = records.length && Object.keys(records[0].record).some((h) => COLUMNS[norm(h)] === 'tag');
  if (records.length && !hasTag) errors.push({ file, line: 1, field: 'header', message: 'no "tag" column; expected headers such as tag, type, limit, priority, message, cause, consequence, action, response time' });
  return { alarms, errors };
}

/** Renders imported rows as a YAML `alarms:` block (CLI `import-alarms`). */
export function alarmsToYaml(rows: CsvAlarmRow[]): string {
  const lines = ['alarms:'];
  for (const { alarm } of rows) {
    let first = true;
    for (const [k, v] of Object.entries(alarm)) {
      if (v === undefined) continue;
      lines.push(`${first ? '  - ' : '    '}${k}: ${JSON.stringify(v)}`);
      first = false;
    }
  }
  return lines.join('\n') + '\n';
}
