// The loader's btfToLoad (libbpf's BTF fix-ups before BPF_BTF_LOAD) on the
// fixture objects: DATASEC sizes and VAR offsets from the ELF, .ksyms entries
// turned into 4-byte int VARs, and the kernel's BTF checker accepting the result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { loadObject } from '../../src/loader';
import { parseElf } from '../../src/elf/read';
import { parseBtf } from '../../src/btf/parse';
import { typeById, typeCount } from '../../src/btf/btf';
import { btfLoad, closeFd, kernelAvailable } from '../../src/kernel';

const OBJ = path.join(__dirname, '../../../fixtures/obj');
const have = (f: string): boolean => fs.existsSync(path.join(OBJ, f));
const avail = kernelAvailable();
let vmlinuxBtf: ReturnType<typeof parseBtf> | undefined;
const vmlinux = (): ReturnType<typeof parseBtf> => (vmlinuxBtf ??= parseBtf(new Uint8Array(fs.readFileSync('/sys/kernel/btf/vmlinux'))));

function finalized(f: string) {
  const bytes = new Uint8Array(fs.readFileSync(path.join(OBJ, f)));
  const elf = parseElf(bytes);
  const sec = elf.sections.find((s) => s.name === '.BTF');
  assert.ok(sec, 'object has .BTF');
  const out = loadObject(bytes, { vmlinuxBtf: vmlinux() }).btfToLoad;
  assert.ok(out, 'the loader gives BTF to load');
  return { elf, raw: sec.data, out };
}

test('programs.bpf.o: every data DATASEC gets its ELF size and VAR offsets from symbols', { skip: have('programs.bpf.o') ? false : 'no fixture' }, () => {
  const { elf, out } = finalized('programs.bpf.o');
  const btf = parseBtf(out);
  let seen = 0;
  for (let id = 1; id < typeCount(btf); id++) {
    const t = typeById(btf, id);
    if (t.kind !== 'datasec' || !['.data', '.rodata', '.bss'].includes(t.name)) continue;
    seen++;
    assert.equal(t.size, elf.sections.find((s) => s.name === t.name)!.size, t.name);
    for (const v of t.vars) {
      const vt = typeById(btf, v.type);
      assert.equal(vt.kind, 'var');
      const sym = elf.symbols.find((s) => s.name === vt.name && s.type === 1);
      assert.equal(v.offset, sym!.value, `${t.name}/${vt.name}`);
    }
    const offs = t.vars.map((v) => v.offset);
    assert.deepEqual(offs, [...offs].sort((a, b) => a - b));
  }
  assert.equal(seen, 3);
});

test('exc_valid.bpf.o: .ksyms FUNC externs become a dummy int VAR, FUNC linkage global', { skip: have('exc_valid.bpf.o') ? false : 'no fixture' }, () => {
  const { out } = finalized('exc_valid.bpf.o');
  const btf = parseBtf(out);
  let ksyms;
  for (let id = 1; id < typeCount(btf); id++) { const t = typeById(btf, id); if (t.kind === 'datasec' && t.name === '.ksyms') ksyms = t; }
  assert.ok(ksyms && ksyms.kind === 'datasec');
  assert.ok(ksyms.vars.length >= 1);
  ksyms.vars.forEach((v, i) => {
    const vt = typeById(btf, v.type);
    assert.equal(vt.kind, 'var');
    assert.equal(vt.name, 'dummy_ksym');
    assert.deepEqual([v.offset, v.size], [i * 4, 4]);
  });
  assert.equal(ksyms.size, ksyms.vars.length * 4);
  const throwFn = Array.from({ length: typeCount(btf) - 1 }, (_, i) => typeById(btf, i + 1)).find((t) => t.kind === 'func' && t.name === 'bpf_throw');
  assert.ok(throwFn && throwFn.kind === 'func' && throwFn.linkage === 'global');
});

test('the kernel refuses the compiler BTF (DATASEC size 0) and accepts the finalized one', { skip: !avail.ok ? `kernel unavailable: ${avail.reason}` : have('programs.bpf.o') ? false : 'no fixture' }, () => {
  const { raw, out } = finalized('programs.bpf.o');
  const before = btfLoad(raw, { logLevel: 1 });
  assert.equal(before.ok, false);
  if (!before.ok) {
    assert.equal(before.errno, 'EINVAL');
    assert.match(before.log, /DATASEC \.\w+ size=0 vlen=\d+ size == 0/);
  }
  const after = btfLoad(out);
  assert.equal(after.ok, true, after.ok ? '' : after.log);
  if (after.ok) closeFd(after.fd);
});
