// The host's network devices as BPF_PROG_TEST_RUN finds them by ifindex
// (dev_get_by_index in the caller's network namespace): read from
// /sys/class/net (ifindex, address, broadcast, queues/rx-*). The context
// builder (src/runtime/context) needs them for a ctx_in that names a device.
import * as fs from 'fs';
import * as path from 'path';
import type { NetDevice } from '../runtime/context';

const SYS_NET = '/sys/class/net';

const mac = (text: string): Uint8Array => {
  const parts = text.trim().split(':').map((h) => parseInt(h, 16));
  const out = new Uint8Array(6);
  for (let i = 0; i < 6 && i < parts.length; i++) out[i] = Number.isFinite(parts[i]) ? parts[i] : 0;
  return out;
};

let cached: NetDevice[] | undefined;

/** Every device of this network namespace (empty where /sys/class/net cannot be read), read once. */
export function hostNetDevices(): NetDevice[] {
  if (cached) return cached;
  const out: NetDevice[] = [];
  let names: string[] = [];
  try { names = fs.readdirSync(SYS_NET); } catch { names = []; }
  for (const name of names) {
    try {
      const dir = path.join(SYS_NET, name);
      const ifindex = Number(fs.readFileSync(path.join(dir, 'ifindex'), 'utf8').trim());
      const read = (f: string): string => { try { return fs.readFileSync(path.join(dir, f), 'utf8'); } catch { return ''; } };
      let rxQueues = 1;
      try { rxQueues = fs.readdirSync(path.join(dir, 'queues')).filter((q) => q.startsWith('rx-')).length || 1; } catch { /* no queues dir */ }
      if (Number.isInteger(ifindex) && ifindex > 0) out.push({ ifindex, name, addr: mac(read('address')), broadcast: mac(read('broadcast')), rxQueues });
    } catch { /* a device that vanished while reading */ }
  }
  cached = out.sort((a, b) => a.ifindex - b.ifindex);
  return cached;
}
