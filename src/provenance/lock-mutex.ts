/**
 * The mutex that serialises updates of the lock file (`sfh-pipeline.lock.mutex`): a file
 * created whole, with its holder in it (host, boot, pid and the pid's start time), by a hard
 * link from a private temporary file, which is atomic on local and network file systems
 * alike. A run killed while it held the mutex (the moment a `--resume` follows) leaves the
 * file behind; the next run reads the holder and takes a dead one's mutex over at once
 * instead of waiting for it to age:
 * - a holder on this machine is dead when its pid is gone, when the pid now belongs to a
 *   process that started later (a reused pid), or when the machine booted since;
 * - a holder on another machine (a shared file system under Slurm) cannot be probed: its
 *   mutex is stale once it is older, by the file system's clock, than any update takes;
 * - a mutex without a holder (written by an earlier version of sfh-pipeline) likewise.
 * Updating the lock takes well under a second even at 500 galaxies, so these ages are short.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import { alive, tempNameFor } from '../cache/atomic.ts';
import { UserError } from '../errors.ts';

/** Who holds a mutex, as its file says. */
export interface Holder {
  readonly host: string;
  /** This boot of the machine (Linux's boot_id), or '' where unknown. */
  readonly boot: string;
  readonly pid: number;
  /** When the process started, in clock ticks since boot (Linux), or '' where unknown: tells a reused pid apart. */
  readonly started: string;
  /** When it took the mutex (ISO time, for messages). */
  readonly at: string;
}

/** How long a mutex whose holder cannot be probed (another host, no holder) is taken to be in use. */
export const UNPROBED_STALE_MS = 15_000;
/** How long to wait for a live holder on this machine before giving up. */
const LIVE_WAIT_MS = 60_000;

/** Runs `fn` holding the mutex `file` (created next to what it protects); throws a {@link UserError} naming the holder if a live one keeps it. */
export function withMutex<T>(file: string, fn: () => T, options: { liveWaitMs?: number; unprobedStaleMs?: number } = {}): T {
  const me = JSON.stringify(self());
  acquire(file, me, options.liveWaitMs ?? LIVE_WAIT_MS, options.unprobedStaleMs ?? UNPROBED_STALE_MS);
  try {
    return fn();
  } finally {
    release(file, me);
  }
}

/** This process as a holder. */
export function self(): Holder {
  return { host: os.hostname(), boot: bootId(), pid: process.pid, started: startTicks(process.pid) ?? '', at: new Date().toISOString() };
}

/** Whether `holder` is known to be dead: on this machine, by its pid and start time; elsewhere it cannot be known. */
export function holderDead(holder: Holder): boolean | undefined {
  if (holder.host !== os.hostname()) return undefined;
  const boot = bootId();
  if (holder.boot && boot && holder.boot !== boot) return true;
  if (!alive(holder.pid)) return true;
  const started = startTicks(holder.pid);
  return holder.started !== '' && started !== undefined && started !== holder.started;
}

function acquire(file: string, me: string, liveWaitMs: number, unprobedStaleMs: number): void {
  const started = Date.now();
  for (;;) {
    const tmp = tempNameFor(file);
    let fsNow: number;
    try {
      writeWhole(tmp, me);
      fsNow = statSync(tmp).mtimeMs; // the file system's clock, which another host's mtimes use too
      if (createFrom(tmp, file, me)) return;
    } finally {
      rmSync(tmp, { force: true });
    }
    const seen = readHolder(file);
    if (seen === undefined) continue; // released meanwhile
    const dead = seen.holder ? holderDead(seen.holder) : undefined;
    if (dead === true || (dead === undefined && fsNow - seen.mtimeMs > unprobedStaleMs)) {
      takeOver(file, seen.text);
      continue;
    }
    if (dead === false && Date.now() - started > liveWaitMs) {
      const h = seen.holder as Holder;
      throw new UserError('bad-input', `${file} has been held for ${Math.round((Date.now() - started) / 1000)} s by process ${h.pid} on this machine (since ${h.at}), which is still running`, `another sfh-pipeline run is updating the lock file: let it finish; if process ${h.pid} is not sfh-pipeline, delete ${file}`);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  }
}

/**
 * Creates `file` with the content of `tmp` if it does not exist: a hard link (atomic, and
 * the file is never seen empty); where links are not supported, an exclusive create.
 */
function createFrom(tmp: string, file: string, me: string): boolean {
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
  }
  try {
    writeWhole(file, me, 'wx');
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Removes a dead holder's mutex, and only that one: it is first renamed to a name of this
 * process's own (atomic: of two processes taking it over, one gets it), and put back if it
 * turns out to be another's, newer, mutex.
 */
function takeOver(file: string, deadText: string): void {
  const moved = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, moved);
  } catch {
    return; // someone else took it over or released it
  }
  let text = '';
  try {
    text = readFileSync(moved, 'utf8');
  } catch {
    // unreadable: treated as not ours to remove
  }
  if (text !== deadText) {
    try {
      linkSync(moved, file);
    } catch {
      // a third process holds it now; the one moved away was released by its holder's finally
    }
  }
  rmSync(moved, { force: true });
}

function release(file: string, me: string): void {
  try {
    // (a mutex that is no longer ours, taken over after all, is left to its holder)
    if (readFileSync(file, 'utf8') === me) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

function readHolder(file: string): { text: string; holder: Holder | undefined; mtimeMs: number } | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    const mtimeMs = statSync(file).mtimeMs;
    let holder: Holder | undefined;
    try {
      const h = JSON.parse(text) as Partial<Holder>;
      if (typeof h.host === 'string' && typeof h.pid === 'number' && typeof h.boot === 'string' && typeof h.started === 'string') holder = h as Holder;
    } catch {
      // no holder in it
    }
    return { text, holder, mtimeMs };
  } catch {
    return undefined;
  }
}

function writeWhole(file: string, text: string, flags = 'wx'): void {
  const fd = openSync(file, flags);
  try {
    const buf = Buffer.from(text);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

let boot: string | undefined;
function bootId(): string {
  if (boot === undefined) {
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      boot = '';
    }
  }
  return boot;
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), where there is a /proc. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // (the command name, field 2, is in parentheses and may hold spaces)
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
