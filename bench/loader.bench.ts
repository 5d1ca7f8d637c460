// Time to load and link each fixture object (src/loader loadObject: ELF read,
// BTF/.BTF.ext parse, maps, externs, CO-RE, subprogram and exception-callback
// linking), median of repeated runs with vmlinux BTF already parsed (its
// one-time parse and the CO-RE candidate index are reported separately).
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { parseBtf } from '../src/btf';
import { loadObject } from '../src/loader';

interface BenchResult { name: string; value: number; unit: string; note?: string }

function fixturesDir(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    const p = path.join(d, 'fixtures');
    if (fs.existsSync(path.join(p, 'obj'))) return p;
  }
  throw new Error('fixtures/ not found');
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function bench(): Promise<BenchResult[]> {
  const dir = fixturesDir();
  const vmDir = path.join(dir, 'vmlinux');
  const gz = fs.readdirSync(vmDir).find((f) => f.endsWith('.btf.gz'))!;
  const raw = new Uint8Array(zlib.gunzipSync(fs.readFileSync(path.join(vmDir, gz))));
  let t0 = process.hrtime.bigint();
  const vmlinux = parseBtf(raw);
  const out: BenchResult[] = [{ name: 'vmlinux BTF parse', value: ms(t0), unit: 'ms', note: `${(raw.length / 1e6).toFixed(1)} MB` }];
  const cfg = fs.readdirSync(vmDir).find((f) => f.startsWith('config-') && f.endsWith('.gz'));
  const kconfig = cfg ? zlib.gunzipSync(fs.readFileSync(path.join(vmDir, cfg))).toString('latin1') : undefined;
  const relFile = path.join(vmDir, 'release');
  const kernelRelease = fs.existsSync(relFile) ? fs.readFileSync(relFile, 'utf8').trim() : undefined;
  const objs = fs.readdirSync(path.join(dir, 'obj')).filter((f) => f.endsWith('.bpf.o')).sort();
  // first load of the CO-RE object builds the vmlinux candidate index
  const core = objs.find((f) => f.startsWith('core.'));
  if (core) {
    t0 = process.hrtime.bigint();
    loadObject(new Uint8Array(fs.readFileSync(path.join(dir, 'obj', core))), { vmlinuxBtf: vmlinux });
    out.push({ name: 'first CO-RE load (builds candidate index)', value: ms(t0), unit: 'ms', note: core });
  }
  let total = 0;
  for (const f of objs) {
    const bytes = new Uint8Array(fs.readFileSync(path.join(dir, 'obj', f)));
    const name = f.replace(/\.bpf\.o$/, '');
    const times: number[] = [];
    let insns = 0, progs = 0, failed = '';
    for (let i = 0; i < 30; i++) {
      t0 = process.hrtime.bigint();
      try {
        const o = loadObject(bytes, { objectName: name, vmlinuxBtf: vmlinux, kconfig, kernelRelease });
        insns = o.programs.reduce((n, p) => n + p.insns.length, 0);
        progs = o.programs.length;
      } catch (e) { failed = (e as Error).message; }
      times.push(ms(t0));
    }
    const m = median(times);
    total += m;
    out.push({
      name: `load+link ${name}.bpf.o`, value: m, unit: 'ms',
      note: failed
        ? `${fs.existsSync(path.join(dir, 'golden', `${name}.libbpf-error`)) ? 'libbpf error (as expected)' : 'UNEXPECTED ERROR'}: ${failed.slice(0, 60)}`
        : `${progs} programs, ${insns} insns linked`,
    });
  }
  out.push({ name: 'load+link all fixtures', value: total, unit: 'ms', note: `${objs.length} objects, sum of medians` });
  return out;
}
