// Steps that build the program under test and its input.
import { Given } from '@cucumber/cucumber';
import * as path from 'path';
import { BpfxWorld } from './world';
import { programFromSource, programFromObject, readSpecFile, programFromSpec } from '../src/harness/program';
import { hexBytes } from '../src/spec';

const root = path.resolve(__dirname, '..');

function build(world: BpfxWorld, f: () => void): void {
  try { f(); world.buildError = undefined; } catch (e) { world.program = undefined; world.buildError = e as Error; }
}

Given('the program type {string}', function (this: BpfxWorld, type: string) {
  this.progType = type;
  if (this.program) this.program.progType = type;
});

Given('the program:', function (this: BpfxWorld, text: string) {
  build(this, () => { this.program = programFromSource({ asm: text }, { name: 'prog', progType: this.progType, host: this.host }); });
});

Given('the ubpf program:', function (this: BpfxWorld, text: string) {
  build(this, () => { this.program = programFromSource({ ubpf: text }, { name: 'prog', progType: this.progType, host: this.host }); });
});

Given('the object {string} program {string}', function (this: BpfxWorld, file: string, prog: string) {
  build(this, () => { this.program = programFromObject(path.resolve(root, file), prog, this.host); });
  if (this.program) this.progType = this.program.progType;
});

Given('the spec {string}', function (this: BpfxWorld, file: string) {
  const spec = readSpecFile(path.resolve(root, file));
  this.progType = spec.type;
  build(this, () => { this.program = programFromSpec(spec, this.host); });
  if (spec.input.mem) this.input.mem = hexBytes(spec.input.mem);
  if (spec.input.packet) this.input.packet = hexBytes(spec.input.packet);
  if (spec.input.ctx) this.input.ctx = hexBytes(spec.input.ctx);
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
