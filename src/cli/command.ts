// A CLI command: its options as data, parsed argv in, an outcome out.
// Arguments are parsed by Node's util.parseArgs in strict mode: an unknown
// option, a missing value or a value outside an option's choices is a usage
// error naming it. `--help` is rendered from the same data (helpText).
import { parseArgs as nodeParseArgs } from 'util';
import { Outcome } from './outcome';

/** One option of a command, as data: the parser, the checks and --help are made from it. */
export interface OptionSpec {
  /** Long name without the dashes (`prog` for --prog). */
  name: string;
  type: 'string' | 'boolean';
  /** One-letter alias (`o` for -o). */
  short?: string;
  /** The values a string option accepts; anything else is a usage error. */
  choices?: readonly string[];
  /** The placeholder of a string option's value in --help (`NAME`, `FILE|HEX`). */
  value?: string;
  /** One line of explanation for --help. */
  description: string;
  /** The value when the option is not given. */
  default?: string | boolean;
  /** The option may be given several times; every value is kept in ParsedArgs.lists. */
  multiple?: boolean;
}

export interface ParsedArgs {
  /** Positional arguments, in order. */
  positional: string[];
  /** --flag value / --flag=value / --bool (true); defaults applied. A repeated option keeps its last value. */
  flags: Record<string, string | true>;
  /** Every value of the options declared `multiple`, in order ([] when not given). */
  lists: Record<string, string[]>;
}

/** What a command's run gets besides its arguments: where its one JSON document goes. */
export interface RunContext {
  /** --json was given: the command hands its document to emit() instead of printing text. */
  json: boolean;
  /** Set the JSON document printed on stdout when the command ends (once per invocation). */
  emit(doc: unknown): void;
}

export interface Command {
  name: string;
  /** One line for `bpfx help`. */
  summary: string;
  /** Synopsis line(s) without options, e.g. `bpfx asm FILE`. */
  usage: string;
  /** Every option the command takes (the common --json and --help are added by main). */
  options: OptionSpec[];
  /** At least one example command line for --help. */
  examples: string[];
  /** What the exit statuses mean for this command, when more specific than the common table. */
  exits?: Partial<Record<0 | 1 | 2 | 3, string>>;
  /** Rewrite argv before parsing (the bpf_conformance plugin protocol passes options as one word). */
  preprocess?(argv: string[]): string[];
  run(args: ParsedArgs, ctx: RunContext): Promise<Outcome> | Outcome;
}

/** Thrown for bad command-line input; main prints it and exits 2. */
export class UsageError extends Error {
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}

/** Options every command takes. */
export const COMMON_OPTIONS: OptionSpec[] = [
  { name: 'json', type: 'boolean', description: 'print exactly one JSON document on stdout, errors included' },
  { name: 'help', type: 'boolean', short: 'h', description: 'show this help' },
];

export function allOptions(cmd: Command): OptionSpec[] {
  const own = new Set(cmd.options.map((o) => o.name));
  return [...cmd.options, ...COMMON_OPTIONS.filter((o) => !own.has(o.name))];
}

/** util.parseArgs's error text, shortened to name what is wrong. */
function usageFromNode(e: Error & { code?: string }): UsageError {
  const m = e.message;
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const opt = m.match(/Unknown option '([^']+)'/)?.[1] ?? m;
    return new UsageError(`unknown option '${opt}'`);
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const opt = m.match(/Option '(-\w, )?(--[\w-]+)/)?.[2];
    if (/argument missing|ambiguous/.test(m) && opt) return new UsageError(`option '${opt}' needs a value`);
    if (/does not take an argument/.test(m) && opt) return new UsageError(`option '${opt}' does not take a value`);
  }
  return new UsageError(m.split('\n')[0]);
}

/** Parse argv against option specs (strict): unknown options, missing values and bad choices are UsageErrors. */
export function parseArgs(argv: string[], specs: readonly OptionSpec[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple: true }> = {};
  for (const s of specs) options[s.name] = { type: s.type, multiple: true, ...(s.short ? { short: s.short } : {}) };
  let parsed: { values: Record<string, (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = nodeParseArgs({ args: argv, options, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (e) {
    throw usageFromNode(e as Error & { code?: string });
  }
  const flags: Record<string, string | true> = {};
  const lists: Record<string, string[]> = {};
  for (const s of specs) {
    const vals = parsed.values[s.name] ?? [];
    for (const v of vals) {
      if (s.type === 'string' && v === '') throw new UsageError(`option '--${s.name}' needs a value`);
      if (s.choices && typeof v === 'string' && !s.choices.includes(v)) {
        throw new UsageError(`option '--${s.name}' does not take '${v}' (one of: ${s.choices.join(', ')})`);
      }
    }
    if (s.multiple) lists[s.name] = vals.map(String);
    const last = vals[vals.length - 1];
    if (last !== undefined) flags[s.name] = last === true ? true : String(last);
    else if (s.default !== undefined && s.default !== false) flags[s.name] = s.default === true ? true : s.default;
  }
  return { positional: parsed.positionals, flags, lists };
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  if (v === undefined) return undefined;
  if (v === true) throw new UsageError(`option '--${name}' needs a value`);
  return v;
}

/** An integer option within [min, max]; undefined when not given. */
export function flagInt(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const s = flagString(args, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!/^\s*-?\d+\s*$/.test(s) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`option '--${name}' takes an integer from ${min} to ${max}, not '${s}'`);
  }
  return n;
}

/** The exit statuses every command shares (a command's `exits` refines them). */
export const EXIT_TEXT: Record<0 | 1 | 2 | 3, string> = {
  0: 'success: every program accepted / every expectation passed',
  1: 'a program rejected, or an expectation failed',
  2: 'bad input or usage: unreadable or malformed file, unknown option, program or engine',
  3: 'the model cannot decide (`not modelled yet`)',
};

/** `bpfx CMD --help`: synopsis, one line per option, examples, exit statuses. */
export function helpText(cmd: Command): string {
  const out = [`usage: ${cmd.usage.split('\n').join('\n       ')}`, '', cmd.summary, '', 'options:'];
  const opts = allOptions(cmd);
  const left = opts.map((o) => {
    const names = `${o.short ? `-${o.short}, ` : '    '}--${o.name}`;
    return o.type === 'string' ? `${names} ${o.value ?? (o.choices ? o.choices.join('|') : 'VALUE')}` : names;
  });
  const w = Math.min(34, Math.max(...left.map((l) => l.length)));
  opts.forEach((o, i) => {
    const extra = [o.multiple ? 'repeatable' : '', o.default !== undefined && o.default !== false ? `default: ${String(o.default)}` : '']
      .filter(Boolean).join('; ');
    const pad = left[i].length > w ? `\n  ${' '.repeat(w)}  ` : ' '.repeat(w - left[i].length) + '  ';
    out.push(`  ${left[i]}${pad}${o.description}${extra ? ` (${extra})` : ''}`);
  });
  out.push('', 'examples:', ...cmd.examples.map((e) => `  ${e}`), '', 'exit status:');
  for (const k of [0, 1, 2, 3] as const) out.push(`  ${k}  ${cmd.exits?.[k] ?? EXIT_TEXT[k]}`);
  return out.join('\n');
}
