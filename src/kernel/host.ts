// What the running machine tells a loader, read once: the kernel's BTF
// (/sys/kernel/btf/vmlinux), its Kconfig (/proc/config.gz or /boot/config-*)
// and release, and object files linked against them with src/loader, as
// libbpf does when it opens an object on this host.
import * as fs from 'fs';
import * as os from 'os';
import * as zlib from 'zlib';
import { parseBtf } from '../btf/parse';
import { Btf } from '../btf/btf';
import { loadObject, objectNameFromPath, LoadResult } from '../loader';

export const VMLINUX_PATH = '/sys/kernel/btf/vmlinux';

const gunzipped = (b: Uint8Array): Uint8Array => (b[0] === 0x1f && b[1] === 0x8b ? new Uint8Array(zlib.gunzipSync(b)) : b);

let hostBtf: Btf | null | undefined;

/**
 * Kernel BTF: the running kernel's (cached), or a file (raw or gzip) when `path`
 * is given. Undefined when the running kernel has none.
 */
export function hostVmlinuxBtf(path?: string): Btf | undefined {
  if (path) return parseBtf(gunzipped(new Uint8Array(fs.readFileSync(path))));
  if (hostBtf === undefined) hostBtf = fs.existsSync(VMLINUX_PATH) ? parseBtf(new Uint8Array(fs.readFileSync(VMLINUX_PATH))) : null;
  return hostBtf ?? undefined;
}

/** The running kernel's Kconfig text (/proc/config.gz or /boot/config-RELEASE), or a given file. */
export function hostKconfig(path?: string): string | undefined {
  const candidates = path ? [path] : ['/proc/config.gz', `/boot/config-${os.release()}`];
  for (const p of candidates) {
    if (!path && !fs.existsSync(p)) continue;
    return Buffer.from(gunzipped(new Uint8Array(fs.readFileSync(p)))).toString('latin1');
  }
  return undefined;
}

export interface HostObjectOptions {
  /** Only link these programs. */
  only?: string[];
  /** Kernel BTF file instead of the running kernel's. */
  btfPath?: string;
  /** Kconfig file instead of the running kernel's. */
  kconfigPath?: string;
}

/** Read and link an object file against this host's kernel, as libbpf would. */
export function loadHostObject(file: string, opts: HostObjectOptions = {}): { bytes: Uint8Array; loaded: LoadResult } {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const loaded = loadObject(bytes, {
    objectName: objectNameFromPath(file), vmlinuxBtf: hostVmlinuxBtf(opts.btfPath), only: opts.only,
    kconfig: hostKconfig(opts.kconfigPath), kernelRelease: os.release(),
  });
  return { bytes, loaded };
}

/** BTF id of a function in the running kernel's BTF (for `call bpf_throw` in assembly), or undefined. */
export function hostKfuncId(name: string): number | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { vmlinuxIndex } = require('./vmlinux') as typeof import('./vmlinux');
    return vmlinuxIndex().funcs.get(name);
  } catch {
    return undefined; // no kernel BTF here: the assembler reports the unknown name
  }
}

/** nr_cpu_ids: one past the highest possible CPU (/sys/devices/system/cpu/possible, "0-3,5"); undefined when unreadable. */
export function hostNrCpuIds(): number | undefined {
  try {
    const text = fs.readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    const last = text.split(',').pop()!.split('-').pop()!;
    const n = Number(last);
    return Number.isInteger(n) ? n + 1 : undefined;
  } catch {
    return undefined;
  }
}
