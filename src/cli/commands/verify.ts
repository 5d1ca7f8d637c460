// bpfx verify FILE [--prog NAME] [--type TYPE] [--log-level 1|2] [--json] [--stats [--csv]]:
// run the verifier model (src/verifier) on an object file, kernel-syntax
// assembly or a YAML spec. Exit 0 when every program is accepted, 1 when one is
// rejected, 2 on bad input. --stats prints veristat's columns.
import * as fs from 'fs';
import * as path from 'path';
import { Command, UsageError, flagString } from '../command';
import { Insn } from '../../isa/insn';
import { verify, VerifyInput, VerifyResult, progTypeNumber, FuncInfo, VerifierBtf, ATTACH_TYPES, MapInfo } from '../../verifier';
import { verifierBtfFrom } from '../../verifier/from_btf';
import { findByName } from '../../btf/lookup';

interface Target { name: string; input: Omit<VerifyInput, 'logLevel'> }

let vmlinuxIds: Map<string, number> | null = null;
function kfuncIdByName(name: string): number | undefined {
  if (!vmlinuxIds) {
    vmlinuxIds = new Map();
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { indexFuncs } = require('../../kernel/vmlinux') as typeof import('../../kernel/vmlinux');
      const idx = indexFuncs(fs.readFileSync('/sys/kernel/btf/vmlinux'), 'vmlinux');
      vmlinuxIds = idx.funcs;
    } catch { /* no kernel BTF: kfunc calls stay unresolved and are rejected as not modelled */ }
  }
  return vmlinuxIds.get(name);
}

function kfuncResolver(names: Map<number, string>): VerifyInput['kfunc'] {
  const argCounts: Record<string, number> = { bpf_throw: 1 };
  return (id: number, off: number) => (off === 0 && names.has(id) ? { name: names.get(id)!, argCount: argCounts[names.get(id)!] } : undefined);
}

function typeOf(flag: string | undefined, fallback: string): number {
  const t = progTypeNumber(flag ?? fallback);
  if (t === undefined) throw new UsageError(`unknown program type '${flag ?? fallback}'`);
  return t;
}

function fromAsm(file: string, text: string, type: string | undefined): Target[] {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const isa = require('../../isa/asm-kernel') as typeof import('../../isa/asm-kernel');
  const names = new Map<number, string>();
  const insns: Insn[] = isa.assemble(text, {
    source: file,
    kfuncId: (n: string) => { const id = kfuncIdByName(n); if (id !== undefined) names.set(id, n); return id; },
  });
  return [{ name: path.basename(file), input: { insns, progType: typeOf(type, 'socket_filter'), kfunc: kfuncResolver(names) } }];
}

function fromObject(file: string, prog: string | undefined, type: string | undefined): Target[] {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const loader = require('../../loader') as typeof import('../../loader');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { parseBtf } = require('../../btf/parse') as typeof import('../../btf/parse');
  let vmlinuxBtf;
  try { vmlinuxBtf = parseBtf(fs.readFileSync('/sys/kernel/btf/vmlinux')); } catch { vmlinuxBtf = undefined; }
  const obj = loader.loadObject(new Uint8Array(fs.readFileSync(file)), { objectName: loader.objectNameFromPath(file), vmlinuxBtf, only: prog ? [prog] : undefined });
  const names = new Map<number, string>();
  for (const e of obj.externs) if (e.kind === 'kfunc' && e.resolved) names.set(e.kernelBtfId, e.name);
  const btf: VerifierBtf | undefined = obj.btf ? verifierBtfFrom(obj.btf) : undefined;
  const progs = obj.programs.filter((p) => (prog ? p.name === prog : p.autoload));
  if (prog && !progs.length) throw new UsageError(`no program '${prog}' in ${file}`);
  return progs.map((p) => {
    const funcInfo: FuncInfo[] = p.funcInfo.map((r) => ({ insnOff: r.insnOff, typeId: r.typeId }));
    const attach = p.attachType ? ATTACH_TYPES[p.attachType.replace(/^bpf_/, '')] : undefined;
    // the loader leaves the map index in ld_imm64 imm until fds exist: key the maps by index
    const maps = new Map<number, MapInfo>(obj.maps.map((m) => [m.index, { type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, name: m.name }]));
    // libbpf resolves SEC("fentry/NAME") targets to a vmlinux BTF id (attach_btf_id)
    let attachBtfId: number | undefined;
    if (p.attachTo && vmlinuxBtf) {
      // tp_btf/NAME -> typedef btf_trace_NAME; fentry/fexit/fmod_ret/lsm/iter -> FUNC NAME (libbpf find_attach_btf_id)
      attachBtfId = p.attachType === 'trace_raw_tp'
        ? findByName(vmlinuxBtf, `btf_trace_${p.attachTo}`, 'typedef')
        : findByName(vmlinuxBtf, p.attachTo, 'func');
    }
    return { name: p.name, input: { insns: p.insns, progType: type ? typeOf(type, type) : p.progType, expectedAttachType: attach, attachBtfId, funcInfo, btf, kfunc: kfuncResolver(names), maps } };
  });
}

function fromSpec(file: string, type: string | undefined): Target[] {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const h = require('../../harness/program') as typeof import('../../harness/program');
  const spec = h.readSpecFile(file);
  const p = h.programFromSpec(spec);
  return [{ name: p.name, input: { insns: p.insns, progType: typeOf(type, p.progType) } }];
}

function csvField(s: string): string { return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; }

export const command: Command = {
  name: 'verify',
  summary: 'run the verifier model on an object file, assembly or spec',
  usage: 'bpfx verify FILE [--prog NAME] [--type TYPE] [--log-level 1|2] [--json] [--stats [--csv]]',
  booleanFlags: ['json', 'stats', 'csv'],
  run(args) {
    const file = args.positional[0];
    if (!file) throw new UsageError('missing FILE');
    if (!fs.existsSync(file)) throw new UsageError(`no such file '${file}'`);
    const prog = flagString(args, 'prog');
    const type = flagString(args, 'type');
    const levelText = flagString(args, 'log-level') ?? '1';
    const level = Number(levelText);
    if (![0, 1, 2, 4, 5, 6].includes(level)) throw new UsageError(`--log-level ${levelText}: expected 1 or 2`);
    let targets: Target[];
    if (file.endsWith('.o')) targets = fromObject(file, prog, type);
    else if (/\.ya?ml$/.test(file)) targets = fromSpec(file, type);
    else targets = fromAsm(file, fs.readFileSync(file, 'utf8'), type);
    const stats = args.flags.stats === true;
    const rows: { t: Target; r: VerifyResult }[] = [];
    const clockNs = (): bigint => process.hrtime.bigint();
    for (const t of targets) {
      const r = verify({ ...t.input, logLevel: stats ? (level | 4) : level, clockNs });
      rows.push({ t, r });
      if (stats) continue;
      if (args.flags.json === true) {
        process.stdout.write(JSON.stringify({ prog: t.name, verdict: r.verdict, errno: r.errno, log: r.log }) + '\n');
      } else {
        process.stdout.write(r.log + (r.log.endsWith('\n') || !r.log ? '' : '\n'));
        process.stdout.write(`${t.name}: ${r.verdict}${r.errno ? ` (${r.errno})` : ''}\n`);
      }
    }
    if (stats) {
      const header = ['file_name', 'prog_name', 'verdict', 'duration', 'total_insns', 'total_states', 'peak_states'];
      const data = rows.map(({ t, r }) => [path.basename(file), t.name, r.verdict === 'accept' ? 'success' : 'failure',
        String(r.stats.durationUsec), String(r.stats.insnProcessed), String(r.stats.totalStates), String(r.stats.peakStates)]);
      if (args.flags.csv === true) {
        process.stdout.write(header.join(',') + '\n');
        for (const d of data) process.stdout.write(d.map(csvField).join(',') + '\n');
      } else {
        const titles = ['File', 'Program', 'Verdict', 'Duration (us)', 'Insns', 'States', 'Peak states'];
        const w = titles.map((h, i) => Math.max(h.length, ...data.map((d) => d[i].length)));
        const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
        process.stdout.write(line(titles) + '\n' + w.map((n) => '-'.repeat(n)).join('  ') + '\n');
        for (const d of data) process.stdout.write(line(d) + '\n');
      }
    }
    return rows.every(({ r }) => r.verdict === 'accept') ? 0 : 1;
  },
};
