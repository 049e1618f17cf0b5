/**
 * What a command asks for, as the command line parsed it: the options that select and
 * parameterise a plan (kept in the run record, so `--resume` plans the same run again) and
 * the options of `run` that only say how to run it. The command line builds these once and
 * hands them down; nothing below it reads argv.
 */
import path from 'node:path';
import { UserError } from '../errors.ts';
import { findPipeline, projectRoot } from '../pipeline/project.ts';
import type { Pipeline } from '../pipeline/types.ts';

/** Options that select and parameterise a plan (shared by run, explain, dag, verify), as typed. */
export interface PlanValues {
  pipeline?: string;
  galaxy?: string;
  k?: string;
  seed?: string;
  catalog?: string;
  cubes?: string;
  sfh?: string;
  /** An nGIST results folder: a one-galaxy run without a catalog (docs/ngist.md). */
  ngist?: string;
  out?: string;
  cache?: string;
  /** The lock file (run only; kept with the plan so --resume writes the same lock). */
  lock?: string;
  set?: string[];
  where?: string[];
}

/** Parsed `run` options, as the command line has them. */
export interface RunValues extends PlanValues {
  help?: boolean;
  jobs?: string;
  'fail-fast'?: boolean;
  resume?: boolean;
  lock?: string;
  json?: boolean;
  verbose?: boolean;
  /** Skip report.html at the end of the run (summary.csv and the k-choice plots are still written). */
  'no-report'?: boolean;
  /** `local` (the default) or `slurm` (docs/slurm.md). */
  executor?: string;
  plain?: boolean;
  /** Run these stages (comma-separated), or `*` every stage, even when cached. */
  force?: string;
  /** Say what would run and why, run nothing (what `explain` answers). */
  'dry-run'?: boolean;
}

/** A run as the session carries it out: what to plan, and how to run and report it. */
export interface RunRequest {
  /** What to plan (the options a run record keeps). */
  readonly values: PlanValues;
  /** Stage instances at once (`--jobs`); absent: the executor decides. */
  readonly jobs?: number;
  readonly failFast: boolean;
  /** Resume the last run recorded in the cache (`--resume`). */
  readonly resume: boolean;
  /** Print the `--json` record on stdout. */
  readonly json: boolean;
  readonly verbose: boolean;
  /** Leave the `report` stage (and what needs it) out of the plan. */
  readonly noReport: boolean;
  /** The plain log even on a terminal. */
  readonly plain: boolean;
  /** Stages to run even when cached (`--force`): `all`, or stage names. */
  readonly force?: 'all' | readonly string[];
  /** The command as typed (after `sfh-pipeline`), for the line that says how to resume it. */
  readonly command?: readonly string[];
}

/**
 * The pipeline file a command uses: --pipeline, else the project's (the nearest
 * pipeline.yaml from the current folder upward), else the bundled one (src/pipeline/project.ts).
 */
export function pipelineFile(option: string | undefined): string {
  return findPipeline(option);
}

/** The cache folder: --cache, else `cache/` in the project folder. */
export function cacheDir(pipeline: Pipeline, option: string | undefined): string {
  return path.resolve(option ?? path.join(pipeline.root, 'cache'));
}

/** The cache folder from the pipeline file's path alone (no need to parse it). */
export function cacheDirOf(file: string, option: string | undefined): string {
  return path.resolve(option ?? path.join(projectRoot(file), 'cache'));
}

/** Command-line flags that are shorthands for `--set NAME=VALUE`. */
const SHORTHANDS = ['k', 'seed', 'catalog', 'cubes', 'sfh', 'ngist', 'out'] as const;

/** A parameter's value as given, and the option that gave it (for messages: `--k`, `--set seed`). */
export interface Override {
  readonly text: string;
  readonly option: string;
}

/** Parameter overrides from the shorthands and every `--set`, by parameter name. */
export function overridesOf(v: PlanValues): Map<string, Override> {
  const overrides = new Map<string, Override>();
  for (const s of v.set ?? []) {
    const i = s.indexOf('=');
    if (i <= 0) throw new UserError('usage', `--set ${s}: expected NAME=VALUE`, 'e.g. --set maxIter=200');
    const name = s.slice(0, i).trim();
    if (overrides.has(name)) throw new UserError('usage', `--set ${name} is given twice`, 'give each parameter once (a list or range sweeps it: --set seed=0..4)');
    overrides.set(name, { text: s.slice(i + 1).trim(), option: `--set ${name}` });
  }
  for (const name of SHORTHANDS) {
    const value = v[name];
    if (value === undefined) continue;
    if (overrides.has(name)) throw new UserError('usage', `--${name} and --set ${name}=... both given`, 'give one of them');
    overrides.set(name, { text: value, option: `--${name}` });
  }
  return overrides;
}
