// An x86-64 instruction decoder for what the JIT and its stubs emit (the
// forms of ./encode.ts, Intel SDM vol. 2 chapter 2 and appendix A): legacy
// prefixes 66/F0/65, REX, the one- and two-byte opcode maps, VEX (C4) for
// the BMI2 shifts. Anything else decodes as one byte "(bad)". PURE.
//
// The text is Intel syntax with the size of every memory operand spelled
// out (`mov qword ptr [rbp-8],rdi`), numbers 0-9 in decimal and larger ones
// in hex, immediates as unsigned values of the operand size, branch targets
// as addresses: the same text iced-x86 prints with its Intel formatter
// (memory sizes always shown), against which it is table-tested.

export type OpSize = 1 | 2 | 4 | 8;

export type Operand =
  | { kind: 'reg'; reg: number; size: OpSize; /** A byte register without REX: 4-7 are ah, ch, dh, bh. */ legacyHigh?: boolean }
  /** A memory operand; size 0 for lea (an address, not an access). `rip` means relative to the next instruction. */
  | { kind: 'mem'; size: OpSize | 0; base?: number; index?: number; scale: 1 | 2 | 4 | 8; disp: number; rip?: boolean; seg?: 'gs' | 'fs' }
  | { kind: 'imm'; value: bigint; size: OpSize }
  /** A branch target: the offset from the address of the next instruction. */
  | { kind: 'rel'; rel: number; short: boolean };

export interface X86Insn {
  /** Where the instruction starts in the code, and its length in bytes. */
  at: number;
  len: number;
  /** The mnemonic (without the lock prefix); '(bad)' when the bytes are not one of the forms known here. */
  mnemonic: string;
  lock: boolean;
  ops: Operand[];
}

const R64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'];
const R8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'];
const R8_LEGACY = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];

/** Register name of encoding number r at a size. */
export function regName(r: number, size: OpSize, legacyHigh = false): string {
  if (size === 1) return legacyHigh ? R8_LEGACY[r] : R8[r];
  return (size === 8 ? R64 : size === 4 ? R32 : R16)[r];
}

const CONDS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const SHIFT_NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
const GROUP3 = ['test', 'test', 'not', 'neg', 'mul', 'imul', 'div', 'idiv'];

class Truncated extends Error {}

/** A cursor over the code with the prefixes seen so far. */
interface Cur {
  code: Uint8Array;
  p: number;
  rex: number;
  opsize16: boolean;
  seg?: 'gs' | 'fs';
}

function u8(c: Cur): number {
  if (c.p >= c.code.length) throw new Truncated();
  return c.code[c.p++];
}
const s8 = (c: Cur): number => (u8(c) << 24) >> 24;
function s32(c: Cur): number {
  const v = u8(c) | (u8(c) << 8) | (u8(c) << 16) | (u8(c) << 24);
  return v | 0;
}
const u16 = (c: Cur): number => u8(c) | (u8(c) << 8);
function u64(c: Cur): bigint {
  const lo = BigInt(s32(c) >>> 0), hi = BigInt(s32(c) >>> 0);
  return (hi << 32n) | lo;
}

const rexW = (c: Cur): boolean => (c.rex & 8) !== 0;
/** The operand size of a v-sized operand: REX.W 8, else 66 gives 2, else 4. */
const vsize = (c: Cur): OpSize => (rexW(c) ? 8 : c.opsize16 ? 2 : 4);

interface ModRM { mod: number; reg: number; rm: Operand }

/** ModRM (+SIB +displacement); `size` is the r/m operand's size, `regExt` applies REX.R to the reg field. */
function modrm(c: Cur, size: OpSize | 0): ModRM {
  const b = u8(c);
  const mod = b >> 6, reg = ((b >> 3) & 7) | ((c.rex & 4) ? 8 : 0), rmLow = b & 7;
  const rexB = (c.rex & 1) ? 8 : 0;
  if (mod === 3) {
    const s: OpSize = size === 0 ? 8 : size;
    return { mod, reg, rm: { kind: 'reg', reg: rmLow | rexB, size: s, legacyHigh: s === 1 && c.rex === 0 && rmLow >= 4 } };
  }
  const m: Extract<Operand, { kind: 'mem' }> = { kind: 'mem', size, scale: 1, disp: 0, seg: c.seg };
  let noBase = false;
  if (rmLow === 4) {
    const sib = u8(c);
    const scale = (1 << (sib >> 6)) as 1 | 2 | 4 | 8;
    const index = ((sib >> 3) & 7) | ((c.rex & 2) ? 8 : 0);
    const base = sib & 7;
    if (index !== 4) { m.index = index; m.scale = scale; }
    if (base === 5 && mod === 0) noBase = true;
    else m.base = base | rexB;
  } else if (rmLow === 5 && mod === 0) {
    m.rip = true;
  } else {
    m.base = rmLow | rexB;
  }
  if (mod === 1) m.disp = s8(c);
  else if (mod === 2 || noBase || m.rip) m.disp = s32(c);
  return { mod, reg, rm: m };
}

const reg = (r: number, size: OpSize, c: Cur): Operand => ({ kind: 'reg', reg: r, size, legacyHigh: size === 1 && c.rex === 0 && r >= 4 && r < 8 });
const imm = (v: number | bigint, size: OpSize): Operand => ({ kind: 'imm', value: BigInt.asUintN(size * 8, BigInt(v)), size });

/** Decode the one instruction at `at`. Never throws: unknown or truncated bytes are a 1-byte "(bad)". */
export function decodeOne(code: Uint8Array, at: number): X86Insn {
  const c: Cur = { code, p: at, rex: 0, opsize16: false };
  try {
    const r = decodeAt(c);
    if (r) return { at, len: c.p - at, ...r };
  } catch (e) {
    if (!(e instanceof Truncated)) throw e;
  }
  return { at, len: 1, mnemonic: '(bad)', lock: false, ops: [] };
}

/** Every instruction of `code`, start to end. */
export function decodeAll(code: Uint8Array, start = 0, end = code.length): X86Insn[] {
  const out: X86Insn[] = [];
  const view = code.subarray(0, end);
  for (let p = start; p < end;) {
    const d = decodeOne(view, p);
    out.push(d);
    p += d.len;
  }
  return out;
}

type Body = { mnemonic: string; lock: boolean; ops: Operand[] } | undefined;

function decodeAt(c: Cur): Body {
  let lock = false;
  // Legacy prefixes, then at most one REX right before the opcode
  for (;;) {
    const b = c.code[c.p];
    if (b === 0x66) { c.opsize16 = true; c.p++; } else if (b === 0xf0) { lock = true; c.p++; } else if (b === 0x65) { c.seg = 'gs'; c.p++; } else if (b === 0x64) { c.seg = 'fs'; c.p++; } else break;
  }
  if (c.p < c.code.length && (c.code[c.p] & 0xf0) === 0x40) c.rex = c.code[c.p++];
  const op = u8(c);
  const body = op === 0x0f ? twoByte(c) : op === 0xc4 && c.rex === 0 && !c.opsize16 ? vex(c) : oneByte(c, op);
  if (!body) return undefined;
  if (lock && !LOCKABLE.has(body.mnemonic)) return undefined;
  return { ...body, lock };
}

const LOCKABLE = new Set(['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'xchg', 'xadd', 'cmpxchg', 'inc', 'dec', 'not', 'neg']);

const R = (mnemonic: string, ...ops: Operand[]): Body => ({ mnemonic, lock: false, ops });

function oneByte(c: Cur, op: number): Body {
  const v = vsize(c);
  if (op < 0x40 && (op & 7) < 6) {
    const name = ALU_NAMES[op >> 3];
    switch (op & 7) {
      case 0: { const m = modrm(c, 1); return R(name, m.rm, reg(m.reg, 1, c)); }
      case 1: { const m = modrm(c, v); return R(name, m.rm, reg(m.reg, v, c)); }
      case 2: { const m = modrm(c, 1); return R(name, reg(m.reg, 1, c), m.rm); }
      case 3: { const m = modrm(c, v); return R(name, reg(m.reg, v, c), m.rm); }
      case 4: return R(name, reg(0, 1, c), imm(u8(c), 1));
      default: return R(name, reg(0, v, c), imm(v === 2 ? u16(c) : s32(c), v));
    }
  }
  if (op >= 0x50 && op <= 0x5f) return R(op < 0x58 ? 'push' : 'pop', reg((op & 7) | ((c.rex & 1) ? 8 : 0), c.opsize16 ? 2 : 8, c));
  if (op >= 0x70 && op <= 0x7f) return R('j' + CONDS[op & 15], { kind: 'rel', rel: s8(c), short: true });
  if (op >= 0xb0 && op <= 0xb7) return R('mov', reg((op & 7) | ((c.rex & 1) ? 8 : 0), 1, c), imm(u8(c), 1));
  if (op >= 0xb8 && op <= 0xbf) {
    const r = (op & 7) | ((c.rex & 1) ? 8 : 0);
    if (v === 8) return R('mov', reg(r, 8, c), imm(u64(c), 8));
    return R('mov', reg(r, v, c), imm(v === 2 ? u16(c) : s32(c), v));
  }
  switch (op) {
    case 0x63: { const m = modrm(c, 4); return R('movsxd', reg(m.reg, v, c), m.rm); }
    case 0x69: case 0x6b: {
      const m = modrm(c, v);
      const i = op === 0x6b ? s8(c) : v === 2 ? u16(c) : s32(c);
      const d = reg(m.reg, v, c);
      // the two-operand form when source and destination are the same register
      if (m.rm.kind === 'reg' && m.rm.reg === m.reg) return R('imul', d, imm(i, v));
      return R('imul', d, m.rm, imm(i, v));
    }
    case 0x80: case 0x81: case 0x83: {
      const size = op === 0x80 ? 1 : v;
      const m = modrm(c, size);
      const i = op === 0x81 ? (size === 2 ? u16(c) : s32(c)) : op === 0x83 ? s8(c) : u8(c);
      return R(ALU_NAMES[m.reg & 7], m.rm, imm(i, size));
    }
    case 0x84: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: {
      const size = op & 1 ? v : 1;
      const m = modrm(c, size);
      return R(op < 0x86 ? 'test' : op < 0x88 ? 'xchg' : 'mov', m.rm, reg(m.reg, size, c));
    }
    case 0x8a: case 0x8b: {
      const size = op & 1 ? v : 1;
      const m = modrm(c, size);
      return R('mov', reg(m.reg, size, c), m.rm);
    }
    case 0x8d: { const m = modrm(c, 0); return m.mod === 3 ? undefined : R('lea', reg(m.reg, v, c), m.rm); }
    case 0x90: return c.rex & 1 ? R('xchg', reg(8, v, c), reg(0, v, c)) : c.opsize16 ? R('xchg', reg(0, 2, c), reg(0, 2, c)) : R('nop');
    case 0x98: return R(v === 8 ? 'cdqe' : v === 2 ? 'cbw' : 'cwde');
    case 0x99: return R(v === 8 ? 'cqo' : v === 2 ? 'cwd' : 'cdq');
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
      const size = op & 1 ? v : 1;
      const m = modrm(c, size);
      const count: Operand = op <= 0xc1 ? imm(u8(c), 1) : op <= 0xd1 ? imm(1, 1) : reg(1, 1, c);
      return R(SHIFT_NAMES[m.reg & 7], m.rm, count);
    }
    case 0xc3: return R('ret');
    case 0xc6: case 0xc7: {
      const size = op === 0xc6 ? 1 : v;
      const m = modrm(c, size);
      if ((m.reg & 7) !== 0) return undefined;
      const i = size === 1 ? u8(c) : size === 2 ? u16(c) : s32(c);
      return R('mov', m.rm, imm(i, size));
    }
    case 0xc9: return R('leave');
    case 0xcc: return R('int3');
    case 0xe8: return R('call', { kind: 'rel', rel: s32(c), short: false });
    case 0xe9: return R('jmp', { kind: 'rel', rel: s32(c), short: false });
    case 0xeb: return R('jmp', { kind: 'rel', rel: s8(c), short: true });
    case 0xf6: case 0xf7: {
      const size = op === 0xf6 ? 1 : v;
      const m = modrm(c, size);
      const ext = m.reg & 7;
      if (ext === 1) return undefined;
      if (ext === 0) return R('test', m.rm, imm(size === 1 ? u8(c) : size === 2 ? u16(c) : s32(c), size));
      return R(GROUP3[ext], m.rm);
    }
    case 0xff: {
      const b = c.code[c.p];
      const ext = b === undefined ? -1 : (b >> 3) & 7;
      if (ext === 0 || ext === 1) { const m = modrm(c, v); return R(ext ? 'dec' : 'inc', m.rm); }
      if (ext === 2 || ext === 4) { const m = modrm(c, 8); return R(ext === 2 ? 'call' : 'jmp', m.rm); }
      if (ext === 6) { const m = modrm(c, 8); return R('push', m.rm); }
      return undefined;
    }
    default: return undefined;
  }
}

function twoByte(c: Cur): Body {
  const op = u8(c);
  const v = vsize(c);
  if (op >= 0x80 && op <= 0x8f) return R('j' + CONDS[op & 15], { kind: 'rel', rel: s32(c), short: false });
  if (op >= 0x40 && op <= 0x4f) { const m = modrm(c, v); return R('cmov' + CONDS[op & 15], reg(m.reg, v, c), m.rm); }
  if (op >= 0x90 && op <= 0x9f) { const m = modrm(c, 1); return R('set' + CONDS[op & 15], m.rm); }
  if (op >= 0xc8 && op <= 0xcf) return R('bswap', reg((op & 7) | ((c.rex & 1) ? 8 : 0), rexW(c) ? 8 : 4, c));
  switch (op) {
    case 0x05: return R('syscall');
    case 0x0b: return R('ud2');
    case 0x1f: { const m = modrm(c, v); return (m.reg & 7) === 0 && m.mod !== 3 ? R('nop', m.rm) : undefined; }
    case 0xae: {
      const b = u8(c);
      return b === 0xe8 ? R('lfence') : b === 0xf0 ? R('mfence') : b === 0xf8 ? R('sfence') : undefined;
    }
    case 0xaf: { const m = modrm(c, v); return R('imul', reg(m.reg, v, c), m.rm); }
    case 0xb0: case 0xb1: case 0xc0: case 0xc1: {
      const size = op & 1 ? v : 1;
      const m = modrm(c, size);
      return R(op < 0xc0 ? 'cmpxchg' : 'xadd', m.rm, reg(m.reg, size, c));
    }
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: {
      const m = modrm(c, op & 1 ? 2 : 1);
      return R(op < 0xb8 ? 'movzx' : 'movsx', reg(m.reg, v, c), m.rm);
    }
    default: return undefined;
  }
}

/** VEX (C4): the BMI2 shifts shlx / sarx / shrx (map 0F38, opcode F7). */
function vex(c: Cur): Body {
  const b1 = u8(c), b2 = u8(c);
  const map = b1 & 0x1f, w = (b2 & 0x80) !== 0, vvvv = (~b2 >> 3) & 15, l = (b2 & 4) !== 0, pp = b2 & 3;
  if (map !== 2 || l || pp === 0) return undefined;
  // the inverted R, X, B bits as a REX
  c.rex = 0x40 | (w ? 8 : 0) | ((b1 & 0x80) ? 0 : 4) | ((b1 & 0x40) ? 0 : 2) | ((b1 & 0x20) ? 0 : 1);
  if (u8(c) !== 0xf7) return undefined;
  const size: OpSize = w ? 8 : 4;
  const m = modrm(c, size);
  return R(pp === 1 ? 'shlx' : pp === 2 ? 'sarx' : 'shrx', reg(m.reg, size, c), m.rm, reg(vvvv, size, c));
}

// ---------------------------------------------------------------------------
// Text

/** 0-9 in decimal, larger values in hex with 0x. */
const num = (v: bigint): string => (v < 10n ? v.toString() : '0x' + v.toString(16));
const PTR: Record<number, string> = { 1: 'byte ptr ', 2: 'word ptr ', 4: 'dword ptr ', 8: 'qword ptr ' };

function memText(m: Extract<Operand, { kind: 'mem' }>, next: bigint): string {
  const seg = m.seg ? `${m.seg}:` : '';
  const size = m.size ? PTR[m.size] : '';
  if (m.rip) return `${size}${seg}[${num(BigInt.asUintN(64, next + BigInt(m.disp)))}]`;
  const parts: string[] = [];
  if (m.base !== undefined) parts.push(R64[m.base]);
  if (m.index !== undefined) parts.push(m.scale === 1 ? R64[m.index] : `${R64[m.index]}*${m.scale}`);
  let inner = parts.join('+');
  if (!parts.length) inner = num(BigInt.asUintN(64, BigInt(m.disp)));
  else if (m.disp > 0) inner += '+' + num(BigInt(m.disp));
  else if (m.disp < 0) inner += '-' + num(BigInt(-m.disp));
  return `${size}${seg}[${inner}]`;
}

/** Operand text; `next` is the address right after the instruction (for branch targets). */
export function operandText(o: Operand, next: bigint): string {
  switch (o.kind) {
    case 'reg': return regName(o.reg, o.size, o.legacyHigh);
    case 'imm': return num(o.value);
    case 'mem': return memText(o, next);
    case 'rel': return `${o.short ? 'short ' : ''}${num(BigInt.asUintN(64, next + BigInt(o.rel)))}`;
  }
}

/** The instruction as text, decoded at address `ip` for its first byte. */
export function formatInsn(d: X86Insn, ip: bigint | number = BigInt(d.at)): string {
  const next = BigInt(ip) + BigInt(d.len);
  const ops = d.ops.map((o) => operandText(o, next)).join(',');
  return `${d.lock ? 'lock ' : ''}${d.mnemonic}${ops ? ' ' + ops : ''}`;
}

/** Where a branch goes, as an offset in the same code as the instruction (undefined if it is not a direct branch). */
export function branchTarget(d: X86Insn): number | undefined {
  const r = d.ops.find((o) => o.kind === 'rel');
  return r && r.kind === 'rel' ? d.at + d.len + r.rel : undefined;
}
