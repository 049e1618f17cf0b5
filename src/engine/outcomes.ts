/**
 * How instances and tasks end, as the engine records them: a dependent of a failed
 * instance ends with the same root cause, a task with its first failure or skip, and what a
 * catalog-level stage leaves out is named by its root cause.
 */
import type { Failure, UpstreamFailed } from '../errors.ts';
import type { Instance, Task } from '../pipeline/analyse.ts';
import type { InstanceResult, TaskResult } from './events.ts';
import type { Ended, RunContext } from './run-context.ts';

/** An instance the run did not start because it stopped at an earlier failure. */
export function cancelled(instance: Instance): InstanceResult {
  return { instance, status: 'cancelled', ms: 0, failure: { reason: 'cancelled', message: 'not run: the run stopped at an earlier failure (--fail-fast)' }, warnings: [], files: [] };
}

/**
 * How an instance that did not end well is recorded for what gathers it: by its root cause,
 * the instance that failed, was cancelled or decided to skip (`load-cubes[205]: failed`),
 * never as the dependent that merely did not run (`write[205]: upstream-failed`).
 */
export function endedOf(rc: RunContext, result: InstanceResult, blocker: InstanceResult | undefined): Ended | undefined {
  switch (result.status) {
    case 'failed':
    case 'cancelled':
      return { status: result.status, reason: result.failure?.message ?? result.status, instance: result.instance.id };
    case 'upstream-failed':
    case 'skipped':
      if (!blocker) return undefined; // (a stage that decided to skip is done; its dependents name it)
      return rc.ended?.get(blocker.instance.id) ?? { status: 'skipped', reason: blocker.skipReason ?? 'skipped', instance: blocker.instance.id };
    default:
      return undefined;
  }
}

/** The failure of an instance that did not run because `failed` (which it needs) did not end well: the same root cause. */
export function dependentOn(failed: InstanceResult): UpstreamFailed {
  const f = failed.failure;
  if (f?.reason === 'upstream-failed') return f;
  const cause: Failure = f ?? { reason: 'stage-threw', message: `${failed.instance.id} did not finish` };
  return { reason: 'upstream-failed', root: failed.instance.id, cause, message: cause.message, ...(cause.hint ? { hint: cause.hint } : {}) };
}

export function summarise(task: Task, instances: readonly InstanceResult[]): TaskResult {
  const failed = instances.find((r) => r.status === 'failed') ?? instances.find((r) => r.status === 'upstream-failed' || r.status === 'cancelled');
  // The task's output is the first file its stages wrote (the result FITS; pictures and
  // post-processing come after it); every file is in the lock.
  const output = instances.flatMap((r) => r.files)[0];
  // (a task fails with its root cause, whichever of its instances did not run for it)
  const failure = failed?.failure?.reason === 'upstream-failed' ? failed.failure.cause : failed?.failure;
  if (failed) return { task, status: 'failed', ...(failure ? { failure } : {}), instances };
  const skipped = instances.find((r) => r.status === 'skipped');
  if (skipped) return { task, status: 'skipped', ...(skipped.skipReason ? { skipReason: skipped.skipReason } : {}), instances };
  return { task, status: 'ok', ...(output ? { output } : {}), instances };
}
