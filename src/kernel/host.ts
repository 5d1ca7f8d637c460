// The host at the edge: what the kernel bpfx answers for tells it (vmlinux BTF,
// Kconfig, release, the verifier profile), read ONCE into one plain value,
// HostFacts, by a CLI command or a test's setup, and passed to whatever needs
// it. The facts come from this machine (/sys/kernel/btf/vmlinux, /proc/config.gz,
// uname, /sys/class/net, a probe of the live verifier) or, where the machine has no kernel BTF,
// from the kernel directory committed in fixtures/vmlinux. Nothing below the
// edge (the harness building a program, the loader, the verifier) reads the host.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { Btf, parseBtf, findByName } from '../btf';
import { loadObject, objectNameFromPath, LoadResult } from '../loader';
import { KernelProfile, NEWEST_PROFILE } from '../verifier/profiles';
import type { NetDevice } from '../runtime/context';
import { kernelAvailable } from './avail';
import { KernelError } from './errors';
import { probeLiveKernel } from './probe';
import { hostNetDevices } from './netdev';
import { kernelSymbols } from './kallsyms';

export const VMLINUX_PATH = '/sys/kernel/btf/vmlinux';

/** Everything bpfx needs to know about the kernel it answers for. Plain data. */
export interface HostFacts {
  /** Where the kernel facts were read: this machine, or a kernel directory such as fixtures/vmlinux. */
  source: 'live' | 'fixture';
  /** uname -r of that kernel. */
  release: string;
  /** Its vmlinux BTF (kfunc ids, CO-RE, attach targets); undefined when there is none. */
  vmlinuxBtf: Btf | undefined;
  /** Its Kconfig text (for .kconfig externs); undefined when there is none. */
  kconfig: string | undefined;
  /** The network devices a test run's context may name (/sys/class/net of this machine; none for a kernel directory). */
  netDevices: NetDevice[];
  /** nr_cpu_ids: one past the highest possible CPU (/sys/devices/system/cpu/possible); undefined for a kernel directory. */
  nrCpuIds: number | undefined;
  /**
   * kallsyms_lookup_name of that kernel: a symbol's address, undefined when kallsyms has
   * none (0 counts as none). /proc/kallsyms is read on the first lookup, once per process.
   * Absent for a kernel directory, or where kallsyms is unreadable or hides addresses.
   */
  kernelSymbol?: (name: string) => bigint | undefined;
  /** The verifier profile the model answers with. */
  profile: KernelProfile;
  /** How the profile was chosen: probed on the live kernel, named by the user, or the newest (no kernel to probe). */
  profileFrom: 'probe' | 'flag' | 'default';
}

export interface HostFactsOptions {
  /** A vmlinux BTF file (raw or gzip) instead of the source's. */
  btfPath?: string;
  /** A Kconfig file (plain or gzip) instead of the source's. */
  kconfigPath?: string;
  /** Use this profile (`--kernel-profile NAME`) instead of probing. */
  profile?: KernelProfile;
  /** Probe the live kernel's verifier for its profile when bpf() works (default true; off for commands that never verify). */
  probe?: boolean;
}

const gunzipped = (b: Uint8Array): Uint8Array => (b[0] === 0x1f && b[1] === 0x8b ? new Uint8Array(zlib.gunzipSync(b)) : b);

/** The bpfx package directory (holds package.json and fixtures/), from dist/src/kernel or src/kernel. */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/** The committed kernel directory: BTF, Kconfig and release of the kernel the fixtures' goldens were made on. */
export const fixtureKernelDir = (): string => path.join(packageRoot(), 'fixtures', 'vmlinux');

const btfCache = new Map<string, Btf>();

/** Parse a BTF file (raw or gzip), once per process and path. */
function readBtfFile(file: string): Btf {
  let btf = btfCache.get(file);
  if (!btf) {
    btf = parseBtf(gunzipped(new Uint8Array(fs.readFileSync(file))));
    btfCache.set(file, btf);
  }
  return btf;
}

/** Kernel BTF: a file when `file` is given, else this machine's (undefined when it has none). */
export function hostVmlinuxBtf(file?: string): Btf | undefined {
  if (file) return readBtfFile(file);
  return fs.existsSync(VMLINUX_PATH) ? readBtfFile(VMLINUX_PATH) : undefined;
}

/** Kconfig text: a file when `file` is given, else this machine's (/proc/config.gz or /boot/config-RELEASE). */
export function hostKconfig(file?: string): string | undefined {
  const candidates = file ? [file] : ['/proc/config.gz', `/boot/config-${os.release()}`];
  for (const p of candidates) {
    if (!file && !fs.existsSync(p)) continue;
    return Buffer.from(gunzipped(new Uint8Array(fs.readFileSync(p)))).toString('latin1');
  }
  return undefined;
}

/** The kernel facts of a directory like fixtures/vmlinux: `*.btf.gz`, `config-*.gz` and `release`. */
function dirKernel(dir: string): Pick<HostFacts, 'release' | 'vmlinuxBtf' | 'kconfig'> {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  const btf = files.find((f) => f.endsWith('.btf.gz') || f.endsWith('.btf'));
  const config = files.find((f) => f.startsWith('config-'));
  return {
    release: files.includes('release') ? fs.readFileSync(path.join(dir, 'release'), 'utf8').trim() : 'unknown',
    vmlinuxBtf: btf ? readBtfFile(path.join(dir, btf)) : undefined,
    kconfig: config ? hostKconfig(path.join(dir, config)) : undefined,
  };
}

/** The profile: the one named, else the live kernel's (probed, cached per boot), else the newest. */
function chooseProfile(opts: HostFactsOptions, source: HostFacts['source'], btf: Btf | undefined): Pick<HostFacts, 'profile' | 'profileFrom'> {
  if (opts.profile) return { profile: opts.profile, profileFrom: 'flag' };
  if (opts.probe !== false && source === 'live' && kernelAvailable().ok) {
    return { profile: probeLiveKernel(btf).profile, profileFrom: 'probe' };
  }
  return { profile: NEWEST_PROFILE, profileFrom: 'default' };
}

/**
 * The facts of the kernel bpfx answers for: this machine's when it has kernel
 * BTF, else those of fixtures/vmlinux. Call once at the edge and pass the value on.
 */
export function hostFacts(opts: HostFactsOptions = {}): HostFacts {
  const live = fs.existsSync(VMLINUX_PATH);
  const base = live
    ? { release: os.release(), vmlinuxBtf: hostVmlinuxBtf(), kconfig: hostKconfig() }
    : dirKernel(fixtureKernelDir());
  const source = live ? 'live' : 'fixture';
  const vmlinuxBtf = opts.btfPath ? readBtfFile(opts.btfPath) : base.vmlinuxBtf;
  const kconfig = opts.kconfigPath ? hostKconfig(opts.kconfigPath) : base.kconfig;
  return { source, release: base.release, vmlinuxBtf, kconfig, netDevices: hostNetDevices(), nrCpuIds: source === 'live' ? hostNrCpuIds() : undefined,
    ...(source === 'live' ? { kernelSymbol: hostKernelSymbol } : {}), ...chooseProfile(opts, source, vmlinuxBtf) };
}

/** The facts of a kernel directory (default fixtures/vmlinux), never of this machine: for tests that must not depend on the host. */
export function fixtureHostFacts(dir = fixtureKernelDir(), profile?: KernelProfile): HostFacts {
  return { source: 'fixture', ...dirKernel(dir), netDevices: [], nrCpuIds: undefined, profile: profile ?? NEWEST_PROFILE, profileFrom: profile ? 'flag' : 'default' };
}

let defaultFacts: HostFacts | undefined;

/** This machine's facts without a probe, built once per process: the default of the kernel layer's own entry points. */
export function defaultHostFacts(): HostFacts {
  return (defaultFacts ??= hostFacts({ probe: false }));
}

/** BTF id of kernel function `name` in the facts' vmlinux BTF (for `call bpf_throw` in assembly), or undefined. */
export function kfuncId(host: HostFacts, name: string): number | undefined {
  return host.vmlinuxBtf ? findByName(host.vmlinuxBtf, name, 'func') : undefined;
}

/** BTF id of kernel symbol `name` (__ksym): a VAR, else a FUNC of the kernel's BTF. */
export function ksymId(host: HostFacts, name: string): number | undefined {
  return host.vmlinuxBtf ? findByName(host.vmlinuxBtf, name, 'var') ?? findByName(host.vmlinuxBtf, name, 'func') : undefined;
}

/** BTF id of kernel function `name`; a KernelError when the kernel's BTF has no such FUNC. */
export function vmlinuxFuncId(name: string, host: HostFacts = defaultHostFacts()): number {
  const id = kfuncId(host, name);
  if (id === undefined) throw new KernelError('bad-request', 'vmlinux BTF', `no FUNC '${name}' in kernel BTF`);
  return id;
}

/** Read and link an object file against a kernel's facts, as libbpf would on that host. */
export function loadHostObject(file: string, opts: { host?: HostFacts; only?: string[] } = {}): { bytes: Uint8Array; loaded: LoadResult } {
  const host = opts.host ?? defaultHostFacts();
  const bytes = new Uint8Array(fs.readFileSync(file));
  const loaded = loadObject(bytes, {
    objectName: objectNameFromPath(file), vmlinuxBtf: host.vmlinuxBtf, only: opts.only,
    kconfig: host.kconfig, kernelRelease: host.release,
  });
  return { bytes, loaded };
}

/** kallsyms_lookup_name on this machine (/proc/kallsyms, read on the first call); undefined where it has none or hides addresses. */
function hostKernelSymbol(name: string): bigint | undefined {
  const a = kernelSymbols()?.byName.get(name);
  return a ? a : undefined;
}

/** nr_cpu_ids of this machine: one past the highest possible CPU ("0-3,5"); undefined when unreadable. */
export function hostNrCpuIds(): number | undefined {
  try {
    const text = fs.readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    const n = Number(text.split(',').pop()!.split('-').pop()!);
    return Number.isInteger(n) ? n + 1 : undefined;
  } catch {
    return undefined;
  }
}
