/**
 * `sfh-pipeline.lock`: what produced every output of the runs in a project, in a form that
 * scales to a catalog, diffs line by line and travels with the project (docs/caching.md).
 * Each stage instance is recorded once (by the start of its cache key) with its code and
 * parameters (by reference into shared tables), the files it read and the instances it
 * needs; each output gives its sha256 and the instance that wrote it; one JSON value per
 * line, sorted, so a changed galaxy is its own lines in a diff. Paths are relative to
 * the lock file's folder, the project folder, so a clone elsewhere with its data at the same
 * relative place verifies. `sfh-pipeline verify` recomputes from it; `cache gc` keeps what it
 * names. The text is ./format.ts, merging a run ./merge.ts, a first-format lock ./v1.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../cache/atomic.ts';
import { UserError } from '../errors.ts';
import { notA } from '../path-errors.ts';
import { withMutex } from './lock-mutex.ts';
import type { Pipeline } from '../pipeline/types.ts';
import { formatLock, parseLines } from './format.ts';
import { mergeLock } from './merge.ts';
import { toLockPath } from './paths.ts';
import type { LockRecords } from './records.ts';
import type { Lock } from './types.ts';
import { recordsFromV1, type V1Entry } from './v1.ts';

export type { LockCode, LockOutput, LockRun } from './records.ts';
export type { Lock, LockInstance } from './types.ts';

/** The lock format this version writes. */
export const LOCK_VERSION = 2;

/** A lock with nothing in it. */
export const EMPTY_LOCK: Lock = Object.freeze({ version: 2, tool: '', pipeline: { file: '', sha256: '' }, code: {}, params: {}, instances: {}, outputs: {} });

/** The lock file a command uses: --lock, else `sfh-pipeline.lock` next to the pipeline. */
export function lockPath(pipeline: Pipeline, option: string | undefined): string {
  return path.resolve(option ?? path.join(pipeline.root, 'sfh-pipeline.lock'));
}

/** The folder the lock's paths are relative to: its own. */
export function lockDir(file: string): string {
  return path.dirname(path.resolve(file));
}

/**
 * Reads a lock file; errors name the file and what to do. A first-format lock (version 1)
 * is read as the current one (./v1.ts); a lock of a later format is refused.
 */
export function readLock(file: string): Lock {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    const not = notA(file, 'file');
    if (not && not !== 'does not exist') throw new UserError('bad-input', `the lock file ${file} ${not}`, 'pass --lock FILE, the lock file a run wrote');
    throw new UserError('missing-input', `no lock file at ${file}`, 'run the pipeline first (it writes the lock), or pass --lock FILE');
  }
  return parseLock(text, file);
}

/** The lock in `text` (read from `file`, whose folder its paths are relative to). */
export function parseLock(text: string, file: string): Lock {
  const lines = parseLines(text, file);
  if (lines) {
    if (lines.version !== LOCK_VERSION) refuse(file, lines.version);
    return lines;
  }
  // One JSON document: the first format.
  let lock: { version?: unknown; outputs?: unknown } | null;
  try {
    lock = JSON.parse(text) as typeof lock;
  } catch (err) {
    throw new UserError('bad-input', `${file} is not valid JSON: ${(err as Error).message}`, 'restore it from git, or delete it and run the pipeline again');
  }
  if (!lock || typeof lock.outputs !== 'object' || lock.outputs === null) throw new UserError('bad-input', `${file} is not an sfh-pipeline lock file`, 'regenerate it by running the pipeline');
  if (lock.version === 1) {
    const v1 = lock as { tool?: string; pipeline?: { file?: string; sha256?: string }; outputs: Record<string, V1Entry> };
    const dir = lockDir(file);
    const pipeline = { file: v1.pipeline?.file ? toLockPath(dir, path.resolve(dir, v1.pipeline.file)) : '', sha256: v1.pipeline?.sha256 ?? '' };
    return mergeLock(EMPTY_LOCK, recordsFromV1(v1.outputs, dir), { tool: v1.tool ?? '', pipeline });
  }
  return refuse(file, lock.version);
}

function refuse(file: string, version: unknown): never {
  if (typeof version === 'number' && version > LOCK_VERSION) throw new UserError('bad-input', `${file} is a lock file of format ${version}, newer than this sfh-pipeline reads (${LOCK_VERSION})`, 'use the sfh-pipeline version that wrote it (its `tool` names it), or a newer sfh-pipeline');
  throw new UserError('bad-input', `${file} is not an sfh-pipeline lock file (format ${typeof version === 'number' ? version : JSON.stringify(version)})`, 'restore it from git, or delete it and run the pipeline again');
}

/** The lock at `file`, or an empty one when there is none (or it cannot be read: the run then rewrites it). */
export function readLockIfAny(file: string): Lock {
  if (!existsSync(file)) return EMPTY_LOCK;
  try {
    return readLock(file);
  } catch {
    return EMPTY_LOCK;
  }
}

/**
 * Merges a run's records into the lock file (what others' runs recorded is kept), under a
 * mutex so two runs finishing at once do not lose each other's entries, and written
 * atomically; not rewritten when nothing changed (an unchanged rerun leaves it alone).
 * A first-format lock is rewritten in the current one.
 */
export function updateLock(file: string, pipeline: Pipeline, tool: string, records: LockRecords): void {
  if (records.empty) return;
  withMutex(`${file}.mutex`, () => {
    const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    const base = before === undefined ? EMPTY_LOCK : parseLock(before, file);
    const text = formatLock(mergeLock(base, records, { tool, pipeline: { file: toLockPath(lockDir(file), pipeline.file), sha256: pipeline.hash } }));
    if (text !== before) writeFileAtomic(file, text);
  });
}
