/**
 * Runs that do not mix: a run that rewrites a result which the lock file records as made
 * with other parameters (`--set seed=1` over seed 0's `122_SN2016ex1_4.fits`) says so at
 * its end, naming each file and what differed, and how to keep both (the parameter in the
 * file name). Without it the earlier result is silently gone, and a folder's summary or
 * report could be read as one run's when it is not.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readLock, resolveFrom, type LockEntry } from '../provenance/lock.ts';
import type { ParamValue } from '../stage.ts';

/** At most this many files are named; the rest are counted. */
const SHOWN = 5;

/**
 * The lines to print after a run whose outputs are `entries` (by absolute path), compared
 * with the lock file as it was before the run updates it. Only per-galaxy results (FITS)
 * count: a folder's summary.csv or report.html is rewritten by every run by design.
 */
export function replacedLines(lockFile: string, entries: ReadonlyMap<string, LockEntry>): string[] {
  if (!existsSync(lockFile)) return [];
  let before: Map<string, LockEntry>;
  try {
    before = new Map(Object.entries(readLock(lockFile).outputs).map(([stored, entry]) => [resolveFrom(lockFile, stored), entry]));
  } catch {
    return []; // the session reports a bad lock where it writes it
  }
  const replaced: { file: string; changes: string[] }[] = [];
  const names = new Set<string>();
  for (const [file, entry] of entries) {
    if (entry.galaxies || !/\.fits$/i.test(file)) continue;
    const old = before.get(file);
    if (!old || old.sha256 === entry.sha256) continue;
    const changes = differingParams(old.params, entry.params);
    if (changes.length === 0) continue;
    for (const c of changes) names.add(c.name);
    replaced.push({ file, changes: changes.map((c) => `${c.name} ${shown(c.before)} -> ${shown(c.now)}`) });
  }
  if (replaced.length === 0) return [];
  const list = replaced.slice(0, SHOWN).map((r) => `  ${path.relative(process.cwd(), r.file) || r.file} (${r.changes.join(', ')})`);
  if (replaced.length > SHOWN) list.push(`  and ${replaced.length - SHOWN} more`);
  const keep = [...names].filter((n) => n !== 'out' && n !== 'name');
  const how = keep.length
    ? `to keep both, put ${keep.map((n) => `{${n}}`).join(' and ')} in the file name (e.g. --set name={id}_{sn}_{k}${keep.map((n) => `_${n}{${n}}`).join('')}.fits), or give another --out`
    : 'to keep both, give another --out or --set name=...';
  return [`replaced ${replaced.length} result${replaced.length === 1 ? '' : 's'} made with other parameters (the lock recorded them):`, ...list, `  ${how}`];
}

function differingParams(before: Readonly<Record<string, ParamValue>>, now: Readonly<Record<string, ParamValue>>): { name: string; before: ParamValue | undefined; now: ParamValue | undefined }[] {
  const out: { name: string; before: ParamValue | undefined; now: ParamValue | undefined }[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(now)])].sort()) {
    if (before[name] !== now[name]) out.push({ name, before: before[name], now: now[name] });
  }
  return out;
}

function shown(v: ParamValue | undefined): string {
  return v === undefined ? '(none)' : String(v);
}
