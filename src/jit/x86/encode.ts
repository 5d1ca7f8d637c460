// An x86-64 instruction encoder: the forms a BPF JIT needs (Intel SDM vol. 2,
// chapter 2: legacy prefixes, REX, opcode, ModRM, SIB, displacement,
// immediate; VEX for the BMI2 shifts). PURE: appends bytes to a Buf.
//
// Every function writes exactly one instruction (prefixes included). Where
// Linux's BPF JIT chooses a longer encoding than necessary (a displacement
// byte for a zero offset, a REX prefix that changes nothing), the caller asks
// for it explicitly (`disp`, `forceRex`), so the encoder itself stays general.

/** x86-64 general purpose registers by their encoding number. */
export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
export const R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;
export type Reg = number;

/** Condition codes (the low nibble of Jcc / SETcc / CMOVcc). */
export const CC = { o: 0, no: 1, b: 2, ae: 3, e: 4, ne: 5, be: 6, a: 7, s: 8, ns: 9, p: 10, np: 11, l: 12, ge: 13, le: 14, g: 15 } as const;
export type Cond = keyof typeof CC;

/** Operand size of an instruction in bytes. */
export type Size = 1 | 2 | 4 | 8;

/** Where the bytes go. `n` is the write position; `b` grows as needed. */
export interface Buf { b: Uint8Array; n: number }

export function newBuf(capacity = 256): Buf {
  return { b: new Uint8Array(capacity), n: 0 };
}

export function byte(buf: Buf, v: number): void {
  if (buf.n === buf.b.length) {
    const nb = new Uint8Array(buf.b.length * 2);
    nb.set(buf.b);
    buf.b = nb;
  }
  buf.b[buf.n++] = v & 0xff;
}

export function bytes(buf: Buf, ...vs: number[]): void {
  for (const v of vs) byte(buf, v);
}

export function imm16(buf: Buf, v: number): void {
  byte(buf, v); byte(buf, v >> 8);
}

export function imm32(buf: Buf, v: number): void {
  byte(buf, v); byte(buf, v >> 8); byte(buf, v >> 16); byte(buf, v >>> 24);
}

export function imm64(buf: Buf, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  imm32(buf, Number(u & 0xffffffffn));
  imm32(buf, Number(u >> 32n));
}

/** The bytes written so far. */
export function bufBytes(buf: Buf): Uint8Array {
  return buf.b.slice(0, buf.n);
}

export const isImm8 = (v: number): boolean => v >= -128 && v <= 127;
export const isImm32 = (v: bigint): boolean => v === BigInt.asIntN(32, v);

/** A memory operand [base + index*scale + disp]. */
export interface Mem {
  base: Reg;
  index?: Reg;
  scale?: 1 | 2 | 4 | 8;
  disp: number;
  /**
   * Displacement width: 0 (none; only when disp is 0 and the base allows it),
   * 8 or 32. Default: the shortest that encodes disp.
   */
  dispSize?: 0 | 8 | 32;
}

export const mem = (base: Reg, disp = 0, dispSize?: 0 | 8 | 32): Mem => ({ base, disp, dispSize });

/** REX options of one instruction. */
interface RexOpts {
  w: boolean;
  /** ModRM.reg (R), SIB.index (X), ModRM.rm or SIB.base or opcode reg (B). */
  r?: Reg; x?: Reg; b?: Reg;
  /** Registers used as 8-bit operands: spl, bpl, sil, dil need a REX prefix. */
  byteRegs?: Reg[];
  /** Emit REX (0x40) even when nothing needs it. */
  force?: boolean;
}

function rex(buf: Buf, o: RexOpts): void {
  let v = 0x40;
  if (o.w) v |= 8;
  if ((o.r ?? 0) & 8) v |= 4;
  if ((o.x ?? 0) & 8) v |= 2;
  if ((o.b ?? 0) & 8) v |= 1;
  const needByte = (o.byteRegs ?? []).some((r) => r >= 4 && r <= 7);
  if (v !== 0x40 || needByte || o.force) byte(buf, v);
}

/** ModRM with mod = 11 (register operand). */
function modrmReg(buf: Buf, reg: number, rm: Reg): void {
  byte(buf, 0xc0 | ((reg & 7) << 3) | (rm & 7));
}

/** ModRM (+ SIB + displacement) of a memory operand. */
function modrmMem(buf: Buf, reg: number, m: Mem): void {
  const base = m.base & 7;
  const needSib = m.index !== undefined || base === 4; // rsp / r12 base needs a SIB
  // rbp / r13 with mod 00 means rip-relative / no base: they always need a displacement
  let size = m.dispSize ?? (m.disp === 0 && base !== 5 ? 0 : isImm8(m.disp) ? 8 : 32);
  if (size === 0 && (m.disp !== 0 || base === 5)) size = isImm8(m.disp) ? 8 : 32;
  if (size === 8 && !isImm8(m.disp)) size = 32;
  const mod = size === 0 ? 0 : size === 8 ? 1 : 2;
  byte(buf, (mod << 6) | ((reg & 7) << 3) | (needSib ? 4 : base));
  if (needSib) {
    const scale = { 1: 0, 2: 1, 4: 2, 8: 3 }[m.scale ?? 1];
    const index = m.index === undefined ? 4 : m.index & 7; // 100 = no index
    if (m.index === RSP) throw new Error('rsp cannot be an index register');
    byte(buf, (scale << 6) | (index << 3) | base);
  }
  if (size === 8) byte(buf, m.disp);
  else if (size === 32) imm32(buf, m.disp);
}

const opPrefix16 = (buf: Buf, size: Size): void => { if (size === 2) byte(buf, 0x66); };

// ---------------------------------------------------------------------------
// Moves

/** mov dst, src (89 /r). size 4 zero-extends into the 64-bit register. */
export function movRR(buf: Buf, dst: Reg, src: Reg, size: 4 | 8, forceRex = false): void {
  rex(buf, { w: size === 8, r: src, b: dst, force: forceRex });
  byte(buf, 0x89);
  modrmReg(buf, src, dst);
}

/** mov r32, imm32 (B8+r id): zero-extends. */
export function movRI32(buf: Buf, dst: Reg, imm: number): void {
  rex(buf, { w: false, b: dst });
  byte(buf, 0xb8 + (dst & 7));
  imm32(buf, imm);
}

/** mov r64, imm32 sign-extended (REX.W C7 /0 id). */
export function movRI64sx(buf: Buf, dst: Reg, imm: number): void {
  rex(buf, { w: true, b: dst });
  byte(buf, 0xc7);
  modrmReg(buf, 0, dst);
  imm32(buf, imm);
}

/** movabs r64, imm64 (REX.W B8+r io). */
export function movabs(buf: Buf, dst: Reg, imm: bigint): void {
  rex(buf, { w: true, b: dst });
  byte(buf, 0xb8 + (dst & 7));
  imm64(buf, imm);
}

/**
 * Load: mov (8B), movzx (0F B6 / 0F B7) or movsx (0F BE / 0F BF / 63) of `size`
 * bytes at `m` into dst. `w` selects the 64-bit form of movzx/movsx.
 */
export function load(buf: Buf, dst: Reg, m: Mem, size: Size, o: { signed?: boolean; w?: boolean; forceRex?: boolean } = {}): void {
  const w = size === 8 || !!o.w || (size === 4 && !!o.signed);
  rex(buf, { w, r: dst, x: m.index, b: m.base, force: o.forceRex });
  if (size === 1) bytes(buf, 0x0f, o.signed ? 0xbe : 0xb6);
  else if (size === 2) bytes(buf, 0x0f, o.signed ? 0xbf : 0xb7);
  else if (size === 4 && o.signed) byte(buf, 0x63);
  else byte(buf, 0x8b);
  modrmMem(buf, dst, m);
}

/** Store `size` bytes of src at `m` (88 / 66 89 / 89 / REX.W 89). */
export function store(buf: Buf, m: Mem, src: Reg, size: Size, forceRex = false): void {
  opPrefix16(buf, size);
  rex(buf, { w: size === 8, r: src, x: m.index, b: m.base, byteRegs: size === 1 ? [src] : [], force: forceRex });
  byte(buf, size === 1 ? 0x88 : 0x89);
  modrmMem(buf, src, m);
}

/** Store an immediate (C6 ib / 66 C7 iw / C7 id / REX.W C7 id sign-extended). */
export function storeImm(buf: Buf, m: Mem, imm: number, size: Size): void {
  opPrefix16(buf, size);
  rex(buf, { w: size === 8, x: m.index, b: m.base });
  byte(buf, size === 1 ? 0xc6 : 0xc7);
  modrmMem(buf, 0, m);
  if (size === 1) byte(buf, imm);
  else if (size === 2) imm16(buf, imm);
  else imm32(buf, imm);
}

/** lea dst, [m] (REX.W 8D /r). */
export function lea(buf: Buf, dst: Reg, m: Mem): void {
  rex(buf, { w: true, r: dst, x: m.index, b: m.base });
  byte(buf, 0x8d);
  modrmMem(buf, dst, m);
}

/** movsx / movsxd register forms: dst = sign-extended low `bits` of src. */
export function movsxRR(buf: Buf, dst: Reg, src: Reg, bits: 8 | 16 | 32, w: boolean, forceRex = false): void {
  rex(buf, { w, r: dst, b: src, byteRegs: bits === 8 ? [src] : [], force: forceRex });
  if (bits === 8) bytes(buf, 0x0f, 0xbe);
  else if (bits === 16) bytes(buf, 0x0f, 0xbf);
  else byte(buf, 0x63);
  modrmReg(buf, dst, src);
}

/** movzx dst32, src16 (0F B7 /r). */
export function movzx16RR(buf: Buf, dst: Reg, src: Reg): void {
  rex(buf, { w: false, r: dst, b: src });
  bytes(buf, 0x0f, 0xb7);
  modrmReg(buf, dst, src);
}

// ---------------------------------------------------------------------------
// Arithmetic and logic

/** The two-operand ALU operations in their MR (/r) form. */
export const ALU = { add: 0x01, or: 0x09, adc: 0x11, sbb: 0x19, and: 0x21, sub: 0x29, xor: 0x31, cmp: 0x39, test: 0x85, xchg: 0x87 } as const;
export type AluOp = keyof typeof ALU;

/** Opcode extensions (/digit) of the 80/81/83 immediate group. */
export const ALU_EXT = { add: 0, or: 1, adc: 2, sbb: 3, and: 4, sub: 5, xor: 6, cmp: 7 } as const;
export type AluImmOp = keyof typeof ALU_EXT;

/** op dst, src with registers (dst is ModRM.rm). */
export function aluRR(buf: Buf, op: AluOp, dst: Reg, src: Reg, size: 4 | 8): void {
  rex(buf, { w: size === 8, r: src, b: dst });
  byte(buf, ALU[op]);
  modrmReg(buf, src, dst);
}

/** op [m], src (lock is a separate prefix: see `lock`). */
export function aluMR(buf: Buf, op: AluOp, m: Mem, src: Reg, size: 4 | 8): void {
  rex(buf, { w: size === 8, r: src, x: m.index, b: m.base });
  byte(buf, ALU[op]);
  modrmMem(buf, src, m);
}

/**
 * op dst, imm: 83 /ext ib when imm fits in a byte, else the short rax form
 * (when `accForm` and dst is rax) or 81 /ext id.
 */
export function aluRI(buf: Buf, op: AluImmOp, dst: Reg, imm: number, size: 4 | 8, accForm = false): void {
  const ext = ALU_EXT[op];
  if (isImm8(imm)) {
    rex(buf, { w: size === 8, b: dst });
    byte(buf, 0x83);
    modrmReg(buf, ext, dst);
    byte(buf, imm);
  } else if (accForm && dst === RAX) {
    rex(buf, { w: size === 8 });
    byte(buf, (ext << 3) | 5);
    imm32(buf, imm);
  } else {
    rex(buf, { w: size === 8, b: dst });
    byte(buf, 0x81);
    modrmReg(buf, ext, dst);
    imm32(buf, imm);
  }
}

/** op [m], imm (83 /ext ib or 81 /ext id). */
export function aluMI(buf: Buf, op: AluImmOp, m: Mem, imm: number, size: 4 | 8): void {
  rex(buf, { w: size === 8, x: m.index, b: m.base });
  byte(buf, isImm8(imm) ? 0x83 : 0x81);
  modrmMem(buf, ALU_EXT[op], m);
  if (isImm8(imm)) byte(buf, imm); else imm32(buf, imm);
}

/** test dst, imm32 (F7 /0 id). */
export function testRI(buf: Buf, dst: Reg, imm: number, size: 4 | 8): void {
  rex(buf, { w: size === 8, b: dst });
  byte(buf, 0xf7);
  modrmReg(buf, 0, dst);
  imm32(buf, imm);
}

/** The F7 group: not, neg, mul, imul (one operand), div, idiv. */
export const UNARY_EXT = { not: 2, neg: 3, mul: 4, imul1: 5, div: 6, idiv: 7 } as const;

export function unary(buf: Buf, op: keyof typeof UNARY_EXT, r: Reg, size: 4 | 8): void {
  rex(buf, { w: size === 8, b: r });
  byte(buf, 0xf7);
  modrmReg(buf, UNARY_EXT[op], r);
}

/** imul dst, src (0F AF /r). */
export function imulRR(buf: Buf, dst: Reg, src: Reg, size: 4 | 8): void {
  rex(buf, { w: size === 8, r: dst, b: src });
  bytes(buf, 0x0f, 0xaf);
  modrmReg(buf, dst, src);
}

/** imul dst, src, imm (6B /r ib or 69 /r id). */
export function imulRRI(buf: Buf, dst: Reg, src: Reg, imm: number, size: 4 | 8): void {
  rex(buf, { w: size === 8, r: dst, b: src });
  byte(buf, isImm8(imm) ? 0x6b : 0x69);
  modrmReg(buf, dst, src);
  if (isImm8(imm)) byte(buf, imm); else imm32(buf, imm);
}

/** cdq (99) for 4 bytes, cqo (REX.W 99) for 8. */
export function cdqCqo(buf: Buf, size: 4 | 8): void {
  if (size === 8) byte(buf, 0x48);
  byte(buf, 0x99);
}

/** Shift/rotate group /digit: rol 0, ror 1, shl 4, shr 5, sar 7. */
export const SHIFT_EXT = { rol: 0, ror: 1, shl: 4, shr: 5, sar: 7 } as const;
export type ShiftOp = keyof typeof SHIFT_EXT;

/** Shift by an immediate: D1 /ext for a count of 1 (unless `noShortOne`), else C1 /ext ib. */
export function shiftRI(buf: Buf, op: ShiftOp, r: Reg, count: number, size: 2 | 4 | 8, noShortOne = false): void {
  opPrefix16(buf, size);
  rex(buf, { w: size === 8, b: r });
  if (count === 1 && !noShortOne) {
    byte(buf, 0xd1);
    modrmReg(buf, SHIFT_EXT[op], r);
  } else {
    byte(buf, 0xc1);
    modrmReg(buf, SHIFT_EXT[op], r);
    byte(buf, count);
  }
}

/** Shift by cl (D3 /ext). */
export function shiftRCL(buf: Buf, op: ShiftOp, r: Reg, size: 4 | 8): void {
  rex(buf, { w: size === 8, b: r });
  byte(buf, 0xd3);
  modrmReg(buf, SHIFT_EXT[op], r);
}

/**
 * The 3-byte VEX prefix (C4): R, X, B inverted, map select, W, the extra
 * source register vvvv (inverted), L, pp (0: none, 1: 66, 2: F3, 3: F2).
 */
function vex3(buf: Buf, r: Reg, x: Reg, b: Reg, map: number, w: boolean, vvvv: Reg, l: boolean, pp: number): void {
  byte(buf, 0xc4);
  byte(buf, ((r & 8) ? 0 : 0x80) | ((x & 8) ? 0 : 0x40) | ((b & 8) ? 0 : 0x20) | (map & 0x1f));
  byte(buf, (w ? 0x80 : 0) | ((~vvvv & 0xf) << 3) | (l ? 4 : 0) | (pp & 3));
}

/** BMI2 shlx / shrx / sarx dst, src, count (VEX.0F38 F7 /r). */
export function shiftx(buf: Buf, op: 'shl' | 'shr' | 'sar', dst: Reg, src: Reg, count: Reg, size: 4 | 8): void {
  const pp = op === 'shl' ? 1 : op === 'shr' ? 3 : 2;
  vex3(buf, dst, 0, src, 2, size === 8, count, false, pp);
  byte(buf, 0xf7);
  modrmReg(buf, dst, src);
}

/** bswap r32 / r64 (0F C8+r). */
export function bswap(buf: Buf, r: Reg, size: 4 | 8): void {
  rex(buf, { w: size === 8, b: r });
  bytes(buf, 0x0f, 0xc8 + (r & 7));
}

// ---------------------------------------------------------------------------
// Atomics

/** The lock prefix (F0). */
export function lock(buf: Buf): void {
  byte(buf, 0xf0);
}

/** xadd [m], src (0F C1 /r). */
export function xaddMR(buf: Buf, m: Mem, src: Reg, size: 4 | 8): void {
  rex(buf, { w: size === 8, r: src, x: m.index, b: m.base });
  bytes(buf, 0x0f, 0xc1);
  modrmMem(buf, src, m);
}

/** cmpxchg [m], src (0F B1 /r): compares with rax/eax. */
export function cmpxchgMR(buf: Buf, m: Mem, src: Reg, size: 4 | 8): void {
  rex(buf, { w: size === 8, r: src, x: m.index, b: m.base });
  bytes(buf, 0x0f, 0xb1);
  modrmMem(buf, src, m);
}

// ---------------------------------------------------------------------------
// Stack, control flow, misc

export function push(buf: Buf, r: Reg): void {
  rex(buf, { w: false, b: r });
  byte(buf, 0x50 + (r & 7));
}

export function pop(buf: Buf, r: Reg): void {
  rex(buf, { w: false, b: r });
  byte(buf, 0x58 + (r & 7));
}

export const leave = (buf: Buf): void => byte(buf, 0xc9);
export const ret = (buf: Buf): void => byte(buf, 0xc3);
export const int3 = (buf: Buf): void => byte(buf, 0xcc);
export const ud2 = (buf: Buf): void => bytes(buf, 0x0f, 0x0b);
export const lfence = (buf: Buf): void => bytes(buf, 0x0f, 0xae, 0xe8);
/** syscall (0F 05): number in rax, arguments in rdi, rsi, rdx, r10, r8, r9; clobbers rcx and r11. */
export const syscall = (buf: Buf): void => bytes(buf, 0x0f, 0x05);

/** call rel32 (E8): rel is relative to the end of the instruction. */
export function callRel32(buf: Buf, rel: number): void {
  byte(buf, 0xe8);
  imm32(buf, rel);
}

/** jmp rel32 (E9). */
export function jmpRel32(buf: Buf, rel: number): void {
  byte(buf, 0xe9);
  imm32(buf, rel);
}

/** jmp rel8 (EB). */
export function jmpRel8(buf: Buf, rel: number): void {
  byte(buf, 0xeb);
  byte(buf, rel);
}

/** jcc rel8 (70+cc). */
export function jccRel8(buf: Buf, cc: Cond, rel: number): void {
  byte(buf, 0x70 + CC[cc]);
  byte(buf, rel);
}

/** jcc rel32 (0F 80+cc). */
export function jccRel32(buf: Buf, cc: Cond, rel: number): void {
  bytes(buf, 0x0f, 0x80 + CC[cc]);
  imm32(buf, rel);
}

/** jmp r64 (FF /4). */
export function jmpReg(buf: Buf, r: Reg): void {
  rex(buf, { w: false, b: r });
  byte(buf, 0xff);
  modrmReg(buf, 4, r);
}

/** call r64 (FF /2). */
export function callReg(buf: Buf, r: Reg): void {
  rex(buf, { w: false, b: r });
  byte(buf, 0xff);
  modrmReg(buf, 2, r);
}

/** The recommended multi-byte nops (Intel SDM table 4-12; Linux's x86_nops), 1 to 8 bytes. */
export const NOPS: readonly (readonly number[])[] = [
  [],
  [0x90],
  [0x66, 0x90],
  [0x0f, 0x1f, 0x00],
  [0x0f, 0x1f, 0x40, 0x00],
  [0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];

/** `len` bytes of nops, in pieces of at most 8. */
export function nops(buf: Buf, len: number): void {
  while (len > 0) {
    const n = Math.min(len, 8);
    bytes(buf, ...NOPS[n]);
    len -= n;
  }
}
