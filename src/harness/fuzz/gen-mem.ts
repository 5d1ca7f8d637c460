// A generator profile for the differential test: context fields of several program
// types (valid fields, neighbours, wrong sizes, writes), packet access with and
// without bounds checks (pkt_end comparisons in every direction, variable offsets),
// sign-extending loads and movs, pointer arithmetic and spills of pointers.
import { Insn, insn } from '../../isa/insn';

export type Rnd = (n: number) => number;

/** Program types and the context offsets worth trying (fields, their neighbours, the ends). */
interface TypeProfile { type: string; attach?: string; offs: readonly number[]; data?: readonly [number, number, number]; ptrSize: number }

const SKB_OFFS = [0, 1, 2, 4, 8, 12, 16, 20, 24, 32, 36, 40, 44, 48, 52, 64, 68, 72, 76, 80, 84, 88, 100, 136, 140, 144, 152,
  156, 160, 164, 168, 172, 176, 180, 181, 184, 188, 192];
export const PROFILES: readonly TypeProfile[] = [
  { type: 'socket_filter', offs: SKB_OFFS, ptrSize: 4 },
  { type: 'sched_cls', offs: SKB_OFFS, data: [76, 80, 140], ptrSize: 4 },
  { type: 'cgroup_skb', offs: SKB_OFFS, data: [76, 80, -1], ptrSize: 4 },
  { type: 'sk_skb', offs: SKB_OFFS, data: [76, 80, -1], ptrSize: 4 },
  { type: 'xdp', offs: [0, 2, 4, 8, 12, 16, 20, 24], data: [0, 4, 8], ptrSize: 4 },
  { type: 'kprobe', offs: [0, 8, 16, 104, 112, 160, 164, 168], ptrSize: 8 },
  { type: 'tracepoint', offs: [0, 4, 8, 12, 16, 24, 8188, 8192], ptrSize: 8 },
  { type: 'raw_tracepoint', offs: [0, 4, 8, 40, 88, 92, 96], ptrSize: 8 },
  { type: 'perf_event', offs: [0, 8, 160, 168, 172, 176, 180, 184], ptrSize: 8 },
  { type: 'flow_dissector', offs: [0, 76, 78, 80, 144, 148, 152], data: [76, 80, -1], ptrSize: 4 },
  { type: 'cgroup_sock', attach: 'cgroup_inet_sock_create', offs: [0, 4, 16, 20, 24, 44, 48, 50, 52, 72, 76, 80], ptrSize: 4 },
  { type: 'cgroup_sock', attach: 'cgroup_inet4_post_bind', offs: [0, 4, 16, 24, 26, 28, 44, 48, 49, 72], ptrSize: 4 },
  { type: 'cgroup_sock_addr', attach: 'cgroup_inet4_connect', offs: [0, 4, 8, 24, 28, 40, 44, 60, 64, 68, 72], ptrSize: 8 },
  { type: 'sock_ops', offs: [0, 4, 20, 164, 168, 172, 176, 184, 188, 192, 200, 208, 212, 216, 224], ptrSize: 8 },
  { type: 'cgroup_sockopt', attach: 'cgroup_getsockopt', offs: [0, 4, 8, 16, 24, 28, 32, 36, 40], data: [8, 16, -1], ptrSize: 8 },
];

const SIZE_CODE: Readonly<Record<number, number>> = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 };
const ldx = (d: number, s: number, off: number, size: number, sx = false): Insn =>
  insn((sx ? 0x81 : 0x61) | SIZE_CODE[size], d, s, off, 0);
const stx = (d: number, s: number, off: number, size: number): Insn => insn(0x63 | SIZE_CODE[size], d, s, off, 0);
const mov = (d: number, imm: number): Insn => insn(0xb7, d, 0, 0, imm);
const movr = (d: number, s: number): Insn => insn(0xbf, d, s, 0, 0);
const addi = (d: number, imm: number): Insn => insn(0x07, d, 0, 0, imm);

/** An instruction, or a conditional jump whose target is the program's final `r0 = 0; exit`. */
type Item = Insn | { toEnd: Insn };

/** One generated program of the memory profile, and its program type. */
export function memProgram(rnd: Rnd): { insns: Insn[]; type: string; attach?: string } {
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const p = pick(PROFILES);
  const body: Item[] = [];
  // r6 = ctx; the other registers start as small constants so that most reads are of set registers
  body.push(movr(6, 1));
  for (const r of [0, 2, 3, 4, 5, 7, 8, 9]) body.push(mov(r, pick([0, 1, 7, -1, 300])));
  const n = 2 + rnd(8);
  for (let i = 0; i < n; i++) {
    const k = rnd(10);
    const sz = pick([1, 2, 4, 4, 8]);
    if (k < 3) body.push(ldx(pick([0, 2, 3, 7]), 6, pick(p.offs) + pick([0, 0, 0, 1, 2]), p.type === 'flow_dissector' && rnd(2) ? p.ptrSize : sz, rnd(6) === 0));
    else if (k === 3) body.push(rnd(2) ? stx(6, pick([2, 7]), pick(p.offs), sz) : insn(0x62 | SIZE_CODE[sz], 6, 0, pick(p.offs), 1));
    else if (k < 6 && p.data) body.push(...packetAccess(rnd, p.data));
    else if (k === 6) body.push(signExtend(rnd));
    else if (k === 7) body.push(...pointerMath(rnd));
    else if (k === 8) body.push(stx(10, pick([2, 3, 6, 7]), -8 * (1 + rnd(3)), pick([8, 8, 4])), ldx(pick([2, 3, 7]), 10, -8 * (1 + rnd(3)), pick([8, 4, 1])));
    else body.push(insn(pick([0x07, 0x57, 0x77, 0x27]), pick([2, 3, 7]), 0, 0, pick([1, 8, 0xff, -4])));
  }
  const end = body.length;
  const insns = body.map((x, i) => ('toEnd' in x ? { ...x.toEnd, off: end - i - 1 } : x));
  insns.push(mov(0, 0), insn(0x95, 0, 0, 0, 0));
  return { insns, type: p.type, attach: p.attach };
}

/** r2 = data, r3 = data_end (or meta/data), a bounds check in some direction (or none), then packet loads and stores. */
function packetAccess(rnd: Rnd, [data, end, meta]: readonly [number, number, number]): Item[] {
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const useMeta = meta >= 0 && rnd(5) === 0;
  const psize = data === 8 ? 8 : 4;
  const out: Item[] = [ldx(2, 6, useMeta ? meta : data, psize), ldx(3, 6, useMeta ? data : end, psize), movr(4, 2)];
  if (rnd(3) === 0) out.push(ldx(5, 6, 0, 1), insn(0x57, 5, 0, 0, pick([7, 15, 0xff])), insn(0x0f, 4, 5, 0, 0)); // variable offset
  out.push(addi(4, pick([1, 4, 8, 14, 20, 34])));
  const check = rnd(6);
  if (check < 5) {
    // if r4 OP r3 goto end (or r3 OP r4): the branch that continues has the range, or not
    const [op, swap] = pick([[0x2d, false], [0x3d, false], [0xad, true], [0xbd, true], [0xad, false], [0x3d, true], [0x1d, false]] as const);
    out.push({ toEnd: insn(op, swap ? 3 : 4, swap ? 4 : 3, 0, 0) });
  }
  if (rnd(4) === 0) out.push(stx(10, 2, -16, 8), ldx(2, 10, -16, pick([8, 8, 4])));
  for (let i = rnd(3); i >= 0; i--) {
    const size = pick([1, 2, 4, 8]);
    const off = pick([0, 1, 2, 4, 6, 8, 12, 13, 16, 30, -1]);
    out.push(rnd(4) ? ldx(pick([0, 7]), pick([2, 4]), off, size, rnd(5) === 0) : stx(pick([2, 4]), 7, off, size));
  }
  return out;
}

/** movsx / ldsx of a value read from the context or a constant. */
function signExtend(rnd: Rnd): Insn {
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const r = pick([0, 2, 3, 7]);
  return rnd(2) ? insn(0xbf, r, pick([0, 2, 3, 7]), pick([8, 16, 32]), 0) : insn(0xbc, r, pick([0, 2, 3, 7]), pick([8, 16]), 0);
}

/** Arithmetic that may involve pointers: fp, ctx, packet pointers plus constants or masked unknowns. */
function pointerMath(rnd: Rnd): Insn[] {
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const d = pick([2, 3, 4, 7]);
  const out: Insn[] = [];
  if (rnd(2)) out.push(movr(d, pick([10, 6, 2])));
  if (rnd(2)) out.push(addi(d, pick([-8, -16, 4, 8, -512, 600])));
  else out.push(insn(0x57, 5, 0, 0, pick([7, 8, 24])), insn(pick([0x0f, 0x1f]), d, 5, 0, 0));
  if (rnd(2)) out.push(ldx(pick([0, 7]), d, pick([0, -8, 4]), pick([1, 4, 8])));
  return out;
}

