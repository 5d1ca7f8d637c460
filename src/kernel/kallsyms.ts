// The kernel's symbols (/proc/kallsyms), read once when first needed: the
// xlated dump writes a kfunc or helper call's imm as the function's address
// minus __bpf_call_base, which bpftool names from kallsyms. Addresses are zero
// without CAP_SYSLOG (kptr_restrict): then nothing is named.
import * as fs from 'fs';

let table: { base: bigint; byAddress: Map<bigint, string>; byName: Map<string, bigint> } | null | undefined;

function symbols(): typeof table {
  if (table !== undefined) return table;
  table = null;
  let text: string;
  try { text = fs.readFileSync('/proc/kallsyms', 'utf8'); } catch { return table; }
  const byAddress = new Map<bigint, string>(), byName = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+) [tTwW] (\S+)$/.exec(line); // text symbols of vmlinux (module symbols carry [mod])
    if (!m) continue;
    const addr = BigInt('0x' + m[1]);
    if (addr === 0n) continue;
    if (!byAddress.has(addr)) byAddress.set(addr, m[2]);
    if (!byName.has(m[2])) byName.set(m[2], addr);
  }
  const base = byName.get('__bpf_call_base');
  if (base !== undefined) table = { base, byAddress, byName };
  return table;
}

/** The function an xlated call's imm points at (__bpf_call_base + imm), or undefined. */
export function xlatedCallTarget(imm: number): string | undefined {
  const t = symbols();
  return t ? t.byAddress.get(t.base + BigInt(imm)) : undefined;
}

/** The imm an xlated call to NAME has (its address minus __bpf_call_base), or undefined. */
export function xlatedCallImm(name: string): number | undefined {
  const t = symbols();
  const a = t?.byName.get(name);
  return t && a !== undefined ? Number(a - t.base) : undefined;
}

/** The kernel function at ADDRESS (a call target in a JIT image), or undefined. */
export function kernelSymbolAt(address: bigint): string | undefined {
  return symbols()?.byAddress.get(address);
}
