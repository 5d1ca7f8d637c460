// The kernel-syntax assembler reads clang's own BPF text: every instruction
// llvm-objdump-19 prints for the committed fixture objects assembles to the
// same bytes (calls excepted: llvm-objdump prints helper and bpf-to-bpf calls
// alike, `call -0x1`). Skipped when llvm-objdump-19 or the fixtures are absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { assemble, encode } from '../../src/isa';

const OBJ = path.join(__dirname, '../../../fixtures/obj');

test('llvm-objdump text of the fixture objects assembles to the same bytes', () => {
  const probe = spawnSync('llvm-objdump-19', ['--version'], { encoding: 'utf8' });
  assert.equal(probe.status, 0, 'llvm-objdump-19 is needed (Debian llvm-19, installed by .ci/run)');
  let checked = 0;
  let wide = 0;
  for (const f of fs.readdirSync(OBJ).filter((x) => x.endsWith('.o'))) {
    const out = spawnSync('llvm-objdump-19', ['-d', path.join(OBJ, f)], { encoding: 'utf8' }).stdout;
    const lines = out.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = lines[i].match(/^\s*\d+:\t((?:[0-9a-f]{2} ?){8}(?:(?:[0-9a-f]{2} ?){8})?)\t(.+)$/);
      if (!m || m[2].startsWith('call ')) continue;
      const bytes = m[1].replace(/\s+/g, ''); // ld_imm64 lines carry both slots
      assert.equal(Buffer.from(encode(assemble(m[2]))).toString('hex'), bytes, `${f}: ${m[2]}`);
      checked++;
      if (bytes.length === 32) wide++;
    }
  }
  assert.ok(checked > 100, `only ${checked} instructions`);
  assert.ok(wide > 0, 'no ld_imm64 checked');
});
