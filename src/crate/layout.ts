/**
 * Where a crate's root is and which files are in it. Written in place, the crate is the
 * project folder (the lock's folder) with `ro-crate-metadata.json` added: every file under
 * it is in the crate as it is, and a file outside it (the data, `../data/...`) is
 * referenced by a local `#` id. Zipped, the archive holds the files it copies (the
 * pipeline, the lock, the project's own stage code, and the outputs and inputs when asked
 * for), and its root is the deepest folder holding them all: `../data/x.fits` of the lock
 * is then `data/x.fits` beside `paper/`, so a referee who unzips it finds every file at the
 * place the lock names, and `sfh-pipeline verify` runs in `paper/` as it is.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fromLockPath, toLockPath } from '../provenance/paths.ts';
import { localId, pathId } from './ids.ts';

/** `child` is `dir` or inside it. */
export function isInside(dir: string, child: string): boolean {
  const rel = path.relative(dir, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The deepest folder holding every one of `files` (folders) and `dirs`. */
export function commonDir(dirs: readonly string[], files: readonly string[]): string {
  const all = [...dirs, ...files.map((f) => path.dirname(f))].map((d) => path.resolve(d));
  let common = all[0] ?? path.sep;
  for (const d of all) while (!isInside(common, d)) common = path.dirname(common);
  return common;
}

/** The crate's root and how it names the project's files. */
export class CrateLayout {
  /** The ids of the crate's data entities (files and folders it holds). */
  readonly inCrate = new Set<string>();
  readonly root: string;

  /**
   * `project` is the lock's folder; `copied`, the files a zip holds (absolute), or
   * undefined for a crate written in place.
   */
  constructor(
    readonly project: string,
    readonly copied: ReadonlySet<string> | undefined,
  ) {
    this.root = copied ? commonDir([project], [...copied]) : project;
  }

  /** Whether `abs` (a file, or with `dir` a folder) is held by the crate. */
  holds(abs: string, dir = false): boolean {
    if (!this.copied) return isInside(this.root, abs) && existsSync(abs) && statSync(abs).isDirectory() === dir;
    if (!dir) return this.copied.has(abs);
    for (const f of this.copied) if (isInside(abs, f)) return true;
    return false;
  }

  /** The `@id` of a lock path: relative to the root when the crate holds it, else `#` and the lock path. */
  idOf(lockPath: string, dir = false): string {
    const abs = fromLockPath(this.project, lockPath);
    if (!this.holds(abs, dir)) return localId(lockPath, dir);
    const id = pathId(toLockPath(this.root, abs), dir);
    this.inCrate.add(id);
    return id;
  }

  /** A file's name in the zip: its path under the root, `/`-separated. */
  entryName(abs: string): string {
    return toLockPath(this.root, abs);
  }
}
