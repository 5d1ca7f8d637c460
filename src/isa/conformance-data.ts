// Parser for bpf_conformance test files (tests/*.data): sections introduced
// by `-- name` lines (asm, raw, mem, result, error, c, ...), `#` comments.
// Models the section handling of Alan-Jowett/bpf_conformance
// lib/src/bpf_test_parser.cc. Pure: text in, data out.
import { AsmError } from './errors';
import { HEX_MEM, HexError, parseHex } from './hex';

export interface ConformanceSection {
  /** Section name as written after `-- ` (e.g. `asm`, `result`, `no register offset`). */
  name: string;
  /** Raw text of the section (lines after the header, up to the next header). */
  text: string;
  /** 1-based line number of the first line of `text` in the file. */
  line: number;
}

export interface ConformanceData {
  sections: ConformanceSection[];
  /** Text of `-- asm` with blank lines in place of everything before it, so line numbers match the file. */
  asm?: string;
  /** `-- mem`: hex bytes separated by whitespace. */
  mem?: Uint8Array;
  /** `-- result`: the expected r0 (as an unsigned 64-bit value). */
  result?: bigint;
  /** `-- error`: the expected error text. */
  error?: string;
  /** `-- raw`: 64-bit instruction words (opcode in the low byte). */
  raw?: bigint[];
}

export function parseConformanceData(text: string, source?: string): ConformanceData {
  const lines = text.split(/\r?\n/);
  const sections: ConformanceSection[] = [];
  let cur: { name: string; start: number; body: string[] } | undefined;
  const flush = (): void => { if (cur) sections.push({ name: cur.name, text: cur.body.join('\n'), line: cur.start }); };
  lines.forEach((l, i) => {
    const m = l.match(/^-- (.*)$/);
    if (m) { flush(); cur = { name: m[1].trim(), start: i + 2, body: [] }; return; }
    if (cur) cur.body.push(l);
  });
  flush();
  const out: ConformanceData = { sections };
  for (const s of sections) {
    const body = s.text.split('\n').map((l) => l.replace(/#.*$/, '').trim());
    const words = body.join(' ').split(/\s+/).filter((w) => w.length > 0);
    if (s.name === 'asm') out.asm = '\n'.repeat(s.line - 1) + s.text;
    else if (s.name === 'mem') {
      try {
        out.mem = parseHex(s.text, HEX_MEM);
      } catch (e) {
        if (!(e instanceof HexError)) throw e;
        throw new AsmError(`bad byte '${e.token}' in -- mem`, s.line + e.line - 1, e.column, source);
      }
    } else if (s.name === 'result') {
      if (words.length > 0) {
        try { out.result = BigInt.asUintN(64, BigInt(words[0])); } catch {
          throw new AsmError(`bad result '${words[0]}'`, s.line, 1, source);
        }
      }
    } else if (s.name === 'error') out.error = body.filter((l) => l.length > 0).join('\n');
    else if (s.name === 'raw') {
      out.raw = words.map((w) => {
        try { return BigInt.asUintN(64, BigInt(w)); } catch { throw new AsmError(`bad raw word '${w}'`, s.line, 1, source); }
      });
    }
  }
  return out;
}

/** Instruction bytes of `-- raw` words (each word little-endian). */
export function rawWordsToBytes(words: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(words.length * 8);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setBigUint64(i * 8, w, true));
  return out;
}
