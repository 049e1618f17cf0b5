/**
 * `sfh-pipeline clean`: removes what runs made in this project, the cache folder and the
 * outputs the lock file lists, with a dry run by default (as `git clean -n`). Only files
 * inside the project folder are ever removed; the lock file, pipeline.yaml and the inputs
 * are kept.
 *
 * The lock file is text anyone can edit (a merge, a copy from another project, a hand
 * fix), so what it lists is not trusted to be the runs' own files: an output is removed
 * only when it is a file (or a link) whose real folder is inside the project, and never when
 * it is the pipeline, the lock, an input or stage code the lock records; a cache folder only
 * when it holds nothing but a cache's own entries. Anything else is listed as kept, with why.
 */
import { existsSync, lstatSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { isTempName } from '../cache/atomic.ts';
import { UserError } from '../errors.ts';
import { isInside, projectRoot } from '../pipeline/project.ts';
import { lockDir, readLock } from '../provenance/lock.ts';
import { fromLockPath } from '../provenance/paths.ts';
import type { Lock } from '../provenance/types.ts';
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

/** What a cache folder holds at its top (src/cache/store.ts, maintain.ts, runs.ts, the pipeline memos, the stat memo). */
const CACHE_ENTRIES = new Set(['objects', 'records', 'latest', 'runs', 'stat', 'pipelines', 'verified-records.txt']);

/** Lists (or, with --force, removes) the project's cache and outputs; resolves with the exit status. */
export function commandClean(v: CleanValues): number {
  if (v['cache-only'] && v['outputs-only']) throw new UserError('usage', '--cache-only and --outputs-only both given', 'give one of them, or neither to clean both');
  const file = pipelineFile(v.pipeline);
  const root = projectRoot(file);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const shown = (f: string) => path.relative(process.cwd(), f) || f;
  const remove: string[] = [];
  const kept: string[] = [];
  /** Entries kept for a reason other than lying outside the project: each named with why. */
  const refused: string[] = [];
  let bytes = 0;
  if (!v['outputs-only']) {
    const cache = cacheDirOf(file, v.cache);
    if (existsSync(cache)) {
      const foreign = notCache(cache);
      if (foreign) refused.push(`kept ${shown(cache)}: ${foreign}, so it is not only a cache (remove it yourself if it is one)`);
      else if (isInside(cache, root) || v.cache) {
        remove.push(cache);
        bytes += sizeOf(cache);
      } else kept.push(cache);
    }
  }
  if (!v['cache-only']) {
    const lockFile = path.resolve(v.lock ?? path.join(root, 'sfh-pipeline.lock'));
    if (existsSync(lockFile)) {
      const lock = readLock(lockFile);
      const dir = lockDir(lockFile);
      const protect = protectedFiles(lock, dir, [file, lockFile, `${lockFile}.mutex`]);
      const realRoot = realOf(root);
      for (const name of Object.keys(lock.outputs)) {
        const output = fromLockPath(dir, name);
        let st;
        try {
          st = lstatSync(output);
        } catch {
          continue;
        }
        // (where the file really is: a folder on its path may be a link out of the project)
        const real = path.join(realOf(path.dirname(output)), path.basename(output));
        if (!isInside(output, root) || !isInside(real, realRoot)) kept.push(output);
        else if (st.isDirectory()) refused.push(`kept ${shown(output)}: the lock lists it as an output, but it is a folder (a run writes files)`);
        else if (output === root || protect.has(output) || protect.has(real)) refused.push(`kept ${shown(output)}: the lock lists it as an output, but it is ${describeProtected(output, file, lockFile)}`);
        else {
          remove.push(output);
          bytes += st.isFile() ? st.size : 0;
        }
      }
    }
  }
  if (remove.length === 0) out(`nothing to clean in ${root}`);
  for (const f of remove) {
    if (v.force) rmSync(f, { recursive: true, force: true });
    out(`${v.force ? 'removed ' : 'would remove '}${shown(f)}`);
  }
  for (const line of refused) out(line);
  if (kept.length) out(`kept ${kept.length} outside the project folder ${root} (not this project's to remove): ${kept.slice(0, 5).map(shown).join(', ')}${kept.length > 5 ? ', ...' : ''}`);
  if (remove.length && !v.force) out(`${(bytes / 1048576).toFixed(1)} MiB in ${remove.length} ${remove.length === 1 ? 'entry' : 'entries'}; \`sfh-pipeline clean --force\` removes them (the lock file stays: \`verify\` recomputes what it lists)`);
  return 0;
}

/** Why a folder is not only a cache (entries a cache never makes at its top), or undefined. */
function notCache(dir: string): string | undefined {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return 'it is not a folder';
    names = readdirSync(dir);
  } catch (err) {
    return `it cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  const other = names.filter((n) => !CACHE_ENTRIES.has(n) && !isTempName(n));
  if (other.length === 0) return undefined;
  return `it holds ${other.slice(0, 3).join(', ')}${other.length > 3 ? ` and ${other.length - 3} more` : ''}, which a cache never does`;
}

/** The files the lock records as read (inputs, stage code) and the project's own files: never removed as outputs. */
function protectedFiles(lock: Lock, dir: string, own: readonly string[]): Set<string> {
  const files = new Set<string>(own.map((f) => path.resolve(f)));
  for (const inst of Object.values(lock.instances)) for (const f of Object.keys(inst.inputs ?? {})) files.add(fromLockPath(dir, f));
  for (const code of Object.values(lock.code)) for (const f of Object.keys(code.files ?? {})) files.add(fromLockPath(dir, f));
  for (const f of [...files]) files.add(realOf(f));
  return files;
}

function describeProtected(output: string, pipeline: string, lockFile: string): string {
  if (output === path.resolve(pipeline)) return 'the pipeline file';
  if (output === lockFile || output === `${lockFile}.mutex`) return 'the lock file itself';
  if (isInside(lockFile, output)) return 'the project folder';
  return 'an input or stage code that the lock records as read (a hand-edited or merged lock?)';
}

/** `file` with its links resolved, as far as it exists. */
function realOf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
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
