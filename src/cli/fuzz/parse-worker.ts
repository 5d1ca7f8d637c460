// A worker thread of the parser fuzzer (parse-run.ts): runs inputs [start, end)
// of one target, stores the current index where the parent's watchdog reads it,
// posts counts every few hundred inputs and every finding at once.
import { parentPort, workerData } from 'worker_threads';
import { Outcome, OUTCOMES, parserTargets } from './parsers';
import { classify, parserInput } from './parse-run';

interface Data { target: string; seed: number; start: number; end: number; skip: number[]; boundMs: number; memoryMb: number; progress: Int32Array }

async function work(d: Data): Promise<void> {
  const t = parserTargets().find((x) => x.name === d.target)!;
  const seeds = t.seeds();
  const skip = new Set(d.skip);
  // warm up (lazy module state: a schema compiled, a kernel BTF parsed) before the watchdog counts time
  if (seeds.length) await classify(t, seeds[0].bytes, seeds[0], d);
  let counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (let i = d.start; i < d.end; i++) {
    Atomics.store(d.progress, 0, i);
    if (!skip.has(i)) {
      const inp = parserInput(t, seeds, d.seed, i);
      const c = await classify(t, inp.bytes, inp.seed, d);
      counts[c.outcome]++;
      if (c.outcome !== 'result' && c.outcome !== 'typed-error') {
        parentPort!.postMessage({ kind: 'finding', finding: { target: t.name, index: i, outcome: c.outcome, seedName: inp.seed.name, detail: c.detail, bytes: inp.bytes } });
      }
    }
    if ((i + 1 - d.start) % 250 === 0 || i + 1 === d.end) {
      parentPort!.postMessage({ kind: 'batch', upTo: i + 1, counts });
      counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
    }
  }
}

void work(workerData as Data).then(() => process.exit(0));
