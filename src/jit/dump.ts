// The image as `bpftool prog dump jited` shows it, with our own disassembly:
// each function, each BPF instruction as a comment line, then the x86-64
// instructions it became, with their offset in the function, their bytes and
// their text (src/jit/x86/decode). Branch targets are offsets in the same
// function; a call or address patched when the image is linked names what
// it will point at. PURE.
import { disasmInsn } from '../isa/disasm';
import { OP_DEAD } from './codegen';
import { decodeAll, formatInsn } from './x86/decode';
import { describeTarget } from './index';
import { JitImage, JitInput } from './types';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
/** The widest instruction the JIT writes is a 10-byte movabs. */
const BYTES_COLUMN = 10 * 3;

/** The lines of the dump; `names` are the functions' names, main program first. */
export function dumpImage(img: JitImage, input: JitInput, names: readonly string[] = []): string[] {
  const out: string[] = [];
  input.funcs.forEach((f, k) => {
    const fi = img.funcs[k];
    out.push(`func #${k}${names[k] ? ` ${names[k]}` : ''}${f.exceptionCb ? ' [exception callback]' : ''} (${fi.size} bytes, stack ${f.stackDepth}, ${fi.passes} passes):`);
    const code = img.code.subarray(fi.offset, fi.offset + fi.size);
    const relocs = img.relocs.filter((r) => r.at >= fi.offset && r.at < fi.offset + fi.size);
    const part = (start: number, end: number, title: string): void => {
      out.push(`; ${title}`);
      for (const d of decodeAll(code, start - fi.offset, end - fi.offset)) {
        const at = fi.offset + d.at;
        const rel = relocs.filter((r) => r.at >= at && r.at < at + d.len).map((r) => `  ; -> ${describeTarget(r.target)}`).join('');
        const bytes = hex(code.subarray(d.at, d.at + d.len));
        out.push(`${d.at.toString(16).padStart(6)}:  ${bytes.padEnd(BYTES_COLUMN)}  ${formatInsn(d, d.at)}${rel}`);
      }
    };
    part(fi.offset, img.insnOffsets[f.start], 'prologue');
    for (let pc = f.start; pc < f.start + f.len; pc++) {
      if (img.insnOffsets[pc] < 0) continue;
      const text = input.insns[pc].code === OP_DEAD ? 'dead code: the verifier never reaches it (the kernel removes it)' : disasmInsn(input.insns, pc);
      part(img.insnOffsets[pc], img.insnEnds[pc], `${pc}: ${text}`);
      if (input.insns[pc].code === 0x18) pc++;
    }
  });
  return out;
}
