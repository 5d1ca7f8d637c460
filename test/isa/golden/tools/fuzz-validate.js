// Compare checkInsn() with the live kernel on random single instructions: prints
// every instruction where one side reports a structural error and the other not
// (ordering differences such as 'jump out of range' are expected). Usage: node fuzz-validate.js [N]
const isa = require('../../../../dist/src/isa');
const { load } = require('./load-log.js');
const pick = (a) => a[Math.floor(Math.random() * a.length)];
const pre = isa.assembleUbpf('mov %r0, 0\nmov %r1, 0\nmov %r2, 0\nmov %r3, 0\nmov %r4, 0\nmov %r5, 0\nmov %r6, 0\nmov %r7, 0\nmov %r8, 0\nmov %r9, 0\nstdw [%r10-8], 0');
const post = isa.assembleUbpf('mov %r0, 0\nexit');
const structural = /unknown opcode|reserved|invalid bpf_ld_imm64|unrecognized bpf_ld_imm64|is invalid|invalid atomic|invalid BPF_ALU opcode|invalid BPF_JMP|may_goto|addr_space_cast insn can only convert|BPF_ATOMIC uses invalid/;
const valid = [...isa.VALID_OPCODES];
let n = 0, dis = 0;
const N = Number(process.argv[2] || 500);
for (let k = 0; k < N; k++) {
  const code = Math.random() < 0.8 ? pick(valid) : Math.floor(Math.random() * 256);
  const i = { code, dst: pick([0, 1, 2, 10, 11, 15]), src: pick([0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 10, 11]), off: pick([0, 0, 0, 1, -1, 8, 16, 32, -8]), imm: pick([0, 0, 1, 16, 32, 64, -1, 0x100, 0x110, 0xe1, 0xf1, 1 << 16, 0x41, 0x51]) };
  const insns = [...pre, i];
  if (code === 0x18) insns.push(Math.random() < 0.8 ? { code: 0, dst: 0, src: 0, off: 0, imm: 0 } : { code: 0, dst: 0, src: 0, off: 1, imm: 0 });
  insns.push(...post);
  const log = load(insns, 1);
  const lines = log.split('\n').filter(l => l && !/^\d+: /.test(l) && !/^processed|^==|^func#|^Live regs|^\s+\d+: /.test(l));
  const kmsg = lines.find(l => structural.test(l));
  const p = isa.checkInsn(insns, pre.length);
  n++;
  if (!!kmsg !== !!p) {
    dis++;
    console.log(JSON.stringify(i), 'kernel:', kmsg ?? '(none: ' + (lines[lines.length - 1] ?? 'ok') + ')', '| bpfx:', p ? p.message : '(ok)');
  } else if (kmsg && p && !kmsg.includes(p.message.replace(/ \(.*\)$/, ''))) {
    console.log('MSG', JSON.stringify(i), 'kernel:', kmsg, '| bpfx:', p.message);
  }
}
console.log({ n, dis });
