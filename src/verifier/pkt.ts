// Packet pointers: which program types may read and write packet data directly
// (may_access_direct_pkt_data), the range a comparison with pkt_end proves
// (try_match_pkt_pointers, find_good_pkt_pointers, mark_pkt_end), branches
// decided by an earlier comparison (is_pkt_ptr_branch_taken), and the packet
// pointers a helper that changes packet data invalidates (clear_all_pkt_pointers)
// (kernel/bpf/verifier.c).
import { Insn } from '../isa/insn';
import { BPF_OP, BPF_SRC, BPF_X, BPF_CLASS, BPF_JMP32, BPF_JGT, BPF_JLT, BPF_JGE, BPF_JLE } from '../isa/opcodes';
import { PROG_TYPES as P } from './types';
import { RegState, VState, PtrOf, AT_PKT_END, BEYOND_PKT_END, mapEachReg, isPktPointer, scalarReg } from './state';
import { scalarUnknown } from './scalar_bridge';
import { ptrWith } from './regs';

/** MAX_PACKET_OFF */
export const MAX_PACKET_OFF = 0xffff;

const READ_ONLY_PKT: ReadonlySet<number> = new Set([P.lwt_in, P.lwt_out, P.lwt_seg6local, P.sk_reuseport, P.flow_dissector, P.cgroup_skb]);
const READ_WRITE_PKT: ReadonlySet<number> = new Set([P.sched_cls, P.sched_act, P.xdp, P.lwt_xmit, P.sk_skb, P.sk_msg, P.cgroup_sockopt]);

/** may_access_direct_pkt_data for a load or store of the instruction (no helper meta). */
export function mayAccessDirectPktData(progType: number, write: boolean): boolean {
  if (READ_ONLY_PKT.has(progType)) return !write;
  return READ_WRITE_PKT.has(progType);
}

type PktReg = PtrOf<'pkt' | 'pkt_meta'>;

/** MAX_PACKET_OFF as a bigint (a constant: BigInt(MAX_PACKET_OFF) would make one per call). */
const MAX_PACKET_OFF_BIG = BigInt(MAX_PACKET_OFF);

/**
 * The pointer find_good_pkt_pointers gives its range to and the range (module state instead
 * of a closure per call: giveRange is the one function mapEachReg calls for all of them).
 */
const GOOD = { type: 'pkt' as PktReg['type'], id: 0, range: 0 };
const giveRange = (r: RegState): RegState =>
  (r.type === GOOD.type && r.id === GOOD.id && r.range < GOOD.range ? ptrWith(r, r.off, r.v, r.id, r.flags, GOOD.range) : r);

/** find_good_pkt_pointers: every packet pointer sharing dst's id and type gets the range dst proves. */
export function findGoodPktPointers(st: VState, dst: PktReg, rangeRightOpen: boolean): void {
  if (dst.off < 0 || (dst.off === 0 && rangeRightOpen)) return;
  // umax <= MAX_PACKET_OFF once the first test passes: a Number holds it exactly
  if (dst.v.umax > MAX_PACKET_OFF_BIG || Number(dst.v.umax) + dst.off > MAX_PACKET_OFF) return;
  GOOD.type = dst.type;
  GOOD.id = dst.id;
  GOOD.range = dst.off + (rangeRightOpen ? 1 : 0);
  mapEachReg(st, giveRange);
}

/** mark_pkt_end: the register is beyond (or at) pkt_end on this branch. */
function markPktEnd(st: VState, regno: number, rangeOpen: boolean): void {
  const f = st.frames[st.curframe];
  const r = f.regs[regno];
  if (r.type !== 'pkt') return;
  f.regs[regno] = ptrWith(r, r.off, r.v, r.id, r.flags, rangeOpen ? BEYOND_PKT_END : AT_PKT_END);
}

/** reg_is_init_pkt_pointer */
const isInitPkt = (r: RegState): boolean =>
  r.type === 'pkt' && r.id === 0 && r.off === 0 && r.v.varOff.mask === 0n && r.v.varOff.value === 0n;

/**
 * try_match_pkt_pointers: a comparison of a packet pointer with pkt_end (or of
 * pkt_meta with pkt) proves ranges on the branches. `thisBranch` is the
 * fall-through, `other` the jump target. Returns false when the operands are no such pair.
 */
export function tryMatchPktPointers(insn: Insn, dst: RegState, src: RegState, thisBranch: VState, other: VState): boolean {
  if (BPF_SRC(insn.code) !== BPF_X || BPF_CLASS(insn.code) === BPF_JMP32) return false;
  const op = BPF_OP(insn.code);
  if (op !== BPF_JGT && op !== BPF_JLT && op !== BPF_JGE && op !== BPF_JLE) return false;
  // dst is the advanced pointer: pkt' <op> pkt_end, or pkt_meta' <op> pkt
  const dstLeft = (dst.type === 'pkt' && src.type === 'pkt_end') || (dst.type === 'pkt_meta' && isInitPkt(src));
  const srcLeft = (dst.type === 'pkt_end' && src.type === 'pkt') || (isInitPkt(dst) && src.type === 'pkt_meta');
  if (!dstLeft && !srcLeft) return false;
  const ptr = (dstLeft ? dst : src) as PktReg;
  const regno = dstLeft ? insn.dst : insn.src;
  // for `ptr > end` (JGT with ptr on the left): the fall-through has ptr <= end
  const greater = dstLeft ? op === BPF_JGT || op === BPF_JGE : op === BPF_JLT || op === BPF_JLE;
  const strict = op === BPF_JGT || op === BPF_JLT;
  // the branch where ptr is within the packet, and whether its bound is open (ptr < end)
  const goodBranch = greater ? thisBranch : other;
  const badBranch = greater ? other : thisBranch;
  const goodOpen = greater ? !strict : strict;
  findGoodPktPointers(goodBranch, ptr, goodOpen);
  markPktEnd(badBranch, regno, strict === greater ? true : false);
  return true;
}

/** is_pkt_ptr_branch_taken: 1, 0, or -1 when a packet pointer's earlier comparison does not decide. */
export function isPktBranchTaken(dst: RegState, src: RegState, op: number, flip: (op: number) => number): number {
  let pkt: RegState;
  if (src.type === 'pkt_end') pkt = dst;
  else if (dst.type === 'pkt_end') { pkt = src; op = flip(op); }
  else return -1;
  if (!isPktPointer(pkt) || pkt.range >= 0) return -1;
  if ((op === BPF_JLE || op === BPF_JGT) && pkt.range === BEYOND_PKT_END) return op === BPF_JGT ? 1 : 0;
  if ((op === BPF_JLT || op === BPF_JGE) && (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END)) return op === BPF_JGE ? 1 : 0;
  return -1;
}

/** clear_all_pkt_pointers: after a helper that changes packet data, packet pointers are unknown scalars. */
export function clearAllPktPointers(st: VState): void {
  mapEachReg(st, (r) => (isPktPointer(r) ? scalarReg(scalarUnknown()) : r));
}
