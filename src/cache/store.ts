/**
 * The content-addressed cache of stage outputs. Arrays are objects in numpy's `.npy`
 * format (so `np.load` opens any intermediate), named by their sha256; a record per
 * instance key points at them and is written last, so a record never points at an object
 * that is not complete. Objects are checked against their hash when read: a corrupt or
 * truncated one is a miss, never a result.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { decodeNpy, encodeNpy } from '../npy.ts';
import type { NDArray } from '../ndarray.ts';
import type { Json, StageOutput } from '../stage.ts';
import { writeFileAtomic } from './atomic.ts';
import { canonicalJson, sha256 } from './canonical.ts';
import type { KeyFields } from './key.ts';

/** Bumped when the record format changes; older records are then misses. */
export const CACHE_FORMAT = 1;

/** Where an array of a cached output lives. */
export interface ArrayRef {
  readonly object: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: number;
}

/** What the cache keeps for an instance key. */
export interface CacheRecord {
  readonly format: number;
  readonly key: string;
  readonly instance: string;
  readonly fields: KeyFields;
  readonly output: {
    readonly meta: { readonly [key: string]: Json };
    readonly arrays: Readonly<Record<string, ArrayRef>>;
    /** Files written outside the cache, with their sha256 when the record was made. */
    readonly files: Readonly<Record<string, string>>;
    readonly skip: string | null;
  };
  /** Hash of `output`: what downstream keys use, so identical results stop a rerun. */
  readonly outputHash: string;
  readonly createdAt: string;
  /** When and by which command the run that made it started (RunInfo; not in any hash): a cached output keeps them. */
  readonly run?: { readonly started?: string; readonly command?: string };
}

/** Why a cached record could not be used. */
export type CacheProblem = { readonly reason: 'corrupt-record' | 'missing-object' | 'corrupt-object'; readonly file: string; readonly detail: string };

/** The storage behind the engine. */
export interface Cache {
  readonly dir: string;
  /** The record for `key`, or undefined (a miss). Cheap: objects are not read. */
  lookup(key: string): CacheRecord | undefined;
  /** Loads an array a record points at, verifying its hash; throws {@link CacheCorruption}. */
  loadArray(ref: ArrayRef): NDArray;
  /** Stores an output under `key` (objects first, the record last); returns the record. */
  store(key: string, instance: string, fields: KeyFields, output: StageOutput, fileHashes: Readonly<Record<string, string>>, run?: CacheRecord['run']): CacheRecord;
  /** Drops a record found to be unusable. */
  invalidate(key: string): void;
  /** Remembers `key` as the latest of this stage for this galaxy (what `explain` compares with). */
  remember(pipelineRoot: string, stage: string, galaxy: string, key: string): void;
  /** The latest record of this stage for this galaxy, if any. */
  latest(pipelineRoot: string, stage: string, galaxy: string): CacheRecord | undefined;
}

/** A cached object or record that failed its check. */
export class CacheCorruption extends Error {
  constructor(readonly problem: CacheProblem) {
    super(`cache ${problem.reason}: ${problem.file}: ${problem.detail}`);
  }
}

/** The cache in a local (or shared) folder. */
export class LocalCache implements Cache {
  /** Problems met (corrupt records or objects), for the run's report. */
  readonly problems: CacheProblem[] = [];

  constructor(readonly dir: string) {}

  private recordFile(key: string): string {
    return path.join(this.dir, 'records', key.slice(0, 2), `${key}.json`);
  }

  /** Path of an object by hash. */
  objectFile(hash: string): string {
    return path.join(this.dir, 'objects', hash.slice(0, 2), `${hash}.npy`);
  }

  lookup(key: string): CacheRecord | undefined {
    const file = this.recordFile(key);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    let rec: CacheRecord;
    try {
      rec = JSON.parse(text) as CacheRecord;
      if (rec.format !== CACHE_FORMAT || rec.key !== key || rec.outputHash !== outputHashOf(rec.output)) throw new Error('fields do not match');
    } catch (err) {
      this.problems.push({ reason: 'corrupt-record', file, detail: (err as Error).message });
      rmSync(file, { force: true });
      return undefined;
    }
    for (const ref of Object.values(rec.output.arrays)) {
      const obj = this.objectFile(ref.object);
      let size = -1;
      try {
        size = statSync(obj).size;
      } catch {
        // reported below
      }
      if (size !== ref.bytes) {
        this.problems.push({ reason: size < 0 ? 'missing-object' : 'corrupt-object', file: obj, detail: `expected ${ref.bytes} bytes, found ${size < 0 ? 'none' : size}` });
        return undefined;
      }
    }
    return rec;
  }

  loadArray(ref: ArrayRef): NDArray {
    const file = this.objectFile(ref.object);
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch (err) {
      throw new CacheCorruption({ reason: 'missing-object', file, detail: (err as Error).message });
    }
    const got = createHash('sha256').update(buf).digest('hex');
    if (got !== ref.object) {
      const problem: CacheProblem = { reason: 'corrupt-object', file, detail: `content hash ${got.slice(0, 12)} is not its name` };
      this.problems.push(problem);
      rmSync(file, { force: true });
      throw new CacheCorruption(problem);
    }
    return decodeNpy(buf);
  }

  store(key: string, instance: string, fields: KeyFields, output: StageOutput, fileHashes: Readonly<Record<string, string>>, run?: CacheRecord['run']): CacheRecord {
    const { out, blobs } = describeOutput(output, fileHashes);
    for (const [object, bytes] of blobs) {
      const file = this.objectFile(object);
      if (!existsSync(file) || statSync(file).size !== bytes.length) {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileAtomic(file, bytes);
      }
    }
    const rec: CacheRecord = { format: CACHE_FORMAT, key, instance, fields, output: out, outputHash: outputHashOf(out), createdAt: new Date().toISOString(), ...(run && (run.started || run.command) ? { run } : {}) };
    const file = this.recordFile(key);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify(rec, null, 1));
    return rec;
  }

  invalidate(key: string): void {
    rmSync(this.recordFile(key), { force: true });
  }

  private latestFile(pipelineRoot: string, stage: string, galaxy: string): string {
    return path.join(this.dir, 'latest', `${sha256(canonicalJson([pipelineRoot, stage, galaxy])).slice(0, 32)}.json`);
  }

  remember(pipelineRoot: string, stage: string, galaxy: string, key: string): void {
    const file = this.latestFile(pipelineRoot, stage, galaxy);
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as { key?: string }).key === key) return;
    } catch {
      // not there yet
    }
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify({ pipelineRoot, stage, galaxy, key }));
  }

  latest(pipelineRoot: string, stage: string, galaxy: string): CacheRecord | undefined {
    try {
      const { key } = JSON.parse(readFileSync(this.latestFile(pipelineRoot, stage, galaxy), 'utf8')) as { key: string };
      return this.lookup(key);
    } catch {
      return undefined;
    }
  }
}

/**
 * An output as the cache describes it (arrays replaced by the hashes of their `.npy`
 * bytes), and those bytes. Used to store, and to hash outputs when no cache is used, so
 * both give the same output hash.
 */
export function describeOutput(output: StageOutput, fileHashes: Readonly<Record<string, string>>): { out: CacheRecord['output']; blobs: Map<string, Uint8Array> } {
  const arrays: Record<string, ArrayRef> = {};
  const blobs = new Map<string, Uint8Array>();
  for (const [name, arr] of Object.entries(output.arrays ?? {})) {
    const bytes = encodeNpy(arr);
    const object = createHash('sha256').update(bytes).digest('hex');
    blobs.set(object, bytes);
    arrays[name] = { object, dtype: dtypeName(arr), shape: [...arr.shape], bytes: bytes.length };
  }
  return { out: { meta: output.meta, arrays, files: fileHashes, skip: output.skip ?? null }, blobs };
}

/** The hash downstream keys use for an output: meta, array object hashes, files and skip. */
export function outputHashOf(output: CacheRecord['output']): string {
  return sha256(canonicalJson(output as unknown as Json));
}

function dtypeName(arr: NDArray): string {
  return arr.data.constructor.name.replace('Array', '').toLowerCase();
}
