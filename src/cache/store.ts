/**
 * The content-addressed cache of stage outputs. Arrays are objects in numpy's `.npy`
 * format (so `np.load` opens any intermediate), named by their sha256; a record per
 * instance key points at them and is written last, so a record never points at an object
 * that is not complete. Objects are checked against their hash when read: a corrupt or
 * truncated one is a miss, never a result.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { decodeNpy, encodeNpy } from '../npy.ts';
import type { NDArray } from '../ndarray.ts';
import type { StageOutput } from '../stage.ts';
import { canonicalJson, sha256 } from './canonical.ts';
import type { KeyFields } from './key.ts';
import { clearCachePath, kindProblem, objectProblem, readCacheFile, writeCacheFile } from './cache-files.ts';
import { CACHE_FORMAT, outputHashOf, parseRecord, sealRecord, type ArrayRef, type CacheRecord } from './record.ts';
import { VerifiedRecords } from './verified-records.ts';

export { CACHE_FORMAT, outputHashOf, type ArrayRef, type CacheRecord } from './record.ts';

/** Why a cached record could not be used. */
export type CacheProblem = { readonly reason: 'corrupt-record' | 'missing-object' | 'corrupt-object' | 'corrupt-stat'; readonly file: string; readonly detail: string };

/** The storage behind the engine. */
export interface Cache {
  readonly dir: string;
  /** The record for `key`, or undefined (a miss). Cheap: objects are not read. */
  lookup(key: string): CacheRecord | undefined;
  /** Loads an array a record points at, verifying its hash; throws {@link CacheCorruption}. */
  loadArray(ref: ArrayRef): NDArray;
  /** Stores an output under `key` (objects first, the record last), with the warnings its stage gave and the run that made it; returns the record. */
  store(key: string, instance: string, fields: KeyFields, output: StageOutput, fileHashes: Readonly<Record<string, string>>, run?: CacheRecord['run'], warnings?: readonly string[]): CacheRecord;
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
  /** Records found intact before, by the sha256 of their text: not checked in full again. */
  private readonly verified: VerifiedRecords;

  constructor(readonly dir: string) {
    this.verified = new VerifiedRecords(dir);
  }

  private recordFile(key: string): string {
    return path.join(this.dir, 'records', key.slice(0, 2), `${key}.json`);
  }

  /** Path of an object by hash. */
  objectFile(hash: string): string {
    return path.join(this.dir, 'objects', hash.slice(0, 2), `${hash}.npy`);
  }

  lookup(key: string): CacheRecord | undefined {
    const file = this.recordFile(key);
    const read = readCacheFile(file, 'utf8');
    if (read === undefined) return undefined;
    if ('problem' in read) {
      // (a folder or an unreadable file where a record should be: removed, so the rerun can store one)
      this.problems.push({ reason: 'corrupt-record', file, detail: read.problem });
      clearCachePath(file);
      return undefined;
    }
    // (text that passed the full check before, byte for byte, passes it again: verified-records.ts)
    const digest = sha256(read.data);
    let rec: CacheRecord;
    if (this.verified.vouches(key, digest)) {
      rec = JSON.parse(read.data) as CacheRecord;
    } else {
      const parsed = parseRecord(read.data, key);
      if ('problem' in parsed) {
        if (!parsed.older) this.problems.push({ reason: 'corrupt-record', file, detail: parsed.problem });
        this.verified.forget(key);
        clearCachePath(file);
        return undefined;
      }
      rec = parsed.record;
    }
    for (const ref of Object.values(rec.output.arrays)) {
      const obj = this.objectFile(ref.object);
      const problem = objectProblem(obj, ref.bytes);
      if (problem) {
        this.problems.push(problem);
        this.verified.forget(key);
        return undefined;
      }
    }
    this.verified.note(key, digest);
    return rec;
  }

  /** Keeps, for the next run, which records this one found intact or stored (verified-records.ts). */
  saveVerified(): void {
    this.verified.save();
  }

  loadArray(ref: ArrayRef): NDArray {
    const file = this.objectFile(ref.object);
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch (err) {
      const kind = kindProblem(file);
      throw new CacheCorruption({ reason: 'missing-object', file, detail: kind && 'problem' in kind ? kind.problem : (err as Error).message });
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

  store(key: string, instance: string, fields: KeyFields, output: StageOutput, fileHashes: Readonly<Record<string, string>>, run?: CacheRecord['run'], warnings: readonly string[] = []): CacheRecord {
    const { out, blobs } = describeOutput(output, fileHashes);
    for (const [object, bytes] of blobs) {
      const file = this.objectFile(object);
      if (objectProblem(file, bytes.length)) writeCacheFile(this.dir, file, bytes);
    }
    const rec = sealRecord({ format: CACHE_FORMAT, key, instance, fields, output: out, outputHash: outputHashOf(out), warnings: [...warnings], createdAt: new Date().toISOString(), ...(run && (run.started || run.command) ? { run } : {}) });
    const text = JSON.stringify(rec, null, 1);
    writeCacheFile(this.dir, this.recordFile(key), text);
    // (vouched for as any record is: by the full check, of the very text written)
    if ('record' in parseRecord(text, key)) this.verified.note(key, sha256(text));
    return rec;
  }

  invalidate(key: string): void {
    this.verified.forget(key);
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
    // (not flushed to disk: a pointer a power cut leaves empty only makes `explain` say less,
    // as for a stage that never ran; runs never read it)
    writeCacheFile(this.dir, file, JSON.stringify({ pipelineRoot, stage, galaxy, key }), { durable: false });
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

function dtypeName(arr: NDArray): string {
  return arr.data.constructor.name.replace('Array', '').toLowerCase();
}
