/**
 * Every failure of a per-galaxy instance names its galaxy, wherever it is shown (the log,
 * `--json`'s `error`, the summary, what a catalog-level stage says it left out), whatever
 * code failed: a FITS reader that knows only its file, a file system error that knows only a
 * path, a stage of the user's. Made in one place, where an instance's failure is made.
 */
import type { Failure } from '../errors.ts';
import type { Instance } from '../pipeline/analyse.ts';

/** `f`, its message starting with `galaxy <id> (<SN Name>): ` unless it names the galaxy already. */
export function namingGalaxy(f: Failure, inst: Instance): Failure {
  if (inst.scope !== 'galaxy' || f.reason === 'upstream-failed' || f.reason === 'cancelled') return f;
  const id = inst.row.id;
  const named = new RegExp(`(^|\\W)galaxy ${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w.-])`);
  if (named.test(f.message)) return f;
  const sn = inst.row.fields['SN Name'];
  return { ...f, message: `galaxy ${id}${sn ? ` (${sn})` : ''}: ${f.message}` };
}
