import * as fs from 'node:fs';
import { alarmsToYaml, formatPlantError, importAlarmCsv } from '../../nodes/lib/plant';
import { UsageError, type Command } from '../command';

export const importAlarms: Command = {
  name: 'import-alarms',
  usage: 'operator-copilot import-alarms <alarms.csv>',
  summary: 'convert a spreadsheet alarm list (CSV) into a plant-model alarms: block (or name it in alarmFiles)',
  async run(args, io) {
    const file = args.find((a) => !a.startsWith('-'));
    if (!file) throw new UsageError('import-alarms needs a CSV file');
    const { alarms, errors } = importAlarmCsv(fs.readFileSync(file, 'utf8'), file);
    for (const e of errors) io.err(formatPlantError(e));
    if (errors.length) return 1;
    io.out(alarmsToYaml(alarms).trimEnd());
    return 0;
  },
};

export const commands = [importAlarms];
