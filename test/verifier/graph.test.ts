// Graph collections (src/verifier/graph.ts): the fields btf_parse_fields finds for the
// roots of fixtures/obj/graph.bpf.o (their `contains:` node types) and for the
// allocated node structs, and the model's verdict and message on every program of
// the fixture against the kernel's, recorded in fixtures/golden/graph.<prog>.verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { parseBtf } from '../../src/btf';
import { findByName } from '../../src/btf/lookup';
import { mapValueFields, structFields } from '../../src/verifier/map_fields';
import { firstErrorLine } from '../../src/verifier/error_line';

const root = path.resolve(__dirname, '../../..');
const golden = path.join(root, 'fixtures/golden');
const cli = path.join(root, 'dist/src/cli/main.js');
const btf = parseBtf(new Uint8Array(fs.readFileSync(path.join(golden, 'graph.btf'))));

const id = (name: string, kind: 'struct' | 'datasec'): number => {
  const x = findByName(btf, name, kind);
  assert.ok(x !== undefined, `${kind} ${name} in graph.btf`);
  return x;
};

test('graph roots of a global section: each with its lock, node struct and node offset', () => {
  const fields = mapValueFields(btf, id('.bss.tree', 'datasec'));
  const summary = fields?.map((f) => [f.kind, f.offset, f.graph ? `${f.graph.valueName}@${f.graph.nodeOffset}` : '-']);
  assert.deepEqual(summary, [
    ['bpf_spin_lock', 0, '-'],
    ['bpf_rb_root', 8, 'elem@8'],
    ['bpf_list_head', 24, 'litem@8'],
    ['bpf_rb_root', 40, 'twin@40'],
  ]);
  assert.equal(fields?.find((f) => f.kind === 'bpf_rb_root')?.graph?.valueTypeId, id('elem', 'struct'));
});

test('allocated structs: their graph nodes are fields (map values have none)', () => {
  const table: Array<[string, Array<[string, number]>]> = [
    ['elem', [['bpf_rb_node', 8]]],
    ['litem', [['bpf_list_node', 8]]],
    ['twin', [['bpf_rb_node', 0], ['bpf_rb_node', 40]]],
  ];
  for (const [name, want] of table) {
    assert.deepEqual(structFields(btf, id(name, 'struct')).map((f) => [f.kind, f.offset]), want, name);
    assert.deepEqual(mapValueFields(btf, id(name, 'struct')), [], `${name} as a map value`);
  }
});

test('every graph.bpf.o program: the kernel\'s verdict and first error line, none left undecided', () => {
  const r = spawnSync(process.execPath, [cli, 'verify', path.join(root, 'fixtures/obj/graph.bpf.o'), '--json'], { encoding: 'utf8' });
  const doc = JSON.parse(r.stdout) as { programs: Array<{ prog: string; verdict: string; log: string }> };
  assert.ok(doc.programs.length >= 24);
  for (const d of doc.programs) {
    const g = fs.readFileSync(path.join(golden, `graph.${d.prog}.verdict`), 'utf8');
    const kernelAccepts = /^verdict: ok/m.test(g);
    assert.equal(d.verdict, kernelAccepts ? 'accept' : 'reject', `${d.prog}\n${d.log}`);
    if (!kernelAccepts) assert.equal(firstErrorLine(d.log), /^message: (.*)$/m.exec(g)?.[1], d.prog);
  }
});
