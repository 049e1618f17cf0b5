/**
 * Content hashes of input files, computed once: a stat cache keyed by (machine, device,
 * inode, size, mtime, ctime) lets a later run skip re-reading an unchanged multi-GB cube.
 * One small JSON file per inode, checksummed and written atomically (./stat-memo.ts).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
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

/** sha256 of a file, read in 4 MiB chunks (2 GB/s here; the default 64 KiB halves that). */
export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(n === CHUNK ? buf : buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
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
    const todo: { file: string; st: NonNullable<ReturnType<FileHasher['stamp']>> }[] = [];
    for (const file of files) {
      const st = this.stamp(file);
      if (!st || st.size < PREFETCH_MIN_BYTES || this.memo.has(st.memoKey) || this.fromDisk(st)) continue;
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
        const sha256 = sha256File(mine.file);
        this.hashed++;
        this.remember(mine.st, sha256);
      } catch {
        // hash() meets the same problem and reports it
      }
    }
    await Promise.all(jobs);
  }

  private stamp(file: string): { file: string; id: string; memoKey: string; size: number; entry: StatEntry } | undefined {
    let st;
    try {
      st = statSync(file, { bigint: true });
    } catch {
      return undefined;
    }
    const entry: StatEntry = { size: String(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs) };
    const id = `${st.dev}-${st.ino}`;
    return { file, id, memoKey: `${id}:${entry.size}:${entry.mtimeNs}:${entry.ctimeNs}`, size: Number(st.size), entry };
  }

  private fromDisk(st: NonNullable<ReturnType<FileHasher['stamp']>>): string | undefined {
    if (!this.dir) return undefined;
    const known = readStatMemo(this.dir, { id: st.id, ...st.entry });
    if (known && 'problem' in known) this.onProblem?.({ reason: 'corrupt-stat', file: known.file, detail: known.problem });
    if (!known || 'problem' in known) return undefined;
    this.memo.set(st.memoKey, known.sha256);
    return known.sha256;
  }

  private remember(st: NonNullable<ReturnType<FileHasher['stamp']>>, sha256: string): void {
    this.memo.set(st.memoKey, sha256);
    if (this.dir) writeStatMemo(this.dir, { id: st.id, ...st.entry }, st.file, sha256);
  }

  /** The file's sha256, or {@link ABSENT} when it does not exist. */
  hash(file: string): string {
    const st = this.stamp(file);
    if (!st) return ABSENT;
    const known = this.memo.get(st.memoKey) ?? this.fromDisk(st);
    if (known) return known;
    const sha256 = sha256File(file);
    this.hashed++;
    this.remember(st, sha256);
    return sha256;
  }
}
