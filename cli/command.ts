// One CLI subcommand. Each lives in cli/commands/<first word>.ts, whose `commands` export cli/main.ts
// finds by reading that folder: adding a subcommand touches no other file.
export interface Command {
  /** e.g. "validate" or "audit verify" */
  name: string;
  usage: string;
  summary: string;
  /** Returns the process exit code: 0 ok, 1 the check failed, 2 usage or I/O error. */
  run(args: string[], io: CliIO): Promise<number>;
}

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

export class UsageError extends Error {}

/** The value after `--name`, if the option is given; a missing value is a usage error. */
export function option(args: string[], name: string, what = 'a value'): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs ${what}`);
  return v;
}
