/**
 * Runs that do not mix: a run that rewrites a result the lock recorded as made with other
 * parameters (`--set seed=1` over seed 0's `122_SN2016ex1_4.fits`) says so at its end,
 * naming each file and what differed, and how to keep both (the parameter in the file
 * name). Without it the earlier result is silently gone, and a folder's summary or report
 * could be read as one run's when it is not.
 */
import path from 'node:path';
import { lockDir, type Lock } from '../provenance/lock.ts';
import { fromLockPath } from '../provenance/paths.ts';
import type { ParamValue } from '../stage.ts';

/** At most this many files are named; the rest are counted. */
const SHOWN = 5;

/**
 * The lines to print after a run that turned the lock `before` into `after`: each result
 * FITS of a galaxy whose content changed and whose making (the parameters of the instance
 * that wrote it and of those it needs) differs. A folder's summary.csv or report.html is
 * rewritten by every run by design, so only per-galaxy FITS count.
 */
export function replacedLines(lockFile: string, before: Lock, after: Lock): string[] {
  const replaced: { file: string; changes: string[] }[] = [];
  const names = new Set<string>();
  for (const [stored, now] of Object.entries(after.outputs)) {
    const old = before.outputs[stored];
    if (!old || old.sha256 === now.sha256 || !/\.fits$/i.test(stored)) continue;
    if (after.instances[now.by]?.galaxy === 'all') continue;
    const changes = differing(chainParams(before, old.by), chainParams(after, now.by));
    if (changes.length === 0) continue;
    for (const c of changes) names.add(c.name);
    replaced.push({ file: fromLockPath(lockDir(lockFile), stored), changes: changes.map((c) => `${c.name} ${shown(c.before)} -> ${shown(c.now)}`) });
  }
  if (replaced.length === 0) return [];
  const list = replaced.slice(0, SHOWN).map((r) => `  ${path.relative(process.cwd(), r.file) || r.file} (${r.changes.join(', ')})`);
  if (replaced.length > SHOWN) list.push(`  and ${replaced.length - SHOWN} more`);
  // The result's name takes {id}, {sn}, {k} and {seed} (src/catalog/galaxy.ts); any other
  // parameter keeps both results by another --out.
  const inName: string[] = [...names].filter((n) => n === 'seed' || n === 'k');
  const how = inName.length && [...names].every((n) => inName.includes(n) || n === 'out' || n === 'name')
    ? `to keep both, put ${inName.map((n) => `{${n}}`).join(' and ')} in the file name (e.g. --set name={id}_{sn}_{k}${inName.includes('seed') ? '_s{seed}' : ''}.fits), or give another --out`
    : `to keep both, give each set of parameters its own --out (e.g. --out out/${[...names].filter((n) => n !== 'out' && n !== 'name').map((n) => `${n}-<value>`).join('_') || 'other'})`;
  return [`replaced ${replaced.length} result${replaced.length === 1 ? '' : 's'} made with other parameters (the lock recorded them):`, ...list, `  ${how}`];
}

/** The parameters of an instance of the lock and of every instance it needs, transitively. */
function chainParams(lock: Lock, ref: string): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  const seen = new Set<string>();
  const visit = (r: string): void => {
    if (seen.has(r)) return;
    seen.add(r);
    const inst = lock.instances[r];
    if (!inst) return;
    for (const need of inst.needs ?? []) visit(need);
    Object.assign(out, lock.params[inst.params] ?? {});
  };
  visit(ref);
  return out;
}

function differing(before: Readonly<Record<string, ParamValue>>, now: Readonly<Record<string, ParamValue>>): { name: string; before: ParamValue | undefined; now: ParamValue | undefined }[] {
  const out: { name: string; before: ParamValue | undefined; now: ParamValue | undefined }[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(now)])].sort()) {
    if (before[name] !== now[name]) out.push({ name, before: before[name], now: now[name] });
  }
  return out;
}

function shown(v: ParamValue | undefined): string {
  return v === undefined ? '(none)' : String(v);
}
