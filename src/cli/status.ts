/**
 * `sfh-pipeline status`: what is stale in this project, as `git status` says what changed.
 * The last run's own options (from its record under cache/runs/) are planned again and
 * explained stage by stage, and the lock file's outputs are checked on disk. Runs nothing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { lastRun } from '../cache/runs.ts';
import { explainPlan } from '../engine/explain.ts';
import { BUNDLED_PIPELINE, VERSION } from '../package.ts';
import { projectRoot } from '../pipeline/project.ts';
import { lockDir, readLock } from '../provenance/lock.ts';
import { fromLockPath } from '../provenance/paths.ts';
import { openCache, preparePlan } from '../session/prepare.ts';
import { cacheDirOf, pipelineFile, type PlanValues } from '../session/request.ts';

/** Prints the project, what of its last run would run again and why, and the lock's outputs on disk. */
export async function commandStatus(v: { pipeline?: string; cache?: string; lock?: string }): Promise<number> {
  const file = pipelineFile(v.pipeline);
  const root = projectRoot(file);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(file === BUNDLED_PIPELINE && root !== path.dirname(file) ? `no project here: the bundled pipeline, its state in ${root} (\`sfh-pipeline init\` starts a project)` : `project ${root} (${path.basename(file)})`);
  const cacheDir = cacheDirOf(file, v.cache);
  const last = lastRun(path.join(cacheDir, 'runs'));
  if (!last) out('no run recorded yet');
  else {
    const args = last.header.args as PlanValues;
    out(`last run ${last.header.started}${last.finished ? '' : ' (did not finish: `run --resume` goes on)'}: ${describeArgs(args)}`);
    const cwd = process.cwd();
    if (existsSync(last.header.cwd)) process.chdir(last.header.cwd);
    try {
      const { pipeline, plan, cache, hasher } = await preparePlan({ ...args, ...(v.cache ? { cache: v.cache } : {}) }, process.stderr);
      const explained = await explainPlan(plan, { cache, hasher, run: { version: VERSION, pipelineHash: pipeline.hash } });
      const byStage = new Map<string, { cached: number; skipped: number; stale: number; reasons: Set<string> }>();
      for (const e of explained) {
        const s = byStage.get(e.instance.stage.name) ?? { cached: 0, skipped: 0, stale: 0, reasons: new Set<string>() };
        if (e.state === 'cached') s.cached++;
        // (a cached skip, or an instance after one: a rerun would not run it either)
        else if (e.state === 'skipped') s.skipped++;
        else {
          s.stale++;
          for (const r of e.reasons) s.reasons.add(r);
        }
        byStage.set(e.instance.stage.name, s);
      }
      const width = Math.max(...[...byStage.keys()].map((n) => n.length));
      const stale = explained.filter((e) => e.state === 'would-run').length;
      for (const [name, s] of byStage) {
        const reasons = [...s.reasons];
        const shown = reasons.length > 3 ? [...reasons.slice(0, 3), `${reasons.length - 3} more`] : reasons;
        const skipped = s.skipped ? `, ${s.skipped} skipped` : '';
        out(`  ${name.padEnd(width)}  ${s.stale === 0 ? `up to date (${s.cached}${skipped})` : `${s.stale} of ${s.cached + s.skipped + s.stale} would run${skipped ? ` (${s.cached} cached${skipped})` : ''}: ${shown.join('; ')}`}`);
      }
      out(stale === 0 ? 'the last run is up to date' : `${stale} of ${explained.length} stage instances would run again (\`sfh-pipeline explain\` with the run's options says why, instance by instance)`);
    } catch (err) {
      out(`the last run cannot be planned again: ${(err as Error).message}`);
    } finally {
      process.chdir(cwd);
    }
  }
  const lockFile = path.resolve(v.lock ?? path.join(root, 'sfh-pipeline.lock'));
  if (!existsSync(lockFile)) {
    out(`no lock file (${lockFile}): a run writes it`);
    return 0;
  }
  const lock = readLock(lockFile);
  const { hasher } = openCache(cacheDir);
  const missing: string[] = [];
  const changed: string[] = [];
  const stored = Object.entries(lock.outputs);
  for (const [name, entry] of stored) {
    const h = hasher.hash(fromLockPath(lockDir(lockFile), name));
    if (h === 'absent') missing.push(name);
    else if (h !== entry.sha256) changed.push(name);
  }
  const list = (names: string[]) => (names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', '));
  out(`lock ${path.relative(process.cwd(), lockFile) || lockFile}: ${stored.length} outputs, ${stored.length - missing.length - changed.length} as locked${missing.length ? `; ${missing.length} missing: ${list(missing)}` : ''}${changed.length ? `; ${changed.length} changed on disk: ${list(changed)}` : ''}`);
  return 0;
}

/** A run's options as a command line. */
function describeArgs(args: PlanValues): string {
  const parts: string[] = ['run'];
  for (const [k, value] of Object.entries(args)) {
    for (const one of Array.isArray(value) ? value : [value]) parts.push(`--${k}`, /\s/.test(String(one)) ? JSON.stringify(String(one)) : String(one));
  }
  return parts.join(' ');
}
