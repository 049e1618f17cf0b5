/**
 * What a run made, as the lock will record it, before it is merged into the lock file: each
 * stage instance once (by its key), with its code, parameters, input files and the instances
 * it needs, and each file it wrote with its sha256 and the instance that wrote it. The
 * session gathers these as tasks end and writes each task's new ones into the run record,
 * so a killed run's finished work still reaches the lock after `--resume`; a Slurm element
 * sends its own in its record. Paths are already relative to the lock file's folder.
 */
import type { FileHasher } from '../cache/file-hash.ts';
import type { InstanceResult, TaskResult } from '../engine/events.ts';
import type { Instance } from '../pipeline/analyse.ts';
import type { Pipeline } from '../pipeline/types.ts';
import type { ParamValue } from '../stage.ts';
import { lockParams, toLockPath } from './paths.ts';

/** How long the references between the lock's entries are: 12 hex digits (48 bits) of a hash. */
export const REF_LENGTH = 12;

/** The lock's name for an instance: the start of its cache key. */
export function refOf(key: string): string {
  return key.slice(0, REF_LENGTH);
}

/** A stage's code, once per code hash: its module and the local modules it imports, with their sha256. */
export interface LockCode {
  readonly stage: string;
  readonly files: Readonly<Record<string, string>>;
}

/** A file a stage wrote: its sha256, and the instance (a reference) that wrote it. */
export interface LockOutput {
  readonly sha256: string;
  readonly by: string;
}

/** When and by which command a catalog-level output was made (see RunInfo). */
export interface LockRun {
  readonly started?: string;
  readonly command?: string;
}

/** An instance as a run records it, before its code and parameters go to the lock's tables. */
export interface RawInstance {
  readonly stage: string;
  /** The galaxy id; `all` for a catalog-level instance. */
  readonly galaxy: string;
  /** The full code hash. */
  readonly code: string;
  /**
   * The parameters it read (path parameters relative to the lock's folder). A catalog-level
   * instance has those of its whole chain too (all but the swept ones, which are in `sweep`),
   * so `verify` can plan the same run again.
   */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Every file it read, by lock path, with its sha256. */
  readonly inputs: Readonly<Record<string, string>>;
  /** The instances it needs (references), sorted; a catalog-level one names only the catalog-level ones. */
  readonly needs: readonly string[];
  /** Only catalog-level: its point on its own axes, its galaxies (catalog order, those left out too), every swept value it covered, and the run that made it. */
  readonly point?: Readonly<Record<string, ParamValue>>;
  readonly galaxies?: readonly string[];
  readonly sweep?: Readonly<Record<string, readonly ParamValue[]>>;
  readonly run?: LockRun;
}

/** {@link LockRecords} as JSON (a run record's line, a Slurm element's report). */
export interface LockRecordsJson {
  readonly code?: Readonly<Record<string, LockCode>>;
  readonly instances?: Readonly<Record<string, RawInstance>>;
  readonly outputs?: Readonly<Record<string, LockOutput>>;
}

/** What is needed to record an instance: the lock's folder, the pipeline (which parameters are paths) and the hasher. */
export interface LockContext {
  readonly dir: string;
  readonly pipeline: Pipeline;
  readonly hasher: FileHasher;
}

/** Instances (by reference), their code (by full hash) and outputs (by lock path) a run made. */
export class LockRecords {
  readonly code = new Map<string, LockCode>();
  readonly instances = new Map<string, RawInstance>();
  readonly outputs = new Map<string, LockOutput>();

  /** Adds another run's (or task's) records; the later entry of a file wins. */
  add(other: LockRecords | LockRecordsJson): this {
    const entries = <T>(m: ReadonlyMap<string, T> | Readonly<Record<string, T>> | undefined): [string, T][] => (m instanceof Map ? [...m] : Object.entries(m ?? {}));
    for (const [hash, code] of entries(other.code)) this.code.set(hash, code);
    for (const [ref, inst] of entries(other.instances)) this.instances.set(ref, inst);
    for (const [file, out] of entries(other.outputs)) this.outputs.set(file, out);
    return this;
  }

  /** Nothing recorded. */
  get empty(): boolean {
    return this.instances.size === 0 && this.outputs.size === 0;
  }

  toJson(): LockRecordsJson {
    return {
      ...(this.code.size ? { code: Object.fromEntries(this.code) } : {}),
      ...(this.instances.size ? { instances: Object.fromEntries(this.instances) } : {}),
      ...(this.outputs.size ? { outputs: Object.fromEntries(this.outputs) } : {}),
    };
  }
}

/**
 * The records of a task that ended well: every instance of it that ran or came from the
 * cache, and every file they wrote. Those of a failed or skipped task are not recorded
 * (it has no result to verify).
 */
export function taskRecords(r: TaskResult, c: LockContext): LockRecords {
  const out = new LockRecords();
  if (r.status !== 'ok') return out;
  const keys = new Map<string, string>();
  for (const i of r.instances) if (i.key) keys.set(i.instance.id, i.key);
  for (const i of r.instances) {
    if ((i.status !== 'ran' && i.status !== 'cached') || !i.key || !i.fields) continue;
    const needs = [...i.instance.deps.values()].flatMap((d) => {
      const key = keys.get(d.id);
      return key ? [refOf(key)] : [];
    });
    record(out, c, i, { params: lockParams(c.pipeline, c.dir, i.fields.params), needs });
  }
  return out;
}

/**
 * The records of the catalog-level instances that ran or came from the cache: what each
 * covered (galaxies, sweep, the parameters of its chain), the catalog-level instances it
 * read, the run that made it, and its files.
 */
export function catalogRecords(results: readonly InstanceResult[], c: LockContext): LockRecords {
  const out = new LockRecords();
  const keys = new Map<string, string>();
  for (const r of results) if (r.key && (r.status === 'ran' || r.status === 'cached')) keys.set(r.instance.id, r.key);
  for (const r of results) {
    const inst = r.instance;
    if (!keys.has(inst.id) || !r.fields || inst.scope !== 'catalog') continue;
    const sweep = sweepOf(inst);
    // The parameters of the chains it read (non-swept: one value for the whole plan), then its own.
    const params: Record<string, ParamValue> = {};
    visitChain(inst, (node) => {
      for (const [name, value] of Object.entries(node.params)) if (!(name in sweep)) params[name] = value;
    });
    for (const [name, value] of Object.entries(r.fields.params)) if (!(name in sweep)) params[name] = value;
    const needs = [...inst.deps.values()].flatMap((d) => (d.scope === 'catalog' && keys.has(d.id) ? [refOf(keys.get(d.id) as string)] : []));
    const galaxies = [...new Set(inst.items.map((i) => i.row.id))];
    const run = r.made ? { ...(r.made.started ? { started: r.made.started } : {}), ...(r.made.command ? { command: r.made.command } : {}) } : undefined;
    record(out, c, r, {
      params: lockParams(c.pipeline, c.dir, params),
      needs,
      point: { ...inst.point },
      galaxies,
      sweep: Object.fromEntries(Object.entries(sweep).map(([axis, values]) => [axis, lockValues(c, axis, values)])),
      ...(run && Object.keys(run).length ? { run } : {}),
    });
  }
  return out;
}

function record(out: LockRecords, c: LockContext, r: InstanceResult, rest: Pick<RawInstance, 'params' | 'needs'> & Partial<RawInstance>): void {
  const fields = r.fields;
  if (!r.key || !fields) return;
  const ref = refOf(r.key);
  out.code.set(fields.code.hash, { stage: r.instance.stage.name, files: fields.code.files });
  const inputs: Record<string, string> = {};
  for (const file of Object.keys(fields.inputs).sort()) inputs[toLockPath(c.dir, file)] = fields.inputs[file] as string;
  out.instances.set(ref, { stage: r.instance.stage.name, galaxy: r.instance.row.id, code: fields.code.hash, ...rest, needs: [...new Set(rest.needs)].sort(), inputs });
  for (const file of r.files) out.outputs.set(toLockPath(c.dir, file), { sha256: c.hasher.hash(file), by: ref });
}

/**
 * Every swept value a catalog-level instance covered: its own point, its items' points, and
 * the points (and sweeps) of the catalog-level instances it read, so that `dtd-models` over
 * `--set dtdModel=MDA,MDB` records both models and `verify` fits both again.
 */
function sweepOf(inst: Instance): Record<string, ParamValue[]> {
  const sweep: Record<string, ParamValue[]> = {};
  const add = (point: Readonly<Record<string, ParamValue>>) => {
    for (const [axis, value] of Object.entries(point)) if (!sweep[axis]?.includes(value)) (sweep[axis] ??= []).push(value);
  };
  const visit = (node: Instance, seen: Set<string>): void => {
    if (seen.has(node.id) || node.scope !== 'catalog') return;
    seen.add(node.id);
    add(node.point);
    for (const item of node.items) add(item.point);
    for (const dep of node.deps.values()) visit(dep, seen);
  };
  visit(inst, new Set());
  for (const values of Object.values(sweep)) values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(Object.keys(sweep).sort().map((axis) => [axis, sweep[axis] as ParamValue[]]));
}

/** Calls `fn` on every instance upstream of `inst` (not `inst` itself), each once. */
function visitChain(inst: Instance, fn: (node: Instance) => void): void {
  const seen = new Set<string>();
  const stack = [...inst.deps.values()];
  while (stack.length) {
    const node = stack.pop() as Instance;
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    fn(node);
    stack.push(...node.deps.values());
  }
}

function lockValues(c: LockContext, axis: string, values: readonly ParamValue[]): ParamValue[] {
  return values.map((v) => lockParams(c.pipeline, c.dir, { [axis]: v })[axis] as ParamValue);
}
