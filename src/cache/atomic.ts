/**
 * Writing so that nothing half-written is ever trusted: write to a temporary name in the
 * same folder, flush it to disk, then rename over the final name (atomic on POSIX).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

/** A temporary name next to `file`, unique to this process and call. */
export function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Writes `data` to `file` atomically; on failure the temporary file is removed and the error rethrown. */
export function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const tmp = tempNameFor(file);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    const parts = typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
    for (const part of parts) {
      let off = 0;
      while (off < part.length) off += writeSync(fd, part, off, part.length - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
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

const TEMP = /\.tmp-(\d+)-[0-9a-f]+$/;

const swept = new Set<string>();

/**
 * Removes temporary files left by killed runs in the folder of `file`
 * (`<name>.tmp-<pid>-<hex>`, `.<name>.tmp-<pid>-<hex>`): once per folder and process, only
 * when their process is gone and they are older than `minAgeMs` (on a shared file system a
 * live process on another node may have the same pid, hence the age). Nothing under a
 * final name is ever touched.
 */
export function removeStaleTemps(file: string, minAgeMs = 60_000): number {
  const dir = path.dirname(file);
  if (swept.has(dir)) return 0;
  swept.add(dir);
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = TEMP.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    try {
      if (Date.now() - statSync(path.join(dir, name)).mtimeMs < minAgeMs) continue;
      rmSync(path.join(dir, name), { force: true });
      removed++;
    } catch {
      // already gone
    }
  }
  return removed;
}
