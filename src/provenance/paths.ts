/**
 * Paths as the lock file stores them: relative to the lock file's folder (the project
 * folder), with `/` separators, inputs outside it too (`../data/cube.fits`). A clone of the
 * project elsewhere, with its data at the same relative place, then reads the same lock.
 */
import path from 'node:path';
import type { Pipeline } from '../pipeline/types.ts';
import type { ParamValue } from '../stage.ts';

/** `file` (absolute) relative to `dir`, with `/` separators; `.` for `dir` itself. */
export function toLockPath(dir: string, file: string): string {
  return path.relative(dir, file).split(path.sep).join('/') || '.';
}

/** The absolute path of a path the lock stores (an old lock's absolute paths pass through). */
export function fromLockPath(dir: string, stored: string): string {
  return path.resolve(dir, stored);
}

/**
 * Parameter values as the lock stores them: a `path` parameter relative to `dir` (an empty
 * path, such as `ngist` unset, stays empty); every other value as it is.
 */
export function lockParams(pipeline: Pipeline, dir: string, params: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const name of Object.keys(params).sort()) {
    const value = params[name] as ParamValue;
    out[name] = isPathParam(pipeline, name) && typeof value === 'string' && value !== '' && path.isAbsolute(value) ? toLockPath(dir, value) : value;
  }
  return out;
}

/** The values of a lock's parameters as a plan takes them: `path` parameters absolute again. */
export function planParams(pipeline: Pipeline, dir: string, params: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(params)) {
    out[name] = isPathParam(pipeline, name) && typeof value === 'string' && value !== '' ? fromLockPath(dir, value) : value;
  }
  return out;
}

function isPathParam(pipeline: Pipeline, name: string): boolean {
  return pipeline.params.get(name)?.type === 'path';
}
