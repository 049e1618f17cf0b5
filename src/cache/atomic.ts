/**
 * Writing so that nothing half-written is ever trusted: write to a temporary name in the
 * same folder, flush it to disk, then rename over the final name (atomic on POSIX). The
 * temporary name says who writes it (`.<name>.tmp-h<host>-<pid>-<random>`), so the
 * temporaries a killed run leaves are removed by the next run as soon as it sees them (on
 * this machine, its process is gone), not only once they are old, and on another machine of
 * a shared file system once they are older than any write takes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** This machine, in temporary names: 8 hex digits of its host name's sha256. */
const HOST = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** Folders this process has written temporaries in (this thread's), for {@link removeOwnTemps}. */
const written = new Set<string>();

/** A temporary name next to `file`, unique to this process and call. */
export function tempNameFor(file: string): string {
  // (every writer clears what killed writers left in its folder, the first time it writes there)
  removeStaleTemps(file);
  written.add(path.dirname(file));
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-h${HOST}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * How a file is written: `durable` (the default) flushes it to disk before the rename, so
 * that after a power cut the final name holds all of it or the previous file. Without it
 * the rename still replaces the file whole for every reader (no process ever sees it half
 * written), but a power cut may leave the name empty or short: only for a file whose reader
 * detects that and treats it as absent (a stat-memo entry: checksummed, a miss).
 */
export interface WriteOptions {
  readonly durable?: boolean;
}

/** Writes `data` to `file` atomically; on failure the temporary file is removed and the error rethrown. */
export function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[], options: WriteOptions = {}): void {
  const tmp = tempNameFor(file);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    const parts = typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
    for (const part of parts) {
      let off = 0;
      while (off < part.length) off += writeSync(fd, part, off, part.length - off);
    }
    if (options.durable !== false) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    // A write(2) on the descriptor fails without a path (ENOSPC, EDQUOT, EIO): name the file
    // meant, so the message says what could not be written (src/path-errors.ts).
    if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).path === undefined) (err as NodeJS.ErrnoException).path = file;
    throw err;
  }
}

/** True when `pid` is a live process on this machine (signal 0 only probes; nothing is sent). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A temporary name: `.tmp-h<host>-<pid>-<hex>`, or `.tmp-<pid>-<hex>` as earlier versions (and the example installer) wrote them. */
const TEMP = /\.tmp-(?:h([0-9a-f]{8})-)?(\d+)-[0-9a-f]+$/;

/** Whether `name` is a temporary file's name. */
export function isTempName(name: string): boolean {
  return TEMP.test(name);
}

/**
 * Whether the temporary file `name` (in `dir`) was left by a writer that is gone: one of
 * this machine whose process is not running, or, when its writer cannot be probed (another
 * machine, or a name without its host), one older than `minAgeMs`.
 */
export function deadTemp(dir: string, name: string, minAgeMs: number): boolean {
  const m = TEMP.exec(name);
  if (!m) return false;
  const pid = Number(m[2]);
  if (m[1] === HOST) return pid !== process.pid && !alive(pid);
  try {
    return Date.now() - statSync(path.join(dir, name)).mtimeMs >= minAgeMs && (m[1] !== undefined || !alive(pid));
  } catch {
    return false;
  }
}

const swept = new Set<string>();

/**
 * Removes the temporary files killed writers left in the folder of `file` (see
 * {@link deadTemp}), once per folder and process. Nothing under a final name is touched.
 */
export function removeStaleTemps(file: string, minAgeMs = 60_000): number {
  const dir = path.dirname(file);
  if (swept.has(dir)) return 0;
  swept.add(dir);
  return sweepTemps(dir, minAgeMs);
}

/** The names in a folder; none when it cannot be read (gone, not a folder). */
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Removes the dead writers' temporary files in `dir` (not below it); returns how many. */
export function sweepTemps(dir: string, minAgeMs: number): number {
  let removed = 0;
  for (const name of namesIn(dir)) {
    if (!deadTemp(dir, name, minAgeMs)) continue;
    try {
      rmSync(path.join(dir, name), { force: true });
      removed++;
    } catch {
      // already gone
    }
  }
  return removed;
}

/**
 * Removes this process's own temporary files in every folder it wrote or swept (its
 * outputs' folders, the cache's): what an interrupted run does before it ends, so it leaves
 * nothing partial behind. A write still going on in another thread then fails, harmlessly.
 */
export function removeOwnTemps(): number {
  const mine = new RegExp(`\\.tmp-h${HOST}-${process.pid}-[0-9a-f]+$`);
  let removed = 0;
  for (const dir of new Set([...written, ...swept])) {
    for (const name of namesIn(dir)) {
      if (!mine.test(name)) continue;
      rmSync(path.join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}
