// Live kernel: every loadable fixture program, linked by src/loader and
// loaded by src/kernel, gets the verdict (accept/errno) that the kernel gave
// the same program loaded by libbpf (fixtures/golden/*.verdict). Skipped
// where bpf() is not available.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadObject } from '../../src/loader';
import { kernelAvailable } from '../../src/kernel/avail';
import { hostVmlinuxBtf } from '../../src/kernel/host';
import * as os from 'os';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { fixtureNames, golden, readFixture } from './fixtures';

const avail = kernelAvailable();
const ERRNO: Record<string, number> = { EPERM: 1, ENOENT: 2, E2BIG: 7, EACCES: 13, EEXIST: 17, EINVAL: 22, ENOSPC: 28, ENOTSUPP: 524 };

test('live kernel verdicts match libbpf-loaded verdicts', { skip: avail.ok ? false : avail.reason }, () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const ko = require('../../src/kernel/object') as typeof import('../../src/kernel/object');
  const vm = hostVmlinuxBtf()!;
  const kconfig = fs.existsSync('/proc/config.gz') ? zlib.gunzipSync(fs.readFileSync('/proc/config.gz')).toString('latin1') : undefined;
  let checked = 0;
  for (const obj of fixtureNames()) {
    if (golden(`${obj}.libbpf-error`) !== undefined) continue;
    const bytes = readFixture(obj);
    const o = loadObject(bytes, { objectName: obj, vmlinuxBtf: vm, kernelRelease: os.release(), kconfig });
    // src/kernel does not create map-in-map inner templates yet (MapDef.inner): not comparable here
    if (o.maps.some((m) => m.inner)) continue;
    for (const p of o.programs) {
      const want = golden(`${obj}.${p.name}.verdict`)!.split('\n')[0];
      // btfToLoad: the BTF exactly as libbpf loads it (src/kernel re-finalizes idempotently)
      const [v] = ko.loadLinkedObject({ ...o, programs: [p], btfBytes: o.btfToLoad ?? o.btfBytes }, {});
      if (want === 'verdict: ok') assert.equal(v.verdict, 'accept', `${obj}.${p.name}: ${v.log}`);
      else {
        const m = /^verdict: error -(\d+)/.exec(want)!;
        assert.equal(v.verdict, 'reject', `${obj}.${p.name}`);
        const errno = typeof v.errno === 'number' ? v.errno : ERRNO[String(v.errno)];
        assert.equal(errno, Number(m[1]), `${obj}.${p.name}: errno ${String(v.errno)}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 20, `checked ${checked} programs`);
});
