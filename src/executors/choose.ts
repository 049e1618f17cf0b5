/**
 * Which executor runs `sfh-pipeline run`: `--executor`, else, for `--resume`, the one the
 * resumed run used (a cluster run resumed without the flag must not run on the login
 * node), else local. Results are the same whichever runs them. A new executor is one more
 * name here and one class implementing src/session/executor.ts.
 */
import path from 'node:path';
import { lastRun } from '../cache/runs.ts';
import { UserError } from '../errors.ts';
import type { Executor } from '../session/executor.ts';
import { cacheDirOf, pipelineFile, type RunRequest } from '../session/request.ts';

/** The executors `--executor` accepts. */
export const EXECUTORS = ['local', 'slurm'] as const;

/** An executor's name. */
export type ExecutorName = (typeof EXECUTORS)[number];

/** The executor for these `run` options. */
export function chooseExecutor(v: { executor?: string; resume?: boolean; pipeline?: string; cache?: string }): ExecutorName {
  if (v.executor !== undefined) {
    if (!(EXECUTORS as readonly string[]).includes(v.executor)) throw new UserError('usage', `--executor ${v.executor}: unknown executor`, `use one of ${EXECUTORS.join(', ')} (slurm: see docs/slurm.md)`);
    return v.executor as ExecutorName;
  }
  if (v.resume) {
    const last = lastRun(path.join(cacheDirOf(pipelineFile(v.pipeline), v.cache), 'runs'));
    if (last?.header.args['executor'] === 'slurm') return 'slurm';
  }
  return 'local';
}

/** Makes the named executor (its code is loaded only when chosen). */
export async function createExecutor(name: ExecutorName, request: RunRequest): Promise<Executor> {
  switch (name) {
    case 'local':
      return new (await import('./local.ts')).LocalExecutor(request);
    case 'slurm':
      return new (await import('./slurm/driver.ts')).SlurmExecutor(request);
  }
}
