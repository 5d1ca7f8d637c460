// The one reader of hex bytes. Every front door that takes bytes as hex text
// goes through parseHex with the syntax it accepts:
//   HEX_SPEC     a spec's program.hex, input.mem/packet/ctx, map values: an
//                optional 0x, then digits with whitespace anywhere between them
//   HEX_INPUT    a hex input file (disasm, run): tokens separated by whitespace
//                or commas, `#` and `//` comments, each token bytes (0x
//                allowed) or a 0x + 16 digit 64-bit word written little-endian
//                (bpf_conformance `-- raw` style, opcode in the low byte)
//   HEX_UBPF     the bpf_conformance plugin's memory and program (as ubpf's
//                plugin reads them) and --data-in: tokens of one digit or of
//                whole bytes
//   HEX_MEM      a bpf_conformance `-- mem` section: two digits per token,
//                `#` comments
// A wrong input is a HexError naming the line and column of the first wrong
// character or token. Pure.

export type HexErrorKind =
  | 'bad-digit'   // a character that is not a hex digit (nor a separator)
  | 'odd-digits'  // digits that do not make whole bytes
  | 'bad-token';  // a token of the wrong shape for the syntax (e.g. 3 digits in -- mem)

export class HexError extends Error {
  readonly kind: HexErrorKind;
  /** 1-based, in the text given. */
  readonly line: number;
  readonly column: number;
  /** The token (whitespace-separated run) holding what is wrong. */
  readonly token: string;
  /** What is wrong, without the position. */
  readonly detail: string;
  constructor(kind: HexErrorKind, line: number, column: number, token: string, detail: string, source?: string) {
    super(`${source ? source + ':' : ''}${line}:${column}: ${detail}`);
    this.name = 'HexError';
    this.kind = kind;
    this.line = line;
    this.column = column;
    this.token = token;
    this.detail = detail;
  }
}

export interface HexSyntax {
  /** 'digits': whitespace may fall anywhere, the digits together make the bytes; 'tokens': each token is whole bytes. */
  layout: 'digits' | 'tokens';
  /** A 0x prefix: on the whole text ('digits') or on each token ('tokens'). */
  prefix: boolean;
  /** A token 0x + 16 digits is a 64-bit word, written little-endian. */
  words64?: boolean;
  /** A token of one digit is a byte. */
  shortBytes?: boolean;
  /** Tokens of exactly two digits. */
  pairsOnly?: boolean;
  /** Comment starts that run to the end of a line. */
  comments?: readonly string[];
  /** Commas separate tokens as whitespace does. */
  commas?: boolean;
}

export const HEX_SPEC: HexSyntax = { layout: 'digits', prefix: true };
export const HEX_INPUT: HexSyntax = { layout: 'tokens', prefix: true, words64: true, comments: ['#', '//'], commas: true };
export const HEX_UBPF: HexSyntax = { layout: 'tokens', prefix: false, shortBytes: true };
export const HEX_MEM: HexSyntax = { layout: 'tokens', prefix: false, pairsOnly: true, comments: ['#'] };

const isHexDigit = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const digitValue = (c: number): number => (c <= 57 ? c - 48 : (c | 0x20) - 87);

interface Token { text: string; line: number; column: number }

/** The tokens of the text (or, for 'digits', its non-blank runs), with their positions; comments dropped. */
function tokens(text: string, syntax: HexSyntax): Token[] {
  const out: Token[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    let line = raw;
    for (const c of syntax.comments ?? []) {
      const at = line.indexOf(c);
      if (at >= 0) line = line.slice(0, at);
    }
    const sep = syntax.commas ? /[^\s,]+/g : /\S+/g;
    for (let m = sep.exec(line); m; m = sep.exec(line)) out.push({ text: m[0], line: i + 1, column: m.index + 1 });
  });
  return out;
}

function badDigit(t: Token, at: number, source?: string): never {
  const ch = String.fromCodePoint(t.text.codePointAt(at)!);
  throw new HexError('bad-digit', t.line, t.column + at, t.text, `'${ch}' is not a hex digit`, source);
}

/** Hex text to bytes, in the syntax given; `source` names the input in errors. */
export function parseHex(text: string, syntax: HexSyntax, source?: string): Uint8Array {
  const toks = tokens(text, syntax);
  const out: number[] = [];
  if (syntax.layout === 'digits') {
    let pending = -1, last: Token | undefined;
    toks.forEach((t, k) => {
      const start = k === 0 && syntax.prefix && /^0x/i.test(t.text) ? 2 : 0;
      for (let i = start; i < t.text.length; i++) {
        const c = t.text.charCodeAt(i);
        if (!isHexDigit(c)) badDigit(t, i, source);
        if (pending < 0) pending = digitValue(c);
        else { out.push(pending * 16 + digitValue(c)); pending = -1; }
      }
      last = t;
    });
    if (pending >= 0) {
      throw new HexError('odd-digits', last!.line, last!.column + last!.text.length - 1, last!.text, 'not a whole number of hex bytes', source);
    }
    return Uint8Array.from(out);
  }
  for (const t of toks) {
    const body = syntax.prefix && /^0x/i.test(t.text) ? t.text.slice(2) : t.text;
    const at = t.text.length - body.length;
    for (let i = 0; i < body.length; i++) if (!isHexDigit(body.charCodeAt(i))) badDigit(t, at + i, source);
    if (syntax.words64 && at === 2 && body.length === 16) {
      for (let i = 7; i >= 0; i--) out.push(parseInt(body.slice(2 * i, 2 * i + 2), 16));
      continue;
    }
    const whole = body.length > 0 && body.length % 2 === 0;
    const ok = syntax.pairsOnly ? body.length === 2 : whole || (syntax.shortBytes === true && body.length === 1);
    if (!ok) {
      const want = syntax.pairsOnly ? 'two hex digits' : body.length === 0 ? 'hex digits after 0x' : 'a whole number of hex bytes';
      throw new HexError(body.length % 2 && !syntax.pairsOnly ? 'odd-digits' : 'bad-token', t.line, t.column, t.text, `'${t.text}' is not ${want}`, source);
    }
    if (body.length === 1) out.push(digitValue(body.charCodeAt(0)));
    else for (let i = 0; i < body.length; i += 2) out.push(parseInt(body.slice(i, i + 2), 16));
  }
  return Uint8Array.from(out);
}
