/**
 * `cache du`, `cache verify` and `cache gc`: how big the cache is, whether every object is
 * what its name says, and removing what no recent run and no lock file needs, so a cache
 * does not grow forever.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { notA, pathProblem } from '../path-errors.ts';
import { isTempName, sweepTemps } from './atomic.ts';
import { clearCachePath, kindProblem, objectProblem, readCacheFile } from './cache-files.ts';
import { sha256File } from './file-hash.ts';
import { parseRecord, type CacheRecord } from './record.ts';
import { pruneStatMemo, verifyStatMemo, type StatMemoCheck } from './stat-memo.ts';
import { readRun, runFiles } from './runs.ts';

/** How many hex digits of a key the lock's names of instances keep (src/provenance/records.ts). */
const LOCK_REF = 12;

/** Every file below `dir` with its size and age. */
function walk(dir: string): { file: string; size: number; mtimeMs: number }[] {
  const out: { file: string; size: number; mtimeMs: number }[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(file));
    else if (e.isFile()) {
      const st = statSync(file);
      out.push({ file, size: st.size, mtimeMs: st.mtimeMs });
    }
  }
  return out;
}

/** Sizes and counts per part of the cache. */
export function diskUsage(dir: string): { part: string; files: number; bytes: number }[] {
  requireCacheFolder(dir);
  return ['objects', 'records', 'runs', 'stat', 'latest'].map((part) => {
    const files = walk(path.join(dir, part));
    return { part, files: files.length, bytes: files.reduce((a, f) => a + f.size, 0) };
  });
}

/** A problem `cache verify` found. */
export interface CacheDefect {
  readonly file: string;
  readonly problem: string;
}

/** The names of the cache's own temporary files (an atomic write's, not yet renamed): never defects; `gc` removes a dead writer's. */
const TEMPORARY = /\.tmp-/;

/**
 * A cache folder as the maintenance commands need it: refused, naming it, when it is a file
 * or a link to nothing, rather than reported as an empty cache.
 */
export function requireCacheFolder(dir: string): void {
  const not = notA(dir, 'folder');
  if (not === undefined) return;
  if (not === 'does not exist') throw new UserError('usage', `there is no cache at ${dir}`, 'pass the --cache of the runs (or run from the folder of their pipeline.yaml)');
  throw new UserError('usage', `the cache ${dir} ${not}`, 'pass the --cache folder of the runs');
}

/**
 * Checks everything the cache would vouch for: every record (its file is a file, it parses,
 * its checksum, key and output hash hold, its objects exist with their sizes), every object
 * (a file whose sha256 is its name), every input hash the stat memo would give (the input
 * is hashed again), the pointers `explain` follows, and anything in the
 * place of one of these (a folder where a record should be, a file where a folder of
 * records should be). With `remove`, deletes what is broken (runs recompute it).
 */
export function verifyCache(dir: string, remove: boolean): { records: number; objects: number; inputs: StatMemoCheck; defects: CacheDefect[] } {
  requireCacheFolder(dir);
  const defects: CacheDefect[] = [];
  const entries = (part: string) => shards(path.join(dir, part), defects);
  let objects = 0;
  for (const o of entries('objects')) {
    if (!o.name.endsWith('.npy')) continue;
    objects++;
    const kind = kindProblem(o.file);
    if (kind) {
      defects.push({ file: o.file, problem: 'missing' in kind ? 'vanished while checked' : kind.problem });
      continue;
    }
    try {
      const got = createHash('sha256').update(readFileSync(o.file)).digest('hex');
      if (got !== o.name.slice(0, -'.npy'.length)) defects.push({ file: o.file, problem: `content hash ${got.slice(0, 12)} is not its name` });
    } catch (err) {
      defects.push({ file: o.file, problem: `cannot be read: ${pathProblem(err)?.message ?? (err as Error).message}` });
    }
  }
  let records = 0;
  for (const r of entries('records')) {
    if (!r.name.endsWith('.json')) continue;
    records++;
    const read = readCacheFile(r.file, 'utf8');
    if (read === undefined || 'problem' in read) {
      defects.push({ file: r.file, problem: read === undefined ? 'vanished while checked' : read.problem });
      continue;
    }
    const parsed = parseRecord(read.data, r.name.slice(0, -'.json'.length));
    if ('problem' in parsed) {
      defects.push({ file: r.file, problem: parsed.older ? `${parsed.problem}: never used (runs recompute it)` : parsed.problem });
      continue;
    }
    for (const ref of Object.values(parsed.record.output.arrays)) {
      const problem = objectProblem(path.join(dir, 'objects', ref.object.slice(0, 2), `${ref.object}.npy`), ref.bytes);
      if (problem) defects.push({ file: r.file, problem: `object ${ref.object.slice(0, 12)}: ${problem.detail}` });
    }
  }
  for (const l of walk(path.join(dir, 'latest'))) {
    if (TEMPORARY.test(path.basename(l.file))) continue;
    try {
      const p = JSON.parse(readFileSync(l.file, 'utf8')) as { key?: unknown };
      if (typeof p.key !== 'string' || !/^[0-9a-f]{64}$/.test(p.key)) throw new Error('it names no key');
    } catch (err) {
      defects.push({ file: l.file, problem: `not a pointer to a record (${(err as Error).message})` });
    }
  }
  // What the stat memo vouches for, an input's sha256, is checked by hashing the input again.
  const inputs = verifyStatMemo(path.join(dir, 'stat'), sha256File);
  defects.push(...inputs.defects);
  if (remove) for (const d of defects) clearCachePath(d.file);
  return { records, objects, inputs, defects };
}

/**
 * The entries of a sharded part of the cache (`objects/ab/<hash>.npy`, `records/ab/<key>.json`):
 * a file where a shard folder should be, and a folder where an entry should be, are defects;
 * temporary files are left out.
 */
function shards(root: string, defects: CacheDefect[]): { name: string; file: string }[] {
  const out: { name: string; file: string }[] = [];
  let tops;
  try {
    tops = readdirSync(root, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return out;
    defects.push({ file: root, problem: code === 'ENOTDIR' ? 'is a file, not a folder' : `cannot be read: ${pathProblem(err)?.message ?? (err as Error).message}` });
    return out;
  }
  for (const top of tops) {
    const shard = path.join(root, top.name);
    if (TEMPORARY.test(top.name)) continue;
    if (!top.isDirectory()) {
      defects.push({ file: shard, problem: 'is a file, not a folder of the cache' });
      continue;
    }
    let names;
    try {
      names = readdirSync(shard, { withFileTypes: true });
    } catch (err) {
      defects.push({ file: shard, problem: `cannot be read: ${pathProblem(err)?.message ?? (err as Error).message}` });
      continue;
    }
    for (const e of names) {
      if (TEMPORARY.test(e.name)) continue;
      const file = path.join(shard, e.name);
      if (e.isDirectory()) {
        defects.push({ file, problem: 'is a folder, not a file' });
        continue;
      }
      out.push({ name: e.name, file });
    }
  }
  return out;
}

/**
 * Cache keys that lock files below `root` point at: whole keys (a first-format lock) or
 * their first 12 hex digits (the current format names each instance so).
 */
export function keysInLocks(root: string): Set<string> {
  const keys = new Set<string>();
  const visit = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const file = path.join(dir, e.name);
      if (e.isDirectory() && depth < 6 && e.name !== 'node_modules' && !e.name.startsWith('.') && e.name !== 'cache') visit(file, depth + 1);
      else if (e.isFile() && e.name.endsWith('.lock') && e.name.startsWith('sfh-pipeline')) {
        const text = readFileSync(file, 'utf8');
        try {
          // the first format: one JSON document
          const lock = JSON.parse(text) as { outputs?: Record<string, { stages?: Record<string, { key?: string }> }> };
          for (const entry of Object.values(lock.outputs ?? {})) for (const s of Object.values(entry.stages ?? {})) if (s.key) keys.add(s.key);
        } catch {
          // the current one: JSON Lines, an `instance` line per instance (not a lock of ours: no such lines)
          for (const m of text.matchAll(/^\{"instance":"([0-9a-f]+)"/gm)) keys.add(m[1] as string);
        }
      }
    }
  };
  visit(root, 0);
  return keys;
}

/**
 * Removes records that neither the last `keep` runs nor the lock files below `lockRoot`
 * need, then objects no remaining record points at, run records older than the last
 * `keep`, the temporary files of writers that are gone (a run killed mid-write; see
 * atomic.ts), and the input hashes no run will use (stat-memo.ts). Files younger than `graceMs` are kept, so a run in progress loses nothing.
 */
export function collectGarbage(dir: string, opts: { keep: number; lockRoot: string; graceMs: number }): { records: number; objects: number; runs: number; temporaries: number; inputHashes: number; bytes: number } {
  requireCacheFolder(dir);
  const now = Date.now();
  const runs = runFiles(path.join(dir, 'runs'));
  const kept = runs.slice(0, opts.keep);
  const keys = keysInLocks(opts.lockRoot);
  for (const file of kept) {
    const run = readRun(file);
    for (const t of run?.tasks.values() ?? []) for (const k of t.keys ?? []) keys.add(k);
    for (const k of run?.catalogKeys ?? []) keys.add(k);
  }
  let bytes = 0;
  let records = 0;
  const live = new Set<string>();
  for (const r of walk(path.join(dir, 'records'))) {
    if (isTempName(path.basename(r.file))) continue; // (below, if its writer is gone)
    const key = path.basename(r.file, '.json');
    if (keys.has(key) || keys.has(key.slice(0, LOCK_REF)) || now - r.mtimeMs < opts.graceMs) {
      try {
        const rec = JSON.parse(readFileSync(r.file, 'utf8')) as CacheRecord;
        for (const ref of Object.values(rec.output.arrays)) live.add(ref.object);
      } catch {
        // a broken record keeps nothing alive
      }
      continue;
    }
    rmSync(r.file, { force: true });
    bytes += r.size;
    records++;
  }
  let objects = 0;
  for (const o of walk(path.join(dir, 'objects'))) {
    if (isTempName(path.basename(o.file))) continue; // (below, if its writer is gone)
    if (live.has(path.basename(o.file, '.npy')) || now - o.mtimeMs < opts.graceMs) continue;
    rmSync(o.file, { force: true });
    bytes += o.size;
    objects++;
  }
  let oldRuns = 0;
  for (const file of runs.slice(opts.keep)) {
    bytes += statSync(file).size;
    rmSync(file, { force: true });
    oldRuns++;
  }
  // What killed writers left anywhere in the cache (records, objects, stat, latest, runs).
  let temporaries = 0;
  const sweep = (folder: string): void => {
    temporaries += sweepTemps(folder, opts.graceMs);
    let subs;
    try {
      subs = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of subs) if (e.isDirectory()) sweep(path.join(folder, e.name));
  };
  sweep(dir);
  const inputHashes = pruneStatMemo(path.join(dir, 'stat'), opts.graceMs);
  return { records, objects, runs: oldRuns, temporaries, inputHashes, bytes };
}
