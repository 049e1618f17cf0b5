/**
 * Content hashes of input files, computed once: a stat cache keyed by (machine, device,
 * inode, size, mtime, ctime) lets a later run skip re-reading an unchanged multi-GB cube.
 * One small JSON file per inode, checksummed and written atomically (./stat-memo.ts).
 *
 * A stage that reads a file whole can hash it on the way ({@link HashTap}) and hand the
 * hash over ({@link FileHasher.adopt}): on a cold cache, a cube is then read once, by the
 * stage, instead of once to hash it and once to use it (docs/caching.md).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InputRead } from '../stage.ts';
import { fitsFileOf, isGzip } from '../fits/gzip.ts';
import { naming } from '../path-errors.ts';
import { readStatMemo, writeStatMemo } from './stat-memo.ts';
import type { CacheProblem } from './store.ts';

/**
 * Files smaller than this are hashed in place: a thread costs more than it saves. The
 * environment variable SFH_PREFETCH_MIN_BYTES overrides it (tests set 1 to send small files
 * down the path a cube takes).
 */
const PREFETCH_MIN_ENV = Number(process.env['SFH_PREFETCH_MIN_BYTES']);
const PREFETCH_MIN_BYTES = PREFETCH_MIN_ENV > 0 ? PREFETCH_MIN_ENV : 32 * 1024 * 1024;
/** Hash threads run the compiled hash-worker.js; under a TypeScript loader, none. */
const THREADS = !fileURLToPath(import.meta.url).endsWith('.ts');

/** The hash a missing input file gets: its absence is part of a key too. */
export const ABSENT = 'absent';

const CHUNK = 4 * 1024 * 1024;

/**
 * sha256 of a file's content, read in 4 MiB chunks (2 GB/s here; the default 64 KiB halves
 * that). A gzip-compressed FITS file's content is its inflated bytes: a `.fits.gz` and the
 * `.fits` it inflates to are the same input (`gunzip -c f.fits.gz | sha256sum` gives it).
 */
export function sha256File(file: string): string {
  if (isGzip(file)) return sha256OfGzip(file);
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(n === CHUNK ? buf : buf.subarray(0, n));
    }
  } catch (err) {
    // (a folder in the place of an input: its read's EISDIR names no path)
    throw naming(err, file);
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * The identity of a file's current content as the stat cache sees it: device, inode, size,
 * mtime, ctime; `file` is the file found (the name given, or its `.fits.gz`), which the stat
 * memo records for `cache verify` to re-hash.
 */
type Stamp = { file: string; id: string; memoKey: string; size: number; entry: StatEntry };

/** The stat identity of the file a name stands for (`X.fits` may be found as `X.fits.gz`, src/fits/gzip.ts). */
function stampOf(file: string): Stamp | undefined {
  const found = fitsFileOf(file);
  let st;
  try {
    st = statSync(found, { bigint: true });
  } catch {
    return undefined;
  }
  const entry: StatEntry = { size: String(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs) };
  const id = `${st.dev}-${st.ino}`;
  return { file: found, id, memoKey: `${id}:${entry.size}:${entry.mtimeNs}:${entry.ctimeNs}`, size: Number(st.size), entry };
}

/**
 * A file's sha256 as a reader took it, and the file's stat identity, the same before the
 * read and after it: what {@link FileHasher.adopt} needs to trust the hash as the hash of
 * the file that is there now.
 */
export type { InputRead };

/**
 * Hashes a file from the bytes its reader reads: feed it every byte in order
 * ({@link update}), then {@link finish}. Made before the read (it records the file's stat).
 */
export class HashTap {
  readonly #hash = createHash('sha256');
  readonly #before: Stamp | undefined;
  /** Fed inflated bytes: their count is not the file's size. */
  readonly #gzip: boolean;
  #bytes = 0;

  constructor(readonly file: string) {
    this.#before = stampOf(file);
    this.#gzip = isGzip(fitsFileOf(file));
  }

  /** The file's stat identity when the tap was made (undefined: it did not exist). */
  get stampBefore(): string | undefined {
    return this.#before?.memoKey;
  }

  /** The next bytes of the file. */
  update(bytes: Uint8Array): void {
    this.#hash.update(bytes);
    this.#bytes += bytes.length;
  }

  /**
   * The hash, or undefined when it cannot stand for the file: fewer bytes were fed than the
   * file holds, or its stat changed while it was read (another program writing it).
   */
  finish(): InputRead | undefined {
    const after = stampOf(this.file);
    if (!this.#before || !after || after.memoKey !== this.#before.memoKey || (!this.#gzip && this.#bytes !== this.#before.size)) return undefined;
    return { sha256: this.#hash.digest('hex'), stamp: after.memoKey };
  }
}

/** Hashes a whole file now, as {@link HashTap} would from a reader: for a stage's small inputs it reads in other ways. */
export function readForHash(file: string): InputRead | undefined {
  const before = stampOf(file);
  if (!before) return undefined;
  const sha256 = sha256File(fitsFileOf(file));
  const after = stampOf(file);
  return after && after.memoKey === before.memoKey ? { sha256, stamp: after.memoKey } : undefined;
}

/** True when `file` still has the stat identity it had when `read` was taken. */
export function unchangedSince(file: string, read: InputRead): boolean {
  return stampOf(file)?.memoKey === read.stamp;
}

/** A thread that inflates and hashes a gzip file, for {@link sha256OfGzip} (plain JavaScript: it also runs under a TypeScript loader). */
const GUNZIP_HASH = `
const { workerData } = require('node:worker_threads');
const { createReadStream } = require('node:fs');
const { createGunzip } = require('node:zlib');
const { createHash } = require('node:crypto');
const state = new Int32Array(workerData.shared, 0, 2);
const text = new Uint8Array(workerData.shared, 8);
let ended = false;
const finish = (code, message) => {
  if (ended) return;
  ended = true;
  const b = Buffer.from(String(message)).subarray(0, text.length);
  text.set(b);
  state[1] = b.length;
  Atomics.store(state, 0, code);
  Atomics.notify(state, 0);
};
process.on('uncaughtException', (e) => finish(2, e.message));
const hash = createHash('sha256');
const gunzip = createGunzip({ chunkSize: 1 << 20 });
gunzip.on('data', (c) => hash.update(c));
gunzip.on('end', () => finish(1, hash.digest('hex')));
gunzip.on('error', (e) => finish(2, e.message));
createReadStream(workerData.file, { highWaterMark: 1 << 20 }).on('error', (e) => finish(2, e.message)).pipe(gunzip);
`;

/**
 * sha256 of a gzip file's inflated bytes, synchronously (a key is computed synchronously):
 * a thread inflates and hashes while this one waits. On a cold run this is rarely needed:
 * load-cubes hashes what it inflates (see {@link HashTap}).
 */
function sha256OfGzip(file: string): string {
  const shared = new SharedArrayBuffer(8 + 1024);
  const state = new Int32Array(shared, 0, 2);
  const worker = new Worker(GUNZIP_HASH, { eval: true, workerData: { file, shared } });
  try {
    Atomics.wait(state, 0, 0);
  } finally {
    void worker.terminate();
  }
  const message = Buffer.from(new Uint8Array(shared, 8, state[1])).toString();
  if (state[0] !== 1) throw new Error(`${file}: cannot be inflated to hash it (${message}); check it with \`gzip -t\``);
  return message;
}

interface StatEntry {
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

/** Hashes files, remembering each one's hash under `dir` for as long as its stat is unchanged. */
export class FileHasher {
  /** Files actually read (not answered from the stat cache): tests count them. */
  hashed = 0;
  private readonly memo = new Map<string, string>();
  /**
   * Hashes a file on a thread that is already running (the engine's idle stage worker), or
   * returns undefined; prefetch falls back to a thread of its own. Null: unreadable.
   */
  offload: ((file: string) => Promise<string | null> | undefined) | undefined;
  /** Told of a stat memo entry found damaged (it is not used: the file is hashed again). */
  onProblem: ((problem: CacheProblem) => void) | undefined;

  constructor(private readonly dir: string | undefined) {}

  /**
   * Hashes the large files among `files` that the stat cache does not know yet, in parallel
   * (a galaxy's cube and pPXF output are hundreds of MB each), so the following
   * {@link hash} calls are answered from memory: the largest here, each other one on a
   * worker thread. This thread would only wait, and hashing here spares one thread's boot
   * (~40-60 ms), which the workers' files, being smaller, absorb.
   */
  async prefetch(files: readonly string[]): Promise<void> {
    if (!THREADS || files.length < 2) return;
    const todo: { file: string; st: Stamp }[] = [];
    for (const file of files) {
      const st = stampOf(file);
      // (a gzip file is inflated to be hashed: sha256File does that on a thread of its own)
      if (!st || st.size < PREFETCH_MIN_BYTES || this.memo.has(st.memoKey) || this.fromDisk(st) || isGzip(fitsFileOf(file))) continue;
      if (!todo.some((t) => t.st.memoKey === st.memoKey)) todo.push({ file, st });
    }
    todo.sort((a, b) => b.st.size - a.st.size);
    const jobs = todo.slice(1).map(({ file, st }) => {
      const offloaded = this.offload?.(file);
      if (offloaded) {
        return offloaded.then((sha256) => {
          if (sha256 === null) return;
          this.hashed++;
          this.remember(st, sha256);
        });
      }
      return new Promise<void>((resolve) => {
        const worker = new Worker(new URL('./hash-worker.js', import.meta.url), { workerData: file });
        worker.once('message', (sha256: string) => {
          this.hashed++;
          this.remember(st, sha256);
          resolve();
        });
        // On any trouble the synchronous hash() simply does the work itself.
        worker.once('error', () => resolve());
        worker.once('exit', () => resolve());
      });
    });
    const mine = todo[0];
    if (mine) {
      try {
        const sha256 = sha256File(fitsFileOf(mine.file));
        this.hashed++;
        this.remember(mine.st, sha256);
      } catch {
        // hash() meets the same problem and reports it
      }
    }
    await Promise.all(jobs);
  }

  private fromDisk(st: Stamp): string | undefined {
    if (!this.dir) return undefined;
    const known = readStatMemo(this.dir, { id: st.id, ...st.entry });
    if (known && 'problem' in known) this.onProblem?.({ reason: 'corrupt-stat', file: known.file, detail: known.problem });
    if (!known || 'problem' in known) return undefined;
    this.memo.set(st.memoKey, known.sha256);
    return known.sha256;
  }

  /** Remembers a file's hash for this run and in the stat memo, whoever read the file (this hasher, or a stage: {@link adopt}). */
  private remember(st: Stamp, sha256: string): void {
    this.memo.set(st.memoKey, sha256);
    if (this.dir) writeStatMemo(this.dir, { id: st.id, ...st.entry }, st.file, sha256);
  }

  /** True when {@link hash} needs no read: the file is absent, or its hash is in this run's memo or the stat cache. */
  known(file: string): boolean {
    const st = stampOf(file);
    // (an absent file's hash, ABSENT, needs no read either)
    return st === undefined || this.memo.has(st.memoKey) || this.fromDisk(st) !== undefined;
  }

  /**
   * Takes the hash a stage's reader took ({@link HashTap}) as the file's, if the file is
   * still what was read (same stat identity); returns whether it did. A file read this way
   * counts as hashed ({@link hashed}): it was read once, by the stage.
   */
  adopt(file: string, read: InputRead): boolean {
    const st = stampOf(file);
    if (!st || st.memoKey !== read.stamp || !/^[0-9a-f]{64}$/.test(read.sha256)) return false;
    if (!this.memo.has(st.memoKey)) this.hashed++;
    this.remember(st, read.sha256);
    return true;
  }

  /** The file's sha256, or {@link ABSENT} when it does not exist. */
  hash(file: string): string {
    const st = stampOf(file);
    if (!st) return ABSENT;
    const known = this.memo.get(st.memoKey) ?? this.fromDisk(st);
    if (known) return known;
    const sha256 = sha256File(fitsFileOf(file));
    this.hashed++;
    this.remember(st, sha256);
    return sha256;
  }
}
