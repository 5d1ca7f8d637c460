// The program context on the live kernel.
// 1. The context builder's table (test/runtime/context-cases.ts): every case's
//    answer on Linux is the one recorded in test/runtime/golden/context.json.
//    BPFX_RECORD_CONTEXT=1 records the file again instead of checking it.
// 2. Every accepted program of every fixture (fixtures/obj/*.o) and spec
//    (specs/*.yaml) that the kernel can test-run returns the kernel's value on
//    the interpreter (and the same data_out), with the default input (64 zero
//    bytes) and with the selftests' pkt_v4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as k from '../../src/kernel';
import { assemble } from '../../src/isa';
import { contextCases, effectiveInput, runSizes, answer, Observation, CtxCase, GOLDEN_FILE, readGolden } from '../runtime/context-cases';
import { pktV4 } from '../runtime/packets';
import { getEngine } from '../../src/harness/engines';
import { loadObjectPrograms } from '../../src/harness/object';
import { programFromSpec, readSpecFile, findSpecFiles } from '../../src/harness/program';
import { ProgramUnderTest, RunInput } from '../../src/harness/engine';
import { hostFacts } from '../../src/kernel/host';
import { callsNondeterministicHelper } from '../../src/runtime';

const ROOT = path.join(__dirname, '../../..');
const avail = k.kernelAvailable();
const skip = avail.ok ? false : `kernel unavailable: ${avail.reason}`;
const RECORD = process.env.BPFX_RECORD_CONTEXT === '1';

function observeKernel(c: CtxCase): Observation {
  const input = effectiveInput(c);
  const r = k.progLoad({ insns: assemble(c.asm, { source: c.name }), progType: c.progType, license: 'GPL', name: 'ctx_case' });
  if (!r.ok) return { kernel: 'reject' };
  try {
    const res = k.testRun(r.fd, { dataIn: input.data, ctxIn: input.ctx, ...runSizes(input) });
    return answer(c, BigInt(res.retval >>> 0), res.dataOut, res.ctxOut);
  } catch (e) {
    if (e instanceof k.KernelError && e.errno) return { errno: e.errno };
    throw e;
  } finally {
    k.closeFd(r.fd);
  }
}

test('context table: Linux answers as recorded in golden/context.json', { skip }, () => {
  const cases = contextCases();
  if (RECORD) {
    const out: Record<string, Observation> = {};
    for (const c of cases) out[c.name] = observeKernel(c);
    fs.writeFileSync(GOLDEN_FILE, JSON.stringify(out, null, 0).replace(/\},"/g, '},\n"') + '\n');
    return;
  }
  const golden = readGolden();
  assert.deepEqual(Object.keys(golden).sort(), cases.map((c) => c.name).sort(), 'one golden answer per case (re-record with BPFX_RECORD_CONTEXT=1)');
  const wrong: string[] = [];
  for (const c of cases) {
    const got = observeKernel(c);
    if (JSON.stringify(got) !== JSON.stringify(golden[c.name])) wrong.push(`${c.name}: kernel ${JSON.stringify(got)}, recorded ${JSON.stringify(golden[c.name])}`);
  }
  assert.deepEqual(wrong, []);
});

// ---- 2. fixtures and specs on both engines

interface Runnable { name: string; prog: ProgramUnderTest }

/** This machine's kernel (BTF, network devices), built once for the file. */
const host = hostFacts({ probe: false });

function runnablePrograms(): Runnable[] {
  const out: Runnable[] = [];
  const objDir = path.join(ROOT, 'fixtures/obj');
  for (const f of fs.readdirSync(objDir).filter((x) => x.endsWith('.o')).sort()) {
    let progs: ProgramUnderTest[];
    try {
      progs = loadObjectPrograms(path.join(objDir, f), host);
    } catch {
      continue; // libbpf refuses the object (fixtures.test.ts checks the message)
    }
    for (const p of progs) out.push({ name: `${f}:${p.name}`, prog: p });
  }
  for (const f of findSpecFiles([path.join(ROOT, 'specs')])) {
    out.push({ name: path.relative(ROOT, f), prog: programFromSpec(readSpecFile(f), host) });
  }
  return out;
}

/**
 * Programs the interpreter cannot run yet for reasons other than the context
 * (its map and helper models), each with the reason; the test fails when one
 * of them starts agreeing, so the list stays true.
 */
const NOT_CONTEXT: Record<string, string> = {
  'kfunc_weak.bpf.o:call_weak_kfunc': 'ld_imm64 BPF_PSEUDO_BTF_ID (a kfunc address) is not modelled',
  'programs.bpf.o:xdp_count': 'prog_array (and ringbuf) maps are not modelled',
  'programs.bpf.o:tc_sum': 'prog_array maps are not modelled',
  // the calls fixtures and specs (helpers, kfuncs and map types the interpreter does not model)
  'calls_helpers.bpf.o:timer_start': 'ringbuf maps are not modelled by the interpreter',
  'calls_callbacks.bpf.o:each_array_write': 'the interpreter has no helper 164',
  'calls_callbacks.bpf.o:each_hash': 'the interpreter has no helper 164',
  'calls_callbacks.bpf.o:loop_break': 'the interpreter has no helper 181',
  'calls_callbacks.bpf.o:loop_sum': 'the interpreter has no helper 181',
  'calls_helpers.bpf.o:csum_stack': 'the interpreter has no helper 28',
  'calls_helpers.bpf.o:sk_lookup_release': 'the interpreter has no helper 84',
  'calls_helpers.bpf.o:spin_count': 'ringbuf maps are not modelled by the interpreter',
  'calls_helpers.bpf.o:xdp_redirect_if': 'the interpreter has no helper 23',
  'calls_kfuncs.bpf.o:rcu_section': 'the interpreter has no such kfunc',
  'calls_kfuncs.bpf.o:strcmp_any': 'the interpreter has no such kfunc',
  'calls_kfuncs.bpf.o:task_acquire_current': 'the interpreter has no helper 158',
  'calls_kfuncs.bpf.o:task_pid_release': 'the interpreter has no such kfunc',
  'specs/kfunc-rcu-section.yaml': 'the interpreter has no such kfunc',
  'rule_locks.bpf.o:iter_num_in_lock': 'the interpreter has no helper 93',
  'specs/rules/lock-iter-num-allowed.yaml': 'the interpreter has no helper 93',
  'specs/rules/global-func-dynptr-read.yaml': 'the interpreter has no helper 197 (bpf_dynptr_from_mem)',
  'specs/preempt-nested-balanced.yaml': 'the interpreter has no such kfunc (bpf_preempt_disable)',
  'specs/preempt-subprogram-disables.yaml': 'the interpreter has no such kfunc (bpf_preempt_disable)',
  'obj_new.bpf.o:obj_new_drop': 'the interpreter has no such kfunc (bpf_obj_new_impl)',
  'obj_new.bpf.o:obj_drop_then_throw': 'the interpreter has no such kfunc (bpf_obj_new_impl)',
  'obj_new.bpf.o:obj_new_in_subprog': 'the interpreter has no such kfunc (bpf_obj_new_impl)',
  'graph.bpf.o:g_rb_add_first_remove': 'the interpreter has no such kfunc (bpf_obj_new_impl)',
  'graph.bpf.o:g_list_push_pop': 'the interpreter has no such kfunc (bpf_obj_new_impl)',
  'graph.bpf.o:g_rb_read_after_add': 'the interpreter has no such kfunc (bpf_obj_new_impl)',
  'graph.bpf.o:g_rb_remove_owned': 'the interpreter has no such kfunc (bpf_obj_new_impl)',
  'graph.bpf.o:g_rb_twin': 'the interpreter has no such kfunc (bpf_obj_new_impl)',
  'graph.bpf.o:g_throw_after_drop': 'the interpreter has no helper 93',
  'graph.bpf.o:g_list_peek': 'the interpreter has no helper 93',
  'graph.bpf.o:g_rb_walk': 'the interpreter has no helper 93',
  'graph.bpf.o:g_cb_peek_first': 'the interpreter has no such kfunc (bpf_obj_new_impl)',
  'graph.bpf.o:g_map_push': 'the interpreter has no such kfunc (bpf_obj_new_impl)',
  'graph.bpf.o:g_rb_add_loop': 'the interpreter has no such kfunc (bpf_obj_new_impl)',
  'iter_loops.bpf.o:iter_index_checked': 'the interpreter has no such kfunc (bpf_iter_num_new)',
  'iter_loops.bpf.o:iter_nested': 'the interpreter has no such kfunc (bpf_iter_num_new)',
  'iter_loops.bpf.o:iter_break': 'the interpreter has no such kfunc (bpf_iter_num_new)',
  'iter_loops.bpf.o:iter_carried_precise': 'the interpreter has no such kfunc (bpf_iter_num_new)',
  'specs/kfunc-task-release-checked.yaml': 'the interpreter has no such kfunc',
  'v10_btf.bpf.o:btf_task_in_socket': 'the interpreter has no helper 158',
  'v10_callbacks.bpf.o:timer_arm': 'user_ringbuf maps are not modelled by the interpreter',
  'v10_callbacks.bpf.o:foreach_sum': 'user_ringbuf maps are not modelled by the interpreter',
  'v10_dynptr.bpf.o:dynptr_kfunc_in_socket': 'ringbuf maps are not modelled by the interpreter',
  'v10_mem.bpf.o:map_value_bounded_var_off': 'ringbuf maps are not modelled by the interpreter',
  'v10_mem.bpf.o:spin_lock_pair': 'ringbuf maps are not modelled by the interpreter',
  'v10_callbacks.bpf.o:loop_stack_ctx': 'the interpreter has no helper 181',
  'v10_mem.bpf.o:csum_diff_stack': 'the interpreter has no helper 28',
  'v10_mem.bpf.o:sk_lookup_release': 'the interpreter has no helper 84',
  'exc_st_tail.bpf.o:st_tail_call_throws': 'prog_array maps are not modelled',
  'exc_st_run.bpf.o:st_in_full_range': 'the interpreter has no helper 5',
  'exc_st_run.bpf.o:st_in_full_range_with': 'the interpreter has no helper 5',
  'exc_st_run.bpf.o:st_in_small_range': 'the interpreter has no helper 5',
  'exc_st_run.bpf.o:st_in_small_range_with': 'the interpreter has no helper 5',
  'tl_retcodes.bpf.o:return_pointer': 'returns its context pointer: an address, the kernel\'s and the interpreter\'s differ',
};

const INPUTS: Array<[string, RunInput]> = [['default', {}], ['pkt_v4', { packet: pktV4() }]];

test('every fixture and spec program the kernel test-runs returns the same on the interpreter (default input and pkt_v4)', { skip }, async (t) => {
  const kernel = getEngine('kernel', host), interp = getEngine('interp', host);
  let same = 0, notRun = 0;
  const differ: string[] = [], known: string[] = [];
  for (const { name, prog } of runnablePrograms()) {
    if (callsNondeterministicHelper(prog.insns)) continue; // a clock or a random number: no reason to agree
    for (const [iname, input] of INPUTS) {
      const kr = await kernel.run(prog, input);
      if (kr.verdict !== 'accept' || kr.retval === null) { notRun++; continue; }
      const ir = await interp.run(prog, input);
      // object programs: the kernel engine reports the 32 bits BPF_PROG_TEST_RUN gives
      const iv = ir.retval === null ? null : prog.object ? BigInt.asUintN(32, ir.retval) : ir.retval;
      const dataSame = !kr.dataOut || !ir.dataOut || Buffer.from(kr.dataOut).equals(Buffer.from(ir.dataOut));
      if (iv === kr.retval && dataSame) {
        if (NOT_CONTEXT[name]) differ.push(`${name} (${iname}): listed in NOT_CONTEXT but agrees now`);
        same++;
      } else if (NOT_CONTEXT[name]) known.push(name);
      else differ.push(`${name} (${iname}): kernel ${kr.retval}${dataSame ? '' : ' data_out differs'}, interp ${ir.retval} ${ir.error ?? ''}`);
    }
  }
  t.diagnostic(`${same} runs agree, ${known.length} differ for known non-context reasons, ${notRun} not test-run by the kernel`);
  assert.deepEqual(differ, []);
  assert.ok(same > 0);
});
