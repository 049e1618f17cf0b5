/**
 * One stage instance, whatever its kind: compute its key, answer it from the cache when
 * the key is known and its outputs are intact, otherwise run it and store what it made.
 * Cached outputs are loaded only when a dependent that really runs needs them, so a run
 * that changes nothing reads no array at all.
 */
import { removeStaleTemps } from '../cache/atomic.ts';
import { ABSENT } from '../cache/file-hash.ts';
import { keyOf, type KeyFields } from '../cache/key.ts';
import { CACHE_FORMAT, CacheCorruption, describeOutput, outputHashOf, type CacheRecord } from '../cache/store.ts';
import { UserError } from '../errors.ts';
import type { NDArray } from '../ndarray.ts';
import type { Instance } from '../pipeline/analyse.ts';
import type { ParamValue, StageOutput } from '../stage.ts';
import { kindOf, type Bound } from './kinds/index.ts';
import { readFirst, usableFor } from './read-first.ts';
import { lineageOf, runOf, type Done, type RunContext } from './run-context.ts';

export type { Done, RunContext } from './run-context.ts';

/** Executes (or answers from the cache) one instance whose dependencies are all done. */
export async function executeInstance(rc: RunContext, inst: Instance, warnings: string[]): Promise<Done> {
  const kind = kindOf(inst);
  const own: { inputs?: Readonly<Record<string, string>> } = {};
  const bound = await kind.bind(rc, inst, warnings, own);
  if (rc.settleOnly && !inst.stage.source && bound.skip() === undefined) throw new HasWork(inst.id);
  const said = warnings.length;
  // A stage that hashes what it reads runs before its key when an input is not hashed yet
  // (read-first.ts): a cold run reads each cube once. A Slurm driver's cache-only pass never runs one.
  const early = rc.cachedOnly ? undefined : await readFirst(rc.hasher, bound, () => bound.run((dep) => materialize(rc, dep)));
  // Large inputs not hashed before are hashed on worker threads in parallel, first.
  await rc.hasher.prefetch(bound.inputs());
  const { key, fields } = keyFor(rc, inst, bound);
  own.inputs = fields.inputs;
  for (const file of bound.outputs()) {
    removeStaleTemps(file);
    const owner = rc.claimed.get(file);
    if (owner !== undefined && owner !== inst.id) {
      throw new UserError('output-collision', `${inst.id} would overwrite ${file}, written by ${owner} in this run`, 'each point of a sweep needs its own file name: put the swept parameters in it, e.g. --set name={id}_{sn}_{k}_s{seed}.fits');
    }
    rc.claimed.set(file, inst.id);
  }

  const forced = rc.force === 'all' || (rc.force?.includes(inst.stage.name) ?? false);
  const record = forced ? undefined : rc.cache?.lookup(key);
  if (record && filesIntact(rc, record)) {
    // (what explain compares with is the last key that ran: remembering every cached one too
    // rewrote a file per instance on every rerun, the k of a sweep taking turns)
    // What the stage warned about when it ran holds for its cached result too: said again
    // (unless it just ran early on the same inputs and said them: its warnings are kept instead).
    for (const w of early ? [] : (record.warnings ?? [])) {
      warnings.push(w);
      rc.events.emit('instance-warning', inst, w);
    }
    return { status: record.output.skip !== null ? 'skipped' : 'cached', outputHash: record.outputHash, key, fields, files: Object.keys(record.output.files), ...(record.output.skip !== null ? { skip: record.output.skip } : {}), record, ...(record.run ? { made: record.run } : {}) };
  }
  if (rc.cachedOnly && !kind.gathers) {
    throw new UserError('not-run', `${inst.id} is not in the cache: its Slurm array element did not finish it`, 'see the element\'s log in the job folder; `run --resume` reruns what did not finish');
  }
  const ran = usableFor(early, fields.inputs);
  // (an early output not used: it runs again and warns again)
  if (early && !ran) warnings.length = said;
  return runAndStore(rc, inst, bound, key, fields, warnings, ran);
}

/** What a run that settles only what needs no work (ExecuteOptions.settleOnly) ends an instance with work with. */
export class HasWork extends Error {
  constructor(readonly instance: string) {
    super(`${instance} has work: left to the run that does it`);
  }
}

/** The key of a bound instance whose upstream instances are done (or, for `explain`, known). */
export function keyFor(rc: RunContext, inst: Instance, bound: Bound): { key: string; fields: KeyFields } {
  const inputs = Object.fromEntries(bound.inputs().map((f) => [f, hashInput(rc, f)]));
  const fields: KeyFields = {
    stage: inst.stage.name,
    galaxy: inst.row.id,
    ...(inst.stage.source ? { row: inst.row.fields } : {}),
    decl: inst.stage.hash,
    code: bound.code(),
    params: sortedParams(inst.params),
    upstream: bound.upstream(),
    inputs,
    // A stage that writes provenance cards is keyed on everything the cards record.
    ...(bound.provenance ? { lineage: lineageOf(rc, inst, inst.params, inputs), producer: { version: rc.run.version, pipelineHash: inst.stage.chain } } : {}),
  };
  return { key: keyOf(fields, CACHE_FORMAT), fields };
}

/** Runs the instance (`ran`: it already ran, read-first.ts) and stores its output under `key`. */
async function runAndStore(rc: RunContext, inst: Instance, bound: Bound, key: string, fields: KeyFields, warnings: readonly string[], ran?: StageOutput): Promise<Done> {
  const output = ran ?? (await bound.run((dep) => materialize(rc, dep)));
  rc.onOutput?.(inst, output);
  const files = output.files ?? [];
  const fileHashes = Object.fromEntries(files.map((f) => [f, rc.hasher.hash(f)]));
  const run = runOf(rc, inst);
  const made = { ...(run.started ? { started: run.started } : {}), ...(run.command ? { command: run.command } : {}) };
  const outputHash = rc.cache ? rc.cache.store(key, inst.id, fields, output, fileHashes, made, warnings).outputHash : outputHashOf(describeOutput(output, fileHashes).out);
  rc.cache?.remember(rc.root, inst.stage.name, inst.row.id, key);
  return { status: output.skip !== undefined ? 'skipped' : 'ran', outputHash, key, fields, files, ...(output.skip !== undefined ? { skip: output.skip } : {}), output, made };
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
    const warnings: string[] = [];
    const bound = await kindOf(inst).bind(rc, inst, warnings, { inputs: done.fields.inputs });
    const again = await runAndStore(rc, inst, bound, done.key, done.fields, warnings);
    done.output = again.output;
    return again.output as StageOutput;
  }
}

/** An input's hash; a read that fails says which file (a read from a descriptor, EISDIR for a folder, names none). */
function hashInput(rc: RunContext, file: string): string {
  try {
    return rc.hasher.hash(file);
  } catch (err) {
    if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).path === undefined) Object.assign(err, { path: file });
    throw err;
  }
}

function filesIntact(rc: RunContext, record: CacheRecord): boolean {
  // (an output that cannot be read, or is a folder now, is not intact: the stage runs and rewrites it, or says why it cannot)
  return Object.entries(record.output.files).every(([file, hash]) => {
    try {
      return hash !== ABSENT && rc.hasher.hash(file) === hash;
    } catch {
      return false;
    }
  });
}

function sortedParams(params: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  return Object.fromEntries(Object.keys(params).sort().map((k) => [k, params[k] as ParamValue]));
}
