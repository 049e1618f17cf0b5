/**
 * Preparing a run, what `run`, `explain`, `dag`, `verify` and a Slurm array element share:
 * load and validate the pipeline, resolve parameters, load and check every stage module,
 * let the source stage enumerate the catalog, select galaxies and expand the sweep into a
 * plan, and open the cache. Every problem found here stops the command before anything runs.
 */
import path from 'node:path';
import { FileHasher } from '../cache/file-hash.ts';
import { LocalCache } from '../cache/store.ts';
import { selectRows } from '../catalog/select.ts';
import { RESULT_NAME_HINT, resultNameProblem } from '../catalog/galaxy.ts';
import { UserError } from '../errors.ts';
import { checkStageModules, loadStageModule } from '../engine/modules.ts';
import { analyse, type Plan } from '../pipeline/analyse.ts';
import { openPipeline } from '../pipeline/open.ts';
import { resolveParams } from '../pipeline/params.ts';
import type { Pipeline } from '../pipeline/types.ts';
import type { ParamValue, SourceModule } from '../stage.ts';
import { ensureExampleData } from './example.ts';
import { cacheDir, cacheDirOf, overridesOf, pipelineFile, type PlanValues } from './request.ts';

/** A plan ready to run or explain, with its cache. */
export interface Prepared {
  readonly pipeline: Pipeline;
  readonly values: ReadonlyMap<string, readonly ParamValue[]>;
  readonly plan: Plan;
  readonly cache: LocalCache;
  readonly hasher: FileHasher;
}

/** Opens the cache a command uses. */
export function openCache(dir: string): { cache: LocalCache; hasher: FileHasher } {
  const cache = new LocalCache(dir);
  const hasher = new FileHasher(path.join(dir, 'stat'));
  // (a damaged stat memo entry is reported with the cache's other problems)
  hasher.onProblem = (p) => cache.problems.push(p);
  return { cache, hasher };
}

/**
 * Loads, resolves, enumerates, selects and expands. `without` names stages to leave out of
 * the plan, with everything that needs them (`run --no-report` leaves out `report`); a
 * name the pipeline does not have is ignored, so a user's pipeline without it still runs.
 * `only` keeps, of the rows selected, those with these ids (a Slurm element plans its own
 * galaxy: planning the whole catalog took it ~1 s more at 500 galaxies).
 */
export async function preparePlan(v: PlanValues, log: NodeJS.WritableStream, options: { without?: readonly string[]; only?: ReadonlySet<string> } = {}): Promise<Prepared> {
  const file = pipelineFile(v.pipeline);
  const pipeline = withoutStages(await openPipeline(file, cacheDirOf(file, v.cache)), options.without ?? []);
  const overrides = overridesOf(v);
  // --ngist replaces the catalog; taking one silently over the other would hide a mistake.
  // (Only the flags: verify replays a lock's every parameter, the catalog's default included.)
  if (v.ngist !== undefined && v.ngist !== '' && v.catalog !== undefined) {
    throw new UserError('usage', '--ngist and --catalog both given', 'use --ngist DIR for one nGIST run without a catalog, or a catalog with an NGIST column naming each galaxy\'s folder');
  }
  const values = resolveParams(pipeline, overrides, process.cwd());
  // The built-in write names its results after `name`: a template it cannot use is the run's problem, not each galaxy's.
  if (pipeline.stages.some((s) => s.builtin === 'write')) {
    for (const n of values.get('name') ?? []) {
      const problem = typeof n === 'string' ? resultNameProblem(n) : undefined;
      if (problem !== undefined) throw new UserError('usage', `${overrides.has('name') ? '--set name' : 'the parameter name'}: ${problem}`, RESULT_NAME_HINT);
    }
  }
  // --ngist is one galaxy (the run in the folder): nothing to choose.
  if (!v.galaxy && String(values.get('ngist')?.[0] ?? '') !== '') v = { ...v, galaxy: 'all' };
  if (!v.galaxy) throw new UserError('usage', 'which galaxies? --galaxy is required', 'e.g. --galaxy 122, --galaxy 11,45, --galaxy 100..130 or --galaxy all');
  // Every stage module is loaded and checked (its exports and their kinds) before anything
  // runs, the source stage's enumerate() included: all of their problems at once, exit 2.
  await checkStageModules(pipeline);
  await ensureExampleData(values, pipeline.root, log);
  const rows = await enumerateRows(pipeline, values);
  const catalog = String(values.get('catalog')?.[0] ?? 'the catalog');
  const selected = selectRows(rows, v.galaxy, v.where ?? [], catalog);
  const plan = analyse(pipeline, options.only ? selected.filter((r) => options.only?.has(r.id)) : selected, values);
  return { pipeline, values, plan, ...openCache(cacheDir(pipeline, v.cache)) };
}

/** The pipeline without the named stages and those that need them (directly or not). */
function withoutStages(pipeline: Pipeline, names: readonly string[]): Pipeline {
  const gone = new Set(names.filter((n) => pipeline.stages.some((s) => s.name === n)));
  if (gone.size === 0) return pipeline;
  // (stages are in topological order: a stage's needs are decided before it)
  for (const s of pipeline.stages) if (s.needs.some((n) => gone.has(n))) gone.add(s.name);
  return { ...pipeline, stages: pipeline.stages.filter((s) => !gone.has(s.name)) };
}

/** Asks the source stage for every catalog row (its parameters cannot be swept). */
async function enumerateRows(pipeline: Pipeline, values: ReadonlyMap<string, readonly ParamValue[]>) {
  const source = pipeline.stages.find((s) => s.source);
  if (!source) throw new UserError('pipeline-invalid', 'the pipeline has no source stage');
  const params: Record<string, ParamValue> = {};
  for (const p of source.params) {
    const vals = values.get(p) ?? [];
    if (vals.length !== 1) throw new UserError('usage', `parameter \`${p}\` of the source stage \`${source.name}\` cannot be swept`, 'give it a single value');
    params[p] = vals[0] as ParamValue;
  }
  const mod = (await loadStageModule(pipeline.root, source)) as SourceModule;
  return mod.enumerate(params);
}
