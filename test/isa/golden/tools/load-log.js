// Run /tmp/bpf-load-log (built from bpf-load-log.c) on encoded instructions.
const isa = require('../../../../dist/src/isa');
const { execFileSync } = require('child_process');
function load(insns, type = 1) {
  return execFileSync('/tmp/bpf-load-log', [String(type), '2'], { input: Buffer.from(isa.encode(insns)) }).toString();
}
module.exports = { load };
