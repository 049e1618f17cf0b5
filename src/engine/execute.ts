/**
 * Runs a {@link Plan}: every instance once, after its dependencies, at most `jobs` at a
 * time. A failing galaxy is recorded and the run goes on; its dependents end as
 * `upstream-failed`, and a stage that returns `skip` skips its dependents with the same
 * reason. The engine emits events and returns results; it never prints.
 */
import pLimit from 'p-limit';
import { FileHasher } from '../cache/file-hash.ts';
import type { Cache } from '../cache/store.ts';
import { toFailure } from '../errors.ts';
import type { Instance, Plan, Task } from '../pipeline/analyse.ts';
import type { RunInfo, StageOutput } from '../stage.ts';
import { longestChainFirst } from './chain-first.ts';
import { EngineEmitter, type InstanceResult, type TaskResult } from './events.ts';
import { namingGalaxy } from './galaxy-failure.ts';
import { executeInstance, type RunContext } from './instance.ts';
import { kindOf } from './kinds/index.ts';
import { runnableModulePath } from './modules.ts';
import type { Done } from './run-context.ts';
import { cancelled, dependentOn, endedOf, summarise } from './outcomes.ts';
import { WorkerPool, WORKERS_AVAILABLE } from './worker-pool.ts';

export { HasWork } from './instance.ts';

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
  /**
   * Run only what needs no work: source stages (they read a catalog row) and instances
   * whose stage says they skip (StageModule.skip), answered from the cache or stored as a
   * run would; any other instance fails with {@link HasWork} before its inputs are hashed.
   * How the Slurm driver finds the galaxies that would only skip, before submitting.
   */
  readonly settleOnly?: boolean;
  /** Stages to run even when the cache has their result (`run --force`): `all`, or stage names. */
  readonly force?: 'all' | readonly string[];
}

/** Runs the plan, emitting {@link EngineEvents} on `events`; resolves with one result per task. */
export async function execute(plan: Plan, options: ExecuteOptions, events: EngineEmitter = new EngineEmitter()): Promise<TaskResult[]> {
  const abort = new AbortController();
  // (the reason, a signal's name on an interrupt, tells a shell stage's command which signal to get)
  const onOuterAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const limit = pLimit(Math.max(1, options.jobs));
  // Twice as many galaxies in flight as instances at once: a galaxy's first stages run one
  // after another, so with only `jobs` galaxies a core would often wait.
  const galaxyLimit = pLimit(2 * Math.max(1, options.jobs));
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
    ...(options.settleOnly ? { settleOnly: true } : {}),
    ...(options.force ? { force: options.force } : {}),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    ...(options.pool ? { pool: options.pool } : options.workers !== false && WORKERS_AVAILABLE ? { pool: new WorkerPool(Math.max(1, options.jobs)) } : {}),
  };

  if (rc.pool) {
    const pool = rc.pool;
    rc.hasher.offload = (file) => pool.tryHash(file);
  }
  // The stage worker starts, and imports the stages ahead of their jobs, once an instance has
  // run (the cold run's first catalog row, a rerun's first changed instance): a rerun with
  // nothing to do starts none (docs/benchmark.md, "An unchanged rerun"). One that failed does
  // not count: its dependents will not run, and a rerun of a catalog always meets those.
  let woken = false;
  const wake = (result: InstanceResult): void => {
    if (woken || result.status !== 'ran' || !rc.pool) return;
    woken = true;
    rc.pool.wake(workerModules(plan, rc.root));
  };

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
          wake(result);
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
  // Galaxy by galaxy, a few at once: memory holds the galaxies in flight, never the catalog.
  // Each galaxy's instances (those its tasks need, and those a catalog-level instance gathers
  // from a task a resumed run finished) run as their dependencies allow; once they have all
  // ended, what the galaxy leaves behind is only what the rest of the run reads of it.
  const galaxies = new Map<string, { tasks: Task[]; instances: Instance[] }>();
  const galaxy = (id: string) => galaxies.get(id) ?? galaxies.set(id, { tasks: [], instances: [] }).get(id)!;
  for (const task of plan.tasks) galaxy(task.row.id).tasks.push(task);
  for (const inst of plan.instances) if (inst.scope === 'galaxy') galaxy(inst.row.id).instances.push(inst);
  const taskResults: TaskResult[] = [];
  await Promise.all(
    [...galaxies.values()].map((g) =>
      galaxyLimit(async () => {
        const tasks = await Promise.all(
          g.tasks.map(async (task) => {
            const result = summarise(task, await Promise.all(task.instances.map(resultOf)));
            events.emit('task-end', result);
            return result;
          }),
        );
        const ended = new Map((await Promise.all(g.instances.map(resultOf))).map((r) => [r.instance.id, leftOf(r)]));
        for (const inst of g.instances) {
          results.set(inst.id, Promise.resolve(ended.get(inst.id) as InstanceResult));
          const done = rc.done.get(inst.id);
          if (done) rc.done.set(inst.id, leftDone(done));
        }
        for (const t of tasks) taskResults.push({ ...t, instances: t.instances.map((r) => ended.get(r.instance.id) ?? r) });
      }),
    ),
  );
  // Catalog-level instances after every galaxy, each after the catalog-level ones it needs;
  // the head of the longest chain first (./chain-first.ts). Each is started in a turn of the
  // event loop of its own, so the one before has computed its key and been handed to a
  // worker (when that took no I/O) before the next asks for one.
  for (const inst of longestChainFirst(plan.catalog)) {
    void resultOf(inst);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const catalog = await Promise.all(plan.catalog.map(resultOf));
  options.signal?.removeEventListener('abort', onOuterAbort);
  rc.hasher.offload = undefined;
  if (!options.pool) await rc.pool?.close();
  const order = new Map(plan.tasks.map((t, i) => [t, i]));
  taskResults.sort((a, b) => (order.get(a.task) ?? 0) - (order.get(b.task) ?? 0));
  events.emit('catalog-end', catalog);
  events.emit('run-end', taskResults);
  return taskResults;
}

/**
 * What the rest of a run keeps of an instance of a finished galaxy: its end, without its key's
 * parts (the lock has recorded them at its task's end), which are most of its size.
 */
function leftOf(r: InstanceResult): InstanceResult {
  const { fields: _fields, ...rest } = r;
  return rest;
}

/**
 * What a catalog-level instance reads of a finished galaxy's instance: how it ended, its
 * output hash, meta and files (not its arrays), and the parameters and input hashes of its
 * key (a provenance stage's lineage), not its code and upstream parts or its cache record.
 */
function leftDone(done: Done): Done {
  const output = done.output ?? (done.record && { meta: done.record.output.meta, files: Object.keys(done.record.output.files), ...(done.record.output.skip !== null ? { skip: done.record.output.skip } : {}) });
  const { record: _record, output: _output, ...rest } = done;
  return {
    ...rest,
    fields: { stage: done.fields.stage, galaxy: done.fields.galaxy, decl: done.fields.decl, code: { hash: done.fields.code.hash, files: {} }, params: done.fields.params, upstream: {}, inputs: done.fields.inputs },
    ...(output ? { output: { meta: output.meta, ...(output.files ? { files: output.files } : {}), ...(output.skip !== undefined ? { skip: output.skip } : {}) } } : {}),
  };
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

