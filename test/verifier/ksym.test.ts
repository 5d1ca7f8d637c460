// ld_imm64 of a kernel symbol (BPF_PSEUDO_BTF_ID, check_pseudo_btf_id): the vmlinux
// BTF id names a VAR or a FUNC whose address kallsyms must know. Table rows run on the
// model with the committed kernel BTF (fixtures/vmlinux) and a kallsyms given as data;
// the same programs run on the live kernel with this machine's kallsyms (host facts),
// where the verdicts and first error lines must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify, progTypeNumber } from '../../src/verifier';
import { Insn, insn, ldImm64 } from '../../src/isa/insn';
import { BPF_PSEUDO_BTF_ID } from '../../src/isa/opcodes';
import { findByName } from '../../src/btf/lookup';
import { typeCount, Btf } from '../../src/btf/btf';
import { fixtureHostFacts, hostFacts } from '../../src/kernel/host';
import { progLoad, closeFd, kernelAvailable } from '../../src/kernel';
import { firstErrorLine } from '../../src/verifier/error_line';

const mov = (d: number, imm: number): Insn => insn(0xb7, d, 0, 0, imm);
const exit = insn(0x95);
/** r1 = the kernel symbol of BTF id `id`; then `body` */
const ksymProgram = (id: number, body: Insn[]): Insn[] => [...ldImm64(1, BigInt(id), BPF_PSEUDO_BTF_ID), ...body];

interface Row {
  name: string;
  /** The program, from the kernel's BTF. */
  prog: (btf: Btf) => Insn[];
  /** Symbols kallsyms knows (undefined: no kallsyms at all). */
  kallsyms: string[] | undefined;
  verdict: 'accept' | 'reject' | 'not modelled';
  error?: (btf: Btf) => string;
  /** A line the level-2 log has. */
  logHas?: string;
}

const varId = (btf: Btf, name: string): number => findByName(btf, name, 'var')!;
const structId = (btf: Btf, name: string): number => findByName(btf, name, 'struct')!;

const ROWS: Row[] = [
  { name: 'a per-CPU variable kallsyms knows: PTR_TO_BTF_ID | MEM_PERCPU', prog: (b) => ksymProgram(varId(b, 'bpf_prog_active'), [mov(0, 0), exit]),
    kallsyms: ['bpf_prog_active'], verdict: 'accept', logHas: 'R1=percpu_ptr_int()' },
  { name: 'a per-CPU variable kallsyms does not know', prog: (b) => ksymProgram(varId(b, 'bpf_prog_active'), [mov(0, 0), exit]),
    kallsyms: ['bpf_task_from_pid'], verdict: 'reject', error: () => "ldimm64 failed to find the address for kernel symbol 'bpf_prog_active'." },
  { name: 'a per-CPU variable read directly', prog: (b) => ksymProgram(varId(b, 'bpf_prog_active'), [insn(0x61, 0, 1, 0, 0), exit]),
    kallsyms: ['bpf_prog_active'], verdict: 'reject', error: () => 'R1 is ptr_int access percpu memory: off=0' },
  { name: 'a struct id is neither VAR nor FUNC', prog: (b) => ksymProgram(structId(b, 'task_struct'), [mov(0, 0), exit]),
    kallsyms: [], verdict: 'reject', error: (b) => `pseudo btf_id ${structId(b, 'task_struct')} in ldimm64 isn't KIND_VAR or KIND_FUNC` },
  { name: 'an id past the kernel BTF', prog: (b) => ksymProgram(typeCount(b) + 1000, [mov(0, 0), exit]),
    kallsyms: [], verdict: 'reject', error: (b) => `ldimm64 insn specifies invalid btf_id ${typeCount(b) + 1000}.` },
  { name: 'without the kernel symbols a variable is not decided', prog: (b) => ksymProgram(varId(b, 'bpf_prog_active'), [mov(0, 0), exit]),
    kallsyms: undefined, verdict: 'not modelled' },
];

test('ld_imm64 of kernel symbols on the model (fixture BTF, kallsyms as data)', () => {
  const btf = fixtureHostFacts().vmlinuxBtf!;
  for (const row of ROWS) {
    const syms = row.kallsyms ? new Set(row.kallsyms) : undefined;
    const r = verify({ insns: row.prog(btf), progType: progTypeNumber('tracepoint')!, logLevel: 2, vmlinuxBtf: btf,
      kernelSymbol: syms ? (n) => (syms.has(n) ? 0xffffffff81000000n : undefined) : undefined });
    const got = r.notModelled ? 'not modelled' : r.verdict;
    assert.equal(got, row.verdict, `${row.name}: ${r.error}`);
    if (row.error) assert.equal(firstErrorLine(r.log), row.error(btf), row.name);
    if (row.logHas) assert.ok(r.log.includes(row.logHas), `${row.name}: ${r.log}`);
  }
});

const avail = kernelAvailable();

test('ld_imm64 of kernel symbols: the model with this machine\'s kallsyms agrees with the live kernel',
  { skip: avail.ok ? false : `kernel unavailable: ${avail.reason}` }, () => {
    const host = hostFacts({ probe: false });
    const btf = host.vmlinuxBtf!;
    for (const row of ROWS.filter((r) => r.kallsyms !== undefined)) {
      const insns = row.prog(btf);
      const ours = verify({ insns, progType: progTypeNumber('tracepoint')!, logLevel: 1, vmlinuxBtf: btf, kernelSymbol: host.kernelSymbol });
      const k = progLoad({ insns, progType: 'tracepoint', license: 'GPL', logLevel: 1 });
      if (k.ok) closeFd(k.fd);
      assert.ok(!ours.notModelled, `${row.name}: ${ours.error}`);
      assert.equal(ours.verdict, k.ok ? 'accept' : 'reject', `${row.name}: ours ${ours.error}, kernel ${k.ok ? 'accept' : firstErrorLine(k.log)}`);
      if (!k.ok) assert.equal(firstErrorLine(ours.log), firstErrorLine(k.log), row.name);
    }
  });
