// What happens when native code faults: a handler for SIGSEGV, SIGBUS,
// SIGILL and SIGFPE (jit/stubs.ts faultHandlerStub), installed once when the
// first image is loaded. A fault whose instruction lies in a registered image
// writes one line to stderr ("bpfx: native code faulted with SIGSEGV at rip
// 0x..., fault address 0x...; the process ends") and the process then ends by
// that signal, as it would have without the handler: a fault cannot be
// recovered from (the image's state, the helpers' JS frames), but it is
// never silent. A fault anywhere else goes to the handler that was there
// before (Node's and V8's own), unchanged.
import { faultHandlerStub, installSigactionStub, FAULT_LAYOUT } from '../jit/stubs';
import * as X from '../jit/x86/encode';
import { loadLibc, PROT_READ, PROT_WRITE, PROT_EXEC } from './libc';

const SIGNALS: Record<number, string> = { 4: 'SIGILL', 7: 'SIGBUS', 8: 'SIGFPE', 11: 'SIGSEGV' };
const SA_SIGINFO = 0x4n, SA_ONSTACK = 0x0800_0000n, SA_RESTORER = 0x0400_0000n;
const PAGE = 4096;

/** Page 1 of the data area. */
const OLD_ACTIONS = 0, DEFAULT_ACTION = 1024, NEW_ACTION = 1056, MESSAGES = 1152, STRINGS = 1664;

interface State { ranges: DataView; install: (sig: number, act: bigint) => number }
let state: State | undefined | null;

function install(): State | null {
  const L = loadLibc();
  const data = L.mmap(2 * PAGE, PROT_READ | PROT_WRITE);
  const bytes = L.view(data, 2 * PAGE);
  const page1 = data + BigInt(PAGE);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = PAGE + STRINGS;
  const str = (s: string): { addr: bigint; len: number } => {
    const b = Buffer.from(s, 'latin1');
    bytes.set(b, at);
    const r = { addr: data + BigInt(at), len: b.length };
    at += b.length;
    return r;
  };
  for (const [sig, name] of Object.entries(SIGNALS)) {
    const m = str(`bpfx: native code faulted with ${name} at rip `);
    dv.setBigUint64(PAGE + MESSAGES + 16 * Number(sig), m.addr, true);
    dv.setBigUint64(PAGE + MESSAGES + 16 * Number(sig) + 8, BigInt(m.len), true);
  }
  const buf = X.newBuf();
  const { restorer } = faultHandlerStub(buf, {
    ranges: data, oldActions: page1 + BigInt(OLD_ACTIONS), defaultAction: page1 + BigInt(DEFAULT_ACTION),
    messages: page1 + BigInt(MESSAGES), middle: str(', fault address '), tail: str('; the process ends\n'),
  });
  const installAt = buf.n;
  installSigactionStub(buf, page1 + BigInt(OLD_ACTIONS));
  const code = L.mmap(PAGE, PROT_READ | PROT_WRITE);
  L.view(code, PAGE).set(X.bufBytes(buf));
  L.mprotect(code, PAGE, PROT_READ | PROT_EXEC);
  // The new action (kernel layout: handler, flags, restorer, mask)
  dv.setBigUint64(PAGE + NEW_ACTION, code, true);
  dv.setBigUint64(PAGE + NEW_ACTION + 8, SA_SIGINFO | SA_ONSTACK | SA_RESTORER, true);
  dv.setBigUint64(PAGE + NEW_ACTION + 16, code + BigInt(restorer), true);
  const fn = L.koffi.decode(L.ptr(code + BigInt(installAt)), L.koffi.proto('int bpfx_install_fault_handler(int sig, uint64_t act)'));
  const s: State = { ranges: new DataView(bytes.buffer, bytes.byteOffset, PAGE), install: (sig, act) => Number(fn(sig, act)) };
  for (const sig of Object.keys(SIGNALS)) {
    const r = s.install(Number(sig), page1 + BigInt(NEW_ACTION));
    if (r !== 0) throw new Error(`rt_sigaction(${SIGNALS[Number(sig)]}) failed (${r})`);
  }
  return s;
}

/**
 * Register native code at [base, base + size) for the fault handler
 * (installed on first use); returns the function that unregisters it. Where
 * the handler cannot be installed, faults end the process as before.
 */
export function registerNativeCode(base: bigint, size: number): () => void {
  if (state === undefined) {
    try { state = install(); } catch { state = null; }
  }
  const s = state;
  if (!s) return () => undefined;
  for (let k = 0; k < FAULT_LAYOUT.slots; k++) {
    if (s.ranges.getBigUint64(16 * k, true) !== 0n) continue;
    s.ranges.setBigUint64(16 * k + 8, base + BigInt(size), true);
    s.ranges.setBigUint64(16 * k, base, true);
    return () => { s.ranges.setBigUint64(16 * k, 0n, true); s.ranges.setBigUint64(16 * k + 8, 0n, true); };
  }
  return () => undefined; // every slot taken: this image's faults are reported as before
}

/** Whether the fault handler is installed here (after the first image was loaded). */
export const faultHandlerInstalled = (): boolean => !!state;
