// The live kernel's BTF checker (BPF_BTF_LOAD) on BTF we produced: an object's
// .BTF is rejected as clang emits it (DATASEC size 0, extern FUNC) and accepted
// after the libbpf-style fix-ups in src/btf/sanitize.ts; edited types are re-encoded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import {
  parseBtf, encodeBtf, fixupDatasecs, fixupKsymsDatasec, markFuncsStatic, findByName, typeById, setType, addType,
} from '../../src/btf';
import { btfLoad, closeFd, kernelAvailable } from '../../src/kernel';
import { elfSection, elfSections, elfSymbols, fixtureObjects } from './helpers';

const avail = kernelAvailable();
const skip = avail.ok ? false : avail.reason ?? 'no kernel';

function finalize(elf: Uint8Array): Uint8Array {
  const btf = parseBtf(elfSection(elf, '.BTF')!);
  const secs = elfSections(elf), syms = elfSymbols(elf);
  fixupKsymsDatasec(btf);
  fixupDatasecs(btf, {
    sectionSize: (n) => secs.find((s) => s.name === n)?.size,
    symbol: (n) => { const s = syms.find((x) => x.name === n && x.type === 1); return s && { value: s.value, hidden: s.visibility === 1 || s.visibility === 2 }; },
  });
  const hidden = syms.filter((s) => s.type === 2 && s.bind === 1 && s.visibility === 2).map((s) => s.name);
  markFuncsStatic(btf, hidden);
  return encodeBtf(btf);
}

test('kernel accepts every fixture .BTF after fixups and rejects the raw one', { skip }, () => {
  let rejected = 0, n = 0;
  for (const f of fixtureObjects()) {
    const elf = new Uint8Array(fs.readFileSync(f));
    const raw = elfSection(elf, '.BTF')!;
    const before = btfLoad(raw, { logLevel: 1 });
    if (before.ok) closeFd(before.fd); else rejected++;
    const after = btfLoad(finalize(elf), { logLevel: 1 });
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
  const elf = new Uint8Array(fs.readFileSync(f));
  const btf = parseBtf(finalize(elf));
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
