/**
 * `sfh-pipeline clean`: removes what runs made in this project, the cache folder and the
 * outputs the lock file lists, with a dry run by default (as `git clean -n`). Only files
 * inside the project folder are ever removed; the lock file, pipeline.yaml and the inputs
 * are kept.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { isInside, projectRoot } from '../pipeline/project.ts';
import { lockDir, readLock } from '../provenance/lock.ts';
import { fromLockPath } from '../provenance/paths.ts';
import { cacheDirOf, pipelineFile } from '../session/request.ts';

/** Options of `clean`. */
export interface CleanValues {
  pipeline?: string;
  cache?: string;
  lock?: string;
  force?: boolean;
  'cache-only'?: boolean;
  'outputs-only'?: boolean;
}

/** Lists (or, with --force, removes) the project's cache and outputs; resolves with the exit status. */
export function commandClean(v: CleanValues): number {
  if (v['cache-only'] && v['outputs-only']) throw new UserError('usage', '--cache-only and --outputs-only both given', 'give one of them, or neither to clean both');
  const file = pipelineFile(v.pipeline);
  const root = projectRoot(file);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const shown = (f: string) => path.relative(process.cwd(), f) || f;
  const remove: string[] = [];
  const kept: string[] = [];
  let bytes = 0;
  if (!v['outputs-only']) {
    const cache = cacheDirOf(file, v.cache);
    if (existsSync(cache)) {
      if (isInside(cache, root) || v.cache) {
        remove.push(cache);
        bytes += sizeOf(cache);
      } else kept.push(cache);
    }
  }
  if (!v['cache-only']) {
    const lockFile = path.resolve(v.lock ?? path.join(root, 'sfh-pipeline.lock'));
    if (existsSync(lockFile)) {
      for (const name of Object.keys(readLock(lockFile).outputs)) {
        const output = fromLockPath(lockDir(lockFile), name);
        if (!existsSync(output)) continue;
        if (isInside(output, root)) {
          remove.push(output);
          bytes += sizeOf(output);
        } else kept.push(output);
      }
    }
  }
  if (remove.length === 0) out(`nothing to clean in ${root}`);
  for (const f of remove) {
    if (v.force) rmSync(f, { recursive: true, force: true });
    out(`${v.force ? 'removed ' : 'would remove '}${shown(f)}`);
  }
  if (kept.length) out(`kept ${kept.length} outside the project folder ${root} (not this project's to remove): ${kept.slice(0, 5).map(shown).join(', ')}${kept.length > 5 ? ', ...' : ''}`);
  if (remove.length && !v.force) out(`${(bytes / 1048576).toFixed(1)} MiB in ${remove.length} ${remove.length === 1 ? 'entry' : 'entries'}; \`sfh-pipeline clean --force\` removes them (the lock file stays: \`verify\` recomputes what it lists)`);
  return 0;
}

function sizeOf(file: string): number {
  try {
    const st = statSync(file);
    if (!st.isDirectory()) return st.size;
    return readdirSync(file).reduce((sum, name) => sum + sizeOf(path.join(file, name)), 0);
  } catch {
    return 0;
  }
}
