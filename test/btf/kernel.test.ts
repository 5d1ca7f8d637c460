// The live kernel's BTF checker (BPF_BTF_LOAD) on BTF we produced: an object's
// .BTF is rejected as clang emits it (DATASEC size 0, extern FUNC) and accepted
// after the loader's libbpf-style fix-ups (src/btf/sanitize.ts primitives); edited types are re-encoded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { parseBtf, encodeBtf, findByName, typeById, setType, addType } from '../../src/btf';
import { loadHostObject } from '../../src/kernel/host';
import { LoaderError } from '../../src/loader';
import { btfLoad, closeFd, kernelAvailable } from '../../src/kernel';
import { elfSection, fixtureObjects } from './helpers';

const avail = kernelAvailable();
const skip = avail.ok ? false : avail.reason ?? 'no kernel';

/** The BTF libbpf would load for an object: the loader's fix-ups (src/btf/sanitize.ts primitives + .kconfig). */
function finalize(file: string): Uint8Array | undefined {
  let out;
  try { out = loadHostObject(file).loaded.btfToLoad; } catch (e) {
    if (e instanceof LoaderError) return undefined; // libbpf refuses the object before loading its BTF
    throw e;
  }
  assert.ok(out, `${file}: the loader gives BTF to load`);
  return out;
}

test('kernel accepts every fixture .BTF after fixups and rejects the raw one', { skip }, () => {
  let rejected = 0, n = 0;
  for (const f of fixtureObjects()) {
    const elf = new Uint8Array(fs.readFileSync(f));
    const raw = elfSection(elf, '.BTF')!;
    const before = btfLoad(raw, { logLevel: 1 });
    if (before.ok) closeFd(before.fd); else rejected++;
    const fixed = finalize(f);
    if (!fixed) continue;
    const after = btfLoad(fixed, { logLevel: 1 });
    assert.ok(after.ok, `${f}: ${after.ok ? '' : after.errno + '\n' + after.log}`);
    if (after.ok) closeFd(after.fd);
    n++;
  }
  assert.ok(n > 0);
  assert.ok(rejected > 0, 'clang output with zero-size DATASECs should be rejected as is');
});

test('kernel accepts appended and replaced types', { skip }, () => {
  const f = fixtureObjects().find((x) => x.endsWith('programs.bpf.o'));
  if (!f) return;
  const btf = parseBtf(finalize(f)!);
  const int = findByName(btf, 'int', 'int')!;
  const ptr = addType(btf, { kind: 'ptr', name: '', nameOff: 0, type: int });
  const st = addType(btf, { kind: 'struct', name: 'bpfx_added', nameOff: 0, size: 16, kindFlag: true, members: [
    { name: 'p', nameOff: 0, type: ptr, bitOffset: 0, bitfieldSize: 0 },
    { name: 'bits', nameOff: 0, type: int, bitOffset: 64, bitfieldSize: 5 },
  ] });
  const fn = findByName(btf, 'global_sum', 'func')!;
  const t = typeById(btf, fn);
  if (t.kind === 'func') setType(btf, fn, { ...t, linkage: 'static' });
  const r = btfLoad(encodeBtf(btf), { logLevel: 1 });
  assert.ok(r.ok, r.ok ? '' : r.log);
  if (r.ok) closeFd(r.fd);
  assert.equal(findByName(btf, 'bpfx_added', 'struct'), st);
  // and a broken one (member type pointing at a FUNC) is refused by the kernel
  const bad = addType(btf, { kind: 'struct', name: 'bpfx_bad', nameOff: 0, size: 4, kindFlag: false, members: [
    { name: 'f', nameOff: 0, type: fn, bitOffset: 0, bitfieldSize: 0 }] });
  assert.ok(bad > st);
  const r2 = btfLoad(encodeBtf(btf), { logLevel: 1 });
  if (r2.ok) closeFd(r2.fd);
  assert.equal(r2.ok, false);
});
