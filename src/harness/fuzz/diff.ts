// Differential fuzzing: generated programs (gen.ts profiles) on the verifier
// model and the live kernel side by side, accepted ones on interp, jit and
// kernel with the same packet. Program i of a run seeded S is built from
// (S, i) alone; a run of N programs splits into index ranges, one child
// process each (`bpfx fuzz --range A:B`), so a long run uses every core.
// Per disagreement: its category
//   wrong-accept       the model accepts what Linux rejects (the worst bug)
//   wrong-reject       the model rejects what Linux accepts
//   different-message  both reject, with different first error lines
//   unknown            the model says `not modelled yet` (not a disagreement of a decided verdict)
//   runtime            both accept, and the runtimes answer differently (retval, error, data_out)
// and the smallest program that still disagrees the same way (shrinking:
// instructions deleted, jumps and func_info adjusted, while the category
// holds), saved as a YAML spec under the output directory.
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { Insn, insn } from '../../isa/insn';
import { disassemble } from '../../isa/disasm';
import { attachTypeNum } from '../../kernel/types';
import { MAP_TYPE } from '../../isa/uapi';
import { verify } from '../../verifier';
import { newBtf } from '../../btf/parse';
import { addInt, addPtr, addStruct, addFuncProto, addFunc, addDeclTag } from '../../btf/build';
import { encodeBtf, encodeFuncInfo, typeById, typeCount } from '../../btf';
import { firstErrorLine } from '../../verifier/error_line';
import { HostFacts, hostFacts, kfuncId } from '../../kernel/host';
import { EngineResult, ProgramUnderTest, hex64 } from '../engine';
import { verifierInputFor } from '../engines/verifier';
import { getEngine } from '../engines';
import { DIFF_MAPS, GenProgram, PROFILES, ProfileName, generate } from './gen';
import { inputSeed, rng } from './mutate';

export interface DiffOptions { count: number; seed: number; profiles?: string[]; jobs: number; out: string; runtime: boolean; shrink: boolean; range?: string;
  /** With --json: the run's one document goes here (the text lines are not printed then). */
  emit?: (doc: unknown) => void }

export type Category = 'agree' | 'wrong-accept' | 'wrong-reject' | 'different-message' | 'unknown' | 'runtime';
export const CATEGORIES: readonly Category[] = ['agree', 'wrong-accept', 'wrong-reject', 'different-message', 'unknown', 'runtime'];

interface Side { verdict: 'accept' | 'reject'; line: string }
export interface Judgement { category: Category; ours: Side; kernel: Side; runtime?: string; ran: boolean }

/** What a run needs of this machine: the host facts (live kernel, profile), kfunc ids, the maps' fds. */
export interface DiffEnv { host: HostFacts; kfunc: (name: string) => number; mapFd: (index: number, progType: string) => number }

export function diffEnv(): DiffEnv {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { mapCreate } = require('../../kernel') as typeof import('../../kernel');
  const host = hostFacts({ probe: true });
  const kfunc = (name: string): number => {
    const id = kfuncId(host, name);
    if (id === undefined) throw new Error(`the kernel's BTF has no kfunc ${name}`);
    return id;
  };
  // A prog array belongs to the type of the first program that uses it (the kernel then refuses
  // other types with EINVAL and no log): one per program type, the other maps shared.
  const fds = new Map<string, number>();
  const mapFd = (index: number, progType: string): number => {
    const m = DIFF_MAPS.get(index);
    if (!m) return index;
    const key = m.type === MAP_TYPE.prog_array ? `${index}:${progType}` : `${index}`;
    let fd = fds.get(key);
    if (fd === undefined) fds.set(key, fd = mapCreate({ mapType: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, name: m.name }));
    return fd;
  };
  return { host, kfunc, mapFd };
}

/** The program as the engines get it: kfunc names, and BTF with func_info when it has functions. */
export function programUnderTest(g: GenProgram, env: DiffEnv): ProgramUnderTest {
  const kfuncs = new Map<number, string>();
  const vm = env.host.vmlinuxBtf;
  for (const x of g.insns) {
    if (x.code === 0x85 && x.src === 2 && vm && x.imm > 0 && x.imm < typeCount(vm)) kfuncs.set(x.imm, typeById(vm, x.imm).name);
  }
  const p: ProgramUnderTest = { name: 'fuzz', insns: g.insns, progType: g.progType, license: 'GPL', kfuncs };
  if (g.funcs) {
    const b = newBtf();
    const int = addInt(b, 'int', 4);
    const u64 = addInt(b, 'unsigned long long', 8, false);
    const ctx = addPtr(b, addStruct(b, g.progType === 'xdp' ? 'xdp_md' : '__sk_buff', 0));
    const ids = g.funcs.map((f) => addFunc(b, f.name, addFuncProto(b, int, f.params.map((t, i) => ({ name: `a${i}`, type: t === 'ctx' ? ctx : u64 }))), f.linkage));
    if (g.exceptionCallback) addDeclTag(b, `exception_callback:${g.exceptionCallback}`, ids[0]);
    p.btf = { btf: b, funcInfo: g.funcs.map((f, i) => ({ insnOff: f.off, typeId: ids[i] })) };
  }
  return p;
}

const sameLine = (a: string, b: string): boolean => a === b;

/** Both verdicts (and, for programs both accept, the three runtimes) and the category. */
export async function judge(g: GenProgram, env: DiffEnv, runtime: boolean): Promise<Judgement> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { progLoad, closeFd } = require('../../kernel') as typeof import('../../kernel');
  const p = programUnderTest(g, env);
  // log level 0 first (no state printing), level 1 again for a rejection's message, as libbpf loads
  const input = (level: number): ReturnType<typeof verifierInputFor> => {
    const vin = verifierInputFor(p, env.host.profile, level, { vmlinuxBtf: env.host.vmlinuxBtf, nrCpuIds: env.host.nrCpuIds });
    if (g.attach) vin.expectedAttachType = attachTypeNum(g.attach);
    if (g.maps) vin.maps = DIFF_MAPS;
    return vin;
  };
  let v = verify(input(0));
  if (v.verdict === 'reject') v = verify(input(1));
  const patched = g.insns.map((x) => (x.code === 0x18 && x.src === 1 ? { ...x, imm: env.mapFd(x.imm, g.progType) } : x));
  const k = progLoad({
    insns: patched, progType: g.progType, expectedAttachType: g.attach ? attachTypeNum(g.attach) : undefined, license: 'GPL', logLevel: 1,
    ...(p.btf ? { btf: encodeBtf(p.btf.btf), funcInfo: encodeFuncInfo(p.btf.funcInfo) } : {}),
  });
  if (k.ok) closeFd(k.fd);
  const ours: Side = { verdict: v.verdict, line: v.verdict === 'reject' ? (v.error || firstErrorLine(v.log) || '') : '' };
  const kernel: Side = { verdict: k.ok ? 'accept' : 'reject', line: k.ok ? '' : (k.stage === 'btf' ? `BTF: ${firstErrorLine(k.log)}` : firstErrorLine(k.log) ?? k.errno) };
  let category: Category = 'agree';
  if (v.notModelled) category = 'unknown';
  else if (ours.verdict === 'accept' && kernel.verdict === 'reject') category = 'wrong-accept';
  else if (ours.verdict === 'reject' && kernel.verdict === 'accept') category = 'wrong-reject';
  else if (ours.verdict === 'reject' && !sameLine(ours.line, kernel.line ?? '')) category = 'different-message';
  const j: Judgement = { category, ours, kernel, ran: false };
  if (category === 'agree' && ours.verdict === 'accept' && runtime && runtimeComparable(g, p)) {
    const d = await runtimes(p, g.packet, env);
    j.ran = d.ran;
    if (d.diff) { j.category = 'runtime'; j.runtime = d.diff; }
  }
  return j;
}

/** The runtimes model no helpers or kfuncs beyond bpf_throw for a hand-built program, and no maps. */
function runtimeComparable(g: GenProgram, p: ProgramUnderTest): boolean {
  if (g.maps) return false;
  for (const x of g.insns) {
    if (x.code !== 0x85) continue;
    if (x.src === 0) return false;
    if (x.src === 2 && p.kfuncs?.get(x.imm) !== 'bpf_throw') return false;
  }
  return true;
}

const show = (r: EngineResult): string =>
  `${r.retval === null ? 'no retval' : hex64(r.retval)}${r.error ? ` (${r.error})` : ''}${r.dataOut ? ` data_out ${Buffer.from(r.dataOut).toString('hex').slice(0, 64)}` : ''}`;

/** interp, jit and kernel on the same packet: undefined when they agree. */
async function runtimes(p: ProgramUnderTest, packet: Uint8Array, env: DiffEnv): Promise<{ ran: boolean; diff?: string }> {
  const input = { packet };
  // the kernel first: where its test run refuses the program type (tracepoint, kprobe, ...) the others do not run
  // either (the jit engine would run the program's context accesses against the raw input: see docs/fuzzing.md)
  const k = await getEngine('kernel', env.host).run(p, input);
  if (k.error !== null || k.retval === null) return { ran: false };
  const [i, j] = [await getEngine('interp', env.host).run(p, input), await getEngine('jit', env.host).run(p, input)];
  // BPF_PROG_TEST_RUN reports 32 bits of r0; the kernel engine's 64-bit wrapper does not fit every
  // program (func_info, subprograms): a kernel answer within 32 bits is compared on 32 bits
  const wide = k.retval !== null && k.retval > 0xffffffffn;
  const norm = (v: bigint | null): string => (v === null ? 'none' : hex64(wide ? v : BigInt.asUintN(32, v)));
  const out = (r: EngineResult): string => (r.dataOut ? Buffer.from(r.dataOut).toString('hex') : '');
  const diffs: string[] = [];
  for (const [name, r] of [['interp', i], ['jit', j]] as const) {
    if (norm(r.retval) !== norm(k.retval) || r.error !== null || (k.dataOut && out(r) !== out(k))) diffs.push(`${name} ${show(r)}`);
  }
  return { ran: true, diff: diffs.length ? `${diffs.join('; ')}; kernel ${show(k)}` : undefined };
}

// ---- shrinking ------------------------------------------------------------

const isJump = (x: Insn): boolean => {
  const cls = x.code & 7, op = x.code & 0xf0;
  return (cls === 5 || cls === 6) && op !== 0x80 && op !== 0x90;
};

/** The program without instruction k (both slots of an ld_imm64), jumps, calls and func_info offsets adjusted. */
export function deleteInsn(g: GenProgram, k: number): GenProgram | undefined {
  const n = g.insns[k].code === 0x18 ? 2 : 1;
  if (k > 0 && g.insns[k - 1].code === 0x18) return undefined; // the second slot of an ld_imm64
  const moved = (t: number): number => (t >= k + n ? t - n : t > k ? k : t);
  const insns: Insn[] = [];
  g.insns.forEach((x, p) => {
    if (p >= k && p < k + n) return;
    const np = moved(p);
    if (isJump(x) && !((x.code & 7) === 6 && (x.code & 0xf0) === 0)) insns.push({ ...x, off: moved(p + x.off + 1) - np - 1 });
    else if (x.code === 0x85 && x.src === 1) insns.push({ ...x, imm: moved(p + x.imm + 1) - np - 1 });
    else insns.push(x);
  });
  if (!insns.length) return undefined;
  const funcs = g.funcs?.map((f) => ({ ...f, off: moved(f.off) }));
  return { ...g, insns, funcs };
}

/** Delete instructions while `holds` stays true (passes from the end until nothing more goes). */
export async function shrink(g: GenProgram, holds: (c: GenProgram) => Promise<boolean>, budget = 400): Promise<GenProgram> {
  let cur = g;
  let changed = true;
  while (changed && budget > 0) {
    changed = false;
    for (let k = cur.insns.length - 1; k >= 0 && budget > 0; k--) {
      if (k >= cur.insns.length) continue;
      const c = deleteInsn(cur, k);
      if (!c) continue;
      budget--;
      if (await holds(c)) { cur = c; changed = true; }
    }
  }
  // simpler immediates: 0 where the category still holds
  for (let k = 0; k < cur.insns.length && budget > 0; k++) {
    const x = cur.insns[k];
    if (x.imm === 0 || x.code === 0x85 || x.code === 0x18 || (k > 0 && cur.insns[k - 1].code === 0x18)) continue;
    const c = { ...cur, insns: cur.insns.map((y, i) => (i === k ? insn(y.code, y.dst, y.src, y.off, 0) : y)) };
    budget--;
    if (await holds(c)) cur = c;
  }
  return cur;
}

// ---- specs -----------------------------------------------------------------

function specYaml(g: GenProgram, j: Judgement, env: DiffEnv, where: string): string {
  const names = new Map<number, string>();
  const vm = env.host.vmlinuxBtf;
  for (const x of g.insns) if (x.code === 0x85 && x.src === 2 && vm && x.imm > 0 && x.imm < typeCount(vm)) names.set(x.imm, typeById(vm, x.imm).name);
  // kfuncs by name (`call bpf_throw`): the assembler resolves them on the machine that runs the spec
  const asm = disassemble(g.insns, { symbolic: true }).join('\n').replace(/call kfunc\((\d+)\)/g, (m, id: string) => {
    const name = names.get(Number(id));
    return name ? `call ${name}` : m;
  });
  const ind = (s: string): string => s.split('\n').map((l) => `    ${l}`).join('\n');
  const q = (s: string): string => JSON.stringify(s);
  const desc = [
    `differential fuzzing, ${where}: ${j.category}`,
    `verifier model: ${j.ours.verdict}${j.ours.line ? ` (${j.ours.line})` : ''}`,
    `kernel: ${j.kernel.verdict}${j.kernel.line ? ` (${j.kernel.line})` : ''}`,
    ...(j.runtime ? [`runtimes: ${j.runtime}`] : []),
    ...(g.maps ? [`maps (ld_imm64 map[N] is DIFF_MAPS[N] of src/harness/fuzz/gen.ts): ${[...DIFF_MAPS].map(([i, m]) => `${i}=${m.name}`).join(', ')}`] : []),
    ...(g.funcs ? [`BTF func_info: ${g.funcs.map((f) => `${f.name}@${f.off} ${f.linkage}(${f.params.join(', ')})`).join(', ')}${g.exceptionCallback ? `; exception_callback:${g.exceptionCallback}` : ''}`] : []),
    ...(g.attach ? [`expected_attach_type: ${g.attach}`] : []),
  ];
  const expect = [`  verdict: ${j.kernel.verdict}`];
  if (j.kernel.verdict === 'reject' && j.kernel.line) expect.push(`  error_line: ${q(j.kernel.line)}`);
  return [
    `name: ${q(`fuzz-${j.category}-${where.replace(/[^a-z0-9]+/gi, '-')}`)}`,
    `description: |\n${desc.map((l) => `  ${l}`).join('\n')}`,
    `type: ${g.progType}`,
    `program:\n  asm: |\n${ind(asm)}`,
    `input:\n  packet: "${Buffer.from(g.packet).toString('hex')}"`,
    `expect:\n${expect.join('\n')}`,
    '',
  ].join('\n');
}

// ---- runs ------------------------------------------------------------------

export interface RangeSummary { counts: Record<Category, number>; runtimeRuns: number; byLine: Record<string, number> }

function profileOf(opts: DiffOptions, r: () => number): ProfileName {
  const ps = (opts.profiles?.length ? opts.profiles : PROFILES) as ProfileName[];
  return ps[Math.floor(r() * ps.length)];
}

/** Programs [a, b) of the run: counts, and a spec per disagreement (shrunk) in opts.out. */
export async function runRange(opts: DiffOptions, a: number, b: number, env: DiffEnv, report: (s: RangeSummary, upTo: number) => void): Promise<RangeSummary> {
  let s: RangeSummary = { counts: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>, runtimeRuns: 0, byLine: {} };
  for (let i = a; i < b; i++) {
    const r = rng(inputSeed(opts.seed, i, 0xd1ff));
    const profile = profileOf(opts, r.next);
    const g = generate(profile, r.int, env.kfunc);
    const j = await judge(g, env, opts.runtime);
    s.counts[j.category]++;
    if (j.ran) s.runtimeRuns++;
    if (j.category !== 'agree') {
      const key = `${j.category}: ${profile}: ours ${j.ours.verdict} ${j.ours.line.slice(0, 80)} | kernel ${j.kernel.verdict} ${j.kernel.line.slice(0, 80)}`;
      s.byLine[key] = (s.byLine[key] ?? 0) + 1;
      // one spec per kind of disagreement and range (unknowns are counted, not saved)
      if (j.category !== 'unknown' && s.byLine[key] === 1) {
        const holds = async (c: GenProgram): Promise<boolean> => {
          const jc = await judge(c, env, opts.runtime && j.category === 'runtime');
          return jc.category === j.category && (j.category !== 'wrong-accept' || jc.kernel.line === j.kernel.line)
            && (j.category !== 'wrong-reject' || jc.ours.line === j.ours.line);
        };
        const small = opts.shrink ? await shrink(g, holds) : g;
        const js = await judge(small, env, opts.runtime && j.category === 'runtime');
        const where = `profile ${profile}, seed ${opts.seed}, program ${i}`;
        fs.mkdirSync(path.join(opts.out, j.category), { recursive: true });
        fs.writeFileSync(path.join(opts.out, j.category, `seed${opts.seed}-${i}.yaml`), specYaml(small, js, env, where));
      }
    }
    if ((i + 1 - a) % 200 === 0 || i + 1 === b) { report(s, i + 1); s = { counts: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>, runtimeRuns: 0, byLine: {} }; }
  }
  return s;
}

const closing = (n: number, c: Record<Category, number>): string =>
  `fuzz: ${n} programs, ${c.agree} agree, ${c['wrong-accept']} wrong accepts, ${c['wrong-reject']} wrong rejects, ${c.unknown} unknown, ${c.runtime} runtime disagreements`;

/** `bpfx fuzz`: the parent splits the run over child processes (or, with --range, is one). */
export async function differentialCommand(opts: DiffOptions): Promise<number> {
  for (const p of opts.profiles ?? []) if (!(PROFILES as readonly string[]).includes(p)) throw new Error(`unknown profile '${p}' (known: ${PROFILES.join(', ')})`);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { kernelAvailable } = require('../../kernel') as typeof import('../../kernel');
  const avail = kernelAvailable();
  if (!avail.ok) throw new Error(`differential fuzzing needs the live kernel: ${avail.reason}`);
  if (opts.range) {
    const [a, b] = opts.range.split(':').map(Number);
    // a child whose parent is gone (its pipe closed) stops
    process.stdout.on('error', () => process.exit(1));
    const env = diffEnv();
    await runRange(opts, a, b, env, (s, upTo) => process.stdout.write(`${JSON.stringify({ upTo, ...s })}\n`));
    return 0;
  }
  const total: RangeSummary = { counts: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>, runtimeRuns: 0, byLine: {} };
  const per = Math.ceil(opts.count / opts.jobs);
  const t0 = Date.now();
  let done = 0, lastLine = 0;
  const children: Promise<void>[] = [];
  for (let a = 0; a < opts.count; a += per) {
    const b = Math.min(opts.count, a + per);
    const args = [process.argv[1], 'fuzz', '--count', String(opts.count), '--seed', String(opts.seed), '--out', opts.out, '--range', `${a}:${b}`,
      ...(opts.profiles?.length ? ['--profile', opts.profiles.join(',')] : []), ...(opts.runtime ? [] : ['--no-runtime']), ...(opts.shrink ? [] : ['--no-shrink'])];
    children.push(new Promise((resolve, reject) => {
      const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let buf = '';
      c.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl); buf = buf.slice(nl + 1);
          const m = JSON.parse(line) as RangeSummary & { upTo: number };
          for (const k of CATEGORIES) total.counts[k] += m.counts[k];
          total.runtimeRuns += m.runtimeRuns;
          for (const [k, v] of Object.entries(m.byLine)) total.byLine[k] = (total.byLine[k] ?? 0) + v;
          done += CATEGORIES.reduce((n, k) => n + m.counts[k], 0);
          // a progress line every 2,000 programs: a long run stopped early still has its figures
          if (Math.floor(done / 2000) > Math.floor(lastLine / 2000)) {
            lastLine = done;
            process.stderr.write(`progress ${closing(done, total.counts)}; different messages ${total.counts['different-message']}; runtime runs ${total.runtimeRuns}; ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
          }
        }
      });
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fuzz range ${a}:${b} ended with status ${code}`))));
    }));
  }
  await Promise.all(children);
  const c = total.counts;
  if (opts.emit) opts.emit({ seed: opts.seed, programs: done, ...total, seconds: (Date.now() - t0) / 1000 });
  else {
    const lines = Object.entries(total.byLine).sort((x, y) => y[1] - x[1]);
    for (const [k, v] of lines.slice(0, 40)) process.stdout.write(`${String(v).padStart(7)} x ${k}\n`);
    if (lines.length > 40) process.stdout.write(`  ... ${lines.length - 40} more kinds\n`);
    process.stdout.write(`different messages ${c['different-message']}; programs run on interp, jit and kernel: ${total.runtimeRuns}; specs in ${opts.out}; ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  process.stdout.write(closing(done, c) + '\n');
  return c['wrong-accept'] || c.runtime ? 1 : 0;
}
