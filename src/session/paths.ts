/**
 * The places a run writes, checked before anything runs: the cache folder (--cache), the
 * results folder (--out) and the lock file (--lock) must be a folder (or a file) one can
 * write, so that a run is not stopped after hours by a bare "ENOTDIR" or "EACCES", nor its
 * last step, the lock, lost. Each problem names the option, the path, what is wrong with
 * it and what to do; the command exits with status 2, as for any option it cannot use.
 */
import { mkdirSync, realpathSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempNameFor } from '../cache/atomic.ts';
import { UserError } from '../errors.ts';
import { danglingTarget, notA, pathProblem } from '../path-errors.ts';

/** A folder the run writes into: made if missing; refused, naming `role`, if it is not a folder or cannot be written. */
export function checkWritableFolder(dir: string, role: string, other = role.startsWith('--') ? `another ${role}` : 'another folder'): void {
  const dangling = danglingTarget(dir);
  if (dangling !== undefined) throw new UserError('usage', `${role} ${dir} is a symbolic link to ${dangling}, which does not exist`, 'point the link at an existing folder (a disk not mounted?), or give another folder');
  const not = notA(dir, 'folder');
  if (not && not !== 'does not exist' && !not.endsWith(' does not exist')) throw new UserError('usage', `${role} ${dir} ${not}`, `give a folder (it is made if missing)${not.startsWith('is a file') ? ', or move the file away' : ''}`);
  try {
    try {
      mkdirSync(dir, { recursive: true });
    } catch {
      // (once more: a second run making the same folders at the same moment can make the
      // first attempt fail; a real problem fails the same way again)
      mkdirSync(dir, { recursive: true });
    }
  } catch (recursiveErr) {
    const err = trueMkdirError(dir, recursiveErr);
    const p = pathProblem(err);
    if (!p) throw err;
    throw new UserError('usage', `${role} ${dir} cannot be made: ${p.message}`, `${p.hint}; or give ${other}`);
  }
  // Whether files can be made in it: a read-only disk, a folder of another user's, a full disk.
  const probe = tempNameFor(path.join(dir, 'probe'));
  try {
    writeFileSync(probe, '', { flag: 'wx' });
  } catch (err) {
    const p = pathProblem(err);
    if (!p) throw err;
    const why = { 'permission-denied': 'permission denied', 'read-only': 'the file system is read-only', 'disk-full': 'no space left on the device' }[p.reason as string] ?? p.message;
    throw new UserError('usage', `${role} ${dir}: files cannot be written in it: ${why} (${String((err as NodeJS.ErrnoException).code)})`, `${p.reason === 'permission-denied' ? 'make it writable for you (chmod u+rwx)' : p.hint}; or give ${other}`);
  } finally {
    rmSync(probe, { force: true });
  }
}

/**
 * Why `dir` could not be made: a recursive mkdir reports ENOENT on a read-only file system
 * (or under a folder one cannot write), which reads as "does not exist" for the very folder
 * it was asked to make; making the first missing folder alone gives the real code (EROFS,
 * EACCES).
 */
function trueMkdirError(dir: string, err: unknown): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return err;
  let first = path.resolve(dir);
  while (path.dirname(first) !== first && notA(path.dirname(first), 'folder') !== undefined) first = path.dirname(first);
  if (notA(path.dirname(first), 'folder') !== undefined) return err;
  try {
    mkdirSync(first);
  } catch (real) {
    return real;
  }
  // Only the empty folder just made, never recursively: a second run on the same folders
  // may already be writing into it (rmdir then fails, and the folder stays: it is wanted).
  try {
    rmdirSync(first);
  } catch {
    // (not empty: someone else's now)
  }
  return err;
}

/** The lock file the run will merge its outputs into: a file (or nothing yet) in a folder it can write. */
export function checkLockFile(file: string, role: string): void {
  const dangling = danglingTarget(file);
  if (dangling !== undefined) throw new UserError('usage', `${role} ${file} is a symbolic link to ${dangling}, which does not exist`, 'point the link at the lock file, or give another path');
  const not = notA(file, 'file');
  if (not && not !== 'does not exist' && !not.endsWith(' does not exist')) throw new UserError('usage', `${role} ${file} ${not}`, 'give the path of a file (it is made if missing), e.g. sfh-pipeline.lock');
  // (the lock is written to a temporary name in its folder, then renamed over it)
  checkWritableFolder(path.dirname(file), `${role} ${file}: its folder`, role.startsWith('--') ? `another ${role}` : 'another --lock');
}

/**
 * The results folder apart from the cache and the inputs: results written inside the cache
 * could be taken for cache files (and removed by `cache gc`, `clean`), and results written
 * into the folder of the cubes or the pPXF outputs can overwrite an input (`--set
 * name={id}_{sn}.fits` is the pPXF output's own name), which then fails or, worse, changes
 * every later run. Compared by real path, so a link or `..` does not hide it.
 */
export function checkResultsApart(out: string, outRole: string, cache: string, inputs: readonly (readonly [role: string, dir: string])[]): void {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const o = real(out);
  const c = real(cache);
  if (o === c || o.startsWith(c + path.sep)) {
    throw new UserError('usage', `${outRole} ${out} is inside the cache folder ${cache}`, 'results in the cache could be removed with it (cache gc, clean, deleting cache/ is always safe): give a results folder outside it');
  }
  for (const [role, dir] of inputs) {
    if (dir !== '' && o === real(dir)) throw new UserError('usage', `${outRole} ${out} is the folder of the inputs (${role} ${dir})`, 'a result written there can overwrite an input: give a results folder of its own (e.g. out/GroupMap)');
  }
}
