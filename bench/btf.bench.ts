// BTF benchmarks: parse /sys/kernel/btf/vmlinux (validation + lazy indexes),
// first name lookup (builds the name index), warm lookups, decode-all, encode.
import * as fs from 'fs';
import { parseBtf, findByName, typeById, typeCount, encodeBtf } from '../src/btf';

interface BenchResult { name: string; value: number; unit: string; note?: string }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function bench(): Promise<BenchResult[]> {
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(fs.readFileSync('/sys/kernel/btf/vmlinux')); } catch {
    return [{ name: 'btf.vmlinux.parse', value: NaN, unit: 'ms', note: 'no readable /sys/kernel/btf/vmlinux' }];
  }
  const mb = (bytes.length / 1048576).toFixed(1);
  // cold: the very first parse in this process (includes JIT warm-up)
  const c0 = process.cpuUsage();
  let t = performance.now();
  let btf = parseBtf(bytes);
  const cold = performance.now() - t;
  const cu = process.cpuUsage(c0);
  const coldCpu = (cu.user + cu.system) / 1000;
  const parse: number[] = [], firstLookup: number[] = [];
  for (let i = 0; i < 9; i++) {
    t = performance.now(); btf = parseBtf(bytes); parse.push(performance.now() - t);
    t = performance.now(); findByName(btf, 'task_struct', 'struct'); firstLookup.push(performance.now() - t);
  }
  const names = ['task_struct', 'bpf_throw', 'sk_buff', 'u64', 'bpf_prog', 'file', 'inode', 'bpf_map', 'xdp_md', 'pt_regs'];
  t = performance.now();
  let found = 0;
  for (let i = 0; i < 1000; i++) for (const n of names) if (findByName(btf, n) !== undefined) found++;
  const warm = (performance.now() - t) * 1000 / 10000;
  t = performance.now();
  for (let id = 1; id < typeCount(btf); id++) typeById(btf, id);
  const decodeAll = performance.now() - t;
  t = performance.now();
  const out = encodeBtf(btf);
  const encode = performance.now() - t;
  return [
    { name: 'btf.vmlinux.parse.cold', value: cold, unit: 'ms', note: `${mb} MB, ${typeCount(btf) - 1} types, first parse in process (wall)` },
    { name: 'btf.vmlinux.parse.cold.cpu', value: coldCpu, unit: 'ms', note: 'same parse, CPU time of all threads (JIT included)' },
    { name: 'btf.vmlinux.parse', value: median(parse), unit: 'ms', note: 'median of 9 (validate all types, lazy decode)' },
    { name: 'btf.vmlinux.findByName.first', value: median(firstLookup), unit: 'ms', note: 'builds the name hash index' },
    { name: 'btf.vmlinux.findByName.warm', value: warm, unit: 'us', note: `per lookup, ${found} hits of 10000` },
    { name: 'btf.vmlinux.decodeAll', value: decodeAll, unit: 'ms', note: 'every type to plain data' },
    { name: 'btf.vmlinux.encode', value: encode, unit: 'ms', note: `${out.length} bytes, all types re-encoded` },
  ];
}
