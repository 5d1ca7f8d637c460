// The kernel selftests' test annotations (tools/testing/selftests/bpf/
// progs/bpf_misc.h: __success, __failure, __msg, __not_msg, __regex,
// __retval, __log_level, __flag, __description, the _unpriv variants,
// __xlated, __jited, __arch_*, __btf_path, __caps_unpriv, __auxiliary,
// __load_if_JITed) and what test_loader.c (parse_test_spec) makes of them:
// a test spec per program. Pure: the decl tag strings in, a spec out. The
// test loader (run.ts), YAML spec fields and Gherkin steps share it.
import { PROG_LOAD_FLAGS } from '../../isa/uapi';

/** Load modes of a program: privileged, and unprivileged (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN dropped). */
export type Mode = 'priv' | 'unpriv';

/** One expected (or, negative, unexpected) message: verbatim text with `{{regex}}` parts. */
export interface MsgPattern {
  /** The annotation's text, as written. */
  text: string;
  /** JavaScript regular expression source when the text has `{{...}}` parts; null for a plain substring. */
  regex: string | null;
  /** __not_msg: must not appear between the bracketing positive matches. */
  negative: boolean;
  /** __xlated/__jited: must match on the line right after the previous pattern's match. */
  onNextLine: boolean;
}

/** What one mode (privileged or unprivileged) of a program expects. */
export interface Subspec {
  /** Name of the subtest: the description (or program name), `@unpriv` appended for unprivileged runs. */
  name: string;
  expectFailure: boolean;
  /** __msg, __not_msg and __regex, in annotation order. */
  msgs: MsgPattern[];
  /** __xlated: lines of the rewritten program's disassembly. */
  xlated: MsgPattern[];
  /** __jited: lines of the JIT image's disassembly (only those for this machine's arch). */
  jited: MsgPattern[];
  /** __retval: the test run's expected return value (32-bit), null when the program is not run. */
  retval: number | null;
  /** __retval(POINTER_VALUE): the program is run but its value is not compared. */
  retvalAny: boolean;
  /** __caps_unpriv: capability numbers kept for the unprivileged run. */
  caps: number[];
}

export type Arch = 'X86_64' | 'ARM64' | 'RISCV64';

export interface TestSpec {
  prog: string;
  description: string;
  modes: Mode[];
  priv: Subspec;
  unpriv: Subspec;
  /** __log_level (default 0: libbpf loads without a log and retries at level 1 when the load fails). */
  logLevel: number;
  /** Program flags: test_progs' defaults with every __flag applied (`!FLAG` clears). */
  progFlags: number;
  /** __arch_*: the architectures the test runs on; null: every one. */
  arch: Arch[] | null;
  /** __load_if_JITed / __load_if_no_JITed; null: both. */
  loadMode: 'jited' | 'no_jited' | null;
  btfPath: string | null;
  /** __auxiliary: loaded with the other tests of the object (in the modes it names), never a test itself. */
  auxiliary: boolean;
  /** Tags this loader does not act on (e.g. __stderr), kept so runs can say why they skip. */
  unsupported: string[];
}

/** A program whose annotations test_loader.c would refuse ("Can't parse test spec"). */
export class AnnotationError extends Error {
  constructor(readonly prog: string, message: string) { super(`${prog}: ${message}`); this.name = 'AnnotationError'; }
}

/** test_progs' testing_prog_flags(): the test flags a current kernel supports, set on every test program. */
export const DEFAULT_TEST_PROG_FLAGS = PROG_LOAD_FLAGS.BPF_F_TEST_RND_HI32 | PROG_LOAD_FLAGS.BPF_F_TEST_REG_INVARIANTS;

/** __retval's magic values (bpf_misc.h): POINTER_VALUE is not compared. */
export const POINTER_VALUE = 0xbadcafe;
const OLD_POINTER_VALUE = 0xcafe4a11;
export const TEST_DATA_LEN = 64;
const INT_MIN = -0x80000000;

export const TAG = {
  failure: 'comment:test_expect_failure',
  success: 'comment:test_expect_success',
  failureUnpriv: 'comment:test_expect_failure_unpriv',
  successUnpriv: 'comment:test_expect_success_unpriv',
  auxiliary: 'comment:test_auxiliary',
  auxiliaryUnpriv: 'comment:test_auxiliary_unpriv',
  msg: 'comment:test_expect_msg=',
  msgUnpriv: 'comment:test_expect_msg_unpriv=',
  notMsg: 'comment:test_expect_not_msg=',
  notMsgUnpriv: 'comment:test_expect_not_msg_unpriv=',
  regex: 'comment:test_expect_regex=',
  regexUnpriv: 'comment:test_expect_regex_unpriv=',
  xlated: 'comment:test_expect_xlated=',
  xlatedUnpriv: 'comment:test_expect_xlated_unpriv=',
  jited: 'comment:test_jited=',
  jitedUnpriv: 'comment:test_jited_unpriv=',
  retval: 'comment:test_retval=',
  retvalUnpriv: 'comment:test_retval_unpriv=',
  logLevel: 'comment:test_log_level=',
  progFlags: 'comment:test_prog_flags=',
  description: 'comment:test_description=',
  btfPath: 'comment:test_btf_path=',
  arch: 'comment:test_arch=',
  capsUnpriv: 'comment:test_caps_unpriv=',
  loadMode: 'comment:load_mode=',
} as const;

/** Tags that carry a counter before their value (`PFX <n> '=' value`, so equal messages stay distinct tags). */
const COUNTED = [TAG.msg, TAG.msgUnpriv, TAG.notMsg, TAG.notMsgUnpriv, TAG.xlated, TAG.xlatedUnpriv, TAG.jited, TAG.jitedUnpriv];

/**
 * The value of a counted tag: test_loader's skip_dynamic_pfx() drops the prefix
 * and everything up to the next '=' (the counter, empty in the older form
 * `comment:test_expect_msg=TEXT` only when TEXT has no '=' of its own).
 */
export function countedValue(tag: string, prefix: string): string | undefined {
  if (!tag.startsWith(prefix)) return undefined;
  const rest = tag.slice(prefix.length);
  // The older, counter-less form (kernels before 6.12): `comment:test_expect_msg=TEXT`.
  if (!/^\d+=/.test(rest)) return rest;
  return rest.slice(rest.indexOf('=') + 1);
}

const ERE_SPECIAL = '.[]\\()*+?{}|^$';
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  digit: '0-9', alpha: 'A-Za-z', alnum: '0-9A-Za-z', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v',
  xdigit: '0-9A-Fa-f', punct: '!-\\/:-@\\[-`{-~', blank: ' \\t', word: '0-9A-Za-z_',
};

/** A POSIX extended regular expression as a JavaScript one (bracket classes like [[:digit:]]). */
function ereToJs(ere: string): string {
  return ere.replace(/\[:([a-z]+):\]/g, (m, name: string) => POSIX_CLASSES[name] ?? m);
}

/**
 * test_loader's compile_regex(): verbatim text with `{{...}}` parts that are
 * regular expressions. Returns null when the text has no `{{` (a plain substring).
 */
export function patternRegex(text: string): string | null {
  if (!text.includes('{{')) return null;
  let out = '';
  let i = 0;
  let inRegex = false;
  while (i < text.length) {
    if (!inRegex && text.startsWith('{{', i)) { inRegex = true; i += 2; continue; }
    if (inRegex && text.startsWith('}}', i)) { inRegex = false; i += 2; continue; }
    if (inRegex) {
      const end = text.indexOf('}}', i);
      out += ereToJs(text.slice(i, end < 0 ? text.length : end));
      i = end < 0 ? text.length : end;
      continue;
    }
    out += ERE_SPECIAL.includes(text[i]) ? '\\' + text[i] : text[i];
    i++;
  }
  if (inRegex) throw new Error(`Regexp has open '{{' but no closing '}}': '${text}'`);
  try { new RegExp(out, 'm'); } catch (e) { throw new Error(`Regexp compilation error in '${text}': ${(e as Error).message}`); }
  return out;
}

export function msgPattern(text: string, opts: { negative?: boolean; onNextLine?: boolean; wholeRegex?: boolean } = {}): MsgPattern {
  let regex: string | null;
  if (opts.wholeRegex) {
    regex = ereToJs(text);
    try { new RegExp(regex, 'm'); } catch (e) { throw new Error(`Regexp compilation error in '${text}': ${(e as Error).message}`); }
  } else regex = patternRegex(text);
  return { text, regex, negative: opts.negative ?? false, onNextLine: opts.onNextLine ?? false };
}

/** parse_int(): decimal, or hexadecimal after 0x; the whole string must be a number. */
export function parseTestInt(s: string): number | undefined {
  const m = /^([+-]?)(0x[0-9a-fA-F]+|\d+)$/.exec(s.trim() === s ? s : '');
  if (!m) return undefined;
  const v = Number(m[2]) * (m[1] === '-' ? -1 : 1);
  return Number.isSafeInteger(v) ? v : undefined;
}

/** parse_retval(): a number, INT_MIN/_INT_MIN, POINTER_VALUE or TEST_DATA_LEN; as a 32-bit signed value. */
export function parseRetval(s: string): { value: number; any: boolean } | undefined {
  const named: Record<string, number> = { INT_MIN, _INT_MIN: INT_MIN, POINTER_VALUE, TEST_DATA_LEN };
  const v = named[s] ?? parseTestInt(s);
  if (v === undefined) return undefined;
  const value = v | 0;
  return { value, any: value === POINTER_VALUE || value === (OLD_POINTER_VALUE | 0) };
}

/** One flag of __flag: a PROG_FLAGS name or a number; `!` in front clears it. */
function applyFlag(flags: number, val: string): number | undefined {
  const clear = val.startsWith('!');
  const name = clear ? val.slice(1) : val;
  const bit = (PROG_LOAD_FLAGS as Readonly<Record<string, number>>)[name] ?? parseTestInt(name);
  if (bit === undefined) return undefined;
  return clear ? flags & ~bit : flags | bit;
}

const ARCHES: readonly Arch[] = ['X86_64', 'ARM64', 'RISCV64'];

function emptySubspec(): Subspec {
  return { name: '', expectFailure: false, msgs: [], xlated: [], jited: [], retval: null, retvalAny: false, caps: [] };
}

/** Mutable state of one parse: which results the unprivileged side set itself. */
interface ParseState {
  spec: TestSpec;
  modes: Set<Mode>;
  description: string | undefined;
  hasUnprivResult: boolean;
  hasUnprivRetval: boolean;
  /** __xlated/__jited: a pattern goes on the line after the previous one unless `...` came between. */
  nextLine: Record<'xlated' | 'xlatedUnpriv' | 'jited' | 'jitedUnpriv', boolean>;
  /** __jited patterns count only after an __arch_* for this machine's arch. */
  collectJit: boolean;
  archSeen: boolean;
  hostArch: Arch | null;
}

/**
 * A list of __xlated/__jited lines as patterns (push_disasm_msg): each must be on
 * the line after the previous one, unless `...` comes between. For spec fields and steps.
 */
export function disasmPatterns(lines: readonly string[]): MsgPattern[] {
  const out: MsgPattern[] = [];
  let nextLine = true;
  for (const text of lines) {
    if (text === '...') { nextLine = false; continue; }
    out.push(msgPattern(text, { onNextLine: nextLine }));
    nextLine = true;
  }
  return out;
}

/** __xlated/__jited (push_disasm_msg): `...` lifts the next-line rule for the following pattern. */
function pushDisasm(st: ParseState, key: keyof ParseState['nextLine'], list: MsgPattern[], text: string): void {
  if (text === '...') { st.nextLine[key] = false; return; }
  list.push(msgPattern(text, { onNextLine: st.nextLine[key] }));
  st.nextLine[key] = true;
}

/** Counted and prefixed message-like tags; true when the tag was one of them. */
function parseMessageTag(st: ParseState, s: string): boolean {
  const { spec } = st;
  const table: [string, Mode, (v: string) => void][] = [
    [TAG.msg, 'priv', (v) => spec.priv.msgs.push(msgPattern(v))],
    [TAG.msgUnpriv, 'unpriv', (v) => spec.unpriv.msgs.push(msgPattern(v))],
    [TAG.notMsg, 'priv', (v) => spec.priv.msgs.push(msgPattern(v, { negative: true }))],
    [TAG.notMsgUnpriv, 'unpriv', (v) => spec.unpriv.msgs.push(msgPattern(v, { negative: true }))],
    [TAG.xlated, 'priv', (v) => pushDisasm(st, 'xlated', spec.priv.xlated, v)],
    [TAG.xlatedUnpriv, 'unpriv', (v) => pushDisasm(st, 'xlatedUnpriv', spec.unpriv.xlated, v)],
  ];
  for (const [prefix, mode, push] of table) {
    const v = countedValue(s, prefix);
    if (v === undefined) continue;
    push(v);
    st.modes.add(mode);
    return true;
  }
  for (const [prefix, mode, key] of [[TAG.jited, 'priv', 'jited'], [TAG.jitedUnpriv, 'unpriv', 'jitedUnpriv']] as const) {
    const v = countedValue(s, prefix);
    if (v === undefined) continue;
    if (!st.archSeen) throw new AnnotationError(spec.prog, `__${key === 'jited' ? '' : 'unpriv_'}jited used before __arch_*`);
    if (st.collectJit) {
      pushDisasm(st, key, mode === 'priv' ? spec.priv.jited : spec.unpriv.jited, v);
      st.modes.add(mode);
    }
    return true;
  }
  // The older separate regex tags: the whole value is a POSIX extended regular expression.
  for (const [prefix, mode] of [[TAG.regex, 'priv'], [TAG.regexUnpriv, 'unpriv']] as const) {
    if (!s.startsWith(prefix)) continue;
    (mode === 'priv' ? spec.priv : spec.unpriv).msgs.push(msgPattern(s.slice(prefix.length), { wholeRegex: true }));
    st.modes.add(mode);
    return true;
  }
  return false;
}

/** Tags without a value or with a plain value; true when the tag was one of them. */
function parseScalarTag(st: ParseState, s: string): boolean {
  const { spec } = st;
  const bad = (what: string, v: string): never => { throw new AnnotationError(spec.prog, `failed to parse ${what} from '${v}'`); };
  switch (s) {
    case TAG.failure: spec.priv.expectFailure = true; st.modes.add('priv'); return true;
    case TAG.success: spec.priv.expectFailure = false; st.modes.add('priv'); return true;
    case TAG.failureUnpriv: spec.unpriv.expectFailure = true; st.modes.add('unpriv'); st.hasUnprivResult = true; return true;
    case TAG.successUnpriv: spec.unpriv.expectFailure = false; st.modes.add('unpriv'); st.hasUnprivResult = true; return true;
    case TAG.auxiliary: spec.auxiliary = true; st.modes.add('priv'); return true;
    case TAG.auxiliaryUnpriv: spec.auxiliary = true; st.modes.add('unpriv'); return true;
  }
  const value = (prefix: string): string | undefined => (s.startsWith(prefix) ? s.slice(prefix.length) : undefined);
  let v: string | undefined;
  if ((v = value(TAG.description)) !== undefined) st.description = v;
  else if ((v = value(TAG.retval)) !== undefined) {
    const r = parseRetval(v) ?? bad('__retval', v);
    spec.priv.retval = r.value; spec.priv.retvalAny = r.any; st.modes.add('priv');
  } else if ((v = value(TAG.retvalUnpriv)) !== undefined) {
    const r = parseRetval(v) ?? bad('__retval_unpriv', v);
    spec.unpriv.retval = r.value; spec.unpriv.retvalAny = r.any; st.modes.add('unpriv'); st.hasUnprivRetval = true;
  } else if ((v = value(TAG.logLevel)) !== undefined) spec.logLevel = parseTestInt(v) ?? bad('test log level', v);
  else if ((v = value(TAG.progFlags)) !== undefined) spec.progFlags = applyFlag(spec.progFlags, v) ?? bad('test prog flags', v);
  else if ((v = value(TAG.btfPath)) !== undefined) spec.btfPath = v;
  else if ((v = value(TAG.arch)) !== undefined) {
    if (!(ARCHES as string[]).includes(v)) throw new AnnotationError(spec.prog, `bad arch spec: '${v}'`);
    spec.arch = [...(spec.arch ?? []), v as Arch];
    st.archSeen = true;
    st.collectJit = st.hostArch === v;
    st.nextLine.jited = true; st.nextLine.jitedUnpriv = true;
  } else if ((v = value(TAG.capsUnpriv)) !== undefined) {
    for (const tok of v.split('|')) {
      const n = parseTestInt(tok.trim());
      if (!n) bad('caps', v);
      spec.unpriv.caps.push(n as number);
    }
    st.modes.add('unpriv');
  } else if ((v = value(TAG.loadMode)) !== undefined) {
    if (v !== 'jited' && v !== 'no_jited') throw new AnnotationError(spec.prog, `bad load spec: '${v}'`);
    spec.loadMode = v;
  } else return false;
  return true;
}

/**
 * parse_test_spec(): the test spec of program `prog` from the decl tags on its
 * FUNC (component -1), in BTF order. `hostArch` decides which __jited lines
 * count (those after an __arch_* naming it). Throws AnnotationError where
 * test_loader.c refuses the program's annotations.
 */
export function parseTestSpec(prog: string, tags: readonly string[], hostArch: Arch | null = 'X86_64'): TestSpec {
  const spec: TestSpec = {
    prog, description: prog, modes: [], priv: emptySubspec(), unpriv: emptySubspec(), logLevel: 0,
    progFlags: DEFAULT_TEST_PROG_FLAGS, arch: null, loadMode: null, btfPath: null, auxiliary: false, unsupported: [],
  };
  const st: ParseState = {
    spec, modes: new Set(), description: undefined, hasUnprivResult: false, hasUnprivRetval: false,
    nextLine: { xlated: true, xlatedUnpriv: true, jited: true, jitedUnpriv: true }, collectJit: false, archSeen: false, hostArch,
  };
  for (const s of tags) {
    if (!s.startsWith('comment:')) continue;
    try {
      if (parseMessageTag(st, s) || parseScalarTag(st, s)) continue;
    } catch (e) {
      if (e instanceof AnnotationError) throw e;
      throw new AnnotationError(prog, (e as Error).message);
    }
    if (/^comment:test_(expect_)?(stderr|stdout)/.test(s)) spec.unsupported.push(s.replace(/=.*/, ''));
  }
  if (st.modes.size === 0) st.modes.add('priv');
  spec.modes = (['priv', 'unpriv'] as Mode[]).filter((m) => st.modes.has(m));
  spec.description = st.description ?? prog;
  spec.priv.name = spec.description;
  spec.unpriv.name = `${spec.description} @unpriv`;
  // The unprivileged run inherits what it does not say itself.
  if (!st.hasUnprivResult) spec.unpriv.expectFailure = spec.priv.expectFailure;
  if (!st.hasUnprivRetval) { spec.unpriv.retval = spec.priv.retval; spec.unpriv.retvalAny = spec.priv.retvalAny; }
  if (spec.unpriv.msgs.length === 0) spec.unpriv.msgs = spec.priv.msgs.slice();
  if (spec.unpriv.xlated.length === 0) spec.unpriv.xlated = spec.priv.xlated.slice();
  if (spec.unpriv.jited.length === 0) spec.unpriv.jited = spec.priv.jited.slice();
  return spec;
}

/** The capabilities an unprivileged run drops (test_loader.c drop_capabilities). */
export const UNPRIV_DROPPED_CAPS = { CAP_NET_ADMIN: 12, CAP_SYS_ADMIN: 21, CAP_PERFMON: 38, CAP_BPF: 39 } as const;
