// A CLI command: parsed argv in, exit status out. Commands do their own I/O.

export interface ParsedArgs {
  /** Positional arguments, in order. */
  positional: string[];
  /** --flag value / --flag=value / --bool (true). Repeated flags keep the last value. */
  flags: Record<string, string | true>;
}

export interface Command {
  name: string;
  /** One line for `bpfx help`. */
  summary: string;
  /** Usage line(s), e.g. `bpfx asm FILE`. */
  usage: string;
  /** Flags that take no value (everything else takes the next argument). */
  booleanFlags?: string[];
  run(args: ParsedArgs): Promise<number> | number;
}

/** Thrown for bad command-line input; main prints it and exits 2. */
export class UsageError extends Error {
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}

export function parseArgs(argv: string[], booleanFlags: string[] = []): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { positional.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) { flags[a.slice(2, eq)] = a.slice(eq + 1); continue; }
      const name = a.slice(2);
      if (booleanFlags.includes(name) || i + 1 >= argv.length || argv[i + 1].startsWith('--')) flags[name] = true;
      else flags[name] = argv[++i];
    } else positional.push(a);
  }
  return { positional, flags };
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  if (v === undefined) return undefined;
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}
