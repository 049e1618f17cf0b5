/**
 * `sfh-pipeline verify`: recompute every output listed in the lock file without the cache,
 * into a temporary folder, and compare content hashes. Exit 0 when all match. This is how
 * a paper's numbers are shown to be reproducible bit for bit.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileHasher } from '../cache/file-hash.ts';
import { describeFitsChange } from '../fits/index.ts';
import { UserError } from '../errors.ts';
import type { ParamValue } from '../stage.ts';
import { EngineEmitter, type InstanceResult } from '../engine/events.ts';
import { execute } from '../engine/execute.ts';
import { restrictPlan } from '../pipeline/analyse.ts';
import { loadPipeline } from '../pipeline/load.ts';
import { lockPath, readLock, resolveFrom, type LockEntry } from '../provenance/lock.ts';
import { VERSION } from './help.ts';
import { pipelineFile, preparePlan } from './plan.ts';

/** Verifies the lock file; resolves with the exit status. */
export async function commandVerify(v: { pipeline?: string; lock?: string; jobs?: string }): Promise<number> {
  const jobs = v.jobs === undefined ? os.availableParallelism() : Number(v.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UserError('usage', `--jobs ${v.jobs}: expected a whole number >= 1`);
  const pipeline = loadPipeline(pipelineFile(v.pipeline));
  const file = lockPath(pipeline, v.lock);
  const lock = readLock(file);
  if (lock.pipeline.sha256 !== pipeline.hash) process.stderr.write(`note: ${pipeline.file} changed since the lock was written; verifying with the current one\n`);
  const groups = planGroups(lock.outputs);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'sfh-verify-'));
  const hasher = new FileHasher(undefined);
  let differ = 0;
  let checked = 0;
  try {
    for (const [i, { galaxy, params, entries, ks, sweep }] of groups.entries()) {
      // The recomputed folder has the original's name: the report shows it.
      const out = path.join(scratch, String(i), path.basename(String(entries[0]?.[1].params['out'] ?? 'out')));
      const set = Object.entries(params)
        .filter(([name]) => name !== 'k' && name !== 'out' && !(sweep && name in sweep))
        .map(([name, value]) => `${name}=${value}`);
      set.push(`out=${out}`);
      if (ks.length) set.push(`k=${[...new Set(ks)].join(',')}`);
      for (const [name, values] of Object.entries(sweep ?? {})) set.push(`${name}=${values.join(',')}`);
      if (sweep) seedFolder(entries, out);
      const prepared = await preparePlan({ ...(v.pipeline ? { pipeline: v.pipeline } : {}), galaxy, set }, process.stderr);
      // A galaxy's outputs need no catalog-level stage; a catalog-level output needs them all.
      const plan = sweep ? prepared.plan : restrictPlan(prepared.plan, () => true);
      const events = new EngineEmitter();
      let catalog: readonly InstanceResult[] = [];
      events.on('catalog-end', (r) => (catalog = r));
      const results = await execute(plan, { jobs, failFast: false, hasher, run: { version: VERSION, pipelineHash: pipeline.hash } }, events);
      for (const [stored, entry] of entries) {
        const target = resolveFrom(file, stored);
        const outDir = String(entry.params['out'] ?? '');
        if (!outDir || path.dirname(target) !== outDir) {
          process.stdout.write(`skipped  ${stored}: not in its run's --out folder, so verify cannot recompute it apart from the original\n`);
          continue;
        }
        checked++;
        const fanIn = entry.galaxies ? catalog.find((r) => r.files.some((f) => path.basename(f) === path.basename(target))) : undefined;
        const task = entry.galaxies
          ? fanIn && { status: fanIn.status === 'ran' || fanIn.status === 'cached' ? ('ok' as const) : ('failed' as const), failure: fanIn.failure ?? (fanIn.status === 'ran' || fanIn.status === 'cached' ? undefined : { reason: fanIn.status, message: `${fanIn.instance.id} ${fanIn.status}` }), skipReason: undefined }
          : results.find((r) => r.task.row.id === entry.galaxy && (entry.params['k'] === undefined || r.task.instances.some((x) => x.params['k'] === entry.params['k'])));
        const redone = task?.status === 'ok' ? path.join(out, path.basename(target)) : undefined;
        const hash = redone && task?.status === 'ok' ? hasher.hash(redone) : undefined;
        const onDisk = hasher.hash(target);
        // For FITS outputs, the data sums tell a changed result from a changed header.
        const change = (from: string, to: string | undefined): string => ((c) => (c ? `; ${c}` : ''))(to && describeFitsChange(from, to));
        if (hash === entry.sha256) {
          process.stdout.write(`ok       ${stored}\n`);
        } else {
          differ++;
          const changed = Object.entries(entry.inputs).filter(([f, h]) => hasher.hash(f) !== h).map(([f]) => path.basename(f));
          const cause = changed.length ? ` (input ${changed.join(', ')} changed since the lock was written)` : '';
          const why = task?.status !== 'ok' ? `recomputing failed: ${task?.failure?.message ?? task?.skipReason ?? 'no task'}` : `recomputed sha256 ${hash?.slice(0, 12)} != locked ${entry.sha256.slice(0, 12)}${cause}`;
          process.stdout.write(`DIFFERS  ${stored}: ${why}${onDisk === entry.sha256 ? change(target, redone) : ''}\n`);
        }
        // The copy a paper uses is the one on disk: it must match the lock as well.
        if (onDisk !== entry.sha256) {
          if (hash === entry.sha256) differ++;
          process.stdout.write(`DIFFERS  ${stored}: the file on disk ${onDisk === 'absent' ? 'is missing' : `has sha256 ${onDisk.slice(0, 12)}, not the locked ${entry.sha256.slice(0, 12)}${hash === entry.sha256 && redone ? change(redone, target) : ''}`} (re-run the pipeline to rewrite it)\n`);
        }
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  process.stdout.write(`${checked - differ} of ${checked} outputs reproduced bit for bit\n`);
  return differ === 0 ? 0 : 1;
}

/**
 * A catalog-level stage may read files of its output folder beyond its galaxies' results
 * (report.html shows every result there, earlier runs' too): those it read, as its lock
 * entry lists them, are copied into the scratch folder first, so it is recomputed from the
 * same inputs. The run's own results are then recomputed over their copies. One changed
 * since the lock was written makes the output differ, and the message names it.
 */
function seedFolder(entries: readonly [string, LockEntry][], out: string): void {
  mkdirSync(out, { recursive: true });
  for (const [, entry] of entries) {
    const dir = String(entry.params['out'] ?? '');
    for (const file of Object.keys(entry.inputs)) {
      if (path.dirname(file) !== dir || !existsSync(file)) continue;
      copyFileSync(file, path.join(out, path.basename(file)));
    }
  }
}

/**
 * Lock entries that one plan can recompute: one galaxy, compatible parameters, any k; or
 * the outputs of a catalog-level instance, with its galaxies (comma-separated) and sweep.
 */
interface PlanGroup {
  galaxy: string;
  params: Record<string, ParamValue>;
  entries: [string, LockEntry][];
  ks: number[];
  sweep?: Record<string, ParamValue[]>;
}

/**
 * Groups the lock's entries so that each galaxy's upstream stages (the medians of its
 * multi-GB cubes) run once: entries of one galaxy whose parameters (other than k and out)
 * agree wherever both have them share a plan. A picture's entry has the parameters of its
 * FITS plus the plot stage's, so it joins its FITS's plan rather than needing its own.
 */
function planGroups(outputs: Record<string, LockEntry>): PlanGroup[] {
  const groups: PlanGroup[] = [];
  const byFewestParams = Object.entries(outputs).sort(([, a], [, b]) => Object.keys(a.params).length - Object.keys(b.params).length);
  for (const [stored, entry] of byFewestParams) {
    if (entry.galaxies) {
      // One plan per catalog-level instance: its outputs share galaxies, sweep and key.
      const key = Object.values(entry.stages)[0]?.key;
      const same = groups.find((g) => g.sweep && Object.values(g.entries[0]?.[1].stages ?? {})[0]?.key === key);
      if (same) same.entries.push([stored, entry]);
      // k not swept (one --k) is a plain parameter of the instance: the plan must have it too.
      else groups.push({ galaxy: entry.galaxies.join(','), params: { ...entry.params }, entries: [[stored, entry]], ks: typeof entry.params['k'] === 'number' && !(entry.sweep && 'k' in entry.sweep) ? [entry.params['k']] : [], sweep: entry.sweep ?? {} });
      continue;
    }
    const { k, out: _out, ...rest } = entry.params;
    const agrees = (g: PlanGroup) => !g.sweep && g.galaxy === entry.galaxy && Object.entries(rest).every(([name, value]) => !(name in g.params) || g.params[name] === value);
    let group = groups.find(agrees);
    if (!group) {
      group = { galaxy: entry.galaxy, params: {}, entries: [], ks: [] };
      groups.push(group);
    }
    Object.assign(group.params, rest);
    group.entries.push([stored, entry]);
    if (typeof k === 'number') group.ks.push(k);
  }
  return groups;
}
