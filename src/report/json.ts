/**
 * The `--json` record of a run: one entry per task (a galaxy at a sweep point), with the
 * status of every stage it needed. A stable shape that scripts and tests rely on.
 */
import type { InstanceResult, TaskResult } from '../engine/events.ts';
import type { Json } from '../stage.ts';
import { describeFailure } from './failure.ts';

/** One task of the `--json` record. */
export interface TaskRecord {
  galaxy: string;
  sn: string | null;
  k: number | null;
  /** The task's point on every sweep axis and the values of k and seed. */
  params: { [name: string]: Json };
  status: 'ok' | 'failed' | 'skipped';
  /** Why it failed (null unless failed). */
  error: string | null;
  /** The reason code of the failure (see docs/errors.md), or null. */
  reason: string | null;
  /** Why it was skipped (null unless skipped). */
  skipped: string | null;
  output: string | null;
  warnings: string[];
  stages: { name: string; status: string; ms: number }[];
}

/** Builds the record of one task. `values` gives each parameter's value(s) for the run. */
export function taskRecord(result: TaskResult, values: ReadonlyMap<string, readonly Json[]>): TaskRecord {
  const { task } = result;
  const params: { [name: string]: Json } = {};
  for (const name of ['k', 'seed']) if (values.has(name)) params[name] = values.get(name)?.[0] ?? null;
  Object.assign(params, task.point);
  const k = typeof params['k'] === 'number' ? params['k'] : null;
  const failure = result.failure;
  return {
    galaxy: task.row.id,
    sn: task.row.fields['SN Name'] ?? null,
    k,
    params,
    status: result.status,
    error: failure ? describeFailure(failure) : null,
    reason: failure?.reason ?? null,
    skipped: result.skipReason ?? null,
    output: result.output ?? null,
    warnings: [...new Set(result.instances.flatMap((r) => r.warnings))],
    stages: result.instances.map((r) => ({ name: r.instance.stage.name, status: r.status, ms: Math.round(r.ms * 10) / 10 })),
  };
}

/** One catalog-level instance of the `--json` record (its `catalog` list). */
export interface CatalogRecord {
  /** The instance id, e.g. `summarise[all]`, `dtd[all k=15]`. */
  id: string;
  stage: string;
  /** Its values on the sweep axes it runs per (`per`, or its own swept params). */
  point: { [name: string]: Json };
  status: string;
  ms: number;
  /** Galaxies x gathered points it was given, and those left out. */
  items: number;
  excluded: { galaxy: string; point: { [name: string]: Json }; instance: string; status: string; reason: string }[];
  files: string[];
  error: string | null;
  reason: string | null;
  /** What it warned about (repeated when it came from the cache). */
  warnings: string[];
}

/** Builds the record of one catalog-level instance. */
export function catalogRecord(r: InstanceResult): CatalogRecord {
  const failure = r.failure;
  return {
    id: r.instance.id,
    stage: r.instance.stage.name,
    point: { ...r.instance.point },
    status: r.status,
    ms: Math.round(r.ms * 10) / 10,
    items: r.instance.scope === 'catalog' ? r.instance.items.length : 0,
    excluded: (r.catalog?.excluded ?? []).map((e) => ({ galaxy: e.galaxy, point: { ...e.point }, instance: e.instance, status: e.status, reason: e.reason })),
    files: [...r.files],
    error: failure ? describeFailure(failure) : null,
    reason: failure?.reason ?? null,
    warnings: [...r.warnings],
  };
}

/** The whole `--json` record of a run: who made it, from which pipeline, and every task and catalog-level instance. */
export function runRecord(run: {
  readonly version: string;
  readonly pipeline: string;
  readonly id: string;
  readonly executor?: { readonly [key: string]: Json };
  readonly inputsHashed: number;
  readonly cacheProblems: readonly object[];
  readonly tasks: readonly TaskResult[];
  readonly catalog: readonly InstanceResult[];
  readonly values: ReadonlyMap<string, readonly Json[]>;
}): { [key: string]: unknown } {
  return {
    tool: 'sfh-pipeline',
    version: run.version,
    pipeline: run.pipeline,
    run: run.id,
    ...run.executor,
    inputsHashed: run.inputsHashed,
    cacheProblems: run.cacheProblems,
    tasks: run.tasks.map((r) => taskRecord(r, run.values)),
    catalog: run.catalog.map(catalogRecord),
  };
}
