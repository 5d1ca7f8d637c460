// C header from BTF, byte for byte as `bpftool btf dump file F format c` prints
// it (bpftool 7.1 over libbpf 1.1's btf_dump): every type in id order, each
// preceded by what it needs. Named structs, unions, enums and typedefs are
// top-level definitions; a struct reached only through a pointer gets a
// forward declaration (`struct foo;`) when it is not defined yet; anonymous
// structs, unions and enums are written inline where they are used; a name
// used twice by different types gets `___2`, `___3` ...; bitfields as
// `type name: bits`, holes the compiler would not leave as `long: N;`-style
// padding members, and `__attribute__((packed))` where the layout shows it.
// Pure: a Btf in, text out.
import { Btf, typeById, typeCount } from './btf';
import { BtfError } from './errors';
import { BtfComposite, BtfEnum, BtfEnum64, BtfType } from './types';
import { MAX_RESOLVE_DEPTH, alignOf, typeSize } from './lookup';

const enum Order { none = 0, ordering = 1, ordered = 2 }
const enum Emit { none = 0, emitting = 1, emitted = 2 }

/** The emitter's working state (one per dump). */
interface CDump {
  btf: Btf;
  out: string[];
  order: Uint8Array;
  emit: Uint8Array;
  fwdEmitted: Uint8Array;
  referenced: Uint8Array;
  /** Per id: the name after de-duplication, once resolved. */
  names: Map<number, string>;
  /** How often each name was taken, in the tag namespace (struct/union/enum) and the identifier one (typedefs, enumerators). */
  tagNames: Map<string, number>;
  identNames: Map<string, number>;
  align: Map<number, number>;
  queue: number[];
  /**
   * Steps and characters left: a (malformed) BTF whose anonymous types nest
   * into an exponentially long header is refused, not written for minutes.
   */
  budget: number;
  chars: number;
}

/** The whole header `bpftool btf dump file F format c` prints for this BTF (base types included for split BTF). */
export function dumpBtfC(btf: Btf): string {
  const d = newCDump(btf);
  d.out.push('#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n',
    '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n');
  for (let id = 1; id < typeCount(btf); id++) dumpType(d, id);
  d.out.push('#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n');
  return d.out.join('');
}

function newCDump(btf: Btf): CDump {
  const n = typeCount(btf);
  const d: CDump = {
    btf, out: [], order: new Uint8Array(n), emit: new Uint8Array(n), fwdEmitted: new Uint8Array(n), referenced: new Uint8Array(n),
    names: new Map(), tagNames: new Map(), identNames: new Map(), align: new Map(), queue: [],
    budget: STEPS_PER_TYPE * n + 10000, chars: CHARS_PER_BTF_BYTE * btf.raw.length + 2 ** 18,
  };
  for (let id = 1; id < n; id++) for (const r of referencedIds(typeById(btf, id))) if (r < n) d.referenced[r] = 1;
  return d;
}

/** The ids a type refers to, as btf_dump marks them referenced (a prototype's return type is not). */
function referencedIds(t: BtfType): number[] {
  switch (t.kind) {
    case 'ptr': case 'typedef': case 'volatile': case 'const': case 'restrict': case 'type_tag': case 'func': case 'var': case 'decl_tag':
      return [t.type];
    case 'array': return [t.indexType, t.type];
    case 'struct': case 'union': return t.members.map((m) => m.type);
    case 'func_proto': return t.params.map((p) => p.type);
    case 'datasec': return t.vars.map((v) => v.type);
    default: return [];
  }
}

/** One type and whatever it needs first (btf_dump__dump_type). */
function dumpType(d: CDump, id: number): void {
  d.queue = [];
  orderType(d, id, false, 0);
  for (const q of d.queue) emitType(d, q, 0, 0);
}

/** Real BTF takes under 6 steps per type (vmlinux 1.7, the fixtures at most 5.1): 20 is a header no compiler wants. */
const STEPS_PER_TYPE = 20;
/** vmlinux.h is shorter than vmlinux's type section; the fixtures' headers at most 1.6 times it. */
const CHARS_PER_BTF_BYTE = 4;

/** Charge a definition written inline (counted again in each one around it). */
function charge(d: CDump, id: number, text: string): string {
  d.chars -= text.length;
  if (d.chars < 0) throw new BtfError('reference-loop', '.BTF', 0, `type #${id}: its C would be out of all proportion to the BTF (anonymous types nested into each other, or a hole of millions of padding lines)`);
  return text;
}

function step(d: CDump, id: number): void {
  if (--d.budget < 0) throw new BtfError('reference-loop', '.BTF', 0, `type #${id}: anonymous types nest too often to be written as C`);
}

function tooDeep(id: number): never {
  throw new BtfError('reference-loop', '.BTF', 0, `type #${id}: reference chain longer than ${MAX_RESOLVE_DEPTH}`);
}

/**
 * Put the definitions `id` needs, then `id` itself when it is a named
 * definition, on the queue. The answer says whether `id` is a strong link:
 * a definition that must precede its user (not just a forward declaration).
 */
function orderType(d: CDump, id: number, viaPtr: boolean, depth: number): boolean {
  if (depth > MAX_RESOLVE_DEPTH) tooDeep(id);
  if (d.order[id] === Order.ordered) return true;
  const t = typeById(d.btf, id);
  if (d.order[id] === Order.ordering) {
    // a cycle is fine when it goes through a pointer to a named struct: a forward declaration breaks it
    if ((t.kind === 'struct' || t.kind === 'union') && viaPtr && t.name !== '') return false;
    throw new BtfError('reference-loop', '.BTF', 0, `type #${id}: unsatisfiable type cycle`);
  }
  switch (t.kind) {
    case 'void': return false;
    case 'int': case 'float': d.order[id] = Order.ordered; return false;
    case 'ptr': {
      const strong = orderType(d, t.type, true, depth + 1);
      d.order[id] = Order.ordered;
      return strong;
    }
    case 'array': return orderType(d, t.type, false, depth + 1);
    case 'struct': case 'union': {
      if (viaPtr && t.name !== '') return false;
      d.order[id] = Order.ordering;
      for (const m of t.members) orderType(d, m.type, false, depth + 1);
      if (t.name !== '') d.queue.push(id);
      d.order[id] = Order.ordered;
      return true;
    }
    case 'enum': case 'enum64': case 'fwd':
      // named, or anonymous and used by nothing: a top-level declaration of its own
      if (t.name !== '' || !d.referenced[id]) d.queue.push(id);
      d.order[id] = Order.ordered;
      return true;
    case 'typedef': {
      const strong = orderType(d, t.type, viaPtr, depth + 1);
      if (viaPtr && !strong) return false;
      d.queue.push(id);
      d.order[id] = Order.ordered;
      return true;
    }
    case 'volatile': case 'const': case 'restrict': case 'type_tag': return orderType(d, t.type, viaPtr, depth + 1);
    case 'func_proto': {
      let strong = orderType(d, t.returnType, viaPtr, depth + 1);
      for (const p of t.params) if (orderType(d, p.type, viaPtr, depth + 1)) strong = true;
      return strong;
    }
    case 'func': case 'var': case 'datasec': case 'decl_tag':
      d.order[id] = Order.ordered;
      return false;
  }
}

/** `__builtin_va_list` is the compiler's own: its typedef is never written. */
const builtinTypedef = (t: BtfType): boolean => t.kind === 'typedef' && t.name === '__builtin_va_list';

/** Types ARM's BTF names but C compilers for BPF lack: an int of one of these names gets a typedef first. */
const MISSING_ALIASES: Record<string, string> = {
  __Poly8_t: 'unsigned char', __Poly16_t: 'unsigned short', __Poly64_t: 'unsigned long long', __Poly128_t: 'unsigned __int128',
};

/**
 * Write `id` as a top-level definition (container 0), or what it needs before
 * the container `cont` that uses it: forward declarations of structs reached
 * through pointers, typedefs, and the definitions anonymous members need.
 */
function emitType(d: CDump, id: number, cont: number, depth: number): void {
  if (depth > MAX_RESOLVE_DEPTH) tooDeep(id);
  step(d, id);
  if (id === 0 || d.emit[id] === Emit.emitted) return;
  const t = typeById(d.btf, id);
  const topLevel = cont === 0;
  if (d.emit[id] === Emit.emitting) {
    // a type being written is needed again: a forward declaration will do
    if (d.fwdEmitted[id]) return;
    if (t.kind === 'struct' || t.kind === 'union') {
      if (id === cont || t.name === '') return;
      d.out.push(`${compositeFwd(d, id, t)};\n\n`);
      d.fwdEmitted[id] = 1;
    } else if (t.kind === 'typedef') {
      if (!builtinTypedef(t)) d.out.push(`${typedefDef(d, id, 0)};\n\n`);
      d.fwdEmitted[id] = 1;
    }
    return;
  }
  switch (t.kind) {
    case 'int': {
      const alias = MISSING_ALIASES[t.name];
      if (alias !== undefined) d.out.push(`typedef ${alias} ${t.name};\n\n`);
      d.emit[id] = Emit.emitted;
      return;
    }
    case 'enum': case 'enum64':
      if (topLevel) d.out.push(`${enumDef(d, id, t, 0)};\n\n`);
      d.emit[id] = Emit.emitted;
      return;
    case 'ptr': case 'volatile': case 'const': case 'restrict': case 'type_tag': case 'array':
      emitType(d, t.type, cont, depth + 1);
      return;
    case 'fwd':
      d.out.push(`${t.union ? 'union' : 'struct'} ${tagName(d, id)};\n\n`);
      d.emit[id] = Emit.emitted;
      return;
    case 'typedef':
      d.emit[id] = Emit.emitting;
      emitType(d, t.type, id, depth + 1);
      if (!d.fwdEmitted[id] && !builtinTypedef(t)) d.out.push(`${typedefDef(d, id, 0)};\n\n`);
      d.emit[id] = Emit.emitted;
      return;
    case 'struct': case 'union':
      d.emit[id] = Emit.emitting;
      if (topLevel || t.name === '') {
        // its members are written out: what they use must be declared first
        const inner = t.name === '' ? cont : id;
        for (const m of t.members) emitType(d, m.type, inner, depth + 1);
      } else if (!d.fwdEmitted[id] && id !== cont) {
        d.out.push(`${compositeFwd(d, id, t)};\n\n`);
        d.fwdEmitted[id] = 1;
      }
      if (topLevel) {
        d.out.push(`${compositeDef(d, id, t, 0)};\n\n`);
        d.emit[id] = Emit.emitted;
      } else d.emit[id] = Emit.none;
      return;
    case 'func_proto':
      emitType(d, t.returnType, cont, depth + 1);
      for (const p of t.params) emitType(d, p.type, cont, depth + 1);
      return;
    default:
      return;
  }
}

// ---- names ---------------------------------------------------------------------

/** Take one more use of `name` in a namespace; the count after it (1 for the first). */
function takeName(space: Map<string, number>, name: string): number {
  const n = (space.get(name) ?? 0) + 1;
  space.set(name, n);
  return n;
}

/** A type's name in its namespace, `name___N` for the N-th type that uses it; '' when anonymous. */
function resolveName(d: CDump, id: number, space: Map<string, number>): string {
  const t = typeById(d.btf, id);
  if (t.name === '') return '';
  let name = d.names.get(id);
  if (name !== undefined) return name;
  // forward declarations and enums without values name a type defined elsewhere
  const n = t.kind === 'fwd' || (t.kind === 'enum' && t.values.length === 0) ? 1 : takeName(space, t.name);
  name = n > 1 ? `${t.name}___${n}` : t.name;
  d.names.set(id, name);
  return name;
}

const tagName = (d: CDump, id: number): string => resolveName(d, id, d.tagNames);
const identName = (d: CDump, id: number): string => resolveName(d, id, d.identNames);

const TABS = '\t'.repeat(64);
const indent = (level: number): string => TABS.slice(0, Math.min(level, TABS.length));

// ---- definitions ---------------------------------------------------------------

function compositeFwd(d: CDump, id: number, t: BtfComposite): string {
  const name = tagName(d, id);
  return `${t.kind}${name === '' ? '' : ' '}${name}`;
}

function typedefDef(d: CDump, id: number, level: number): string {
  const t = typeById(d.btf, id);
  if (t.kind !== 'typedef') return '';
  const name = identName(d, id);
  // old GCCs give __gnuc_va_list a void target: it is the builtin
  if (t.type === 0 && name === '__gnuc_va_list') return 'typedef __builtin_va_list __gnuc_va_list';
  return `typedef ${typeDecl(d, t.type, name, level, 0)}`;
}

function enumDef(d: CDump, id: number, t: BtfEnum | BtfEnum64, level: number): string {
  const name = tagName(d, id);
  let s = `enum${name === '' ? '' : ' '}${name}`;
  if (t.values.length === 0) return s;
  s += ' {';
  const values: { name: string; text: string }[] = t.kind === 'enum64'
    ? t.values.map((v) => ({ name: v.name, text: `${t.signed ? BigInt.asIntN(64, v.value) : BigInt.asUintN(64, v.value)}${t.signed ? 'LL' : 'ULL'}` }))
    : t.values.map((v) => ({ name: v.name, text: String(t.signed ? v.value | 0 : v.value >>> 0) }));
  for (const v of values) {
    // enumerators share the identifier namespace with typedefs
    const n = takeName(d.identNames, v.name);
    s += `\n${indent(level + 1)}${v.name}${n > 1 ? `___${n}` : ''} = ${v.text},`;
  }
  return charge(d, id, `${s}\n${indent(level)}}`);
}

/** A struct whose layout natural alignment cannot give: a member off its alignment, or a size off the largest. */
function isPacked(d: CDump, t: BtfComposite): boolean {
  let max = 1;
  for (const m of t.members) {
    const a = alignOf(d.btf, m.type, d.align);
    if (a && m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) return true;
    max = Math.max(max, a);
  }
  return t.size % max !== 0;
}

const PADS: readonly { type: string; bits: number }[] = [{ type: 'long', bits: 64 }, { type: 'int', bits: 32 }, { type: 'short', bits: 16 }, { type: 'char', bits: 8 }];
const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/**
 * Anonymous bitfields that fill the hole from bit `from` to bit `to`, as few as
 * the layout allows: first a step to the largest unit boundary that does not
 * pass `to` (written as `long: 0;` and the like only when natural alignment of
 * the next member would not take it, or as the bits left of the current
 * bitfield unit), then whole units, then one smaller piece.
 */
function padding(d: CDump, id: number, from: number, to: number, nextAlign: number, inBitfield: boolean, level: number): string {
  if (from >= to) return '';
  let s = '';
  let cur = from;
  let unit = PADS[PADS.length - 1];
  let next = roundUp(cur, unit.bits);
  for (const p of PADS) {
    unit = p;
    next = roundUp(cur, p.bits);
    if (next <= to) break;
  }
  if (next > cur && next <= to) {
    const needed = inBitfield || (next === to && roundUp(cur, nextAlign * 8) !== next) || (next !== to && to - next <= next - cur);
    if (needed) s += `\n${indent(level)}${unit.type}: ${inBitfield ? next - cur : 0};`;
    cur = next;
  }
  // a hole of gigabits (a malformed offset) would be millions of lines
  if ((to - cur) / unit.bits > d.chars / 8) charge(d, id, ' '.repeat(d.chars + 1));
  while (cur !== to) {
    const bits = Math.min(to - cur, unit.bits);
    if (bits !== unit.bits) unit = [...PADS].reverse().find((p) => p.bits >= bits)!;
    s += `\n${indent(level)}${unit.type}: ${bits};`;
    cur += bits;
  }
  return s;
}

function compositeDef(d: CDump, id: number, t: BtfComposite, level: number): string {
  if (level > MAX_RESOLVE_DEPTH) tooDeep(id); // an anonymous struct inside itself
  const packed = t.kind === 'struct' && isPacked(d, t);
  const name = tagName(d, id);
  let s = `${t.kind}${name === '' ? '' : ' '}${name} {`;
  let off = 0, prevBitfield = false;
  for (const m of t.members) {
    const align = packed ? 1 : alignOf(d.btf, m.type, d.align);
    s += padding(d, id, off, m.bitOffset, align, prevBitfield && m.bitfieldSize !== 0, level + 1);
    s += `\n${indent(level + 1)}${typeDecl(d, m.type, m.name, level + 1, 0)}`;
    if (m.bitfieldSize) {
      s += `: ${m.bitfieldSize}`;
      off = m.bitOffset + m.bitfieldSize;
    } else off = m.bitOffset + Math.max(0, sizeOrZero(d.btf, m.type)) * 8;
    prevBitfield = m.bitfieldSize !== 0;
    s += ';';
  }
  if (t.kind === 'struct') s += padding(d, id, off, t.size * 8, alignOf(d.btf, id, d.align), false, level + 1);
  // `struct empty {}` stays on one line; members or padding close on a line of their own
  s += t.members.length || t.size ? `\n${indent(level)}}` : '}';
  return charge(d, id, packed ? `${s} __attribute__((packed))` : s);
}

function sizeOrZero(btf: Btf, id: number): number {
  try { return typeSize(btf, id); } catch (e) { if (e instanceof BtfError) return 0; throw e; }
}

// ---- declarations --------------------------------------------------------------

/**
 * `type name` for a member, parameter or typedef: the chain of pointers,
 * qualifiers, arrays and prototypes from `id` down to a named type, written
 * the C way round (`int (*name[4])(void)`, `char * const p`).
 */
function typeDecl(d: CDump, id: number, name: string, level: number, depth: number): string {
  if (depth > MAX_RESOLVE_DEPTH) tooDeep(id);
  step(d, id);
  const chain: number[] = [];
  for (let cur = id; ; ) {
    if (chain.length > MAX_RESOLVE_DEPTH) tooDeep(id);
    chain.push(cur);
    if (cur === 0) break;
    const t = typeById(d.btf, cur);
    if (t.kind === 'ptr' || t.kind === 'volatile' || t.kind === 'const' || t.kind === 'restrict' || t.kind === 'type_tag' || t.kind === 'array') cur = t.type;
    else if (t.kind === 'func_proto') cur = t.returnType;
    else break;
  }
  return declChain(d, chain, name, level, depth);
}

/** Qualifiers right above the base type come before it (`const char`), popped off the chain. */
function leadingQualifiers(d: CDump, chain: number[]): string {
  let s = '';
  while (chain.length) {
    const t = typeById(d.btf, chain[chain.length - 1]);
    if (t.kind !== 'volatile' && t.kind !== 'const' && t.kind !== 'restrict') break;
    s += `${t.kind} `;
    chain.pop();
  }
  return s;
}

/** Qualifiers on an array or a prototype mean nothing in C (GCC adds them): dropped. */
function dropQualifiers(d: CDump, chain: number[]): void {
  while (chain.length) {
    const k = typeById(d.btf, chain[chain.length - 1]).kind;
    if (k !== 'volatile' && k !== 'const' && k !== 'restrict') break;
    chain.pop();
  }
}

const withName = (name: string, afterPtr: boolean): string => (name !== '' && !afterPtr ? ` ${name}` : name);

/** Write the chain from its base (its last element) outwards; `chain` is consumed. */
function declChain(d: CDump, chain: number[], name: string, level: number, depth: number): string {
  let s = '';
  let afterPtr = true; // a lone `*` in a `(*name)` needs no space before it
  while (chain.length) {
    const id = chain.pop()!;
    if (id === 0) {
      s += `${leadingQualifiers(d, chain)}void`;
      afterPtr = false;
      continue;
    }
    const t = typeById(d.btf, id);
    switch (t.kind) {
      case 'int': case 'float': s += `${leadingQualifiers(d, chain)}${t.name}`; break;
      case 'struct': case 'union':
        s += leadingQualifiers(d, chain) + (t.name === '' ? compositeDef(d, id, t, level) : compositeFwd(d, id, t));
        break;
      case 'enum': case 'enum64':
        s += leadingQualifiers(d, chain) + (t.name === '' ? enumDef(d, id, t, level) : `enum ${tagName(d, id)}`);
        break;
      case 'fwd': s += `${leadingQualifiers(d, chain)}${t.union ? 'union' : 'struct'} ${tagName(d, id)}`; break;
      case 'typedef': s += `${leadingQualifiers(d, chain)}${identName(d, id)}`; break;
      case 'ptr': s += afterPtr ? '*' : ' *'; break;
      case 'volatile': case 'const': case 'restrict': s += ` ${t.kind}`; break;
      case 'type_tag': s += `${leadingQualifiers(d, chain)} __attribute__((btf_type_tag("${t.name}")))`; break;
      case 'array': {
        dropQualifiers(d, chain);
        if (chain.length === 0) return `${s}${withName(name, afterPtr)}[${t.nelems}]`;
        const multidim = typeById(d.btf, chain[chain.length - 1]).kind === 'array';
        if (name !== '' && !afterPtr) s += ' ';
        const inner = declChain(d, chain, name, level, depth + 1);
        return `${s}${multidim ? inner : `(${inner})`}[${t.nelems}]`;
      }
      case 'func_proto': {
        dropQualifiers(d, chain);
        s += chain.length ? ` (${declChain(d, chain, name, level, depth + 1)})` : withName(name, afterPtr);
        const ps = t.params;
        if (ps.length === 0 || (ps.length === 1 && ps[0].type === 0)) return `${s}(void)`;
        const args = ps.map((p, i) => (i === ps.length - 1 && p.type === 0 ? '...' : typeDecl(d, p.type, p.name, level, depth + 1)));
        return `${s}(${args.join(', ')})`;
      }
      default:
        // func, var, datasec, decl_tag cannot stand in a declaration: the chain ends there, unnamed
        return s;
    }
    afterPtr = t.kind === 'ptr';
  }
  return s + withName(name, afterPtr);
}
