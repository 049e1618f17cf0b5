/**
 * A project is a folder with a pipeline.yaml. Commands find it as git finds a repository:
 * the nearest folder, from the current one upward, that has a pipeline.yaml. The cache, the
 * lock file and the default outputs live in the project's folder. Where there is no project
 * at all, the pipeline bundled with sfh-pipeline runs with the current folder as its
 * project folder: its state lands there, never in the package (which a global install does
 * not let its user write, and a reinstall would wipe).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { BUNDLED_PIPELINE } from '../package.ts';

/** The pipeline file's name in a project folder. */
export const PIPELINE_FILE = 'pipeline.yaml';

/** The nearest `pipeline.yaml` from `cwd` upward, or undefined outside any project. */
export function findProjectPipeline(cwd: string = process.cwd()): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, PIPELINE_FILE);
    if (isFile(file)) return file;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The pipeline file a command uses: `--pipeline FILE`, else the project's, else the bundled one. */
export function findPipeline(option: string | undefined, cwd: string = process.cwd()): string {
  if (option) return path.resolve(cwd, option);
  return findProjectPipeline(cwd) ?? BUNDLED_PIPELINE;
}

/**
 * The project folder of a pipeline file: the folder the file is in, except for the bundled
 * pipeline where it is not the project found from `cwd` (a developer's clone is a project
 * like any other): then the current folder.
 */
export function projectRoot(file: string, cwd: string = process.cwd()): string {
  const abs = path.resolve(cwd, file);
  if (abs === BUNDLED_PIPELINE && findProjectPipeline(cwd) !== abs) return path.resolve(cwd);
  return path.dirname(abs);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** True when `file` lies inside folder `dir` (or is it). */
export function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

