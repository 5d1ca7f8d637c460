// /proc/kallsyms as data: the kernel's symbol addresses (root sees them; others
// read zeros, which count as none). Helper and kfunc calls in xlated code carry
// their target as an offset from __bpf_call_base (BPF_CALL_IMM); bpftool names
// them through this table, and so does bpfx. Read once per process.
import * as fs from 'fs';

export interface KernelSymbols {
  byName: ReadonlyMap<string, bigint>;
  byAddress: ReadonlyMap<bigint, string>;
  /** __bpf_call_base: call immediates are relative to it. */
  callBase: bigint;
}

let cached: KernelSymbols | null | undefined;

/** The running kernel's symbols, or undefined where kallsyms is unreadable or hides addresses. */
export function kernelSymbols(): KernelSymbols | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  let text: string;
  try { text = fs.readFileSync('/proc/kallsyms', 'utf8'); } catch { return undefined; }
  const byName = new Map<string, bigint>(), byAddress = new Map<bigint, string>();
  for (const line of text.split('\n')) {
    const sp1 = line.indexOf(' '), sp2 = line.indexOf(' ', sp1 + 1);
    if (sp1 < 0 || sp2 < 0) continue;
    const end = line.indexOf('\t', sp2 + 1);
    const name = end < 0 ? line.slice(sp2 + 1) : line.slice(sp2 + 1, end);
    const addr = BigInt('0x' + line.slice(0, sp1));
    if (!byName.has(name)) byName.set(name, addr);
    if (!byAddress.has(addr)) byAddress.set(addr, name);
  }
  const callBase = byName.get('__bpf_call_base');
  if (!callBase) return undefined;
  cached = { byName, byAddress, callBase };
  return cached;
}

/** The imm a call to kernel function `name` has in xlated code (BPF_CALL_IMM), or undefined. */
export function callImmOf(syms: KernelSymbols, name: string): number | undefined {
  const a = syms.byName.get(name);
  if (a === undefined) return undefined;
  const d = a - syms.callBase;
  return d >= -(1n << 31n) && d < 1n << 31n ? Number(d) : undefined;
}

/** The kernel function an xlated helper or kfunc call reaches (bpftool's print_call_helper), or undefined. */
export function callTargetName(syms: KernelSymbols, imm: number): string | undefined {
  return syms.byAddress.get(BigInt.asUintN(64, syms.callBase + BigInt(imm)));
}
