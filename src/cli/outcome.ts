// The one place that maps what happened to an exit status, and a thrown error
// to the `{"error": {kind, message, file, at}}` shape every command prints.
//   0 ok        success, every program accepted, every expectation passed
//   1 reject    a verdict of reject, a failing expectation, a runtime error
//   2 bad-input bad input or usage (unreadable or malformed file, unknown option, program or engine), internal errors
//   3 unknown   the model cannot decide (`not modelled yet`)
// Several outcomes (several files or programs) exit with the most severe: 2, then 1, then 3, then 0.
import { ElfError } from '../elf/errors';
import { BtfError } from '../btf/errors';
import { IsaError, AsmError } from '../isa/errors';
import { HexError } from '../isa/hex';
import { KernelError } from '../kernel/errors';
import { LoaderError } from '../loader/errors';
import { ConformanceDataError } from '../harness/conformance-data';

export type Outcome = 'ok' | 'reject' | 'unknown' | 'bad-input';

export type ExitStatus = 0 | 1 | 2 | 3;

const STATUS: Record<Outcome, ExitStatus> = { ok: 0, reject: 1, 'bad-input': 2, unknown: 3 };
const SEVERITY: Outcome[] = ['bad-input', 'reject', 'unknown', 'ok'];

/** The exit status of an invocation: the most severe of its outcomes (none: 0). */
export function exitStatus(outcomes: Outcome | readonly Outcome[]): ExitStatus {
  const list = typeof outcomes === 'string' ? [outcomes] : outcomes;
  for (const o of SEVERITY) if (list.includes(o)) return STATUS[o];
  return 0;
}

/** The most severe of several outcomes. */
export function worst(outcomes: readonly Outcome[]): Outcome {
  return SEVERITY.find((o) => outcomes.includes(o)) ?? 'ok';
}

/** A verdict (and whether the model could decide) as an outcome. */
export function verdictOutcome(verdict: 'accept' | 'reject' | 'unknown' | null, notModelled = false): Outcome {
  if (notModelled || verdict === 'unknown') return 'unknown';
  return verdict === 'reject' ? 'reject' : 'ok';
}

/** Bad input found by the CLI itself: a file that cannot be read, an unknown program. */
export class InputError extends Error {
  constructor(readonly kind: string, readonly file: string | null, message: string, readonly at: string | null = null) {
    super(message);
    this.name = 'InputError';
  }
}

/** An error met while reading FILE: describeError names the file for errors that do not know it (ELF, BTF, bytes). */
export class InFile extends Error {
  constructor(readonly file: string, readonly inner: unknown) {
    super(inner instanceof Error ? inner.message : String(inner));
    this.name = 'InFile';
  }
}

/** Run fn, attributing any error but a usage error to FILE. */
export function inFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InFile || (e instanceof Error && e.name === 'UsageError')) throw e;
    throw new InFile(file, e);
  }
}

export interface ErrorJson {
  /** usage, read, elf, btf, isa, asm, spec, conformance-data, libbpf, kernel, csv, no-program, internal ... */
  kind: string;
  message: string;
  file: string | null;
  /** Where in the file: `line:column`, `SECTION +OFFSET`, `byte N (insn M)`; null when not known. */
  at: string | null;
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

/** Any error a command can throw, as the JSON error shape (the file is the one being read when known). */
export function describeError(e: unknown, file: string | null = null): ErrorJson {
  if (e instanceof InFile) return describeError(e.inner, e.file);
  const err = e instanceof Error ? e : new Error(String(e));
  const d = (kind: string, at: string | null, f: string | null = file): ErrorJson => ({ kind, message: oneLine(err.message), file: f, at });
  if (err.name === 'UsageError') return d('usage', null, null);
  if (err instanceof InputError) return { kind: err.kind, message: oneLine(err.message), file: err.file ?? file, at: err.at };
  if (err instanceof ElfError) return d(`elf`, `${err.section} +${err.byteOffset}`);
  if (err instanceof BtfError) return d('btf', `${err.section} +${err.byteOffset}`);
  if (err instanceof IsaError) return d('isa', `byte ${err.byteOffset} (insn ${Math.floor(err.byteOffset / 8)})`);
  if (err instanceof AsmError) return d('asm', `${err.line}:${err.column}`, err.source && file === null ? err.source : file);
  if (err instanceof HexError) return d('hex', `${err.line}:${err.column}`);
  if (err.name === 'SpecError') { // by name: src/spec loads yaml and ajv, which only spec commands need
    const x = err as Error & { source: string; line: number; column: number };
    return d('spec', `${x.line}:${x.column}`, file ?? x.source);
  }
  if (err instanceof ConformanceDataError) return d('conformance-data', null, file ?? err.file);
  if (err instanceof LoaderError) {
    const at = err.section !== undefined ? `${err.section}${err.byteOffset !== undefined ? ` +${err.byteOffset}` : ''}` : err.prog ?? null;
    return d('libbpf', at); // libbpf's own message text
  }
  if (err instanceof KernelError) return d('kernel', err.op);
  if (err.name === 'TestLoaderInputError' || err.name === 'AnnotationError') {
    const x = err as Error & { kind?: string; file?: string; at?: string | null };
    return { kind: err.name === 'AnnotationError' ? 'annotation' : x.kind ?? 'input', message: oneLine(err.message), file: x.file ?? file, at: x.at ?? null };
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code && /^E[A-Z]+$/.test(code)) return d('read', null, (err as NodeJS.ErrnoException).path ?? file);
  return { kind: 'internal', message: `internal error (a bug in bpfx, please report it): ${err.name}: ${oneLine(err.message)}`, file, at: null };
}

/** The one-line text form: `bpfx CMD: FILE: KIND: message (at AT)`, without saying the file, kind or place twice. */
export function errorLine(command: string, e: ErrorJson): string {
  let msg = e.message;
  if (e.file && msg.startsWith(`${e.file}:`)) msg = msg.slice(e.file.length + 1).trimStart();
  const kind = e.kind === 'internal' || e.kind === 'usage' || msg.startsWith(`${e.kind}:`) ? '' : `${e.kind}: `;
  const at = e.at && !msg.includes(e.at) && !/offset|line \d/.test(msg) && !/^\d+:\d+:/.test(msg) ? ` (at ${e.at})` : '';
  return `bpfx ${command}: ${e.file ? `${e.file}: ` : ''}${kind}${msg}${at}`;
}
