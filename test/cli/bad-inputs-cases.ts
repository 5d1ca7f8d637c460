// The table of bad inputs the CLI contract is held to (docs/cli.md is
// generated from it by scripts/cli-doc.js): each case is a command line and
// the files it reads, built here in code from committed fixtures (truncated,
// corrupted, re-targeted ELF, BTF, bytes, YAML, assembly) or made at run time
// (an x86-64 object from clang-19, a FIFO, a directory). Every case must exit
// 2 with one line on stderr naming the file (no stack trace), print exactly one
// JSON document `{"error": {kind, message, file, at}}` with --json, and end
// within the time limit.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '../../..');
export const MAIN = path.join(ROOT, 'dist/src/cli/main.js');
/** No case may take longer (a FIFO or a huge size must not hang the CLI). */
export const TIME_LIMIT_MS = 60_000;

type FileSpec = Uint8Array | string | { fifo: true } | { dir: true };

export interface BadInputCase {
  /** What is wrong, for the table. */
  what: string;
  /** The files the case reads, created in its own directory (the command runs there). */
  files?: () => Record<string, FileSpec>;
  /** argv after `bpfx` (file names relative to the case's directory). */
  args: string[];
  /** The file the error must name; null for a usage error about the command line itself. */
  file: string | null;
  /** The error kind --json must report. */
  kind: string;
  /** Run in a child process (a FIFO could block the reader; these also check the real exit status end to end). */
  subprocess?: boolean;
}

// ---- inputs built from committed fixtures ----

const fixture = (name: string): Buffer => Buffer.from(fs.readFileSync(path.join(ROOT, 'fixtures/obj', name)));
const VALID = 'exc_valid.bpf.o'; // 10 KB

interface Shdr { name: string; at: number; offset: number; size: number }

/** The section headers of a little-endian ELF64 (test code: just enough to corrupt them). */
function sections(b: Buffer): Shdr[] {
  const shoff = Number(b.readBigUInt64LE(0x28)), shentsize = b.readUInt16LE(0x3a), shnum = b.readUInt16LE(0x3c), shstrndx = b.readUInt16LE(0x3e);
  const hdr = (i: number): number => shoff + i * shentsize;
  const strOff = Number(b.readBigUInt64LE(hdr(shstrndx) + 0x18));
  const out: Shdr[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = hdr(i);
    const nameOff = strOff + b.readUInt32LE(at);
    const name = b.toString('latin1', nameOff, b.indexOf(0, nameOff));
    out.push({ name, at, offset: Number(b.readBigUInt64LE(at + 0x18)), size: Number(b.readBigUInt64LE(at + 0x20)) });
  }
  return out;
}
const section = (b: Buffer, name: string): Shdr => {
  const s = sections(b).find((x) => x.name === name);
  if (!s) throw new Error(`fixture has no ${name}`);
  return s;
};

function patched(edit: (b: Buffer) => void, name = VALID): Buffer {
  const b = fixture(name);
  edit(b);
  return b;
}

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff; }
  return out;
}

/** An x86-64 object: compiled by clang-19 when it is installed, else the fixture with e_machine EM_X86_64. */
function x86Object(): Uint8Array {
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'bpfx-x86-'));
  try {
    fs.writeFileSync(path.join(dir, 'f.c'), 'int f(int x) { return x + 1; }\n');
    const r = spawnSync('clang-19', ['-c', '-O2', '--target=x86_64-linux-gnu', '-o', path.join(dir, 'f.o'), path.join(dir, 'f.c')], { encoding: 'utf8' });
    if (r.status === 0) return fs.readFileSync(path.join(dir, 'f.o'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return patched((b) => b.writeUInt16LE(62, 0x12));
}

const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): number[] => {
  const b = Buffer.alloc(8);
  b[0] = code; b[1] = (src << 4) | dst; b.writeInt16LE(off, 2); b.writeInt32LE(imm, 4);
  return [...b];
};
const EXIT = insn(0x95), MOV0 = insn(0xb7, 0, 0, 0, 42);
const OK_ASM = 'r0 = 0\nexit\n';

export const CASES: BadInputCase[] = [
  // ---- ELF ----
  { what: 'ELF truncated to 100 bytes (section headers past the end)', files: () => ({ 'trunc.o': fixture(VALID).subarray(0, 100) }), args: ['verify', 'trunc.o'], file: 'trunc.o', kind: 'elf' , subprocess: true },
  { what: 'ELF header only (64 bytes)', files: () => ({ 'hdr.o': fixture(VALID).subarray(0, 64) }), args: ['objdump', 'hdr.o'], file: 'hdr.o', kind: 'elf' },
  { what: 'ELF magic only (4 bytes)', files: () => ({ 'magic.o': fixture(VALID).subarray(0, 4) }), args: ['verify', 'magic.o'], file: 'magic.o', kind: 'elf' },
  { what: 'ELF cut in half', files: () => ({ 'half.o': fixture(VALID).subarray(0, 5120) }), args: ['run', 'half.o'], file: 'half.o', kind: 'elf' },
  { what: 'a section claiming 1 GB in a 10 KB file', files: () => ({ 'huge.o': patched((b) => b.writeBigUInt64LE(1n << 30n, section(b, 'tc').at + 0x20)) }), args: ['verify', 'huge.o'], file: 'huge.o', kind: 'elf' },
  { what: 'a section offset past the end of the file', files: () => ({ 'off.o': patched((b) => b.writeBigUInt64LE(1n << 40n, section(b, 'license').at + 0x18)) }), args: ['objdump', 'off.o'], file: 'off.o', kind: 'elf' },
  { what: 'section header table offset past the end', files: () => ({ 'shoff.o': patched((b) => b.writeBigUInt64LE(0xfffffff0n, 0x28)) }), args: ['disasm', 'shoff.o'], file: 'shoff.o', kind: 'elf' },
  { what: 'big-endian ELF (EI_DATA = ELFDATA2MSB)', files: () => ({ 'be.o': patched((b) => { b[5] = 2; }) }), args: ['verify', 'be.o'], file: 'be.o', kind: 'elf' },
  { what: '32-bit ELF (EI_CLASS = ELFCLASS32)', files: () => ({ 'elf32.o': patched((b) => { b[4] = 1; }) }), args: ['verify', 'elf32.o'], file: 'elf32.o', kind: 'elf' },
  { what: 'an x86-64 object (clang-19 -c)', files: () => ({ 'x86.o': x86Object() }), args: ['verify', 'x86.o'], file: 'x86.o', kind: 'elf' },
  { what: 'an x86-64 object given to objdump', files: () => ({ 'x86.o': x86Object() }), args: ['objdump', 'x86.o'], file: 'x86.o', kind: 'elf' },
  { what: 'ELF of type ET_EXEC', files: () => ({ 'exec.o': patched((b) => b.writeUInt16LE(2, 0x10)) }), args: ['verify', 'exec.o'], file: 'exec.o', kind: 'elf' },
  { what: 'e_shstrndx out of range', files: () => ({ 'strndx.o': patched((b) => b.writeUInt16LE(999, 0x3e)) }), args: ['verify', 'strndx.o'], file: 'strndx.o', kind: 'elf' },
  { what: 'e_shentsize not 64', files: () => ({ 'entsize.o': patched((b) => b.writeUInt16LE(32, 0x3a)) }), args: ['verify', 'entsize.o'], file: 'entsize.o', kind: 'elf' },
  { what: 'ELF version not EV_CURRENT', files: () => ({ 'ver.o': patched((b) => { b[6] = 9; }) }), args: ['verify', 'ver.o'], file: 'ver.o', kind: 'elf' },
  { what: '.BTF with a bad magic', files: () => ({ 'btfmagic.o': patched((b) => b.writeUInt16LE(0x1234, section(b, '.BTF').offset)) }), args: ['verify', 'btfmagic.o'], file: 'btfmagic.o', kind: 'btf' },
  { what: '.BTF header length past the section', files: () => ({ 'btfhdr.o': patched((b) => b.writeUInt32LE(0x7fffffff, section(b, '.BTF').offset + 4)) }), args: ['btf', 'dump', 'btfhdr.o'], file: 'btfhdr.o', kind: 'btf' },
  { what: 'an object program libbpf refuses (static exception callback)', files: () => ({ 'static_cb.o': fixture('exc_static_cb.bpf.o') }), args: ['objdump', 'static_cb.o'], file: 'static_cb.o', kind: 'libbpf' },
  { what: 'an unknown program in an object (--prog)', files: () => ({ 'valid.o': fixture(VALID) }), args: ['verify', 'valid.o', '--prog', 'no_such_prog'], file: 'valid.o', kind: 'no-program' },
  { what: 'an object with several programs and no --prog (run)', files: () => ({ 'two.o': fixture('exc_subprog_throw.bpf.o') }), args: ['run', 'two.o'], file: null, kind: 'usage' },
  // ---- bytes, hex ----
  { what: 'random bytes', files: () => ({ 'random.bin': randomBytes(4096, 7) }), args: ['verify', 'random.bin'], file: 'random.bin', kind: 'isa' },
  { what: 'random bytes after an ELF magic', files: () => ({ 'elfrand.o': Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, ...randomBytes(2044, 11)]) }), args: ['verify', 'elfrand.o'], file: 'elfrand.o', kind: 'elf' },
  { what: 'an empty file', files: () => ({ 'empty.bin': new Uint8Array(0) }), args: ['run', 'empty.bin'], file: 'empty.bin', kind: 'input' },
  { what: 'raw bytes not a multiple of 8', files: () => ({ 'odd.bin': Uint8Array.from([...MOV0, 0x95, 0, 0, 0]) }), args: ['disasm', 'odd.bin'], file: 'odd.bin', kind: 'isa' },
  { what: 'an unknown opcode', files: () => ({ 'op.bin': Uint8Array.from([...MOV0, ...insn(0xff), ...EXIT]) }), args: ['run', 'op.bin'], file: 'op.bin', kind: 'isa' },
  { what: 'ld_imm64 without its second slot', files: () => ({ 'ld.bin': Uint8Array.from(insn(0x18, 0, 0, 0, 1)) }), args: ['verify', 'ld.bin'], file: 'ld.bin', kind: 'isa' },
  { what: 'hex text of 7 bytes', files: () => ({ 'short.hex': 'b7 00 00 00 2a 00 00\n' }), args: ['disasm', 'short.hex'], file: 'short.hex', kind: 'isa' },
  // ---- assembly ----
  { what: 'assembly: an incomplete instruction', files: () => ({ 'bad1.s': 'r0 =\nexit\n' }), args: ['verify', 'bad1.s'], file: 'bad1.s', kind: 'asm' },
  { what: 'assembly: an unknown mnemonic', files: () => ({ 'bad2.s': 'frobnicate r1\nexit\n' }), args: ['run', 'bad2.s'], file: 'bad2.s', kind: 'asm' },
  { what: 'assembly: a jump to an undefined label', files: () => ({ 'bad3.s': 'goto nowhere\nexit\n' }), args: ['asm', 'bad3.s'], file: 'bad3.s', kind: 'asm' },
  { what: 'assembly: register r11', files: () => ({ 'bad4.s': 'r11 = 1\nexit\n' }), args: ['jit', 'bad4.s'], file: 'bad4.s', kind: 'asm' },
  { what: 'ubpf assembly: a missing operand', files: () => ({ 'bad5.asm': 'mov %r0\nexit\n' }), args: ['run', 'bad5.asm'], file: 'bad5.asm', kind: 'asm' },
  { what: 'a call of an unknown kfunc', files: () => ({ 'kf.s': 'call no_such_kfunc_anywhere\nexit\n' }), args: ['verify', 'kf.s'], file: 'kf.s', kind: 'asm' },
  { what: '.data file without -- asm or -- raw', files: () => ({ 'nosec.data': '-- result\n0x1\n' }), args: ['run', 'nosec.data'], file: 'nosec.data', kind: 'conformance-data' },
  { what: '.data file with bad assembly', files: () => ({ 'badasm.data': '-- asm\nmov %r0,\nexit\n-- result\n0x1\n' }), args: ['verify', 'badasm.data'], file: 'badasm.data', kind: 'asm' },
  // ---- YAML specs ----
  { what: 'YAML: an unclosed quote', files: () => ({ 'quote.yaml': 'name: x\ntype: socket_filter\nprogram:\n  asm: "r0 = 0\n' }), args: ['verify', 'quote.yaml'], file: 'quote.yaml', kind: 'spec' , subprocess: true },
  { what: 'YAML: bad indentation', files: () => ({ 'indent.yaml': 'name: x\n type: xdp\nprogram:\n  asm: exit\n' }), args: ['spec', 'indent.yaml'], file: 'indent.yaml', kind: 'spec' },
  { what: 'YAML: a tab for indentation', files: () => ({ 'tab.yaml': 'name: x\nprogram:\n\tasm: exit\n' }), args: ['verify', 'tab.yaml'], file: 'tab.yaml', kind: 'spec' },
  { what: 'YAML: a duplicate key', files: () => ({ 'dup.yaml': 'name: x\nname: y\ntype: xdp\nprogram:\n  asm: exit\nexpect:\n  verdict: accept\n' }), args: ['verify', 'dup.yaml'], file: 'dup.yaml', kind: 'spec' },
  { what: 'YAML: a list, not a mapping', files: () => ({ 'list.yaml': '- a\n- b\n' }), args: ['verify', 'list.yaml'], file: 'list.yaml', kind: 'spec' },
  { what: 'spec: the program is missing', files: () => ({ 'noprog.yaml': 'name: x\ntype: xdp\nexpect:\n  verdict: accept\n' }), args: ['run', 'noprog.yaml'], file: 'noprog.yaml', kind: 'spec' },
  { what: 'spec: a field of the wrong type', files: () => ({ 'type.yaml': 'name: x\ntype: 42\nprogram:\n  asm: exit\nexpect:\n  verdict: accept\n' }), args: ['verify', 'type.yaml'], file: 'type.yaml', kind: 'spec' },
  { what: 'spec: an unknown field', files: () => ({ 'field.yaml': 'name: x\ntype: xdp\nprogram:\n  asm: exit\nexpect:\n  verdict: accept\nfrobnicate: 1\n' }), args: ['spec', 'field.yaml'], file: 'field.yaml', kind: 'spec' },
  { what: 'spec: a verdict outside its choices', files: () => ({ 'verdict.yaml': 'name: x\ntype: xdp\nprogram:\n  asm: exit\nexpect:\n  verdict: maybe\n' }), args: ['verify', 'verdict.yaml'], file: 'verdict.yaml', kind: 'spec' },
  { what: 'spec: bad assembly inside the spec', files: () => ({ 'specasm.yaml': 'name: x\ntype: xdp\nprogram:\n  asm: |\n    r0 = = 1\n    exit\nexpect:\n  verdict: accept\n' }), args: ['verify', 'specasm.yaml'], file: 'specasm.yaml', kind: 'spec' },
  // ---- files that cannot be read ----
  { what: 'a missing file', args: ['verify', 'missing.o'], file: 'missing.o', kind: 'read' , subprocess: true },
  { what: 'a missing file (kernel)', args: ['kernel', 'missing.o'], file: 'missing.o', kind: 'read' },
  { what: 'a directory', files: () => ({ 'adir': { dir: true } }), args: ['run', 'adir'], file: 'adir', kind: 'read' },
  { what: 'a FIFO (must not hang)', files: () => ({ 'fifo': { fifo: true } }), args: ['verify', 'fifo'], file: 'fifo', kind: 'read' , subprocess: true },
  { what: 'a FIFO given to the kernel command', files: () => ({ 'fifo': { fifo: true } }), args: ['kernel', 'fifo'], file: 'fifo', kind: 'read' , subprocess: true },
  { what: 'a malformed veristat CSV (-C)', files: () => ({ 'a.csv': 'file_name,prog_name,verdict\nx.o,p,success\n', 'b.csv': 'file_name,prog_name,verdict\nx.o,p,maybe\n' }), args: ['verify', '-C', 'a.csv', 'b.csv'], file: 'b.csv', kind: 'csv' },
  { what: 'objdump of assembly (not an object)', files: () => ({ 'ok.s': OK_ASM }), args: ['objdump', 'ok.s'], file: 'ok.s', kind: 'input' },
  // ---- the command line ----
  { what: 'an unknown option', files: () => ({ 'ok.s': OK_ASM }), args: ['verify', 'ok.s', '--frobnicate'], file: null, kind: 'usage' },
  { what: 'an unknown short option', files: () => ({ 'ok.s': OK_ASM }), args: ['run', 'ok.s', '-z'], file: null, kind: 'usage' },
  { what: 'a missing value', files: () => ({ 'ok.s': OK_ASM }), args: ['run', 'ok.s', '--engine'], file: null, kind: 'usage' , subprocess: true },
  { what: 'a missing value before another option', files: () => ({ 'ok.s': OK_ASM }), args: ['verify', 'ok.s', '--prog', '--json'], file: null, kind: 'usage' },
  { what: 'a bad choice (engine)', files: () => ({ 'ok.s': OK_ASM }), args: ['run', 'ok.s', '--engine', 'quantum'], file: null, kind: 'usage' },
  { what: 'a bad choice (dump)', files: () => ({ 'ok.s': OK_ASM }), args: ['kernel', 'ok.s', '--dump', 'both'], file: null, kind: 'usage' },
  { what: 'an unknown program type', files: () => ({ 'ok.s': OK_ASM }), args: ['verify', 'ok.s', '--type', 'no_such_type'], file: null, kind: 'usage' },
  { what: 'a value to a flag that takes none', files: () => ({ 'ok.s': OK_ASM }), args: ['verify', 'ok.s', '--stats=yes'], file: null, kind: 'usage' },
  { what: '--repeat 0', files: () => ({ 'ok.s': OK_ASM }), args: ['run', 'ok.s', '--repeat', '0'], file: null, kind: 'usage' },
  { what: '--data-in neither a file nor hex', files: () => ({ 'ok.s': OK_ASM }), args: ['run', 'ok.s', '--type', 'xdp', '--data-in', 'zz'], file: null, kind: 'usage' },
  { what: 'an unknown kernel profile', files: () => ({ 'ok.s': OK_ASM }), args: ['verify', 'ok.s', '--kernel-profile', 'linux-2.6'], file: null, kind: 'usage' },
  { what: 'an unknown stat in -s', files: () => ({ 'ok.s': OK_ASM }), args: ['verify', 'ok.s', '--stats', '-s', 'bogus'], file: null, kind: 'usage' },
  { what: 'an unknown command', args: ['frobnicate', 'x'], file: null, kind: 'usage' , subprocess: true },
  { what: 'an unknown fuzz generator profile', args: ['fuzz', '--count', '1', '--profile', 'branch'], file: null, kind: 'usage' },
];

export interface Run { status: number | null; signal: string | null; stdout: string; stderr: string; ms: number }

function runOnce(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [MAIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => p.kill('SIGKILL'), TIME_LIMIT_MS);
    p.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr, ms: Date.now() - t0 }); });
  });
}

/** Make the case's files in DIR (FIFOs with mkfifo). */
export function makeFiles(c: BadInputCase, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, spec] of Object.entries(c.files?.() ?? {})) {
    const p = path.join(dir, name);
    if (typeof spec === 'object' && 'fifo' in spec) {
      const r = spawnSync('mkfifo', [p]);
      if (r.status !== 0) throw new Error(`mkfifo ${p} failed`);
    } else if (typeof spec === 'object' && 'dir' in spec) fs.mkdirSync(p);
    else fs.writeFileSync(p, spec);
  }
}

/**
 * Run the CLI's main() in this process with stdout and stderr captured (the
 * modules load once: a child process per case costs ~0.5 s of CPU each).
 */
export async function runInProcess(args: string[], cwd: string): Promise<Run> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { main } = require(MAIN) as { main: (argv: string[]) => Promise<number> };
  const out = process.stdout.write, err = process.stderr.write, here = process.cwd();
  let stdout = '', stderr = '';
  const t0 = Date.now();
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += chunk.toString(); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += chunk.toString(); return true; }) as typeof process.stderr.write;
  process.chdir(cwd);
  try {
    const status = await main(args);
    return { status, signal: null, stdout, stderr, ms: Date.now() - t0 };
  } finally {
    process.chdir(here);
    process.stdout.write = out; process.stderr.write = err;
  }
}

/** Run a case as text and as --json, in its own directory under BASE. */
export async function runCase(c: BadInputCase, index: number, base: string): Promise<{ text: Run; json: Run }> {
  const dir = path.join(base, `case-${index}`);
  makeFiles(c, dir);
  if (c.subprocess) {
    const [text, json] = await Promise.all([runOnce(c.args, dir), runOnce([...c.args, '--json'], dir)]);
    return { text, json };
  }
  const text = await runInProcess(c.args, dir);
  const json = await runInProcess([...c.args, '--json'], dir);
  return { text, json };
}

/** Run every case: the in-process ones one after another, the child processes alongside. */
export async function runAll(base: string): Promise<{ text: Run; json: Run }[]> {
  const out: { text: Run; json: Run }[] = new Array(CASES.length);
  const children = Promise.all(CASES.map(async (c, k) => { if (c.subprocess) out[k] = await runCase(c, k, base); }));
  for (const [k, c] of CASES.entries()) if (!c.subprocess) out[k] = await runCase(c, k, base);
  await children;
  return out;
}
