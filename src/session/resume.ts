/**
 * What a run record keeps of a run's options, and `--resume`: the last run's options and the
 * tasks it finished. The session records and resumes every run this way, whichever
 * executor runs it.
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { lastRun, runFiles, type RunHeader } from '../cache/runs.ts';
import { UserError } from '../errors.ts';
import { findPipeline, isInside, projectRoot } from '../pipeline/project.ts';
import type { Json } from '../stage.ts';
import { cacheDirOf, pipelineFile, type PlanValues } from './request.ts';

/** The options a run record keeps, so `--resume` can plan the same run again. */
const PLAN_KEYS = ['pipeline', 'galaxy', 'k', 'seed', 'catalog', 'cubes', 'sfh', 'ngist', 'out', 'cache', 'lock', 'set', 'where'] as const;

/** The options a run record keeps (the Slurm driver records its runs the same way). */
export function argsOf(v: PlanValues): { [key: string]: Json } {
  const args: { [key: string]: Json } = {};
  for (const key of PLAN_KEYS) {
    const value = v[key];
    if (value !== undefined) args[key] = value;
  }
  return args;
}

/**
 * The command of a run as its pages show it and the run record keeps it: `sfh-pipeline run`
 * and the options that choose what is computed, as typed (paths too), in a fixed order.
 * Options that only say how to run it (`--jobs`, `--json`, `--executor`) are left out: a run
 * resumed with other ones, or on another executor, made the same results.
 */
export function commandLine(v: PlanValues): string {
  const words = ['sfh-pipeline', 'run'];
  for (const key of PLAN_KEYS) {
    const value = v[key];
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) words.push(`--${key}`, shellWord(String(one)));
  }
  return words.join(' ');
}

/** A word as a POSIX shell reads it back: quoted only when it must be. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A run's start as its pages show it (ISO 8601, UTC), to the second. SOURCE_DATE_EPOCH (the
 * reproducible-builds convention: seconds since 1970) replaces the clock, so two runs can
 * make the same pages bit for bit.
 */
export function startedAt(now: Date): string {
  const epoch = process.env['SOURCE_DATE_EPOCH'];
  const date = epoch !== undefined && /^\d+$/.test(epoch.trim()) ? new Date(Number(epoch.trim()) * 1000) : now;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Options that name files or folders: compared after resolving each against its run's folder. */
const PATH_KEYS = new Set<string>(['pipeline', 'catalog', 'cubes', 'sfh', 'ngist', 'out', 'cache', 'lock']);

/** One option on which a command and the run it would resume disagree. */
export interface OptionDifference {
  readonly option: string;
  /** As this command has it ("not given" when absent). */
  readonly now: string;
  /** As the last run had it. */
  readonly then: string;
}

/**
 * How an option reads for the comparison: a path resolved against the folder its run
 * started in (so `--out out` from the same folder equals the recorded `--out out`), lists
 * in a fixed order (`--set a=1 --set b=2` is the same run as the other order), text trimmed.
 * `pipeline` and `cache` absent mean the files the run would have found from its folder.
 */
function normalised(key: string, value: Json | undefined, cwd: string): string | undefined {
  if (key === 'pipeline') return value === undefined ? defaultPipeline(cwd) : path.resolve(cwd, String(value));
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return JSON.stringify(value.map((x) => String(x).trim()).sort());
  return PATH_KEYS.has(key) ? path.resolve(cwd, String(value)) : String(value).trim();
}

/** The pipeline file a run started in `cwd` without --pipeline used (see pipelineFile). */
function defaultPipeline(cwd: string): string {
  return findPipeline(undefined, cwd);
}

/** The options on which `now` (given in `nowCwd`) and a recorded run's options differ. */
export function optionDifferences(now: PlanValues, nowCwd: string, then: { [key: string]: Json }, thenCwd: string): OptionDifference[] {
  const shown = (value: Json | undefined) => (value === undefined ? 'not given' : Array.isArray(value) ? value.map(String).join(' ') : String(value));
  const differences: OptionDifference[] = [];
  for (const key of PLAN_KEYS) {
    // --cache found the record: the run it names is the one to compare with.
    if (key === 'cache') continue;
    const a = now[key] as Json | undefined;
    const b = then[key];
    if (normalised(key, a, nowCwd) !== normalised(key, b, thenCwd)) differences.push({ option: `--${key}`, now: shown(a), then: shown(b) });
  }
  return differences;
}

/** The run that `--resume` takes up: its options, how each of its tasks ended, and its record. */
export interface Resumed {
  readonly values: PlanValues;
  /** Each recorded task's status, by task id. */
  readonly done: ReadonlyMap<string, string>;
  /** Its run record (`<cache>/runs/<id>.jsonl`). */
  readonly file: string;
  /** Its date and command (RunInfo): the resuming run keeps them. */
  readonly made: { readonly started: string; readonly command: string };
  /**
   * Set when the project was copied or moved since the run started: the folder it started
   * in (`from`) and the project folder it resumes in now (`to`), where its record lives.
   */
  readonly moved?: { readonly from: string; readonly to: string };
  /** Set when the run resumes in its own project, another than the one typed in (found by a --cache outside this one). */
  readonly elsewhere?: string;
}

/** The same folder or file, through symbolic links when it exists (`/tmp` may be one). */
function samePlace(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

/** The project folder a recorded run ran in: recorded since `root` was, else found as the run found it. */
function recordedRoot(header: RunHeader): string {
  if (header.root !== undefined) return header.root;
  const pipeline = header.args['pipeline'];
  return projectRoot(findPipeline(typeof pipeline === 'string' ? pipeline : undefined, header.cwd), header.cwd);
}

/**
 * A recorded run's folder and options taken into the project folder `to` that its record
 * travelled with (a copy or a move of `from`, cache included): as the lock file does, what
 * was inside the project is taken at the same place inside `to`; what was outside it keeps
 * its absolute place (data beside the project did not move with it). Path options become
 * absolute; a `--set` value is taken into `to` when it is an absolute path inside `from`
 * (a relative one is read from the folder the run resumes in, as it was from the first).
 */
function relocated(header: RunHeader, from: string, to: string): { cwd: string; args: { [key: string]: Json } } {
  const into = (abs: string) => (isInside(abs, from) ? path.join(to, path.relative(from, abs)) : abs);
  const args: { [key: string]: Json } = { ...header.args };
  for (const key of PATH_KEYS) {
    const value = args[key];
    if (typeof value === 'string' && value !== '') args[key] = into(path.resolve(header.cwd, value));
  }
  const set = args['set'];
  if (Array.isArray(set)) {
    args['set'] = set.map((s) => {
      const text = String(s);
      const i = text.indexOf('=');
      const value = text.slice(i + 1).trim();
      return i > 0 && path.isAbsolute(value) && isInside(value, from) ? `${text.slice(0, i)}=${into(value)}` : text;
    });
  }
  const cwd = into(header.cwd);
  return { cwd: existsSync(cwd) ? cwd : to, args };
}

/**
 * The last run's options and the tasks it finished. `--resume` takes every option from the
 * record (and the record's working folder, so relative paths mean what they meant). Given
 * alone (or with --cache, --pipeline, --lock to find the record), it resumes whatever the
 * last run was; given with the killed command's own options (the habit from Nextflow's
 * `-resume`: the same line with the flag appended), those must equal the record's, and an
 * option that differs is named with both values rather than silently resuming another run.
 */
export function resumeFrom(v: PlanValues): Resumed {
  const nowPipeline = pipelineFile(v.pipeline);
  const cache = cacheDirOf(nowPipeline, v.cache);
  const dir = path.join(cache, 'runs');
  const last = lastRun(dir);
  const newest = runFiles(dir)[0];
  if (!last && newest) throw new UserError('usage', `--resume: the last run record ${newest} is damaged: its first line is not a run's options`, `delete it and run the command again without --resume (the cache keeps the finished work, so only the rest computes)`);
  if (!last) throw new UserError('usage', `--resume: no earlier run is recorded in ${dir}`, 'run without --resume first (or pass the --cache of that run)');
  // A resume acts on the project (and the cache) it is typed in, never on the folder the
  // record names when that is another: a copied project would otherwise resume in (and write
  // into) the original, which may be someone else's or a paper's archived folder.
  const from = recordedRoot(last.header);
  const here = projectRoot(nowPipeline);
  let cwd = last.header.cwd;
  let args = last.header.args;
  let moved: Resumed['moved'];
  let elsewhere: string | undefined;
  if (!samePlace(from, here)) {
    // The record travelled with this project (its cache is inside it): a copy or a move, resumed here.
    if (isInside(cache, here)) {
      ({ cwd, args } = relocated(last.header, from, here));
      moved = { from, to: here };
    } else elsewhere = from; // a cache outside this project, named to find the run: the run resumes where it started, and says so
  }
  // The record's run must use the cache the record is in: anything else would leave this cache's record unfinished and fill another.
  const runCache = cacheDirOf(findPipeline(typeof args['pipeline'] === 'string' ? args['pipeline'] : undefined, cwd), typeof args['cache'] === 'string' ? path.resolve(cwd, args['cache']) : undefined);
  if (!samePlace(runCache, cache)) throw new UserError('usage', `--resume: the last run recorded in ${cache} used the cache ${runCache}: resuming it would write into ${runCache}, not ${cache}`, `run the command without --resume (with --cache ${shellWord(cache)} to use this cache): its finished work still comes from the cache`);
  const given = PLAN_KEYS.filter((k) => k !== 'cache' && k !== 'pipeline' && k !== 'lock' && v[k] !== undefined);
  if (given.length) {
    const differences = optionDifferences(v, process.cwd(), args, cwd);
    if (differences.length) {
      const list = differences.map((d) => `${d.option}: this command has ${d.now}, the last run had ${d.then}`).join('; ');
      throw new UserError('usage', `--resume: the last run (${path.basename(last.file)}, started in ${last.header.cwd}) had other options: ${list}`, 'repeat the last run\'s options exactly; or give --resume alone, which takes them from the run record; or leave out --resume to start a new run with these options, whose finished work still comes from the cache');
    }
  }
  if (existsSync(cwd)) process.chdir(cwd);
  const done = new Map([...last.tasks].map(([id, t]) => [id, t.status]));
  const values = args as PlanValues;
  return { values, done, file: last.file, made: last.header.run ?? { started: startedAt(new Date(last.header.started)), command: commandLine(last.header.args as PlanValues) }, ...(moved ? { moved } : {}), ...(elsewhere ? { elsewhere } : {}) };
}
