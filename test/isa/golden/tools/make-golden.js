// Regenerate ../kernel-log.json from the live kernel (run as root after `npx tsc -p .`):
//   gcc -o /tmp/bpf-load-log bpf-load-log.c && node make-golden.js
const isa = require('../../../../dist/src/isa');
const { load } = require('./load-log.js');
const fs = require('fs');
const A = (s) => isa.assembleUbpf(s);
const pre = 'mov %r0, 0\nmov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\nmov %r7, 7\nmov %r8, 8\nmov %r9, 9\n';
const progs = [
  ['alu', 1, A(pre + `add %r1, 5\nadd32 %r1, -3\nsub %r1, %r2\nsub32 %r1, 9\nmul %r1, %r3\nmul32 %r1, 7\ndiv %r1, 3\ndiv32 %r1, %r2\nsdiv %r1, 3\nsdiv32 %r1, %r2\nsmod32 %r1, %r2\nsmod %r1, -7\nmod %r1, 5\nmod32 %r1, %r4\nor %r1, 0x10\nor32 %r1, %r2\nand %r1, %r2\nand32 %r1, %r2\nlsh %r1, 3\nlsh32 %r1, %r2\nrsh32 %r1, 2\nrsh %r1, %r2\narsh32 %r1, 3\narsh %r1, %r2\nxor %r1, -1\nxor32 %r1, %r3\nmov32 %r3, %r1\nmov32 %r3, -5\nmov %r3, %r1\nmov %r3, 2147483647\nneg %r1\nneg32 %r1\nmovsx832 %r4, %r1\nmovsx1632 %r4, %r1\nmovsx864 %r4, %r1\nmovsx1664 %r4, %r1\nmovsx3264 %r4, %r1\nbe16 %r1\nbe32 %r1\nbe64 %r1\nle16 %r1\nle32 %r1\nle64 %r1\nbswap16 %r1\nbswap32 %r1\nbswap64 %r1\nlddw %r1, 0x123456789abcdef0\nlddw %r2, -1\nlddw %r2, 0\nlddw %r2, 5\nmov %r0, 0\nexit`)],
  ['mem', 1, [...A(pre + `stxdw [%r10-8], %r1\nstw [%r10-16], 7\nsth [%r10-18], -1\nstb [%r10-19], 0x80\nstdw [%r10-32], -3\nstxw [%r10-24], %r1\nstxh [%r10-26], %r1\nstxb [%r10-27], %r1\nldxdw %r1, [%r10-8]\nldxw %r1, [%r10-16]\nldxh %r1, [%r10-18]\nldxb %r1, [%r10-19]\nldxsb %r1, [%r10-19]\nldxsh %r1, [%r10-18]\nldxsw %r1, [%r10-16]\nlock add [%r10-8], %r1\nlock add32 [%r10-16], %r1\nlock or [%r10-8], %r2\nlock and [%r10-8], %r2\nlock xor32 [%r10-16], %r2\nlock fetch add [%r10-8], %r1\nlock fetch add32 [%r10-16], %r1\nlock fetch or [%r10-8], %r2\nlock fetch and [%r10-8], %r3\nlock fetch xor32 [%r10-16], %r4\nlock xchg [%r10-8], %r5\nlock xchg32 [%r10-16], %r5\nlock cmpxchg [%r10-8], %r5\nlock cmpxchg32 [%r10-16], %r5`),
    { code: 0xdb, dst: 1, src: 10, off: -8, imm: 0x100 }, { code: 0xc3, dst: 1, src: 10, off: -16, imm: 0x100 },
    { code: 0xcb, dst: 1, src: 10, off: -18, imm: 0x100 }, { code: 0xd3, dst: 1, src: 10, off: -19, imm: 0x100 },
    { code: 0xdb, dst: 10, src: 1, off: -8, imm: 0x110 }, { code: 0xc3, dst: 10, src: 1, off: -16, imm: 0x110 },
    { code: 0xd3, dst: 10, src: 1, off: -19, imm: 0x110 }, ...A('mov %r0, 0\nexit')]],
  ['jmp', 1, [...A(pre + `jeq %r1, 5, +0\njne32 %r1, %r2, +0\njset %r1, 0x80000000, +0\njset32 %r1, %r2, +0\njsgt %r1, -1, +0\njsgt32 %r1, %r2, +0\njslt32 %r1, %r2, +0\njslt %r1, 3, +0\njge %r1, %r2, +0\njge32 %r1, 1, +0\njle32 %r1, 7, +0\njle %r1, %r2, +0\njlt %r1, -2, +0\njlt32 %r1, %r2, +0\njsle %r1, %r3, +0\njsle32 %r1, 4, +0\njsge32 %r1, 0, +0\njsge %r1, %r2, +0\njgt %r1, 1, +0\njgt32 %r1, %r2, +0\njeq32 %r1, %r2, +0\njne %r1, 6, +0\nja +0\nja32 +0`), { code: 0xe5, dst: 0, src: 0, off: 0, imm: 0 }, ...A('mov %r0, 0\nexit')]],
  ['calls', 1, A('mov %r6, %r1\nldabsw 4\nldabsh 2\nldabsb 1\nmov %r7, 0\nldindw %r7, 4\nldindh %r7, 2\nldindb %r7, -1\ncall 7\ncall 5\ncall local +2\nmov %r0, 0\nexit\nmov %r0, 0\nexit')],
  ['unknown-helper', 1, A('call 999\nexit')],
  ['kfunc', 3, A('mov %r1, 0\ncall runtime 65977\nmov %r0, 0\nexit')],
];
const out = [];
for (const [name, type, insns] of progs) {
  const log = load(insns, type);
  const lines = [];
  const seen = new Set();
  for (const l of log.split('\n')) {
    const m = l.match(/^(\d+): (\([0-9a-f]{2}\) .*?)(\s+; .*)?$/);
    if (m && !seen.has(m[1])) { seen.add(m[1]); lines.push(`${m[1]}: ${m[2]}`); }
  }
  out.push({ name, progType: type, hex: Buffer.from(isa.encode(insns)).toString('hex'), lines });
}
const meta = { kernel: require('os').release(), note: 'verifier log lines (log_level 2) of the live kernel; kfunc 65977 is bpf_throw in this kernel\'s BTF' };
fs.writeFileSync(require('path').join(__dirname, '../kernel-log.json'), JSON.stringify({ meta, programs: out }, null, 1) + '\n');
console.log(out.map(p => `${p.name}: ${p.lines.length}`).join(', '));
