// bpfx probe [--json] [--refresh]: which verifier profile (src/verifier/profiles.ts)
// the live kernel matches, found by loading a few tiny probe programs
// (src/kernel/probe.ts). The answers are cached per boot; --refresh probes again.
// Exit 0 when a profile matches every answer, 1 when only the closest one does,
// 2 when the kernel cannot be used.
import { Command, UsageError } from '../command';
import { InputError } from '../outcome';
import { kernelAvailable } from '../../kernel/avail';
import { hostVmlinuxBtf } from '../../kernel/host';
import { probeLiveKernel, ProbeFeatures, expectedFeatures } from '../../kernel/probe';
import { PROFILES } from '../../verifier/profiles';

const show = (v: unknown): string => (v === null ? 'unknown' : typeof v === 'string' ? `'${v}'` : String(v));

function text(report: ReturnType<typeof probeLiveKernel>): string {
  const { report: r, profile, cached } = report;
  const out = [`kernel:  ${r.kernel}`, `profile: ${r.profile}${r.exact ? '' : ' (closest: not every answer agrees)'}${cached ? '  [cached]' : ''}`,
    `         ${profile.description}`, 'features:'];
  const want = expectedFeatures(profile) as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(r.features as ProbeFeatures)) {
    out.push(`  ${k.padEnd(34)} ${show(v)}${v !== null && v !== want[k] ? `   (profile says ${show(want[k])})` : ''}`);
  }
  out.push('', `profiles: ${PROFILES.map((p) => p.name).join(', ')}`);
  return out.join('\n');
}

export const command: Command = {
  name: 'probe',
  summary: 'which kernel profile the live kernel matches (probe programs; cached per boot)',
  usage: 'bpfx probe [options]',
  options: [{ name: 'refresh', type: 'boolean', description: 'probe again instead of using the answers cached for this boot' }],
  examples: ['bpfx probe', 'bpfx probe --json --refresh'],
  exits: { 0: 'a profile matches every answer', 1: 'only the closest profile matches', 2: 'the kernel cannot be used', 3: '(not used)' },
  run(args, ctx) {
    if (args.positional.length) throw new UsageError(`unexpected argument '${args.positional[0]}'`);
    const avail = kernelAvailable();
    if (!avail.ok) throw new InputError('kernel', null, `the kernel cannot be used: ${avail.reason}`);
    const probe = probeLiveKernel(hostVmlinuxBtf(), { refresh: args.flags.refresh === true });
    const { kernel, profile, features, exact } = probe.report;
    if (ctx.json) ctx.emit({ kernel, profile, features, exact });
    else process.stdout.write(text(probe) + '\n');
    return exact ? 'ok' : 'reject';
  },
};
