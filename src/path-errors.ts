/**
 * What a file system error says about a path, in a person's words: which path, what is
 * wrong with it (a folder where a file should be, a file in the middle of a path, a symbolic
 * link to nothing, no permission, a read-only or full disk) and what to do. Told by the
 * error's `code`, never by its message, and by looking at the path itself: Node says
 * "ENOTDIR: not a directory, mkdir 'cache/runs'" when `cache` is a file, and "ENOENT" both
 * for a typo and for a link whose target is gone.
 */
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';

/** A file system error with the fields Node gives it (`file`: the path, as the FITS module's errors carry it). */
export type FsError = Error & { code?: unknown; path?: unknown; file?: unknown; dest?: unknown; syscall?: unknown };

/** The kinds of path problem, by what a user does about them. */
export type PathReason = 'disk-full' | 'read-only' | 'permission-denied' | 'too-many-files' | 'bad-path' | 'io-error';

/** A path problem, said. */
export interface PathProblem {
  readonly reason: PathReason;
  /** The path the problem is with (the one the error named, or the part of it at fault). */
  readonly path: string | undefined;
  /** `<path> is a folder, not a file`, `cannot write <path>: permission denied`, ... */
  readonly message: string;
  readonly hint: string;
}

const WRITES = new Set(['mkdir', 'rename', 'unlink', 'rmdir', 'rm', 'link', 'symlink', 'write', 'copyfile', 'utime', 'futime', 'chmod', 'fchmod', 'chown', 'fsync', 'ftruncate', 'mkdtemp']);
const READS = new Set(['read', 'scandir', 'opendir', 'stat', 'lstat', 'readlink', 'access', 'realpath']);

/** The path problem an error is, or undefined when it is no file system error. */
export function pathProblem(err: unknown): PathProblem | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as FsError;
  if (typeof e.code !== 'string') return undefined;
  // (a FITS error that wraps the system's, e.g. a cube its stage could not open, names its file)
  const file = typeof e.path === 'string' ? e.path : typeof e.file === 'string' ? e.file : undefined;
  const syscall = typeof e.syscall === 'string' ? e.syscall : '';
  const verb = WRITES.has(syscall) ? 'write' : READS.has(syscall) ? 'read' : 'open';
  const on = file ? ` ${file}` : '';
  const code = ` (${e.code}${syscall ? `, ${syscall}` : ''})`;
  switch (e.code) {
    case 'ENOSPC':
      return { reason: 'disk-full', path: file, message: `no space left on the device writing${on}${code}`, hint: 'free some space (or point --cache/--out elsewhere), then run again with --resume; nothing half-written was kept' };
    case 'EDQUOT':
      return { reason: 'disk-full', path: file, message: `disk quota exceeded writing${on}${code}`, hint: 'free some space within your quota (sfh-pipeline cache gc helps), then run again with --resume' };
    case 'EROFS':
      return { reason: 'read-only', path: file, message: `cannot ${verb}${on}: the file system is read-only${code}`, hint: 'point --out and --cache (and --lock) at a writable folder' };
    case 'EACCES':
    case 'EPERM':
      return { reason: 'permission-denied', path: file, message: `cannot ${verb}${on}: permission denied${code}`, hint: verb === 'read' ? 'make it readable for you (chmod u+r), or copy it somewhere you can read' : 'check its permissions and those of its folder (chmod u+rwx), or point --out, --cache and --lock at a folder you can write' };
    case 'EMFILE':
    case 'ENFILE':
      return { reason: 'too-many-files', path: file, message: `too many open files${file ? ` opening ${file}` : ''}${code}`, hint: 'raise the limit (ulimit -n) or lower --jobs' };
    case 'EISDIR':
      return { reason: 'bad-path', path: file, message: `${file ?? 'a path'} is a folder, not a file${code}`, hint: 'give the path of a file there, or move the folder away' };
    case 'ENOTDIR':
    case 'ENOENT': {
      const at = file ? whereMissing(file) : undefined;
      const message = at ? `${at.part === file ? file : `${file}: ${at.part}`} ${at.what}${code}` : `${file ?? 'a path'} ${e.code === 'ENOENT' ? 'does not exist' : 'goes through a file, not a folder'}${code}`;
      const hint = at?.what.startsWith('is a symbolic link') ? 'point the link at an existing file or folder (a disk not mounted?), or give another path' : at?.what.startsWith('is a file') ? 'give the path of a folder there, or move the file away' : 'check the path (a typo? a disk not mounted?)';
      return { reason: 'bad-path', path: at?.part ?? file, message, hint };
    }
    case 'ELOOP':
      return { reason: 'bad-path', path: file, message: `${file ?? 'a path'} is a loop of symbolic links${code}`, hint: 'fix the symbolic links, or give another path' };
    case 'ENAMETOOLONG':
      return { reason: 'bad-path', path: file, message: `the path${on} is too long for the file system${code}`, hint: 'use shorter folder or file names (an SN name or a --set name= template?)' };
    case 'EEXIST':
      if (file && syscall === 'mkdir' && notA(file, 'folder') === 'is a file, not a folder') return { reason: 'bad-path', path: file, message: `${file} is a file, not a folder${code}`, hint: 'give the path of a folder there, or move the file away' };
      return { reason: 'bad-path', path: file, message: `${file ?? 'a path'} already exists${code}`, hint: 'move it away, or give another path' };
    case 'EIO':
    case 'ESTALE':
    case 'EREMOTEIO':
    case 'ENXIO':
    case 'EBUSY':
    case 'ETXTBSY':
      return { reason: 'io-error', path: file, message: `the disk or network file system failed to ${verb}${on}${code}`, hint: 'check the disk or the mount (dmesg, a network file system that went away), then run again with --resume' };
    default:
      return undefined;
  }
}

/**
 * The first part of `file`'s path that cannot be gone through, and why: it does not exist
 * (`does not exist`), it is a link to nothing, or it is a file where a folder must be.
 */
function whereMissing(file: string): { part: string; what: string } | undefined {
  const parts = path.resolve(file).split(path.sep);
  for (let i = 2; i <= parts.length; i++) {
    const p = parts.slice(0, i).join(path.sep);
    let st;
    try {
      st = statSync(p);
    } catch {
      const target = danglingTarget(p);
      return { part: p, what: target !== undefined ? `is a symbolic link to ${target}, which does not exist` : 'does not exist' };
    }
    if (i < parts.length && !st.isDirectory()) return { part: p, what: 'is a file, not a folder' };
  }
  return undefined;
}

/** Where `file` points when it is a symbolic link to nothing. */
export function danglingTarget(file: string): string | undefined {
  try {
    if (!lstatSync(file).isSymbolicLink()) return undefined;
    try {
      statSync(file);
      return undefined;
    } catch {
      return readlinkSync(file);
    }
  } catch {
    return undefined;
  }
}

/**
 * Why `p` is not a `want` (a file or a folder) one can use, as words to follow the path
 * ("is a folder, not a file", "does not exist", "is a symbolic link to /mnt/x, which does
 * not exist", "cannot be reached: /data is a file, not a folder"), or undefined when it is one.
 */
export function notA(p: string, want: 'file' | 'folder', lookedAgain = false): string | undefined {
  let st;
  try {
    st = statSync(p);
  } catch (err) {
    const at = whereMissing(p);
    if (at) return at.part === path.resolve(p) ? at.what : `cannot be reached: ${at.part} ${at.what}`;
    // Missing a moment ago, there now: another process (a second run on the same folders)
    // made it between the two looks. Look once more rather than call it unreadable.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !lookedAgain) return notA(p, want, true);
    const problem = pathProblem(Object.assign(err as Error, { path: p }));
    return problem ? `cannot be read: ${problem.message}` : `cannot be read (${(err as Error).message})`;
  }
  if (want === 'file' && st.isDirectory()) return 'is a folder, not a file';
  if (want === 'file' && !st.isFile()) return 'is not a regular file';
  if (want === 'folder' && !st.isDirectory()) return 'is a file, not a folder';
  return undefined;
}

/**
 * `err` with `file` as its path when it is a file system error that names none: Node's
 * `readSync` of a folder fails with an EISDIR (an EIO ...) without the path it read, so the
 * message said "a path is a folder". Returns `err` for the caller to throw.
 */
export function naming(err: unknown, file: string): unknown {
  const e = err as FsError;
  if (err instanceof Error && typeof e.code === 'string' && typeof e.path !== 'string' && typeof e.file !== 'string') e.path = file;
  return err;
}
