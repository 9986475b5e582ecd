// operator-copilot: the command line for engineers (validate a plant model, run the simulator,
// diagnose a snapshot, verify the audit chain). Subcommands are listed here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliIO, Command } from './command';
import { UsageError } from './command';

// Each file in commands/ exports `commands: Command[]`; they are discovered so that adding a
// subcommand touches only its own file.
function loadCommands(): Command[] {
  const dir = path.join(__dirname, 'commands');
  const out: Command[] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    if (!/\.(js|ts)$/.test(f) || f.endsWith('.d.ts')) continue;
    const mod = require(path.join(dir, f)) as { commands?: Command[] };
    out.push(...(mod.commands ?? []));
  }
  return out;
}

const commands: Command[] = loadCommands();

function help(io: CliIO): void {
  io.out('operator-copilot <command> [options]\n');
  io.out('Commands:');
  for (const c of commands) io.out(`  ${c.usage}\n      ${c.summary}`);
  io.out('\nRun `operator-copilot <command> --help` for a command\'s options.');
}

const stdio: CliIO = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
};

export async function main(argv: string[], io: CliIO = stdio): Promise<number> {
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    help(io);
    return argv.length ? 0 : 2;
  }
  // Longest match first so "audit verify" wins over a hypothetical "audit".
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  const cmd = sorted.find((c) => c.name.split(' ').every((w, i) => argv[i] === w));
  if (!cmd) {
    io.err(`operator-copilot: unknown command "${argv.join(' ')}"`);
    help(io);
    return 2;
  }
  const rest = argv.slice(cmd.name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${cmd.usage}\n  ${cmd.summary}`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`operator-copilot ${cmd.name}: ${e.message}\nusage: ${cmd.usage}`);
      return 2;
    }
    io.err(`operator-copilot ${cmd.name}: ${(e as Error).message}`);
    return 2;
  }
}
