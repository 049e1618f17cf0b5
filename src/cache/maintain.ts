/**
 * `cache du`, `cache verify` and `cache gc`: how big the cache is, whether every object is
 * what its name says, and removing what no recent run and no lock file needs, so a cache
 * does not grow forever.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { readRun, runFiles } from './runs.ts';
import type { CacheRecord } from './store.ts';

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

/**
 * Checks every record (parses, points at existing objects of the right size) and every
 * object (its sha256 is its name). With `remove`, deletes what is broken.
 */
export function verifyCache(dir: string, remove: boolean): { records: number; objects: number; defects: CacheDefect[] } {
  const defects: CacheDefect[] = [];
  const objects = walk(path.join(dir, 'objects')).filter((f) => !path.basename(f.file).startsWith('.'));
  for (const o of objects) {
    const name = path.basename(o.file, '.npy');
    const got = createHash('sha256').update(readFileSync(o.file)).digest('hex');
    if (got !== name) defects.push({ file: o.file, problem: `content hash ${got.slice(0, 12)} is not its name` });
  }
  const records = walk(path.join(dir, 'records')).filter((f) => f.file.endsWith('.json'));
  for (const r of records) {
    try {
      const rec = JSON.parse(readFileSync(r.file, 'utf8')) as CacheRecord;
      for (const ref of Object.values(rec.output.arrays)) {
        const obj = path.join(dir, 'objects', ref.object.slice(0, 2), `${ref.object}.npy`);
        let size = -1;
        try {
          size = statSync(obj).size;
        } catch {
          // reported below
        }
        if (size !== ref.bytes) defects.push({ file: r.file, problem: `object ${ref.object.slice(0, 12)} is ${size < 0 ? 'missing' : `${size} bytes, not ${ref.bytes}`}` });
      }
    } catch (err) {
      defects.push({ file: r.file, problem: `unreadable record: ${(err as Error).message}` });
    }
  }
  if (remove) for (const d of defects) rmSync(d.file, { force: true });
  return { records: records.length, objects: objects.length, defects };
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
 * need, then objects no remaining record points at, and run records older than the last
 * `keep`. Files younger than `graceMs` are kept, so a run in progress loses nothing.
 */
export function collectGarbage(dir: string, opts: { keep: number; lockRoot: string; graceMs: number }): { records: number; objects: number; runs: number; bytes: number } {
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
  return { records, objects, runs: oldRuns, bytes };
}
