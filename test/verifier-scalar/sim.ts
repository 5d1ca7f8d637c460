// Test helper: replays a kernel verifier log (log_level 2) of a scalar-only
// program against the scalar domain. The program is straight-line code with
// conditional jumps; the log decides where the kernel pruned ("safe") and
// which pushed state it pops next, the model computes every register state,
// and each register the kernel printed is compared with formatScalar.
// Precision marks ("P") are ignored: they come from backtracking, which is
// not part of the scalar domain.
import {
  Scalar, scalarUnknown, scalarFromImm, scalarConst, adjustScalar, movImm, movReg, regSetMinMax,
  isBranchTaken, formatScalar, assignScalarIdBeforeMov, usedNextId, linkAfterAlu, syncLinkedScalar, scalarWidth,
  scalarInvariantViolation, scalarUnbounded, scalarCoerceToSize, scalarCoerceToSizeSx, scalarClearId,
} from '../../src/verifier/scalar';
import {
  BPF_CLASS, BPF_OP, BPF_SRC, BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_X, BPF_MOV, BPF_NEG, BPF_END,
  BPF_CALL, BPF_EXIT, BPF_LD,
} from '../../src/isa/opcodes';

export type RawInsn = [number, number, number, number, number];
export interface GoldenCase {
  seed?: number;
  name?: string;
  asm: string[];
  insns: RawInsn[];
  log: string[];
}

type Reg = Scalar | 'ctx' | 'fp' | null;
interface State { pc: number; regs: Reg[]; stack: Map<number, Scalar> }

const fmt = (r: Reg): string => (r === 'ctx' ? 'ctx()' : r === 'fp' ? 'fp0' : r === null ? '<not init>' : formatScalar(r));
const stripP = (s: string): string => (s.startsWith('P') ? s.slice(1) : s);

/** " R0=scalar(id=1) R6=... fp-8=..." -> [["R0", "scalar(id=1)"], ["R6", ...], ["fp-8", ...]] */
export function parseRegs(text: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /(?:^|\s)(R\d+|fp-\d+)(?:_\w+)?=/g;
  const marks: { key: string; start: number; end: number }[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) marks.push({ key: m[1], start: m.index, end: m.index + m[0].length });
  for (let i = 0; i < marks.length; i++) {
    const stop = i + 1 < marks.length ? marks[i + 1].start : text.length;
    out.push([marks[i].key, text.slice(marks[i].end, stop).trim()]);
  }
  return out;
}

export interface ReplayResult {
  compared: number;
  mismatches: string[];
}

/**
 * Registers live before each instruction (compute_live_registers, for the
 * straight-line programs used here: every jump is `goto +0`). The kernel
 * only syncs linked registers that are live.
 */
function liveBefore(insns: RawInsn[]): number[] {
  const live = new Array<number>(insns.length).fill(0);
  let after = 0;
  for (let i = insns.length - 1; i >= 0; i--) {
    const [code, dst, src] = insns[i];
    if (i > 0 && insns[i - 1][0] === (BPF_LD | 0x18)) { live[i] = after; continue; } // 2nd ld_imm64 slot
    const cls = BPF_CLASS(code);
    let use = 0;
    let def = 0;
    if (code === (BPF_JMP | BPF_EXIT)) use = 1;
    else if (code === (BPF_JMP | BPF_CALL)) { def = 0x3f; use = 0x3e; }
    else if (code === (BPF_LD | 0x18)) def = 1 << dst;
    else if (cls === BPF_ALU || cls === BPF_ALU64) {
      const op = BPF_OP(code);
      def = 1 << dst;
      if (op === BPF_MOV) use = BPF_SRC(code) === BPF_X ? 1 << src : 0;
      else use = (1 << dst) | (BPF_SRC(code) === BPF_X && op !== BPF_NEG && op !== BPF_END ? 1 << src : 0);
    } else if (cls === BPF_JMP || cls === BPF_JMP32) {
      use = (1 << dst) | (BPF_SRC(code) === BPF_X ? 1 << src : 0);
    } else if (cls === 0x01) { // LDX
      def = 1 << dst;
      use = 1 << src;
    } else if (cls === 0x03) { // STX
      use = (1 << dst) | (1 << src);
    }
    after = (after & ~def) | use;
    live[i] = after;
  }
  return live;
}

export function replay(c: GoldenCase): ReplayResult {
  const insns = c.insns;
  const live = liveBefore(insns);
  let idGen = 0;
  const stack: { from: number; state: State }[] = [];
  let cur: State | null = { pc: 0, regs: Array.from({ length: 11 }, (_, i): Reg => (i === 1 ? 'ctx' : i === 10 ? 'fp' : null)), stack: new Map() };
  const mismatches: string[] = [];
  let compared = 0;
  let lastExec = -1;
  // "verifier bug: REG INVARIANTS VIOLATION ..." messages the model expects, in order.
  const bugs: string[] = [];
  const sane = (x: Scalar, ctx: string): Scalar => {
    const msg = scalarInvariantViolation(x, ctx);
    if (msg === null) return x;
    bugs.push(`verifier bug: ${msg}`);
    return scalarUnbounded(x);
  };

  const check = (where: string, st: State, printed: [string, string][]): void => {
    for (const [key, text] of printed) {
      compared++;
      let mine: string;
      if (key.startsWith('R')) mine = stripP(fmt(st.regs[Number(key.slice(1))]));
      else {
        const slot = st.stack.get(Number(key.slice(2)));
        mine = slot ? stripP(formatScalar(slot)) : '<no spill>';
      }
      if (mine !== stripP(text)) mismatches.push(`${where}: ${key} kernel=${text} model=${mine}`);
    }
  };

  // Execute insn at cur.pc; returns the printed-state context.
  const step = (st: State): void => {
    const [code, dst, src, off, imm] = insns[st.pc];
    const cls = BPF_CLASS(code);
    const regs = st.regs;
    if (code === (BPF_JMP | BPF_CALL)) {
      regs[0] = scalarUnknown();
      for (let i = 1; i <= 5; i++) regs[i] = null;
      st.pc++;
      return;
    }
    if (code === (BPF_LD | 0x18)) {
      const lo = BigInt(imm >>> 0);
      const hi = BigInt(insns[st.pc + 1][4] >>> 0);
      regs[dst] = scalarConst((hi << 32n) | lo);
      st.pc += 2;
      return;
    }
    if (code === 0x7b && dst === 10 && off % 8 === 0) {
      // *(u64 *)(r10 + off) = rX: a full spill; the source gets an id first
      // (check_stack_write_fixed_off -> assign_scalar_id_before_mov).
      const a = assignScalarIdBeforeMov(regs[src] as Scalar, idGen + 1);
      if (usedNextId(regs[src] as Scalar, a, idGen + 1)) idGen++;
      regs[src] = a;
      st.stack.set(off, a);
      st.pc++;
      return;
    }
    if ((code & 0x07) === 0x01 && src === 10 && off % 8 === 0 && st.stack.has(off)) {
      // rX = *(size *)(r10 + off) from the start of a spilled scalar:
      // copy, unlink when the value is wider than the load, then
      // coerce_reg_to_size / coerce_reg_to_size_sx (check_mem_access).
      const size = ({ 0x18: 8, 0x00: 4, 0x08: 2, 0x10: 1 } as Record<number, number>)[code & 0x18];
      const sx = (code & 0xe0) === 0x80;
      let v: Scalar = { ...(st.stack.get(off) as Scalar) };
      if (size < 8) {
        if (scalarWidth(v) > size * 8) v = scalarClearId(v);
        v = sx ? scalarCoerceToSizeSx(v, size) : scalarCoerceToSize(v, size);
      }
      regs[dst] = v;
      st.pc++;
      return;
    }
    if (cls === BPF_ALU || cls === BPF_ALU64) {
      const op = BPF_OP(code);
      const alu64 = cls === BPF_ALU64;
      const insn = { code, off, imm };
      if (op === BPF_MOV) {
        if (BPF_SRC(code) === BPF_X) {
          let s = regs[src] as Scalar;
          let keepId = true;
          if (alu64 && off === 0) {
            keepId = true;
          } else if (off !== 0) {
            keepId = s.umax < (1n << BigInt(off - 1));
          } else {
            keepId = scalarWidth(s) <= 32;
          }
          if (keepId) {
            const a = assignScalarIdBeforeMov(s, idGen + 1);
            if (usedNextId(s, a, idGen + 1)) idGen++;
            s = a;
            regs[src] = s;
          }
          let d = movReg(alu64, off, s);
          if (!keepId) d = scalarClearId(d);
          regs[dst] = d;
        } else {
          regs[dst] = movImm(alu64, imm);
        }
        st.pc++;
        return;
      }
      const d = regs[dst] as Scalar;
      if (op === BPF_NEG || op === BPF_END) {
        const r = adjustScalar(insn, d, d);
        regs[dst] = r.dst;
        st.pc++;
        return;
      }
      const s = BPF_SRC(code) === BPF_X ? (regs[src] as Scalar) : scalarFromImm(imm);
      const r = adjustScalar(insn, d, s);
      if (r.fork) {
        const fregs = regs.slice();
        fregs[dst] = r.fork;
        stack.push({ from: st.pc, state: { pc: st.pc, regs: fregs, stack: new Map(st.stack) } });
      }
      regs[dst] = linkAfterAlu(insn, d.umax, r.dst, s, true);
      st.pc++;
      return;
    }
    if (cls === BPF_JMP || cls === BPF_JMP32) {
      const op = BPF_OP(code);
      const jmp32 = cls === BPF_JMP32;
      const isX = BPF_SRC(code) === BPF_X;
      const d0 = (): Scalar => regs[dst] as Scalar;
      const s0 = (): Scalar => (isX ? (regs[src] as Scalar) : scalarFromImm(imm));
      const pred = isBranchTaken(d0(), s0(), op, jmp32);
      const target = st.pc + off + 1;
      if (pred === 1) { st.pc = target; return; }
      if (pred === 0) { st.pc++; return; }
      // collect_linked_regs (before the branch is pushed): registers sharing
      // the base id, src's first, at most MAX_LINKED_REGS (6) entries; a
      // register that does not fit loses its id. Dead registers are skipped.
      const pc = st.pc;
      const linked: number[] = [];
      const collect = (id: number): void => {
        for (let i = 0; i < 10; i++) {
          const x = regs[i];
          if (x === null || typeof x === 'string' || x.id !== id || !(live[pc] & (1 << i))) continue;
          if (linked.length < 6) linked.push(i);
          else regs[i] = { ...x, id: 0, addConst: 0 };
        }
      };
      if (isX && (regs[src] as Scalar).id) collect((regs[src] as Scalar).id);
      if ((regs[dst] as Scalar).id) collect((regs[dst] as Scalar).id);
      const other = regs.slice();
      const b = regSetMinMax(d0(), s0(), op, jmp32, isX && src === dst);
      // reg_bounds_sanity_check on true_reg1, true_reg2, false_reg1, false_reg2 (in that order).
      const same = isX && src === dst;
      const t1 = sane(b.trueDst, 'true_reg1');
      const t2 = same ? sane(t1, 'true_reg2') : sane(b.trueSrc, 'true_reg2');
      const f1 = sane(b.falseDst, 'false_reg1');
      const f2 = same ? sane(f1, 'false_reg2') : sane(b.falseSrc, 'false_reg2');
      other[dst] = same ? t2 : t1;
      regs[dst] = same ? f2 : f1;
      if (isX && !same) {
        other[src] = t2;
        regs[src] = f2;
      }
      const sync = (rs: Reg[], k: number): void => {
        const known = rs[k] as Scalar;
        for (const i of linked) {
          const x = rs[i];
          if (i === k || x === null || typeof x === 'string') continue;
          rs[i] = syncLinkedScalar(x, known);
        }
      };
      if (isX && (regs[src] as Scalar).id) { sync(regs, src); sync(other, src); }
      if ((regs[dst] as Scalar).id) { sync(regs, dst); sync(other, dst); }
      stack.push({ from: st.pc, state: { pc: target, regs: other, stack: new Map(st.stack) } });
      st.pc++;
      return;
    }
    throw new Error(`sim: unsupported insn code 0x${code.toString(16)} at ${st.pc}`);
  };

  for (const line of c.log) {
    let m: RegExpMatchArray | null;
    if (line.startsWith('verifier bug: ')) {
      const want = bugs.shift();
      compared++;
      if (want !== line) mismatches.push(`kernel: ${line}\n  model: ${want ?? '(no violation)'}`);
      continue;
    }
    if ((m = line.match(/^from (\d+) to (\d+): safe$/))) {
      const top = stack.pop();
      if (!top || top.from !== Number(m[1]) || top.state.pc !== Number(m[2])) {
        mismatches.push(`${line}: model stack top is ${top ? `from ${top.from} to ${top.state.pc}` : 'empty'}`);
        return { compared, mismatches };
      }
      cur = null;
      continue;
    }
    if ((m = line.match(/^from (\d+) to (\d+): (.*)$/))) {
      const top = stack.pop();
      if (!top || top.from !== Number(m[1]) || top.state.pc !== Number(m[2])) {
        mismatches.push(`${line}: model stack top is ${top ? `from ${top.from} to ${top.state.pc}` : 'empty'}`);
        return { compared, mismatches };
      }
      cur = top.state;
      check(`from ${m[1]} to ${m[2]}`, cur, parseRegs(m[3]));
      continue;
    }
    if ((m = line.match(/^(\d+): safe$/))) {
      cur = null;
      continue;
    }
    if ((m = line.match(/^(\d+): \((\w\w)\) (.*)$/))) {
      const pc = Number(m[1]);
      if (!cur || cur.pc !== pc) {
        mismatches.push(`insn ${pc}: model is at ${cur ? cur.pc : 'no state'}`);
        return { compared, mismatches };
      }
      const semi = m[3].indexOf(' ; ');
      const code = insns[pc][0];
      if (code === (BPF_JMP | BPF_EXIT)) { cur = null; continue; }
      step(cur);
      lastExec = pc;
      const cls = BPF_CLASS(code);
      if (cls === BPF_ALU || cls === BPF_ALU64) {
        const dreg = cur.regs[insns[pc][1]];
        if (dreg !== null && typeof dreg !== 'string') cur.regs[insns[pc][1]] = sane(dreg, 'alu');
      }
      if (semi >= 0) check(`insn ${pc} (${m[3].slice(0, semi).trim()})`, cur, parseRegs(m[3].slice(semi + 3)));
      continue;
    }
    if ((m = line.match(/^(\d+): (R.*)$/))) {
      const pc = Number(m[1]);
      if (cur && lastExec === pc && cur.pc !== pc) {
        // The state after insn pc, printed on its own line because other
        // output (precision backtracking) interrupted the insn line.
        check(`after ${pc}`, cur, parseRegs(m[2]));
        continue;
      }
      if (!cur || cur.pc !== pc) {
        mismatches.push(`state at ${pc}: model is at ${cur ? cur.pc : 'no state'}`);
        return { compared, mismatches };
      }
      check(`state at ${pc}`, cur, parseRegs(m[2]));
      continue;
    }
  }
  if (bugs.length) mismatches.push(`model reported violations the kernel did not: ${bugs.join(' | ')}`);
  // Every branch the model pushed must have been popped by the kernel too
  // (a branch the kernel predicted but the model did not would linger here).
  if (stack.length) mismatches.push(`model explored branches the kernel did not: ${stack.map((e) => `from ${e.from} to ${e.state.pc}`).join(', ')}`);
  return { compared, mismatches };
}
