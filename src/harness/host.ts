// The running machine's kernel BTF, read once: kfunc names <-> BTF ids for the
// assembler and the engines, and the parsed vmlinux BTF for the loader.
import * as fs from 'fs';
import type { Btf } from '../btf';

const VMLINUX = '/sys/kernel/btf/vmlinux';
let funcIds: Map<string, number> | null | undefined;
let vmlinux: Btf | null | undefined;

/** BTF id of a kernel function in vmlinux, or undefined (no kernel BTF or no such function). */
export function kfuncIdByName(name: string): number | undefined {
  if (funcIds === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { indexFuncs } = require('../kernel/vmlinux') as typeof import('../kernel/vmlinux');
      funcIds = indexFuncs(fs.readFileSync(VMLINUX), VMLINUX).funcs;
    } catch { funcIds = null; }
  }
  return funcIds?.get(name);
}

/** The running kernel's BTF, parsed; undefined where it cannot be read. */
export function hostVmlinuxBtf(): Btf | undefined {
  if (vmlinux === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { parseBtf } = require('../btf') as typeof import('../btf');
      vmlinux = parseBtf(fs.readFileSync(VMLINUX));
    } catch { vmlinux = null; }
  }
  return vmlinux ?? undefined;
}
