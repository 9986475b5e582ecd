// operator-copilot: the command line for engineers (validate a plant model, run the simulator,
// diagnose a snapshot, verify the audit chain). Subcommands are not listed here: they are found in
// the commands/ folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliIO, Command } from './command';
import { UsageError } from './command';

// Each file in commands/ exports `commands: Command[]` and is named after their first word
// ("audit.ts" holds "audit verify" and "audit export"), so adding a subcommand touches only its
// own file, and running one loads only its file: `audit verify` must not wait for the
// simulator's OPC UA stack to load.
const dir = path.join(__dirname, 'commands');

function loadFile(f: string): Command[] {
  return ((require(path.join(dir, f)) as { commands?: Command[] }).commands ?? []);
}

function loadAll(): Command[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
    .sort()
    .flatMap(loadFile);
}

function loadFor(word: string): Command[] {
  if (/^[a-z][a-z0-9-]*$/.test(word)) {
    for (const ext of ['.js', '.ts']) if (fs.existsSync(path.join(dir, word + ext))) return loadFile(word + ext);
  }
  return loadAll();
}

function help(io: CliIO): void {
  io.out('operator-copilot <command> [options]\n');
  io.out('Commands:');
  for (const c of loadAll()) io.out(`  ${c.usage}\n      ${c.summary}`);
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
  const sorted = [...loadFor(argv[0])].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
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
