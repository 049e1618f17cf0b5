/**
 * Runs a {@link Plan}: every instance once, after its dependencies, at most `jobs` at a
 * time. A failing galaxy is recorded and the run goes on; its dependents end as
 * `upstream-failed`, and a stage that returns `skip` skips its dependents with the same
 * reason. The engine emits events and returns results; it never prints.
 */
import pLimit from 'p-limit';
import { FileHasher } from '../cache/file-hash.ts';
import type { Cache } from '../cache/store.ts';
import { toFailure, type Failure, type UpstreamFailed } from '../errors.ts';
import type { Instance, Plan, Task } from '../pipeline/analyse.ts';
import type { RunInfo, StageOutput } from '../stage.ts';
import { EngineEmitter, type InstanceResult, type TaskResult } from './events.ts';
import { namingGalaxy } from './galaxy-failure.ts';
import { executeInstance, type RunContext } from './instance.ts';
import { kindOf } from './kinds/index.ts';
import { runnableModulePath } from './modules.ts';
import type { Ended } from './run-context.ts';
import { WorkerPool, WORKERS_AVAILABLE } from './worker-pool.ts';

/** How to run a plan. */
export interface ExecuteOptions {
  /** Instances running at once (and galaxies in flight). */
  readonly jobs: number;
  /** Stop scheduling new work after the first failure. */
  readonly failFast: boolean;
  readonly signal?: AbortSignal;
  /** The cache; without one every instance runs (`verify` recomputes this way). */
  readonly cache?: Cache;
  /** Hashes input files; its stat cache lives in the cache folder. */
  readonly hasher?: FileHasher;
  /** Called with every output a stage produces (tests and `verify` inspect intermediates). */
  readonly onOutput?: (instance: Instance, output: StageOutput) => void;
  /** Run stages in worker threads (default true): stages of different galaxies use different cores. */
  readonly workers?: boolean;
  /**
   * The worker pool to use (its caller closes it), e.g. one started before planning so that
   * its worker boots meanwhile; by default execute makes one of `jobs` workers and closes it.
   */
  readonly pool?: WorkerPool;
  /** Who is running, for the stages' provenance. */
  readonly run: RunInfo;
  /** Another run's information for some instances, by id (`verify`: the run that made each catalog-level output). */
  readonly runs?: ReadonlyMap<string, RunInfo>;
  /**
   * Answer per-galaxy instances from the cache only (a miss fails them) and run only the
   * catalog-level ones: how the Slurm driver finishes a run after its array.
   */
  readonly cachedOnly?: boolean;
  /** Stages to run even when the cache has their result (`run --force`): `all`, or stage names. */
  readonly force?: 'all' | readonly string[];
}

/** Runs the plan, emitting {@link EngineEvents} on `events`; resolves with one result per task. */
export async function execute(plan: Plan, options: ExecuteOptions, events: EngineEmitter = new EngineEmitter()): Promise<TaskResult[]> {
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const limit = pLimit(Math.max(1, options.jobs));
  const galaxyLimit = pLimit(Math.max(1, options.jobs));
  const rc: RunContext = {
    root: plan.pipeline.root,
    run: options.run,
    ...(options.runs ? { runs: options.runs } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
    hasher: options.hasher ?? new FileHasher(undefined),
    events,
    signal: abort.signal,
    claimed: new Map(),
    done: new Map(),
    ended: new Map(),
    ...(options.cachedOnly ? { cachedOnly: true } : {}),
    ...(options.force ? { force: options.force } : {}),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    ...(options.pool ? { pool: options.pool } : options.workers !== false && WORKERS_AVAILABLE ? { pool: new WorkerPool(Math.max(1, options.jobs)) } : {}),
  };

  // A worker boots and imports the stages while the main thread computes keys.
  if (rc.pool) {
    rc.pool.prestart();
    rc.pool.preload(workerModules(plan, rc.root));
    const pool = rc.pool;
    rc.hasher.offload = (file) => pool.tryHash(file);
  }

  // Outputs stay in memory only until the last dependent instance has read them.
  const readers = new Map<string, number>();
  for (const inst of plan.instances) for (const dep of inst.deps.values()) readers.set(dep.id, (readers.get(dep.id) ?? 0) + 1);
  const results = new Map<string, Promise<InstanceResult>>();
  const releaseDeps = (inst: Instance): void => {
    for (const dep of inst.deps.values()) {
      const left = (readers.get(dep.id) ?? 1) - 1;
      readers.set(dep.id, left);
      const done = rc.done.get(dep.id);
      if (left <= 0 && done) done.output = undefined;
    }
  };

  const resultOf = (inst: Instance): Promise<InstanceResult> => {
    let p = results.get(inst.id);
    if (!p) {
      p = (async () => {
        const deps = await Promise.all([...inst.deps.values()].map(resultOf));
        // (a catalog-level instance runs on what ended well and records the rest: it has no
        // blocker; --fail-fast still cancels it below)
        const blocker = kindOf(inst).blocker(deps);
        const failed = blocker?.status === 'skipped' ? undefined : blocker;
        const skipped = blocker?.status === 'skipped' ? blocker : undefined;
        let result: InstanceResult;
        if (failed) {
          result = { instance: inst, status: 'upstream-failed', ms: 0, failure: dependentOn(failed), warnings: [], files: [] };
        } else if (skipped) {
          result = { instance: inst, status: 'skipped', ms: 0, ...(skipped.skipReason ? { skipReason: skipped.skipReason } : {}), warnings: [], files: [] };
        } else {
          result = await limit(() => (abort.signal.aborted ? cancelled(inst) : runOne(rc, inst)));
        }
        releaseDeps(inst);
        const ended = endedOf(rc, result, blocker);
        if (ended) rc.ended?.set(inst.id, ended);
        if (result.status === 'failed' && options.failFast) abort.abort();
        events.emit('instance-end', result);
        return result;
      })();
      results.set(inst.id, p);
    }
    return p;
  };
  events.emit('run-start', plan);
  const byGalaxy = new Map<string, Task[]>();
  for (const task of plan.tasks) byGalaxy.set(task.row.id, [...(byGalaxy.get(task.row.id) ?? []), task]);
  const taskResults: TaskResult[] = [];
  // Catalog-level instances wait on their galaxies' instances through resultOf, like any other.
  const catalogDone = Promise.all(plan.catalog.map(resultOf));
  await Promise.all(
    [...byGalaxy.values()].map((tasks) =>
      galaxyLimit(async () => {
        await Promise.all(
          tasks.map(async (task) => {
            const instances = await Promise.all(task.instances.map(resultOf));
            const result = summarise(task, instances);
            taskResults.push(result);
            events.emit('task-end', result);
          }),
        );
      }),
    ),
  );
  const catalog = await catalogDone;
  options.signal?.removeEventListener('abort', onOuterAbort);
  rc.hasher.offload = undefined;
  if (!options.pool) await rc.pool?.close();
  const order = new Map(plan.tasks.map((t, i) => [t, i]));
  taskResults.sort((a, b) => (order.get(a.task) ?? 0) - (order.get(b.task) ?? 0));
  events.emit('catalog-end', catalog);
  events.emit('run-end', taskResults);
  return taskResults;
}

/** The modules of the stages that run in workers, in stage order; a path that is not runnable is left for the run to report. */
function workerModules(plan: Plan, root: string): string[] {
  const files = new Set<string>();
  for (const inst of plan.instances) {
    if (inst.stage.source || !inst.stage.module) continue;
    try {
      files.add(runnableModulePath(root, inst.stage.module));
    } catch {
      // reported when the stage is loaded
    }
  }
  return [...files];
}

function cancelled(instance: Instance): InstanceResult {
  return { instance, status: 'cancelled', ms: 0, failure: { reason: 'cancelled', message: 'not run: the run stopped at an earlier failure (--fail-fast)' }, warnings: [], files: [] };
}

async function runOne(rc: RunContext, inst: Instance): Promise<InstanceResult> {
  const started = performance.now();
  const warnings: string[] = [];
  rc.events.emit('instance-start', inst);
  try {
    const done = await executeInstance(rc, inst, warnings);
    rc.done.set(inst.id, done);
    const ms = performance.now() - started;
    const catalog = kindOf(inst).report(rc, inst, done);
    return { instance: inst, status: done.status, ms, ...(done.skip !== undefined ? { skipReason: done.skip } : {}), warnings, files: done.files, key: done.key, fields: done.fields, ...(catalog ? { catalog } : {}), ...(done.made ? { made: done.made } : {}) };
  } catch (err) {
    return { instance: inst, status: 'failed', ms: performance.now() - started, failure: namingGalaxy(toFailure(err), inst), warnings, files: [] };
  }
}

/**
 * How an instance that did not end well is recorded for what gathers it: by its root cause,
 * the instance that failed, was cancelled or decided to skip (`load-cubes[205]: failed`),
 * never as the dependent that merely did not run (`write[205]: upstream-failed`).
 */
function endedOf(rc: RunContext, result: InstanceResult, blocker: InstanceResult | undefined): Ended | undefined {
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
function dependentOn(failed: InstanceResult): UpstreamFailed {
  const f = failed.failure;
  if (f?.reason === 'upstream-failed') return f;
  const cause: Failure = f ?? { reason: 'stage-threw', message: `${failed.instance.id} did not finish` };
  return { reason: 'upstream-failed', root: failed.instance.id, cause, message: cause.message, ...(cause.hint ? { hint: cause.hint } : {}) };
}

function summarise(task: Task, instances: readonly InstanceResult[]): TaskResult {
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
