/**
 * `sfh-pipeline run`: load and validate the pipeline, resolve parameters, let the source
 * stage enumerate the catalog, select galaxies, expand the sweep, execute, report.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileHasher } from '../cache/file-hash.ts';
import { LocalCache } from '../cache/store.ts';
import { selectRows } from '../catalog/select.ts';
import { UserError } from '../errors.ts';
import { EngineEmitter } from '../engine/events.ts';
import { execute } from '../engine/execute.ts';
import { loadStageModule, PACKAGE_ROOT } from '../engine/modules.ts';
import { analyse } from '../pipeline/analyse.ts';
import { loadPipeline } from '../pipeline/load.ts';
import { resolveParams } from '../pipeline/params.ts';
import type { Pipeline } from '../pipeline/types.ts';
import { taskRecord } from '../report/json.ts';
import { attachPlainLog, summaryLines } from '../report/plain.ts';
import type { ParamValue, SourceModule } from '../stage.ts';
import type { RunValues } from '../cli.ts';
import { ensureExampleData } from './example.ts';
import { VERSION } from './help.ts';

/** The pipeline file a command uses: --pipeline, else ./pipeline.yaml, else the bundled one. */
export function pipelineFile(option: string | undefined): string {
  if (option) return path.resolve(option);
  const local = path.resolve('pipeline.yaml');
  return existsSync(local) ? local : path.join(PACKAGE_ROOT, 'pipeline.yaml');
}

/** Command-line flags that are shorthands for `--set NAME=VALUE`. */
const SHORTHANDS = ['k', 'seed', 'catalog', 'cubes', 'sfh', 'out'] as const;

/** Parameter overrides from the shorthands and every `--set`. */
export function overridesOf(v: RunValues): Map<string, string> {
  const overrides = new Map<string, string>();
  for (const s of v.set ?? []) {
    const i = s.indexOf('=');
    if (i <= 0) throw new UserError('usage', `--set ${s}: expected NAME=VALUE`, 'e.g. --set maxIter=200');
    const name = s.slice(0, i).trim();
    if (overrides.has(name)) throw new UserError('usage', `--set ${name} is given twice`, 'give each parameter once (a list or range sweeps it: --set seed=0..4)');
    overrides.set(name, s.slice(i + 1).trim());
  }
  for (const name of SHORTHANDS) {
    const value = v[name];
    if (value === undefined) continue;
    if (overrides.has(name)) throw new UserError('usage', `--${name} and --set ${name}=... both given`, 'give one of them');
    overrides.set(name, value);
  }
  return overrides;
}

/** Runs the pipeline; resolves with the exit status. */
export async function commandRun(v: RunValues): Promise<number> {
  const pipeline = loadPipeline(pipelineFile(v.pipeline));
  const values = resolveParams(pipeline, overridesOf(v), process.cwd());
  if (!v.galaxy) throw new UserError('usage', 'which galaxies? --galaxy is required', 'e.g. --galaxy 122, --galaxy 11,45, --galaxy 100..130 or --galaxy all');
  const jobs = v.jobs === undefined ? os.availableParallelism() : Number(v.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UserError('usage', `--jobs ${v.jobs}: expected a whole number >= 1`);

  await ensureExampleData(pipeline, values, process.stderr);
  const rows = await enumerateRows(pipeline, values);
  const catalog = String(values.get('catalog')?.[0] ?? 'the catalog');
  const selected = selectRows(rows, v.galaxy, v.where ?? [], catalog);
  const plan = analyse(pipeline, selected, values);

  const events = new EngineEmitter();
  attachPlainLog(events, process.stderr, v.verbose ?? false);
  const cacheDir = path.resolve(v.cache ?? path.join(pipeline.root, 'cache'));
  const cache = new LocalCache(cacheDir);
  const hasher = new FileHasher(path.join(cacheDir, 'stat'));
  const results = await execute(plan, { jobs, failFast: v['fail-fast'] ?? false, cache, hasher, run: { version: VERSION, pipelineHash: pipeline.hash } }, events);
  for (const p of cache.problems) process.stderr.write(`cache: ${p.reason} ${p.file}: ${p.detail} (recomputed)\n`);
  for (const line of summaryLines(results)) process.stderr.write(`${line}\n`);
  if (v.json) {
    const record = { tool: 'sfh-pipeline', version: VERSION, pipeline: pipeline.file, tasks: results.map((r) => taskRecord(r, values)) };
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  }
  return results.some((r) => r.status === 'failed') ? 1 : 0;
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
