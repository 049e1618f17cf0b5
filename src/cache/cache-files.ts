/**
 * Reading and writing the cache's own files when what is on disk is not what the cache put
 * there: a folder where a record or an object should be, a file where a folder of records
 * should be, a link to nothing, an unreadable file. Each is a problem to report (never a
 * result, never an "internal error"), and, being the cache's own, is cleared before a
 * recomputed output is stored in its place. Nothing outside the cache folder is touched.
 */
import { lstatSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathProblem } from '../path-errors.ts';
import { writeFileAtomic, type WriteOptions } from './atomic.ts';

/** A problem with a file of the cache, as the store reports it. */
export interface CacheFileProblem {
  readonly reason: 'corrupt-record' | 'missing-object' | 'corrupt-object';
  readonly file: string;
  readonly detail: string;
}

/** What is wrong with what is at `file` (which should be a regular file), or undefined when nothing is there. */
export function kindProblem(file: string): { missing: true } | { problem: string } | undefined {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      try {
        if (lstatSync(file).isSymbolicLink()) return { problem: 'is a symbolic link to nothing' };
      } catch {
        // nothing there at all
      }
      return { missing: true };
    }
    return { problem: pathProblem(err)?.message ?? (err as Error).message };
  }
  if (st.isDirectory()) return { problem: 'is a folder, not a file' };
  if (!st.isFile()) return { problem: 'is not a regular file' };
  return undefined;
}

/** The content of a cache file, undefined when there is none, or what is wrong with what is there. */
export function readCacheFile(file: string, encoding: 'utf8'): { data: string } | { problem: string } | undefined {
  const kind = kindProblem(file);
  if (kind && 'missing' in kind) return undefined;
  if (kind) return kind;
  try {
    return { data: readFileSync(file, encoding) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // (removed meanwhile: a miss)
    return { problem: `cannot be read: ${pathProblem(err)?.message ?? (err as Error).message}` };
  }
}

/** Why the object at `file` cannot be an object of `bytes` bytes, or undefined when it can. */
export function objectProblem(file: string, bytes: number): CacheFileProblem | undefined {
  const kind = kindProblem(file);
  if (kind && 'missing' in kind) return { reason: 'missing-object', file, detail: `expected ${bytes} bytes, found none` };
  if (kind) return { reason: 'corrupt-object', file, detail: kind.problem };
  const size = statSync(file, { throwIfNoEntry: false })?.size;
  if (size === undefined) return { reason: 'missing-object', file, detail: `expected ${bytes} bytes, found none` };
  return size === bytes ? undefined : { reason: 'corrupt-object', file, detail: `expected ${bytes} bytes, found ${size}` };
}

/** Removes whatever is at a cache path (a file, a link, a folder someone put there). */
export function clearCachePath(file: string): void {
  try {
    rmSync(file, { recursive: true, force: true });
  } catch {
    // under a file (ENOTDIR): the write that follows clears that one
  }
}

/**
 * Writes a file of the cache atomically at `file` below `root`: a folder in its place, or a
 * file where one of its folders below `root` should be, is removed first. `root` itself is
 * the user's (--cache): a problem with it is reported, naming it, never cleared.
 */
export function writeCacheFile(root: string, file: string, data: string | Uint8Array, options: WriteOptions = {}): void {
  ensureFolder(root, path.dirname(file));
  const kind = kindProblem(file);
  if (kind && 'problem' in kind) clearCachePath(file);
  writeFileAtomic(file, data, options);
}

function ensureFolder(root: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw err;
  }
  const rel = path.relative(root, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    mkdirSync(dir, { recursive: true });
    return;
  }
  // A part below the cache folder is a file: clear it (the cache's own), then make the folders.
  let at = root;
  for (const part of rel.split(path.sep)) {
    at = path.join(at, part);
    const st = lstatSync(at, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) rmSync(at, { force: true });
  }
  mkdirSync(dir, { recursive: true });
}
