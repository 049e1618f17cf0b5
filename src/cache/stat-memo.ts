/**
 * The stat memo (`cache/stat/`): an input file's sha256 remembered by what identifies its
 * content without reading it, so an unchanged multi-GB cube is hashed once. The hash goes
 * into keys, provenance cards and the lock, so an entry is trusted only when
 * - it is intact: each entry carries the sha256 of its own fields (`checksum`), so a flipped
 *   byte or an edited hash is found and the file is hashed again;
 * - it is this machine's, about this file: it names the machine (its machine id, else its
 *   host name), the device and inode, and the size, mtime and ctime. A cache copied to
 *   another machine (or the data copied: a copy has a new ctime, rsync -a or not) never
 *   lends a hash to a file there, and a file changed since, even by a tool that restores its
 *   mtime, has a new ctime.
 * `cache verify` re-hashes every file whose entry would be used and compares.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isTempName, namesIn } from './atomic.ts';
import { canonicalJson, sha256 } from './canonical.ts';
import { writeCacheFile } from './cache-files.ts';

/** What identifies a file's content on this machine (from a `bigint` stat). */
export interface StatKey {
  /** `<device>-<inode>`. */
  readonly id: string;
  readonly size: string;
  readonly mtimeNs: string;
  readonly ctimeNs: string;
}

/** An entry as it is stored. */
interface StatEntry extends StatKey {
  readonly format: 2;
  readonly machine: string;
  /** The file it was made for (for `cache verify`, which re-hashes it; not part of the identity). */
  readonly file: string;
  readonly sha256: string;
  readonly checksum: string;
}

let machineId: string | undefined;
/** This machine: systemd's machine id, else the host name. */
export function machine(): string {
  if (machineId === undefined) {
    let id = '';
    for (const f of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
      try {
        id = readFileSync(f, 'utf8').trim();
        if (id) break;
      } catch {
        // not there
      }
    }
    machineId = id ? `machine-id:${id}` : `host:${os.hostname()}`;
  }
  return machineId;
}

/** The entry file of a key: one per machine and inode. */
export function statMemoFile(dir: string, key: Pick<StatKey, 'id'>): string {
  return path.join(dir, `${sha256(machine()).slice(0, 8)}-${key.id}.json`);
}

const checksumOf = (e: Omit<StatEntry, 'checksum'>): string => sha256(canonicalJson({ ...e }));

/**
 * The remembered hash of the file `key` identifies, or undefined (none, stale, another
 * machine's); `problem` when the entry is damaged (its checksum does not hold).
 */
export function readStatMemo(dir: string, key: StatKey): { sha256: string } | { problem: string; file: string } | undefined {
  const file = statMemoFile(dir, key);
  let entry: StatEntry;
  try {
    entry = JSON.parse(readFileSync(file, 'utf8')) as StatEntry;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return { problem: code ? `cannot be read (${code})` : 'is not valid JSON', file };
  }
  const problem = entryProblem(entry);
  if (problem) return { problem, file };
  if (entry.machine !== machine() || entry.id !== key.id || entry.size !== key.size || entry.mtimeNs !== key.mtimeNs || entry.ctimeNs !== key.ctimeNs) return undefined;
  return { sha256: entry.sha256 };
}

/**
 * Remembers `sha256` as the hash of `file`, which `key` identifies. Written atomically but
 * not flushed to disk (no fsync, ~5 ms each, a dozen or more per galaxy on the main thread
 * between its stages): an entry a power cut leaves empty or short fails to parse or its
 * checksum, and is a miss (the file is hashed again), never a wrong hash.
 */
export function writeStatMemo(dir: string, key: StatKey, file: string, hash: string): void {
  const e: Omit<StatEntry, 'checksum'> = { format: 2, machine: machine(), id: key.id, size: key.size, mtimeNs: key.mtimeNs, ctimeNs: key.ctimeNs, file, sha256: hash };
  writeCacheFile(path.dirname(dir), statMemoFile(dir, key), JSON.stringify({ ...e, checksum: checksumOf(e) }), { durable: false });
}

function entryProblem(e: StatEntry): string | undefined {
  if (!e || typeof e !== 'object' || e.format !== 2) return 'is not a stat entry of this version';
  if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) return 'holds no sha256';
  const { checksum, ...rest } = e;
  if (checksum !== checksumOf(rest)) return 'its checksum does not match its content';
  return undefined;
}

/** The stat key of a file now, or undefined when it is not there. */
export function statKeyOf(file: string): StatKey | undefined {
  try {
    const st = statSync(file, { bigint: true });
    return { id: `${st.dev}-${st.ino}`, size: String(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs) };
  } catch {
    return undefined;
  }
}

/** What `cache verify` found in the stat memo. */
export interface StatMemoCheck {
  /** Entries that would be used now (this machine's, their file unchanged): each re-hashed. */
  readonly rehashed: number;
  readonly bytes: number;
  /** Entries left by other machines, or whose file changed or went: never used. */
  readonly unused: number;
  readonly defects: { readonly file: string; readonly problem: string }[];
}

/**
 * Checks every entry: intact (its checksum), and, when it would be used now, right: its file
 * is hashed again (`hash`, the same function runs use) and compared.
 */
export function verifyStatMemo(dir: string, hash: (file: string) => string): StatMemoCheck {
  let rehashed = 0;
  let bytes = 0;
  let unused = 0;
  const defects: { file: string; problem: string }[] = [];
  for (const name of namesIn(dir).sort()) {
    if (isTempName(name)) continue;
    const file = path.join(dir, name);
    let entry: StatEntry;
    try {
      entry = JSON.parse(readFileSync(file, 'utf8')) as StatEntry;
    } catch (err) {
      defects.push({ file, problem: (err as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a folder, not a file' : 'is not valid JSON' });
      continue;
    }
    if ((entry as { format?: unknown }).format === undefined && typeof (entry as { sha256?: unknown }).sha256 === 'string') {
      unused++; // (an entry of an earlier version: never used)
      continue;
    }
    const problem = entryProblem(entry);
    if (problem) {
      defects.push({ file, problem });
      continue;
    }
    const now = statKeyOf(entry.file);
    if (entry.machine !== machine() || !now || now.id !== entry.id || now.size !== entry.size || now.mtimeNs !== entry.mtimeNs || now.ctimeNs !== entry.ctimeNs) {
      unused++;
      continue;
    }
    let got: string;
    try {
      got = hash(entry.file);
    } catch (err) {
      defects.push({ file, problem: `its file ${entry.file} cannot be read to check it (${(err as Error).message})` });
      continue;
    }
    rehashed++;
    bytes += Number(entry.size);
    if (got !== entry.sha256) defects.push({ file, problem: `says ${entry.file} has sha256 ${entry.sha256.slice(0, 12)}, it has ${got.slice(0, 12)}` });
  }
  return { rehashed, bytes, unused, defects };
}

/**
 * Removes the entries no run will use, older than `graceMs`: damaged ones, those of an
 * earlier version, and this machine's whose file changed or went (another machine's are
 * that machine's to judge). Returns how many.
 */
export function pruneStatMemo(dir: string, graceMs: number): number {
  let removed = 0;
  for (const name of namesIn(dir)) {
    if (isTempName(name)) continue;
    const file = path.join(dir, name);
    try {
      if (Date.now() - statSync(file).mtimeMs < graceMs) continue;
      let entry: StatEntry | undefined;
      try {
        entry = JSON.parse(readFileSync(file, 'utf8')) as StatEntry;
      } catch {
        entry = undefined;
      }
      const usable = entry !== undefined && entryProblem(entry) === undefined;
      if (usable && entry && entry.machine !== machine()) continue;
      const now = usable && entry ? statKeyOf(entry.file) : undefined;
      if (usable && entry && now && now.id === entry.id && now.size === entry.size && now.mtimeNs === entry.mtimeNs && now.ctimeNs === entry.ctimeNs) continue;
      rmSync(file, { force: true });
      removed++;
    } catch {
      // gone meanwhile, or not ours to remove (a read-only cache): kept, and not counted
    }
  }
  return removed;
}
