// The edge where commands build the host facts (src/kernel/host.ts) from their
// flags: --btf and --kconfig replace the kernel's files, --kernel-profile NAME
// chooses the verifier profile instead of probing the live kernel.
import { ParsedArgs, UsageError, flagString } from './command';
import { HostFacts, hostFacts } from '../kernel/host';
import { KernelProfile, PROFILES, profileByName } from '../verifier/profiles';
import { progTypeNumber, unknownUapiName } from '../isa/uapi';

/** The profile `--kernel-profile NAME` names; a usage error for an unknown name. */
export function kernelProfileFlag(args: ParsedArgs): KernelProfile | undefined {
  const name = flagString(args, 'kernel-profile');
  if (name === undefined) return undefined;
  const p = profileByName(name);
  if (!p) throw new UsageError(`unknown kernel profile '${name}' (known: ${PROFILES.map((x) => x.name).join(', ')})`);
  return p;
}

/** The host facts for a command: `probe` when it runs the verifier model (the profile matters). */
export function hostFactsFor(args: ParsedArgs, opts: { probe: boolean }): HostFacts {
  return hostFacts({
    btfPath: flagString(args, 'btf'), kconfigPath: flagString(args, 'kconfig'),
    profile: kernelProfileFlag(args), probe: opts.probe,
  });
}

/** --type: a program type name the UAPI table knows (a usage error naming the known ones otherwise). */
export function typeFlag(args: ParsedArgs): string | undefined {
  const t = flagString(args, 'type');
  if (t !== undefined && progTypeNumber(t) === undefined) throw new UsageError(unknownUapiName('prog type', t));
  return t;
}
