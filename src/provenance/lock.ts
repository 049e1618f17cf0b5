/**
 * `sfh-pipeline.lock`: every output of the runs in a project with its content hash and the
 * key parts that produced it (parameters, input file hashes, each stage's code and key),
 * as JSON with sorted keys and one value per line, which a person can read and git can
 * diff line by line (JSON rather than YAML: a catalog run's lock has thousands of entries
 * and is rewritten by every run, and JSON parses ~50x faster). `sfh-pipeline verify`
 * recomputes from it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../cache/atomic.ts';
import type { FileHasher } from '../cache/file-hash.ts';
import type { KeyFields } from '../cache/key.ts';
import type { InstanceResult, TaskResult } from '../engine/events.ts';
import type { Instance } from '../pipeline/analyse.ts';
import { UserError } from '../errors.ts';
import { notA } from '../path-errors.ts';
import { withMutex } from './lock-mutex.ts';
import type { Pipeline } from '../pipeline/types.ts';
import type { ParamValue } from '../stage.ts';

const ABOUT = 'What produced each output (written by `sfh-pipeline run`); `sfh-pipeline verify` recomputes every output listed here without the cache and compares its sha256.';

/** What produced one output. */
export interface LockEntry {
  sha256: string;
  galaxy: string;
  /** Every parameter the output's stages read (paths absolute, as they were resolved). */
  params: Record<string, ParamValue>;
  /** Input files (absolute) and their sha256. */
  inputs: Record<string, string>;
  /** Per stage: its code hash and its instance key. */
  stages: Record<string, { code: string; key: string }>;
  /**
   * Only for an output of a catalog-level stage (whose `galaxy` is `all`): the galaxies it
   * ran over (in catalog order, those left out included, so verify selects the same),
   * the values of every sweep axis it covered, and the output hash of each upstream
   * instance it read (`excluded` for one left out).
   */
  galaxies?: string[];
  sweep?: Record<string, ParamValue[]>;
  upstream?: Record<string, string>;
}

/** The lock file. */
export interface Lock {
  version: 1;
  tool: string;
  pipeline: { file: string; sha256: string };
  /** By output path (relative to the lock file's folder when inside it). */
  outputs: Record<string, LockEntry>;
}

/** The lock file a command uses: --lock, else `sfh-pipeline.lock` next to the pipeline. */
export function lockPath(pipeline: Pipeline, option: string | undefined): string {
  return path.resolve(option ?? path.join(pipeline.root, 'sfh-pipeline.lock'));
}

/** Reads a lock file; errors name the file and what to do. */
export function readLock(file: string): Lock {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    const not = notA(file, 'file');
    if (not && not !== 'does not exist') throw new UserError('bad-input', `the lock file ${file} ${not}`, 'pass --lock FILE, the lock file a run wrote');
    throw new UserError('missing-input', `no lock file at ${file}`, 'run the pipeline first (it writes the lock), or pass --lock FILE');
  }
  let lock: Lock | null;
  try {
    lock = JSON.parse(text) as Lock | null;
  } catch (err) {
    throw new UserError('bad-input', `${file} is not valid JSON: ${(err as Error).message}`, 'restore it from git, or delete it and run the pipeline again');
  }
  if (!lock || lock.version !== 1 || typeof lock.outputs !== 'object') throw new UserError('bad-input', `${file} is not an sfh-pipeline lock file (version 1)`, 'regenerate it by running the pipeline');
  return lock;
}

/**
 * The lock entries of a run's ok tasks, by absolute output path: every file any stage of
 * the task wrote (the result FITS, a plot, a shell stage's output), each with the lineage
 * of the stages up to the one that wrote it.
 */
export function lockEntries(results: readonly TaskResult[], hasher: FileHasher, catalog: readonly InstanceResult[] = []): Map<string, LockEntry> {
  const out = new Map<string, LockEntry>();
  const fields = new Map<string, KeyFields>();
  for (const r of results) for (const i of r.instances) if (i.fields) fields.set(i.instance.id, i.fields);
  for (const [file, entry] of catalogLockEntries(catalog, hasher, fields)) out.set(file, entry);
  for (const r of results) {
    if (r.status !== 'ok') continue;
    const params: Record<string, ParamValue> = {};
    const inputs: Record<string, string> = {};
    const stages: Record<string, { code: string; key: string }> = {};
    // Instances are in execution order, so each file's entry covers the stages before it.
    for (const i of r.instances) {
      if (!i.fields || !i.key) continue;
      Object.assign(params, i.fields.params);
      Object.assign(inputs, i.fields.inputs);
      stages[i.instance.stage.name] = { code: i.fields.code.hash, key: i.key };
      for (const file of i.files) {
        out.set(file, { sha256: hasher.hash(file), galaxy: r.task.row.id, params: sortKeys(params), inputs: sortKeys(inputs), stages: { ...stages } });
      }
    }
  }
  return out;
}

/**
 * The lock entries of the catalog-level instances that ran or were cached: each file they
 * wrote, with the galaxies and sweep values they covered (what verify needs to plan them
 * again) and their own parameters, code and key.
 */
export function catalogLockEntries(results: readonly InstanceResult[], hasher: FileHasher, upstreamFields: ReadonlyMap<string, KeyFields> = new Map()): Map<string, LockEntry> {
  const out = new Map<string, LockEntry>();
  for (const r of results) {
    if ((r.status !== 'ran' && r.status !== 'cached') || !r.fields || !r.key) continue;
    const inst = r.instance;
    const items = inst.scope === 'catalog' ? inst.items : [];
    const galaxies = [...new Set(items.map((i) => i.row.id))];
    const sweep: Record<string, ParamValue[]> = {};
    for (const point of [inst.point, ...items.map((i) => i.point)]) {
      for (const [axis, value] of Object.entries(point)) if (!sweep[axis]?.includes(value)) (sweep[axis] ??= []).push(value);
    }
    for (const values of Object.values(sweep)) values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    // The parameters of the chains it read (the first value where galaxies differ; the
    // swept ones are in `sweep`), then its own.
    const params: Record<string, ParamValue> = {};
    const inputs: Record<string, string> = {};
    const seen = new Set<string>();
    const visit = (node: Instance): void => {
      if (seen.has(node.id)) return;
      seen.add(node.id);
      for (const dep of node.deps.values()) visit(dep);
      const f = upstreamFields.get(node.id);
      for (const [name, value] of Object.entries(f?.params ?? {})) if (!(name in sweep) && !(name in params)) params[name] = value;
    };
    for (const dep of inst.deps.values()) visit(dep);
    Object.assign(params, r.fields.params);
    Object.assign(inputs, r.fields.inputs);
    for (const file of r.files) {
      out.set(file, {
        sha256: hasher.hash(file),
        galaxy: inst.row.id,
        params: sortKeys(params),
        inputs: sortKeys(inputs),
        stages: { [inst.stage.name]: { code: r.fields.code.hash, key: r.key } },
        galaxies,
        sweep: sortKeys(sweep),
        upstream: sortKeys(r.fields.upstream),
      });
    }
  }
  return out;
}

/**
 * Merges a run's entries into the lock file (others' entries are kept), under a mutex so
 * two runs finishing at once do not lose each other's entries, and written atomically.
 */
export function updateLock(file: string, pipeline: Pipeline, tool: string, entries: ReadonlyMap<string, LockEntry>): void {
  if (entries.size === 0) return;
  withMutex(`${file}.mutex`, () => {
    const lock: Lock = existsSync(file) ? readLock(file) : { version: 1, tool, pipeline: { file: '', sha256: '' }, outputs: {} };
    lock.tool = tool;
    lock.pipeline = { file: relativeTo(file, pipeline.file), sha256: pipeline.hash };
    for (const [output, entry] of entries) lock.outputs[relativeTo(file, output)] = entry;
    lock.outputs = sortKeys(lock.outputs);
    writeFileAtomic(file, `${JSON.stringify({ about: ABOUT, ...lock }, null, 2)}\n`);
  });
}

/** An output path as the lock stores it, and back. */
export function relativeTo(lockFile: string, target: string): string {
  const rel = path.relative(path.dirname(lockFile), target);
  return rel.startsWith('..') || path.isAbsolute(rel) ? target : rel;
}

/** The absolute path of a lock entry's output. */
export function resolveFrom(lockFile: string, stored: string): string {
  return path.resolve(path.dirname(lockFile), stored);
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k] as T]));
}
