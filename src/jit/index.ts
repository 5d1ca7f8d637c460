// The JIT's entry points: compile every function of a program into one image
// (jitProgram) and patch its relocations for an address (link). PURE.
import { compileFunc, KERNEL_TAIL_CALL_LAYOUT, TailCallLayout } from './codegen';
import { JitError, JitImage, JitInput, JitOptions, Reloc, Target, defaultJitOptions } from './types';

export * from './types';
export { BPF_TO_X86, OP_TAIL_CALL, OP_DEAD, MAX_TAIL_CALL_CNT, TAIL_CALL_OFFSET, KERNEL_TAIL_CALL_LAYOUT } from './codegen';
export type { TailCallLayout } from './codegen';
export { splitFunctions } from './functions';
export { fixupForJit, SKB_LOAD_HELPER } from './fixups';
export type { FixupInput, Fixed } from './fixups';
export type { SplitOptions } from './functions';

function checkInput(input: JitInput): void {
  const { insns, funcs } = input;
  if (!funcs.length || funcs[0].start !== 0) throw new JitError(-1, 'the main program must be the first function and start at insn 0');
  let next = 0;
  for (const [k, f] of funcs.entries()) {
    if (f.start !== next || f.len <= 0) throw new JitError(-1, `function ${k} (insn ${f.start}, ${f.len} insns) does not follow the previous one`);
    if (!Number.isInteger(f.stackDepth) || f.stackDepth < 0 || f.stackDepth > 512) throw new JitError(-1, `function ${k}: stack depth ${f.stackDepth} is not in 0..512`);
    next = f.start + f.len;
  }
  if (next !== insns.length) throw new JitError(-1, `the functions cover ${next} of ${insns.length} insns`);
}

/** Compile a program: every function, main first, back to back in one image. Throws JitError. */
export function jitProgram(input: JitInput, opts: JitOptions = defaultJitOptions, layout: TailCallLayout = KERNEL_TAIL_CALL_LAYOUT): JitImage {
  checkInput(input);
  const parts = input.funcs.map((_, k) => compileFunc(input, k, opts, layout));
  const total = parts.reduce((a, p) => a + p.code.length, 0);
  const code = new Uint8Array(total);
  const insnOffsets = new Int32Array(input.insns.length).fill(-1);
  const insnEnds = new Int32Array(input.insns.length).fill(-1);
  const relocs: Reloc[] = [];
  const funcs: JitImage['funcs'] = [];
  let at = 0;
  parts.forEach((p, k) => {
    const f = input.funcs[k];
    code.set(p.code, at);
    funcs.push({ offset: at, size: p.code.length, passes: p.passes });
    for (let i = 0; i < f.len; i++) {
      const pc = f.start + i;
      insnOffsets[pc] = at + p.addrs[i];
      if (input.insns[pc].code === 0x18) { // ld_imm64: its second slot has no code of its own
        insnEnds[pc] = at + p.addrs[i + 2];
        i++;
        continue;
      }
      insnEnds[pc] = at + p.addrs[i + 1];
    }
    for (const r of p.relocs) relocs.push({ ...r, at: r.at + at });
    at += p.code.length;
  });
  return { code, funcs, insnOffsets, insnEnds, relocs, opts };
}

/** Where each relocation target lives; `func` targets are resolved from the image itself. */
export type Resolver = (t: Exclude<Target, { kind: 'func' }>) => bigint | undefined;

export function describeTarget(t: Target): string {
  switch (t.kind) {
    case 'func': return `function ${t.index}`;
    case 'helper': return `helper ${t.id}`;
    case 'kfunc': return `kfunc ${t.id}${t.off ? ` (module ${t.off})` : ''}`;
    case 'thunk': return 'the indirect-jump thunk';
    case 'returnThunk': return 'the return thunk';
    case 'this_cpu_off': return 'this_cpu_off (per-CPU data)';
  }
}

/** The image's bytes for `base`, every relocation patched. Throws JitError when a target is unknown or out of reach. */
export function link(img: JitImage, base: bigint, resolve: Resolver): Uint8Array {
  const out = img.code.slice();
  const dv = new DataView(out.buffer);
  for (const r of img.relocs) {
    const addr = r.target.kind === 'func' ? base + BigInt(img.funcs[r.target.index].offset) : resolve(r.target);
    if (addr === undefined) throw new JitError(r.pc, `no address for ${describeTarget(r.target)}`);
    if (r.kind === 'rel32') {
      const rel = addr - (base + BigInt(r.at + 4));
      if (rel !== BigInt.asIntN(32, rel)) throw new JitError(r.pc, `${describeTarget(r.target)} is out of reach of a 32-bit call`);
      dv.setInt32(r.at, Number(rel), true);
    } else if (r.kind === 'abs64') {
      dv.setBigUint64(r.at, BigInt.asUintN(64, addr), true);
    } else if (r.kind === 'abs32') {
      if (addr !== BigInt.asUintN(32, addr) && BigInt.asIntN(64, addr) !== BigInt.asIntN(32, addr)) throw new JitError(r.pc, `${describeTarget(r.target)} does not fit a 32-bit displacement`);
      dv.setUint32(r.at, Number(addr & 0xffffffffn), true);
    } else {
      const s = BigInt.asIntN(64, addr);
      if (s !== BigInt.asIntN(32, s)) throw new JitError(r.pc, `${describeTarget(r.target)} does not fit the sign-extended address form chosen for image base 0x${img.opts.imageBase.toString(16)}`);
      dv.setInt32(r.at, Number(s), true);
    }
  }
  return out;
}
