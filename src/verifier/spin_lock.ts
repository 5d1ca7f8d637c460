// Map value fields passed to helpers: process_spin_lock for bpf_spin_lock /
// bpf_spin_unlock and process_timer_func for the bpf_timer_* helpers (kernel/bpf/verifier.c).
// The lock must sit at a constant offset of a map value whose BTF has a
// bpf_spin_lock there; taking it records a lock reference (REF_TYPE_LOCK with the
// register's id and the map), releasing it must name the same lock and ends every
// non-owning reference to graph nodes (invalidate_non_owning_refs). Locks in
// allocated objects (PTR_TO_BTF_ID | MEM_ALLOC) are `not modelled yet`; an rbtree `less`
// callback may not lock or unlock (check_func_arg's ARG_PTR_TO_SPIN_LOCK).
import { VerifierEnv, fail, notModelled } from './env';
import { RegState, MapRef } from './state';
import { scalarIsConst } from './scalar_bridge';
import { inRbtreeCallback, invalidateNonOwningRefs, graphCallStart } from './graph';

/** process_spin_lock for the argument in R`regno` of bpf_spin_lock (`lock`) or bpf_spin_unlock. */
export function processSpinLock(env: VerifierEnv, regno: number, reg: RegState, lock: boolean): void {
  if (reg.type !== 'map_value') return notModelled(env, `bpf_spin_lock in ${reg.type}`);
  if (inRbtreeCallback(env)) fail(env, 'EACCES', 'spinLockInRbtreeCb');
  graphCallStart(env, lock ? 'bpf_spin_lock' : 'bpf_spin_unlock');
  if (!scalarIsConst(reg.v)) fail(env, 'EINVAL', 'spinLockVarOff', [regno]);
  const map = reg.map;
  const field = (map.fields ?? []).find((f) => f.kind === 'bpf_spin_lock');
  if (!field) {
    if (map.fields === undefined) fail(env, 'EINVAL', 'spinLockNeedsBtf', [map.name]);
    fail(env, 'EINVAL', 'spinLockMissing', ['map', map.name]);
  }
  const off = Number(reg.v.varOff.value) + reg.off;
  if (off !== field.offset) fail(env, 'EINVAL', 'spinLockWrongOff', [off, field.offset]);
  const refs = env.cur.refs;
  const held = refs.findIndex((r) => r.kind === 'lock');
  if (lock) {
    if (held >= 0) fail(env, 'EINVAL', 'spinLockTwice');
    refs.push({ kind: 'lock', id: reg.id, insnIdx: env.insnIdx, obj: map.fd });
    return;
  }
  if (held < 0) fail(env, 'EINVAL', 'spinUnlockWithoutLock');
  const i = refs.findIndex((r) => r.kind === 'lock' && r.id === reg.id && r.obj === map.fd);
  if (i < 0) fail(env, 'EINVAL', 'spinUnlockDifferent');
  refs.splice(i, 1);
  invalidateNonOwningRefs(env);
}

/** process_timer_func: the bpf_timer at a constant offset of a map value with BTF; returns the map. */
export function processTimerFunc(env: VerifierEnv, regno: number, reg: RegState): MapRef {
  if (reg.type !== 'map_value') return notModelled(env, `bpf_timer in ${reg.type}`);
  if (!scalarIsConst(reg.v)) fail(env, 'EINVAL', 'timerVarOff', [regno]);
  const map = reg.map;
  const field = (map.fields ?? []).find((f) => f.kind === 'bpf_timer');
  if (!field) {
    if (map.fields === undefined) fail(env, 'EINVAL', 'timerNeedsBtf', [map.name]);
    fail(env, 'EINVAL', 'timerMissing', [map.name]);
  }
  const off = Number(reg.v.varOff.value) + reg.off;
  if (off !== field.offset) fail(env, 'EINVAL', 'timerWrongOff', [off, field.offset]);
  return map;
}
