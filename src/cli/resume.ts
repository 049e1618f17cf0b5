/**
 * What a run record keeps of a run's options, and `--resume`: the last run's options and the
 * tasks it finished. Both executors (local, src/cli/run.ts, and Slurm,
 * src/executors/slurm/driver.ts) record and resume runs this way, so it lives below both.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { lastRun } from '../cache/runs.ts';
import { UserError } from '../errors.ts';
import type { Json } from '../stage.ts';
import { cacheDirOf, pipelineFile, type PlanValues, type RunValues } from './plan.ts';

/** The options a run record keeps, so `--resume` can plan the same run again. */
const PLAN_KEYS = ['pipeline', 'galaxy', 'k', 'seed', 'catalog', 'cubes', 'sfh', 'ngist', 'out', 'cache', 'lock', 'set', 'where'] as const;

/** The options a run record keeps (the Slurm driver records its runs the same way). */
export function argsOf(v: PlanValues): { [key: string]: Json } {
  const args: { [key: string]: Json } = {};
  for (const key of PLAN_KEYS) {
    const value = v[key];
    if (value !== undefined) args[key] = value;
  }
  return args;
}

/**
 * The last run's options and the tasks it finished. `--resume` takes every option from the
 * record (and the record's working folder, so relative paths mean what they meant), so it
 * accepts no other plan option.
 */
export function resumeFrom(v: RunValues): { values: PlanValues; done: Map<string, string>; file: string } {
  const given = PLAN_KEYS.filter((k) => k !== 'cache' && k !== 'pipeline' && k !== 'lock' && v[k] !== undefined);
  if (given.length) throw new UserError('usage', `--resume re-runs the last run as it was; do not also give --${given.join(', --')}`, 'start a new run without --resume to change its options');
  const dir = path.join(cacheDirOf(pipelineFile(v.pipeline), v.cache), 'runs');
  const last = lastRun(dir);
  if (!last) throw new UserError('usage', `--resume: no earlier run is recorded in ${dir}`, 'run without --resume first (or pass the --cache of that run)');
  if (existsSync(last.header.cwd)) process.chdir(last.header.cwd);
  const done = new Map([...last.tasks].map(([id, t]) => [id, t.status]));
  return { values: last.header.args as PlanValues, done, file: last.file };
}
