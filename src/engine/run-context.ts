/**
 * What the instances of one run share while it runs: who is running, the cache, the
 * instances that have ended and their outputs. The kinds (./kinds/) read their upstream
 * from here; ./instance.ts keys, caches and runs through them.
 */
import type { FileHasher } from '../cache/file-hash.ts';
import type { KeyFields } from '../cache/key.ts';
import type { Cache, CacheRecord } from '../cache/store.ts';
import type { NDArray } from '../ndarray.ts';
import type { Instance } from '../pipeline/analyse.ts';
import type { Excluded, Lineage, ParamValue, RunInfo, StageOutput } from '../stage.ts';
import type { EngineEmitter, InstanceStatus } from './events.ts';
import type { WorkerPool } from './worker-pool.ts';

/** What the engine knows of an instance once it has ended well (ran, cached or skipped). */
export interface Done {
  readonly status: Extract<InstanceStatus, 'ran' | 'cached' | 'skipped'>;
  readonly outputHash: string;
  readonly key: string;
  readonly fields: KeyFields;
  readonly files: readonly string[];
  readonly skip?: string;
  /** The output, when it is in memory. */
  output?: StageOutput;
  /** The cache record, to load the output from when a dependent needs it. */
  readonly record?: CacheRecord;
  /** When and by which command the run that made the output started. */
  readonly made?: Pick<RunInfo, 'started' | 'command'>;
}

/** How an instance that did not end well ended, as what gathers it records it: by its root cause. */
export interface Ended {
  readonly status: Excluded['status'];
  readonly reason: string;
  /** The instance that failed, was cancelled or skipped, e.g. `load-cubes[205]`. */
  readonly instance: string;
}

/** Shared by every instance of a run. */
export interface RunContext {
  readonly root: string;
  readonly run: RunInfo;
  /** Another run's information for some instances, by id: `verify` gives each catalog-level one the run that made it. */
  readonly runs?: ReadonlyMap<string, RunInfo>;
  readonly cache?: Cache;
  readonly hasher: FileHasher;
  readonly events: EngineEmitter;
  readonly signal: AbortSignal;
  /** Files written outside the cache, by the instance that claimed them first. */
  readonly claimed: Map<string, string>;
  readonly done: Map<string, Done>;
  readonly onOutput?: (instance: Instance, output: StageOutput) => void;
  /** Worker threads to run stages in (the source stage always runs in the main thread). */
  readonly pool?: WorkerPool;
  /** Instances that did not end well, with how and why: what a catalog-level stage leaves out. */
  readonly ended?: Map<string, Ended>;
  /**
   * Per-galaxy instances are only answered from the cache, never run (a miss fails them):
   * the Slurm driver runs the catalog-level stages this way after the array.
   */
  readonly cachedOnly?: boolean;
  /** Settle only what needs no work (./execute.ts ExecuteOptions.settleOnly). */
  readonly settleOnly?: boolean;
  /**
   * Stages whose instances run even when the cache has their result (`run --force`): `all`,
   * or stage names. What they make is stored as usual; a dependent whose inputs come out
   * the same is still answered from the cache.
   */
  readonly force?: 'all' | readonly string[];
}

/** The run information an instance runs with: its own (`verify`) or the run's. */
export function runOf(rc: RunContext, inst: Instance): RunInfo {
  return rc.runs?.get(inst.id) ?? rc.run;
}

/** The output of a done upstream instance, from memory or (meta and files) from its record. */
export function outputOf(rc: RunContext, dep: Instance): StageOutput {
  const done = rc.done.get(dep.id);
  if (done?.output) return done.output;
  if (done?.record) return { meta: done.record.output.meta, files: Object.keys(done.record.output.files), arrays: lazyArrays(dep, done) };
  throw new Error(`internal: ${dep.id} has no output`);
}

/**
 * The output hash of each dependency, by the name the instance knows it by (a stage name,
 * or an instance id for what a catalog-level instance gathers); `absent` for one not done.
 */
export function upstreamHashes(rc: RunContext, inst: Instance, absent: string): Record<string, string> {
  return Object.fromEntries([...inst.deps].map(([name, dep]) => [name, rc.done.get(dep.id)?.outputHash ?? absent]));
}

/** The params and input hashes of an instance's dependencies, transitively, and its own. */
export function lineageOf(rc: RunContext, inst: Instance, params: Readonly<Record<string, ParamValue>>, inputs: Readonly<Record<string, string>>): Lineage {
  const p: Record<string, ParamValue> = {};
  const i: Record<string, string> = {};
  const seen = new Set<string>();
  const visit = (node: Instance): void => {
    if (seen.has(node.id)) return;
    seen.add(node.id);
    for (const dep of node.deps.values()) visit(dep);
    const fields = rc.done.get(node.id)?.fields;
    if (fields) {
      Object.assign(p, fields.params);
      Object.assign(i, fields.inputs);
    }
  };
  for (const dep of inst.deps.values()) visit(dep);
  Object.assign(p, params);
  Object.assign(i, inputs);
  const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k] as T]));
  return { params: sorted(p), inputs: sorted(i) };
}

/** Arrays of a cached output, read from the cache on first access (inputs() needs only meta). */
function lazyArrays(inst: Instance, done: Done): Readonly<Record<string, NDArray>> {
  return new Proxy({} as Record<string, NDArray>, {
    get(_t, name) {
      if (typeof name !== 'string') return undefined;
      if (!done.output) throw new Error(`internal: ${inst.id}'s arrays were read before they were loaded`);
      return done.output.arrays?.[name];
    },
  });
}
