// Running the parser fuzzer: input i of target T in a run seeded S is built
// from (T, S, i) alone (parsers.ts), so a run splits into index ranges, one
// worker thread per range (both cores), and any finding is reproduced by its
// index. A watchdog in the parent ends a worker whose current input passes
// the hard time bound (a hang) and restarts the range after it; a worker that
// runs out of its heap limit is a memory blow-up; inside the worker an input
// that returns past the per-input bound is a hang too, and one that leaves
// more than the memory bound in array buffers is a memory blow-up.
import * as path from 'path';
import { Worker } from 'worker_threads';
import { Outcome, OUTCOMES, ParserTarget, Seed, fuzzInput, isTypedError, parserTargets } from './parsers';
import { inputSeed, rng } from '../../harness/fuzz/mutate';

export interface ParseRunOptions {
  seed: number;
  count: number;
  /** A returning input slower than this is a hang (ms). */
  boundMs: number;
  /** More than this many MiB of array buffers after an input is a memory blow-up. */
  memoryMb: number;
  jobs: number;
}

export interface Finding { target: string; index: number; outcome: Outcome; seedName: string; detail: string; bytes: Uint8Array }
export interface TargetReport { target: string; counts: Record<Outcome, number>; findings: Finding[]; seconds: number }

const nameSalt = (name: string): number => [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261);

/** Input `i` of `target` in a run seeded `seed`. */
export function parserInput(t: ParserTarget, seeds: readonly Seed[], seed: number, i: number): { seed: Seed; bytes: Uint8Array } {
  return fuzzInput(t, seeds, rng(inputSeed(seed, i, nameSalt(t.name))));
}

/** Feed one input and classify what happened. */
export async function classify(t: ParserTarget, bytes: Uint8Array, seed: Seed, opts: Pick<ParseRunOptions, 'boundMs' | 'memoryMb'>):
Promise<{ outcome: Outcome; detail: string }> {
  const first = await classifyOnce(t, bytes, seed, opts);
  // a slow return on a shared machine (another process, a GC) is confirmed by running the input again
  return first.outcome === 'hang' ? classifyOnce(t, bytes, seed, opts) : first;
}

async function classifyOnce(t: ParserTarget, bytes: Uint8Array, seed: Seed, opts: Pick<ParseRunOptions, 'boundMs' | 'memoryMb'>):
Promise<{ outcome: Outcome; detail: string }> {
  const t0 = performance.now();
  let outcome: Outcome = 'result', detail = '';
  try {
    const r = t.run(bytes, seed);
    if (r instanceof Promise) await r;
  } catch (e) {
    if (isTypedError(e)) outcome = 'typed-error';
    else {
      const err = e as Error;
      outcome = 'crash';
      detail = `${err?.name ?? typeof e}: ${err?.message ?? String(e)}\n${(err?.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
    }
  }
  const ms = performance.now() - t0;
  if (outcome !== 'crash' && ms > opts.boundMs) { outcome = 'hang'; detail = `took ${Math.round(ms)} ms (bound ${opts.boundMs} ms)`; }
  const ab = process.memoryUsage().arrayBuffers;
  if (ab > opts.memoryMb * 2 ** 20) { outcome = 'memory'; detail = `${Math.round(ab / 2 ** 20)} MiB of array buffers after the input`; }
  return { outcome, detail };
}

const zero = (): Record<Outcome, number> => Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;

/** In process, without a watchdog (npm test's short runs): a hang shows as a slow return. */
export async function fuzzParserInProcess(name: string, opts: Omit<ParseRunOptions, 'jobs'>): Promise<TargetReport> {
  const t = parserTargets().find((x) => x.name === name);
  if (!t) throw new Error(`unknown parser target '${name}'`);
  const seeds = t.seeds();
  const counts = zero(), findings: Finding[] = [];
  const t0 = Date.now();
  for (let i = 0; i < opts.count; i++) {
    const inp = parserInput(t, seeds, opts.seed, i);
    const c = await classify(t, inp.bytes, inp.seed, opts);
    counts[c.outcome]++;
    if (c.outcome !== 'result' && c.outcome !== 'typed-error') findings.push({ target: name, index: i, outcome: c.outcome, seedName: inp.seed.name, detail: c.detail, bytes: inp.bytes });
  }
  return { target: name, counts, findings, seconds: (Date.now() - t0) / 1000 };
}

interface Range { start: number; end: number }
type WorkerMsg =
  | { kind: 'batch'; upTo: number; counts: Record<Outcome, number> }
  | { kind: 'finding'; finding: Finding };

/** One target, `jobs` worker threads over index ranges, with the watchdog. */
export async function fuzzParser(name: string, opts: ParseRunOptions, onProgress?: (done: number) => void): Promise<TargetReport> {
  const t0 = Date.now();
  const counts = zero(), findings: Finding[] = [];
  const per = Math.ceil(opts.count / opts.jobs);
  const ranges: Range[] = [];
  for (let s = 0; s < opts.count; s += per) ranges.push({ start: s, end: Math.min(opts.count, s + per) });
  let done = 0;
  await Promise.all(ranges.map(async (range) => {
    let start = range.start;
    const skip: number[] = [];
    while (start < range.end) {
      const progress = new Int32Array(new SharedArrayBuffer(8));
      progress[0] = -1; // the worker stores its first index once its seeds are read (startup is not an input)
      const w = new Worker(path.join(__dirname, 'parse-worker.js'), {
        workerData: { target: name, seed: opts.seed, start, end: range.end, skip, boundMs: opts.boundMs, memoryMb: opts.memoryMb, progress },
        resourceLimits: { maxOldGenerationSizeMb: Math.max(256, opts.memoryMb * 2) },
        stdout: true, stderr: true,
      });
      let counted = start;
      const ended = await new Promise<{ how: 'done' | 'hang' | 'memory' | 'error'; detail: string }>((resolve) => {
        let last = progress[0], since = Date.now();
        const timer = setInterval(() => {
          const now = Atomics.load(progress, 0);
          if (now !== last) { last = now; since = Date.now(); return; }
          if (Date.now() - since > (now < 0 ? 120000 : opts.boundMs * 3)) { clearInterval(timer); void w.terminate(); resolve({ how: 'hang', detail: `no answer after ${opts.boundMs * 3} ms` }); }
        }, Math.max(50, opts.boundMs / 4));
        w.on('message', (m: WorkerMsg) => {
          if (m.kind === 'finding') findings.push({ ...m.finding, bytes: new Uint8Array(m.finding.bytes) });
          else {
            for (const o of OUTCOMES) counts[o] += m.counts[o];
            done += m.upTo - counted;
            counted = m.upTo;
            onProgress?.(done);
          }
        });
        w.on('error', (e: Error & { code?: string }) => {
          clearInterval(timer);
          resolve(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? { how: 'memory', detail: 'the worker ran out of its heap limit' } : { how: 'error', detail: `${e.name}: ${e.message}` });
        });
        w.on('exit', () => { clearInterval(timer); resolve({ how: 'done', detail: '' }); });
      });
      if (ended.how === 'done' && counted >= range.end) break;
      // the input the worker was on: record it, then go on after it (inputs since the last batch run again)
      const at = Math.max(start, Atomics.load(progress, 0));
      const t = parserTargets().find((x) => x.name === name)!;
      const inp = parserInput(t, t.seeds(), opts.seed, at);
      const outcome: Outcome = ended.how === 'memory' ? 'memory' : ended.how === 'hang' ? 'hang' : 'crash';
      findings.push({ target: name, index: at, outcome, seedName: inp.seed.name, detail: ended.detail, bytes: inp.bytes });
      counts[outcome]++;
      skip.push(at);
      start = counted;
      if (at + 1 > start && skip.length > 1000) break; // a target that dies on everything: stop
    }
  }));
  return { target: name, counts, findings, seconds: (Date.now() - t0) / 1000 };
}
