// Steps that build the program under test and its input: assembly (with the
// functions and maps it declares, as a spec's program.functions/maps), ubpf,
// an object's program, a spec; how it is loaded (log level, prog flags).
import { Given } from '@cucumber/cucumber';
import * as path from 'path';
import { BpfxWorld } from './world';
import { programFromSource, programFromObject, readSpecFile, programFromSpec } from '../src/harness/program';
import { hexBytes, SpecFunction, SpecMap } from '../src/spec';

const root = path.resolve(__dirname, '..');

function build(world: BpfxWorld, f: () => void): void {
  try { f(); world.buildError = undefined; } catch (e) { world.program = undefined; world.buildError = e as Error; }
}

/** (Re)build the assembly program from what the scenario has given so far. */
function buildSource(world: BpfxWorld): void {
  const src = world.programSource;
  if (!src) return;
  build(world, () => { world.program = programFromSource(src, { name: 'prog', progType: world.progType, host: world.host, source: world.source }); });
}

Given('the program type {string}', function (this: BpfxWorld, type: string) {
  this.progType = type;
  if (this.program) this.program.progType = type;
  buildSource(this);
});

Given('the program:', function (this: BpfxWorld, text: string) {
  this.programSource = { asm: text };
  buildSource(this);
});

Given('the ubpf program:', function (this: BpfxWorld, text: string) {
  this.programSource = undefined;
  build(this, () => { this.program = programFromSource({ ubpf: text }, { name: 'prog', progType: this.progType, host: this.host }); });
});

/** | name | linkage | args | returns | exception_callback | (args separated by commas; empty cells: the defaults). */
Given('the functions:', function (this: BpfxWorld, table: { hashes(): Record<string, string>[] }) {
  if (!this.programSource?.asm) throw new Error('`Given the functions:` needs `Given the program:` before it');
  const fns: SpecFunction[] = table.hashes().map((row) => {
    const f: SpecFunction = { name: row.name };
    if (row.linkage) f.linkage = row.linkage as 'global' | 'static';
    if (row.args !== undefined && row.args.trim()) f.args = row.args.split(',').map((a) => a.trim());
    if (row.returns) f.returns = row.returns;
    if (row.exception_callback) f.exception_callback = row.exception_callback;
    if (row.decl_tags) f.decl_tags = row.decl_tags.split(',').map((t) => t.trim());
    return f;
  });
  this.programSource = { ...this.programSource, functions: fns };
  buildSource(this);
});

Given('the map {string} of type {string} with key size {int}, value size {int} and {int} entries', function (this: BpfxWorld, name: string, type: string, key: number, value: number, entries: number) {
  if (!this.programSource?.asm) throw new Error('`Given the map ...` needs `Given the program:` before it');
  const m: SpecMap = { name, type, key_size: key, value_size: value, max_entries: entries };
  this.programSource = { ...this.programSource, maps: [...(this.programSource.maps ?? []), m] };
  buildSource(this);
});

Given('the object {string} program {string}', function (this: BpfxWorld, file: string, prog: string) {
  this.programSource = undefined;
  build(this, () => { this.program = programFromObject(path.resolve(root, file), prog, this.host); });
  if (this.program) this.progType = this.program.progType;
});

/** __auxiliary: these programs of the object load first; a failure among them fails the load. */
Given('the object {string} program {string} with the auxiliary programs {string}', function (this: BpfxWorld, file: string, prog: string, aux: string) {
  this.programSource = undefined;
  const auxiliary = aux.split(',').map((a) => a.trim()).filter(Boolean);
  build(this, () => { this.program = programFromObject(path.resolve(root, file), prog, this.host, { auxiliary }); });
  if (this.program) this.progType = this.program.progType;
});

Given('the spec {string}', function (this: BpfxWorld, file: string) {
  const spec = readSpecFile(path.resolve(root, file));
  this.programSource = undefined;
  this.progType = spec.type;
  build(this, () => { this.program = programFromSpec(spec, this.host); });
  if (spec.input.mem) this.input.mem = hexBytes(spec.input.mem);
  if (spec.input.packet) this.input.packet = hexBytes(spec.input.packet);
  if (spec.input.ctx) this.input.ctx = hexBytes(spec.input.ctx);
  if (spec.load?.log_level !== undefined) this.logLevel = spec.load.log_level;
  if (spec.load?.flags) this.flags.push(...spec.load.flags);
});

Given('the memory {string}', function (this: BpfxWorld, hex: string) {
  this.input.mem = hexBytes(hex);
});

Given('the packet {string}', function (this: BpfxWorld, hex: string) {
  this.input.packet = hexBytes(hex);
});

Given('a packet of {int} zero bytes', function (this: BpfxWorld, n: number) {
  this.input.packet = new Uint8Array(n);
});

/** __log_level(N): 0 is libbpf's default (no log when the load succeeds; a failed load is retried at level 1). */
Given('the log level {int}', function (this: BpfxWorld, level: number) {
  this.logLevel = level;
});

/** __flag(F): a BPF_F_* prog flag (or a number) ORed into the load's flags; `!F` clears it. */
Given('the prog flag {string}', function (this: BpfxWorld, flag: string) {
  this.flags.push(flag);
});
