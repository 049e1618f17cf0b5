/**
 * One stage instance: compute its key, answer it from the cache when the key is known and
 * its outputs are intact, otherwise run the stage and store what it made. Cached outputs
 * are loaded only when a dependent that really runs needs them, so a run that changes
 * nothing reads no array at all.
 */
import path from 'node:path';
import { CacheCorruption, describeOutput, outputHashOf, type Cache, type CacheRecord } from '../cache/store.ts';
import { codeHash } from '../cache/code-hash.ts';
import { removeStaleTemps } from '../cache/atomic.ts';
import { ABSENT, type FileHasher } from '../cache/file-hash.ts';
import { keyOf, type KeyFields } from '../cache/key.ts';
import { CACHE_FORMAT } from '../cache/store.ts';
import { UserError } from '../errors.ts';
import type { NDArray } from '../ndarray.ts';
import type { Instance } from '../pipeline/analyse.ts';
import type { CatalogUpstream, Excluded, FanInItemContext, Lineage, ParamValue, RunInfo, StageContext, StageModule, StageOutput, Upstream } from '../stage.ts';
import type { EngineEmitter, InstanceStatus } from './events.ts';
import { loadStageModule, runnableModulePath } from './modules.ts';
import { readFirst, usableFor } from './read-first.ts';
import { shellCodeHash } from './shell.ts';
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
}

/** Shared by every instance of a run. */
export interface RunContext {
  readonly root: string;
  readonly run: RunInfo;
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
  readonly ended?: Map<string, { status: Excluded['status']; reason: string }>;
  /**
   * Per-galaxy instances are only answered from the cache, never run (a miss fails them):
   * the Slurm driver runs the catalog-level stages this way after the array.
   */
  readonly cachedOnly?: boolean;
}

/** Executes (or answers from the cache) one instance whose dependencies are all done. */
export async function executeInstance(rc: RunContext, inst: Instance, warnings: string[]): Promise<Done> {
  const module = await loadStageModule(rc.root, inst.stage);
  const own: { inputs?: Readonly<Record<string, string>> } = {};
  const ctx = contextFor(rc, inst, warnings, own);
  // A stage that hashes what it reads runs before its key when an input is not hashed yet (read-first.ts).
  const early = rc.cachedOnly || inst.items ? undefined : await readFirst(rc.hasher, module, ctx, () => runStage(rc, inst, module, ctx));
  // Large inputs not hashed before are hashed on worker threads in parallel, first.
  await rc.hasher.prefetch(module.inputs?.(ctx) ?? []);
  const { key, fields } = keyFor(rc, inst, module, ctx);
  own.inputs = fields.inputs;
  const outputFiles = module.outputs?.(ctx) ?? [];
  for (const file of outputFiles) {
    removeStaleTemps(file);
    const owner = rc.claimed.get(file);
    if (owner !== undefined && owner !== inst.id) {
      throw new UserError('output-collision', `${inst.id} would overwrite ${file}, written by ${owner} in this run`, 'each point of a sweep needs its own file name: put the swept parameters in it, e.g. --set name={id}_{sn}_{k}_s{seed}.fits');
    }
    rc.claimed.set(file, inst.id);
  }

  const record = rc.cache?.lookup(key);
  if (record && filesIntact(rc, record)) {
    rc.cache?.remember(rc.root, inst.stage.name, inst.row.id, key);
    return { status: record.output.skip !== null ? 'skipped' : 'cached', outputHash: record.outputHash, key, fields, files: Object.keys(record.output.files), ...(record.output.skip !== null ? { skip: record.output.skip } : {}), record };
  }
  if (rc.cachedOnly && !inst.items) {
    throw new UserError('not-run', `${inst.id} is not in the cache: its Slurm array element did not finish it`, 'see the element\'s log in the job folder; `run --resume` reruns what did not finish');
  }
  return runAndStore(rc, inst, module, ctx, key, fields, usableFor(early, fields.inputs));
}

/** The key of an instance whose upstream instances are done (or, for `explain`, known). */
export function keyFor(rc: RunContext, inst: Instance, module: StageModule, ctx: StageContext): { key: string; fields: KeyFields } {
  const inputFiles = module.inputs?.(ctx) ?? [];
  const inputs = Object.fromEntries(inputFiles.map((f) => [f, rc.hasher.hash(f)]));
  const fields: KeyFields = {
    stage: inst.stage.name,
    galaxy: inst.row.id,
    ...(inst.stage.source ? { row: inst.row.fields } : {}),
    // A shell stage's code is its command templates and the script it runs.
    code: inst.stage.run ? shellCodeHash(inst.stage, rc.root) : codeHash(sourceOf(rc.root, inst.stage.module), rc.root),
    params: sortedParams(inst.params),
    // (a catalog-level instance's deps are by instance id, so which galaxy changed is in
    // the key's diff; one left out is `excluded`, so its recovery reruns the fan-in)
    upstream: Object.fromEntries([...inst.deps].map(([name, dep]) => [name, rc.done.get(dep.id)?.outputHash ?? (inst.items ? 'excluded' : 'missing')])),
    inputs,
    // A stage that writes provenance cards is keyed on everything the cards record.
    ...(module.provenance ? { lineage: lineageOf(rc, inst, inst.params, inputs), producer: { version: rc.run.version, pipelineHash: rc.run.pipelineHash } } : {}),
  };
  return { key: keyOf(fields, CACHE_FORMAT), fields };
}

/** Runs the stage (`ran`: it already ran, read-first.ts) and stores its output under `key`. */
async function runAndStore(rc: RunContext, inst: Instance, module: StageModule, ctx: StageContext, key: string, fields: KeyFields, ran?: StageOutput): Promise<Done> {
  const output = ran ?? (await runStage(rc, inst, module, ctx));
  rc.onOutput?.(inst, output);
  const files = output.files ?? [];
  const fileHashes = Object.fromEntries(files.map((f) => [f, rc.hasher.hash(f)]));
  const outputHash = rc.cache ? rc.cache.store(key, inst.id, fields, output, fileHashes).outputHash : outputHashOf(describeOutput(output, fileHashes).out);
  rc.cache?.remember(rc.root, inst.stage.name, inst.row.id, key);
  return { status: output.skip !== undefined ? 'skipped' : 'ran', outputHash, key, fields, files, ...(output.skip !== undefined ? { skip: output.skip } : {}), output };
}

/** Runs the stage on its upstream outputs: in a worker thread when there is a pool, else here. */
async function runStage(rc: RunContext, inst: Instance, module: StageModule, ctx: StageContext): Promise<StageOutput> {
  const upstream: Record<string, StageOutput> = {};
  for (const [name, dep] of inst.deps) if (!inst.items || rc.done.has(dep.id)) upstream[name] = await materialize(rc, dep);
  // A catalog-level stage runs in the main thread: it reads every galaxy's outputs, which
  // are here already, and runs once, after the workers are done with the galaxies.
  return rc.pool && !inst.stage.source && inst.stage.module && !inst.items
    ? rc.pool.run(
        { module: runnableModulePath(rc.root, inst.stage.module), stage: inst.stage.name, run: rc.run, row: { id: inst.row.id, fields: null }, params: inst.params, lineage: ctx.lineage, upstream },
        { progress: (info) => ctx.progress(info), warn: (message) => ctx.warn(message) },
      )
    : module.run(ctx);
}

/**
 * Makes an instance's output available in memory. A cached output whose objects turn out
 * corrupt is recomputed (its own dependencies first), never used.
 */
export async function materialize(rc: RunContext, inst: Instance): Promise<StageOutput> {
  const done = rc.done.get(inst.id);
  if (!done) throw new Error(`internal: ${inst.id} is not done`);
  if (done.output) return done.output;
  const record = done.record;
  if (!record || !rc.cache) throw new Error(`internal: ${inst.id} has neither an output nor a record`);
  try {
    const arrays: Record<string, NDArray> = {};
    for (const [name, ref] of Object.entries(record.output.arrays)) arrays[name] = rc.cache.loadArray(ref);
    done.output = { meta: record.output.meta, arrays, files: Object.keys(record.output.files), ...(record.output.skip !== null ? { skip: record.output.skip } : {}) };
    return done.output;
  } catch (err) {
    if (!(err instanceof CacheCorruption)) throw err;
    rc.cache.invalidate(record.key);
    rc.events.emit('instance-warning', inst, `${err.message}; recomputing`);
    const module = await loadStageModule(rc.root, inst.stage);
    const again = await runAndStore(rc, inst, module, contextFor(rc, inst, [], { inputs: done.fields.inputs }), done.key, done.fields);
    done.output = again.output;
    return again.output as StageOutput;
  }
}

/** The output of a done upstream instance, from memory or (meta and files) from its record. */
function outputOf(rc: RunContext, dep: Instance): StageOutput {
  const done = rc.done.get(dep.id);
  if (done?.output) return done.output;
  if (done?.record) return { meta: done.record.output.meta, files: Object.keys(done.record.output.files), arrays: lazyArrays(rc, dep, done) };
  throw new Error(`internal: ${dep.id} has no output`);
}

function upstreamOf(rc: RunContext, stage: string, deps: ReadonlyMap<string, Instance>): Upstream {
  return {
    get(name: string): StageOutput {
      const dep = deps.get(name);
      if (!dep) throw new Error(`stage ${stage} read the output of \`${name}\`, which is not in its needs (pipeline.yaml)`);
      return outputOf(rc, dep);
    },
  };
}

/**
 * What a catalog-level instance runs on: the items whose upstream instances all ended
 * well (ran or cached, not skipped), the rest as {@link Excluded}, and the outputs of the
 * catalog-level instances it needs.
 */
export function gather(rc: RunContext, inst: Instance): { items: FanInItemContext[]; excluded: Excluded[]; catalog: CatalogUpstream[] } {
  const items: FanInItemContext[] = [];
  const excluded: Excluded[] = [];
  const badOf = (dep: Instance): { status: Excluded['status']; reason: string } | undefined => {
    const done = rc.done.get(dep.id);
    if (done) return done.status === 'skipped' ? { status: 'skipped', reason: done.skip ?? 'skipped' } : undefined;
    // (explain has no ended map: an upstream it cannot tell yet counts as left out)
    return rc.ended?.get(dep.id) ?? { status: 'failed', reason: 'did not finish' };
  };
  for (const item of inst.items ?? []) {
    let bad: Excluded | undefined;
    for (const dep of item.deps.values()) {
      const b = badOf(dep);
      if (b) {
        bad = { galaxy: item.row.id, point: item.point, instance: dep.id, ...b };
        break;
      }
    }
    if (bad) excluded.push(bad);
    else items.push({ row: { id: item.row.id }, point: item.point, upstream: upstreamOf(rc, inst.stage.name, item.deps) });
  }
  const catalog: CatalogUpstream[] = [];
  for (const dep of inst.deps.values()) {
    if (!dep.items) continue;
    const b = badOf(dep);
    if (b) excluded.push({ galaxy: dep.row.id, point: dep.point, instance: dep.id, ...b });
    else catalog.push({ stage: dep.stage.name, point: dep.point, output: outputOf(rc, dep) });
  }
  return { items, excluded, catalog };
}

export function contextFor(rc: RunContext, inst: Instance, warnings: string[], own: { inputs?: Readonly<Record<string, string>> } = {}): StageContext {
  const fanIn = inst.items ? gather(rc, inst) : undefined;
  return {
    stage: inst.stage.name,
    run: rc.run,
    row: inst.stage.source || inst.items ? inst.row : guardRow(inst),
    params: guardParams(inst),
    upstream: inst.items
      ? { get: (name: string): never => { throw new Error(`stage ${inst.stage.name} is catalog-level: read \`${name}\` of each galaxy from ctx.items[i].upstream, and catalog-level needs from ctx.catalog`); } }
      : upstreamOf(rc, inst.stage.name, inst.deps),
    ...(fanIn ?? {}),
    progress: (info) => rc.events.emit('instance-progress', inst, info),
    warn: (message) => {
      warnings.push(message);
      rc.events.emit('instance-warning', inst, message);
    },
    signal: rc.signal,
    get lineage() {
      return lineageOf(rc, inst, inst.params, own.inputs ?? {});
    },
  };
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
function lazyArrays(rc: RunContext, inst: Instance, done: Done): Readonly<Record<string, NDArray>> {
  return new Proxy({} as Record<string, NDArray>, {
    get(_t, name) {
      if (typeof name !== 'string') return undefined;
      if (!done.output) throw new Error(`internal: ${inst.id}'s arrays were read before they were loaded`);
      return done.output.arrays?.[name];
    },
  });
}

function filesIntact(rc: RunContext, record: CacheRecord): boolean {
  return Object.entries(record.output.files).every(([file, hash]) => hash !== ABSENT && rc.hasher.hash(file) === hash);
}

/** The source file of a module path, for hashing (the `.ts` a user edits). */
function sourceOf(root: string, module: string): string {
  return path.resolve(root, module);
}

function sortedParams(params: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  return Object.fromEntries(Object.keys(params).sort().map((k) => [k, params[k] as ParamValue]));
}

/**
 * Only the source stage reads the catalog row itself (it is part of that stage's key);
 * the others read the galaxy through the source's output, which their keys cover.
 */
function guardRow(inst: Instance): StageContext['row'] {
  const row = inst.row;
  return {
    id: row.id,
    get fields(): never {
      throw new Error(`stage \`${inst.stage.name}\` read ctx.row.fields; only the source stage reads the catalog row (read the galaxy from its output instead)`);
    },
  };
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
