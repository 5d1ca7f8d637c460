// YAML text -> Spec, validated against specSchema. Pure: the caller reads files.
// Errors name the file, line, column and field (yaml keeps node positions).
import Ajv, { ErrorObject } from 'ajv';
import { parseDocument, LineCounter, Document, isNode, isScalar } from 'yaml';
import { specSchema } from './schema';
import { Spec, SpecDocument } from './types';
import { PROG_LOAD_FLAGS } from '../isa/uapi';
import { HEX_SPEC, HexError, parseHex } from '../isa/hex';

export class SpecError extends Error {
  readonly source: string;
  readonly line: number;
  readonly column: number;
  readonly field: string;
  constructor(source: string, line: number, column: number, field: string, detail: string) {
    super(`${source}:${line}:${column}: ${field ? `'${field}' ` : ''}${detail}`);
    this.name = 'SpecError';
    this.source = source; this.line = line; this.column = column; this.field = field;
  }
}

let validator: ReturnType<Ajv['compile']> | undefined;
function validate(): ReturnType<Ajv['compile']> {
  if (!validator) validator = new Ajv({ allErrors: true, strict: false }).compile(specSchema);
  return validator;
}

/** Position of the node at a JSON pointer path, falling back to its nearest ancestor. */
function positionOf(doc: Document, lc: LineCounter, path: string[]): { line: number; col: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

/** The most useful of ajv's errors: the deepest, and not the oneOf summary. */
function pickError(errors: ErrorObject[]): ErrorObject {
  const ranked = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length);
  return ranked.find((e) => e.keyword !== 'oneOf' && e.keyword !== 'not' && e.keyword !== 'required') ?? ranked[0];
}

function describe(e: ErrorObject): { field: string; detail: string } {
  const path = e.instancePath.split('/').slice(1).join('.');
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { field: path ? `${path}.${extra}` : extra, detail: 'is not a known field' };
  }
  if (e.keyword === 'required') {
    const miss = (e.params as { missingProperty: string }).missingProperty;
    return { field: path ? `${path}.${miss}` : miss, detail: 'is required' };
  }
  if (path === 'program' && (e.keyword === 'oneOf' || e.keyword === 'not' || e.keyword === 'required')) {
    return { field: 'program', detail: 'must have exactly one of asm, ubpf, hex, or object with prog' };
  }
  if (e.keyword === 'enum') {
    return { field: path, detail: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
  }
  return { field: path, detail: e.message ?? 'is invalid' };
}

export function parseSpec(text: string, source = '<spec>'): Spec {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = lc.linePos(e.pos[0]);
    throw new SpecError(source, pos.line, pos.col, '', `YAML: ${e.message.split('\n')[0]}`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // an alias before its anchor, or an alias explosion: YAML the document model cannot resolve
    throw new SpecError(source, 1, 1, '', `YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const v = validate();
  if (!v(data)) {
    const errs = v.errors ?? [];
    // A oneOf failure on program is best reported as such, unless a deeper field is wrong.
    const deep = errs.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'not' && e.keyword !== 'required' && !(e.instancePath === '/program'));
    const req = errs.filter((e) => e.keyword === 'required' && e.instancePath === '');
    const chosen = req[0] ?? (deep.length ? pickError(deep) : pickError(errs));
    const { field, detail } = describe(chosen);
    const ptr = chosen.instancePath.split('/').slice(1);
    if (chosen.keyword === 'additionalProperties') ptr.push((chosen.params as { additionalProperty: string }).additionalProperty);
    const pos = positionOf(doc, lc, ptr);
    throw new SpecError(source, pos.line, pos.col, field, detail);
  }
  const spec = data as SpecDocument;
  (spec.load?.flags ?? []).forEach((f, i) => {
    if (progFlagBit(f) === undefined) {
      const pos = positionOf(doc, lc, ['load', 'flags', String(i)]);
      throw new SpecError(source, pos.line, pos.col, `load.flags.${i}`, `unknown prog flag '${f}' (known: ${Object.keys(PROG_LOAD_FLAGS).join(', ')}, or a number)`);
    }
  });
  const line = programLine(doc, lc);
  const indent = line === undefined ? undefined : (text.split(/\r?\n/)[line - 1] ?? '').match(/^\s*/)![0].length;
  const functionLines = (spec.program.functions ?? []).map((_, i) => positionOf(doc, lc, ['program', 'functions', String(i)]).line);
  const funcInfoLines = (spec.program.func_info ?? []).map((_, i) => positionOf(doc, lc, ['program', 'func_info', String(i)]).line);
  return {
    ...spec, source, input: spec.input ?? {}, programLine: line, programIndent: indent,
    ...(functionLines.length ? { functionLines } : {}), ...(funcInfoLines.length ? { funcInfoLines } : {}),
  };
}

/** The file line where the program text's first line is (a block scalar starts on the line after its `|`). */
function programLine(doc: Document, lc: LineCounter): number | undefined {
  for (const key of ['asm', 'ubpf', 'hex']) {
    const node = doc.getIn(['program', key], true);
    if (!isScalar(node) || !node.range) continue;
    const line = lc.linePos(node.range[0]).line;
    return node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED' ? line + 1 : line;
  }
  return undefined;
}

/** One __flag value: a BPF_F_* name or a number, without its `!`. */
function progFlagBit(flag: string): number | undefined {
  const name = flag.replace(/^!/, '');
  const named = (PROG_LOAD_FLAGS as Readonly<Record<string, number>>)[name];
  if (named !== undefined) return named;
  return /^(0x[0-9a-fA-F]+|\d+)$/.test(name) ? Number(name) : undefined;
}

/** The prog_flags of a spec's load.flags, applied in order (`!NAME` clears), as test_loader applies __flag. */
export function specProgFlags(flags: readonly string[] | undefined): number {
  let out = 0;
  for (const f of flags ?? []) {
    const bit = progFlagBit(f);
    if (bit === undefined) throw new Error(`unknown prog flag '${f}' (known: ${Object.keys(PROG_LOAD_FLAGS).join(', ')}, or a number)`);
    out = f.startsWith('!') ? out & ~bit : out | bit;
  }
  return out >>> 0;
}

/** A spec's hex field ("0x" prefix and whitespace allowed) as bytes; a SpecError naming the field, line and column. */
export function hexBytes(text: string, where = 'hex'): Uint8Array {
  try {
    return parseHex(text, HEX_SPEC);
  } catch (e) {
    if (e instanceof HexError) throw new SpecError(where, e.line, e.column, '', e.detail);
    throw e;
  }
}

/** A retval expectation as an unsigned 64-bit value. */
export function expectedRetval(v: string | number): bigint {
  const neg = typeof v === 'string' && v.startsWith('-');
  const body = typeof v === 'string' ? v.replace(/^-/, '') : String(v);
  const n = BigInt(body);
  return BigInt.asUintN(64, neg ? -n : n);
}
