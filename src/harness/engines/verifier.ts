// The verifier model as an engine: what BPF_PROG_LOAD would give bpf_check()
// (insns, prog type, func_info, program BTF, kfunc names) into src/verifier.
import { verify, VerifyInput, progTypeNumber, ATTACH_TYPES, FuncInfo } from '../../verifier';
import { verifierBtfFrom } from '../../verifier/from_btf';
import { Engine, EngineResult, ProgramUnderTest, RunInput } from '../engine';

/** The verifier's input for a program under test. Throws for an unknown program type. */
export function verifierInputFor(p: ProgramUnderTest, logLevel = 1): VerifyInput {
  const progType = progTypeNumber(p.progType);
  if (progType === undefined) throw new Error(`unknown program type '${p.progType}'`);
  const kfuncs = p.kfuncs ?? new Map<number, string>();
  const input: VerifyInput = {
    insns: p.insns, progType, logLevel,
    kfunc: (id, off) => (off === 0 && kfuncs.has(id) ? { name: kfuncs.get(id)! } : undefined),
  };
  const o = p.object;
  if (o) {
    input.funcInfo = o.linked.funcInfo.map((r): FuncInfo => ({ insnOff: r.insnOff, typeId: r.typeId }));
    if (o.loaded.btf) input.btf = verifierBtfFrom(o.loaded.btf);
    if (o.linked.attachType) input.expectedAttachType = ATTACH_TYPES[o.linked.attachType.replace(/^bpf_/, '')];
  }
  return input;
}

export const verifierEngine: Engine = {
  name: 'verifier',
  available: () => ({ ok: true }),
  async run(p: ProgramUnderTest, _input: RunInput): Promise<EngineResult> {
    const r = verify(verifierInputFor(p));
    return { verdict: r.verdict, errno: r.errno, log: r.log, retval: null, error: null };
  },
};
