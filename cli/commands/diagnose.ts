import * as fs from 'node:fs';
import { formatPlantError, loadPlantFile } from '../../nodes/lib/plant';
import { diagnose, explainText, snapshotToInput } from '../../nodes/lib/diagnosis';
import { UsageError, type Command, option } from '../command';

export const diagnoseCommand: Command = {
  name: 'diagnose',
  usage: 'operator-copilot diagnose --plant <plant-file> --snapshot <snapshot.json> [--json]',
  summary: 'run the knowledge-based diagnosis on a snapshot of values and active alarms; explain it, or print it as JSON',
  async run(args, io) {
    const plantFile = option(args, '--plant', 'a file');
    const snapFile = option(args, '--snapshot', 'a file');
    if (!plantFile || !snapFile) throw new UsageError('diagnose needs --plant <file> and --snapshot <file>');
    const { model, errors } = loadPlantFile(plantFile);
    if (!model) {
      for (const e of errors) io.err(formatPlantError(e));
      io.err(`${plantFile}: ${errors.length} error${errors.length === 1 ? '' : 's'}; fix the plant model first (operator-copilot validate)`);
      return 2;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(snapFile, 'utf8'));
    } catch (e) {
      io.err(`${snapFile}: cannot read the snapshot: ${(e as Error).message}`);
      return 2;
    }
    const { input, errors: snapErrors } = snapshotToInput(model, raw);
    if (!input) {
      for (const e of snapErrors) io.err(`${snapFile}: ${e}`);
      return 2;
    }
    const result = diagnose(input);
    if (args.includes('--json')) io.out(JSON.stringify(result, null, 2));
    else io.out(explainText(model, result));
    return 0;
  },
};

export const commands = [diagnoseCommand];
