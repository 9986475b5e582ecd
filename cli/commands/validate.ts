import { formatPlantError, loadPlantFile } from '../../nodes/lib/plant';
import { UsageError, type Command } from '../command';

export const validate: Command = {
  name: 'validate',
  usage: 'operator-copilot validate <plant-file>',
  summary: 'check a plant model (YAML/JSON, with its CSV alarm lists); print every error with its line',
  async run(args, io) {
    const file = args.find((a) => !a.startsWith('-'));
    if (!file) throw new UsageError('validate needs a plant file');
    const { model, errors } = loadPlantFile(file);
    if (!model) {
      for (const e of errors) io.err(formatPlantError(e));
      io.err(`${file}: ${errors.length} error${errors.length === 1 ? '' : 's'}`);
      return 1;
    }
    const writable = model.tags.filter((t) => t.writable).length;
    io.out(
      `${file}: valid: plant "${model.plant}", ${model.tags.length} tags (${writable} writable), ${model.alarms.length} alarms, ` +
        `${model.causes.length} causes, ${model.influences.length} influences, ${model.interlocks.length} interlocks`,
    );
    return 0;
  },
};

export const commands = [validate];
