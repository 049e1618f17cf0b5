/**
 * Runs a {@link Plan}: every instance once, after its dependencies, at most `jobs` at a
 * time. A failing galaxy is recorded and the run goes on; its dependents end as
 * `upstream-failed`, and a stage that returns `skip` skips its dependents with the same
 * reason. The engine emits events and returns results; it never prints.
 */
import pLimit from 'p-limit';
import { UserError } from '../errors.ts';
import type { Instance, Plan, Task } from '../pipeline/analyse.ts';
import type { ParamValue, RunInfo, StageContext, StageOutput } from '../stage.ts';
import { EngineEmitter, type Failure, type InstanceResult, type TaskResult } from './events.ts';
import { loadStageModule } from './modules.ts';

/** How to run a plan. */
export interface ExecuteOptions {
  /** Instances running at once (and galaxies in flight). */
  readonly jobs: number;
  /** Stop scheduling new work after the first failure. */
  readonly failFast: boolean;
  readonly signal?: AbortSignal;
  /** Called with every output a stage produces (tests and `verify` inspect intermediates). */
  readonly onOutput?: (instance: Instance, output: StageOutput) => void;
  /** Who is running, for the stages' provenance. */
  readonly run: RunInfo;
}

/** Runs the plan, emitting {@link EngineEvents} on `events`; resolves with one result per task. */
export async function execute(plan: Plan, options: ExecuteOptions, events: EngineEmitter = new EngineEmitter()): Promise<TaskResult[]> {
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const limit = pLimit(Math.max(1, options.jobs));
  const galaxyLimit = pLimit(Math.max(1, options.jobs));

  // Outputs stay in memory only until the last dependent instance has read them.
  const outputs = new Map<string, StageOutput>();
  const readers = new Map<string, number>();
  for (const inst of plan.instances) for (const dep of inst.deps.values()) readers.set(dep.id, (readers.get(dep.id) ?? 0) + 1);
  const results = new Map<string, Promise<InstanceResult>>();
  // Files written outside the cache, by the instance that claimed them first.
  const claimed = new Map<string, string>();

  const release = (inst: Instance): void => {
    for (const dep of inst.deps.values()) {
      const left = (readers.get(dep.id) ?? 1) - 1;
      readers.set(dep.id, left);
      if (left <= 0) outputs.delete(dep.id);
    }
  };

  const resultOf = (inst: Instance): Promise<InstanceResult> => {
    let p = results.get(inst.id);
    if (!p) {
      p = (async () => {
        const deps = await Promise.all([...inst.deps.values()].map(resultOf));
        const failed = deps.find((d) => d.status === 'failed' || d.status === 'upstream-failed' || d.status === 'cancelled');
        const skipped = deps.find((d) => d.status === 'skipped');
        let result: InstanceResult;
        if (failed) {
          const failure: Failure = failed.failure ?? { reason: 'upstream-failed', message: `${failed.instance.stage.name} did not finish` };
          result = { instance: inst, status: 'upstream-failed', ms: 0, failure, warnings: [], files: [] };
        } else if (skipped) {
          result = { instance: inst, status: 'skipped', ms: 0, ...(skipped.skipReason ? { skipReason: skipped.skipReason } : {}), warnings: [], files: [] };
        } else {
          result = await limit(() => (abort.signal.aborted ? cancelled(inst) : runInstance(plan.pipeline.root, options, inst, outputs, claimed, events, abort.signal)));
        }
        release(inst);
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
  options.signal?.removeEventListener('abort', onOuterAbort);
  const order = new Map(plan.tasks.map((t, i) => [t, i]));
  taskResults.sort((a, b) => (order.get(a.task) ?? 0) - (order.get(b.task) ?? 0));
  events.emit('run-end', taskResults);
  return taskResults;
}

function cancelled(instance: Instance): InstanceResult {
  return { instance, status: 'cancelled', ms: 0, failure: { reason: 'cancelled', message: 'not run: the run stopped at an earlier failure (--fail-fast)' }, warnings: [], files: [] };
}

async function runInstance(root: string, options: ExecuteOptions, inst: Instance, outputs: Map<string, StageOutput>, claimed: Map<string, string>, events: EngineEmitter, signal: AbortSignal): Promise<InstanceResult> {
  const started = performance.now();
  const warnings: string[] = [];
  events.emit('instance-start', inst);
  try {
    const module = await loadStageModule(root, inst.stage);
    const ctx: StageContext = {
      stage: inst.stage.name,
      run: options.run,
      row: inst.row,
      params: guardParams(inst),
      upstream: {
        get(stage: string): StageOutput {
          const dep = inst.deps.get(stage);
          const out = dep && outputs.get(dep.id);
          if (!out) throw new Error(`stage ${inst.stage.name} read the output of \`${stage}\`, which is not in its needs (pipeline.yaml)`);
          return out;
        },
      },
      progress: (info) => events.emit('instance-progress', inst, info),
      warn: (message) => {
        warnings.push(message);
        events.emit('instance-warning', inst, message);
      },
      signal,
    };
    for (const file of module.outputs?.(ctx) ?? []) {
      const owner = claimed.get(file);
      if (owner !== undefined && owner !== inst.id) {
        throw new UserError('output-collision', `${inst.id} would overwrite ${file}, written by ${owner} in this run`, 'each point of a sweep needs its own file name: put the swept parameters in it, e.g. --set name={id}_{sn}_{k}_s{seed}.fits');
      }
      claimed.set(file, inst.id);
    }
    const output = await module.run(ctx);
    const ms = performance.now() - started;
    outputs.set(inst.id, output);
    options.onOutput?.(inst, output);
    const files = output.files ?? [];
    if (output.skip !== undefined) return { instance: inst, status: 'skipped', ms, skipReason: output.skip, warnings, files };
    return { instance: inst, status: 'ran', ms, warnings, files };
  } catch (err) {
    return { instance: inst, status: 'failed', ms: performance.now() - started, failure: toFailure(err), warnings, files: [] };
  }
}

/** A stage reading a parameter it did not declare gets an error naming the fix. */
function guardParams(inst: Instance): Readonly<Record<string, ParamValue>> {
  return new Proxy(inst.params, {
    get(target, key) {
      if (typeof key === 'string' && !(key in target)) {
        throw new Error(`stage \`${inst.stage.name}\` read parameter \`${key}\`, which it does not list under params in pipeline.yaml`);
      }
      return Reflect.get(target, key);
    },
  });
}

/** An error thrown by a stage, as a value: user-facing errors keep their reason and hint. */
export function toFailure(err: unknown): Failure {
  if (err instanceof Error) {
    const e = err as Error & { reason?: unknown; hint?: unknown };
    if (typeof e.reason === 'string') return { reason: e.reason, message: e.message, ...(typeof e.hint === 'string' ? { hint: e.hint } : {}) };
    return { reason: 'stage-threw', message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  }
  return { reason: 'stage-threw', message: String(err) };
}

function summarise(task: Task, instances: readonly InstanceResult[]): TaskResult {
  const failed = instances.find((r) => r.status === 'failed') ?? instances.find((r) => r.status === 'upstream-failed' || r.status === 'cancelled');
  const files = instances.flatMap((r) => r.files);
  const output = files[files.length - 1];
  if (failed) return { task, status: 'failed', ...(failed.failure ? { failure: failed.failure } : {}), instances };
  const skipped = instances.find((r) => r.status === 'skipped');
  if (skipped) return { task, status: 'skipped', ...(skipped.skipReason ? { skipReason: skipped.skipReason } : {}), instances };
  return { task, status: 'ok', ...(output ? { output } : {}), instances };
}
