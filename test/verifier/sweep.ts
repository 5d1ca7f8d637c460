// Shared by the *_sweep tests: a sweep is a list of generated programs, each run on
// the verifier model and on the live kernel. `modelTally` counts the model's verdicts
// (compared with what the kernel answered when the sweep was written, so a sweep
// still checks something where no kernel is at hand); `kernelDisagreements` loads
// every program into the kernel and lists each one where the verdict or the log
// differs. Maps are created once per sweep; ld_imm64 immediates name them by key.
import { verify } from '../../src/verifier';
import { MapInfo } from '../../src/verifier/types';
import { assemble } from '../../src/isa';
import { Insn } from '../../src/isa/insn';
import { progLoad, closeFd, mapCreate } from '../../src/kernel';
import { firstErrorLine } from '../../src/verifier/error_line';

export interface SweepCase {
  name: string;
  progType: number;
  expectedAttachType?: number;
  /** The program, as assembly or as instructions. */
  asm?: string;
  insns?: Insn[];
  /** Maps by the key its ld_imm64 immediates use. */
  maps?: ReadonlyMap<number, MapInfo>;
}

export interface Tally { accepted: number; rejected: Record<string, number>; notModelled: string[] }

const insnsOf = (c: SweepCase): Insn[] => c.insns ?? assemble(c.asm ?? '', { source: c.name });
const modelOf = (c: SweepCase, insns: Insn[], logLevel: number): ReturnType<typeof verify> =>
  verify({ insns, progType: c.progType, expectedAttachType: c.expectedAttachType, logLevel, maps: c.maps ? new Map(c.maps) : undefined });

/** The model's verdicts over the sweep: how many accepted, the first error line of each rejection, and any `not modelled yet`. */
export function modelTally(cases: readonly SweepCase[]): Tally {
  const t: Tally = { accepted: 0, rejected: {}, notModelled: [] };
  for (const c of cases) {
    const r = modelOf(c, insnsOf(c), 1);
    if (r.notModelled) t.notModelled.push(`${c.name}: ${firstErrorLine(r.log)}`);
    else if (r.verdict === 'accept') t.accepted++;
    else { const l = firstErrorLine(r.log) ?? ''; t.rejected[l] = (t.rejected[l] ?? 0) + 1; }
  }
  return t;
}

/** The work the model did over the sweep: the sums of `processed N insns` and `total_states` of its logs. */
export function modelWork(cases: readonly SweepCase[]): { insns: number; states: number } {
  const w = { insns: 0, states: 0 };
  for (const c of cases) {
    const m = /processed (\d+) insns .* total_states (\d+)/.exec(modelOf(c, insnsOf(c), 1).log);
    if (m) { w.insns += Number(m[1]); w.states += Number(m[2]); }
  }
  return w;
}

/** ld_imm64 of a map prints the map's kernel address (and pads after it): logs are compared without it. */
const withoutMapAddress = (log: string): string => log.replace(/\(18\) (r\d+) = 0x[0-9a-f]+ */g, '(18) $1 = MAP ');

/** Every program of the sweep where the kernel and the model differ in verdict or in the log at `logLevel`. */
export function kernelDisagreements(cases: readonly SweepCase[], logLevel = 1): string[] {
  const fds = new Map<string, number>();
  const fdOf = (key: number, m: MapInfo): number => {
    const id = `${key}:${JSON.stringify(m)}`;
    if (!fds.has(id)) {
      fds.set(id, mapCreate({ mapType: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, name: m.name, mapFlags: m.flags }));
    }
    return fds.get(id)!;
  };
  try {
    const wrong: string[] = [];
    for (const c of cases) {
      const insns = insnsOf(c);
      const kernelInsns = insns.map((x) => {
        const m = x.code === 0x18 && (x.src === 1 || x.src === 2) ? c.maps?.get(x.imm) : undefined;
        return m ? { ...x, imm: fdOf(x.imm, m) } : x;
      });
      const r = progLoad({ insns: kernelInsns, progType: c.progType, expectedAttachType: c.expectedAttachType, logLevel });
      if (r.ok) closeFd(r.fd);
      const m = modelOf(c, insns, logLevel);
      if (m.verdict !== (r.ok ? 'accept' : 'reject') || withoutMapAddress(m.log) !== withoutMapAddress(r.log)) {
        wrong.push(`${c.name}: kernel ${r.ok ? 'accept' : `reject (${firstErrorLine(r.log)})`}, model ${m.verdict} (${firstErrorLine(m.log)})`);
      }
    }
    return wrong;
  } finally {
    for (const fd of fds.values()) closeFd(fd);
  }
}
