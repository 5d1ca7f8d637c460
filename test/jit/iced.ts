// iced-x86 (a dev dependency) as the reference disassembler for the JIT's
// tests: decode one instruction or a whole image into Intel-syntax text.
import * as iced from 'iced-x86';

const fmt = new iced.Formatter(iced.FormatterSyntax.Intel);
fmt.hexPrefix = '0x';
fmt.hexSuffix = '';
fmt.uppercaseHex = false;
fmt.spaceAfterOperandSeparator = false;
fmt.branchLeadingZeros = false;

export interface Decoded { ip: number; len: number; text: string; bytes: Uint8Array }

/** Every instruction of `code` (decoded at address `ip`). */
export function disasm(code: Uint8Array, ip = 0): Decoded[] {
  const d = new iced.Decoder(64, code, iced.DecoderOptions.None);
  d.ip = BigInt(ip);
  const out: Decoded[] = [];
  while (d.canDecode) {
    const i = d.decode();
    const at = Number(i.ip) - ip;
    out.push({ ip: Number(i.ip), len: i.length, text: i.code === iced.Code.INVALID ? '(bad)' : fmt.format(i), bytes: code.slice(at, at + i.length) });
    i.free();
  }
  d.free();
  return out;
}

/** The text of `code` when it is exactly one valid instruction, else a description of what it is. */
export function one(code: Uint8Array): string {
  const ds = disasm(code);
  if (ds.length !== 1) return `${ds.length} instructions: ${ds.map((d) => d.text).join('; ')}`;
  return ds[0].text;
}

/** The formatter the decoder's tests compare with: every memory operand with its size (`qword ptr`). */
const fmtSized = new iced.Formatter(iced.FormatterSyntax.Intel);
fmtSized.hexPrefix = '0x';
fmtSized.hexSuffix = '';
fmtSized.uppercaseHex = false;
fmtSized.spaceAfterOperandSeparator = false;
fmtSized.branchLeadingZeros = false;
fmtSized.memorySizeOptions = iced.MemorySizeOptions.Always;

/** Like `disasm`, with memory sizes always shown. */
export function disasmSized(code: Uint8Array, ip = 0): Decoded[] {
  const d = new iced.Decoder(64, code, iced.DecoderOptions.None);
  d.ip = BigInt(ip);
  const out: Decoded[] = [];
  while (d.canDecode) {
    const i = d.decode();
    const at = Number(i.ip) - ip;
    out.push({ ip: Number(i.ip), len: i.length, text: i.code === iced.Code.INVALID ? '(bad)' : sizedText(i), bytes: code.slice(at, at + i.length) });
    i.free();
  }
  d.free();
  return out;
}

/**
 * iced's JS formatter prints only the low 32 bits of a 64-bit immediate
 * whose top bit is set (mov rdi,0xffff888100000000 comes out as `mov rdi,0`,
 * although the decoded field is right): such an immediate is printed from
 * the decoded field.
 */
function sizedText(i: iced.Instruction): string {
  if (i.opCount !== 2 || i.op1Kind !== iced.OpKind.Immediate64) return fmtSized.format(i);
  const v = i.immediate64;
  return `${fmtSized.formatMnemonic(i)} ${fmtSized.formatOperand(i, 0)},${v < 10n ? v.toString() : '0x' + v.toString(16)}`;
}
