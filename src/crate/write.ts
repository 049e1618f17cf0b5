/**
 * `sfh-pipeline crate`: a Workflow Run RO-Crate of a project's last run (or of everything
 * its lock file records), written in place as `ro-crate-metadata.json` in the project
 * folder, or as a `.crate.zip` with the outputs (and the inputs) in it. Every file it names
 * is checked first: a result must have the sha256 the lock recorded (a crate never
 * describes a file the run did not write), an input the sha256 the run read (or it is
 * named with a warning and no size). Every problem is reported at once, and nothing is
 * written while there is one. Hashes come through the project's stat cache, so a catalog's
 * unchanged cubes are not read again.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../cache/atomic.ts';
import { ABSENT, FileHasher } from '../cache/file-hash.ts';
import { lastRun } from '../cache/runs.ts';
import { UserError } from '../errors.ts';
import { PACKAGE_ROOT, VERSION } from '../package.ts';
import { loadPipeline } from '../pipeline/load.ts';
import { findPipeline, projectRoot } from '../pipeline/project.ts';
import { lockDir, lockPath, readLock, type Lock } from '../provenance/lock.ts';
import { fromLockPath, toLockPath } from '../provenance/paths.ts';
import { cacheDirOf, pipelineFile } from '../session/request.ts';
import { collectCode, crateText, type CrateRequest, type Gathered } from './parts.ts';
import { isInside } from './layout.ts';
import { lockScope, runScope, type CrateScope } from './scope.ts';
import { ZipWriter } from './zip.ts';
import type { CrateFile } from './graph.ts';

export type { CrateRequest } from './parts.ts';

/** What was written. */
export interface CrateWritten {
  readonly file: string;
  readonly results: number;
  readonly inputs: number;
  readonly errors: number;
  readonly entities: number;
  /** Size of `ro-crate-metadata.json`, and of the zip when one was written. */
  readonly metadataBytes: number;
  readonly zipBytes?: number;
  readonly warnings: readonly string[];
}

/** Writes the crate; resolves with what it wrote. Problems are thrown as one {@link UserError}. */
export async function writeCrate(req: CrateRequest): Promise<CrateWritten> {
  const { pipelinePath, lockFile } = whichFiles(req);
  const pipeline = loadPipeline(pipelinePath);
  const lock = readLock(lockFile);
  const project = lockDir(lockFile);
  const lockedPipeline = lock.pipeline.file ? fromLockPath(project, lock.pipeline.file) : undefined;
  if (lockedPipeline && path.resolve(lockedPipeline) !== pipeline.file) throw new UserError('bad-input', `the lock ${lockFile} was written for ${lockedPipeline}, not ${pipeline.file}`, 'pass the pipeline the lock names (--pipeline), or --lock alone');
  if (lock.pipeline.sha256 && lock.pipeline.sha256 !== pipeline.hash) throw new UserError('bad-input', `${pipeline.file} changed since the lock was written: the crate would show another pipeline than the one that ran`, 'restore it (git checkout), or run the pipeline again (a cached rerun takes seconds and updates the lock)');
  const cache = cacheDirOf(pipeline.file, req.cache);
  const scope = scopeOf(req, lock, lockFile, project, cache);
  const hasher = new FileHasher(path.join(cache, 'stat'));
  const problems = [...scope.problems];
  const warnings: string[] = [];

  // The results must be the files the run wrote; the inputs, those it read.
  const results: (CrateFile & { stage: string; abs: string; mtime: number })[] = [];
  for (const [lockPath, r] of scope.results) {
    const abs = fromLockPath(project, lockPath);
    const now = hasher.hash(abs);
    if (now === ABSENT) problems.push(`${lockPath} is missing`);
    else if (now !== r.sha256) problems.push(`${lockPath} has sha256 ${now.slice(0, 12)}, not the ${r.sha256.slice(0, 12)} the run wrote`);
    else {
      const st = statSync(abs);
      results.push({ id: '', lockPath, sha256: r.sha256, size: st.size, stage: r.stage, abs, mtime: st.mtimeMs });
    }
  }
  const inputs: (CrateFile & { abs: string })[] = [];
  for (const [lockPath, sha256] of scope.inputs) {
    const abs = fromLockPath(project, lockPath);
    const now = hasher.hash(abs);
    if (now === sha256) inputs.push({ id: '', lockPath, sha256, size: statSync(abs).size, abs });
    else {
      const why = now === ABSENT ? 'is not where the run read it' : `has changed since the run read it (sha256 ${now.slice(0, 12)} now, ${sha256.slice(0, 12)} then)`;
      if (req.withInputs) problems.push(`input ${lockPath} ${why}`);
      else warnings.push(`input ${lockPath} ${why}: the crate gives the sha256 the run read, and no size`);
      inputs.push({ id: '', lockPath, sha256, abs, note: `${why} when the crate was made; sha256 as the run read it` });
    }
  }
  if (problems.length) {
    const shown = problems.slice(0, 20).map((p) => `\n  ${p}`).join('');
    throw new UserError('bad-input', `the crate would not describe the ${scope.of === 'run' ? 'run' : 'lock'} as it was (${problems.length} problem${problems.length === 1 ? '' : 's'}):${shown}${problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : ''}`, 'run the pipeline again to rewrite what changed (`sfh-pipeline verify` tells what differs), or restore the files; then make the crate');
  }

  const code = collectCode(pipeline, project);
  const zipMode = req.zip !== undefined || req.withOutputs || req.withInputs;
  const zipFile = path.resolve(req.zip ?? path.join(project, `${path.basename(project)}.crate.zip`));
  const copied = zipMode ? new Set([pipeline.file, lockFile, ...code, ...(req.withOutputs ? results.map((r) => r.abs) : []), ...(req.withInputs ? inputs.map((i) => i.abs) : [])]) : undefined;
  if (!zipMode && !isInside(project, pipeline.file)) throw new UserError('usage', `the pipeline ${pipeline.file} is outside the project folder ${project}, so a crate written there cannot hold it`, 'write a zip instead (--zip FILE, or --with-outputs): it holds a copy');
  const gathered: Gathered = { req, pipeline, lock, lockFile, project, scope, results, inputs, code, copied, software: softwareOf(), end: endOf(scope, results) };
  const { text, layout, entities } = crateText(gathered);
  if (!zipMode) {
    const file = path.join(project, 'ro-crate-metadata.json');
    writeFileAtomic(file, text);
    return { file, results: results.length, inputs: inputs.length, errors: scope.errors.length, entities, metadataBytes: Buffer.byteLength(text), warnings };
  }
  const zip = new ZipWriter(zipFile);
  try {
    await zip.addData(layout.entryName(path.join(layout.root, 'ro-crate-metadata.json')), Buffer.from(text), new Date());
    for (const abs of [...(copied ?? [])].sort()) {
      const st = statSync(abs);
      await zip.addFile(layout.entryName(abs), abs, st.size, st.mtime, worthCompressing(abs, st.size));
    }
    zip.close();
  } catch (err) {
    zip.abort();
    throw err;
  }
  return { file: zipFile, results: results.length, inputs: inputs.length, errors: scope.errors.length, entities, metadataBytes: Buffer.byteLength(text), zipBytes: statSync(zipFile).size, warnings };
}

/** The pipeline and the lock: as `verify` finds them (a lock given alone names its pipeline). */
function whichFiles(req: CrateRequest): { pipelinePath: string; lockFile: string } {
  if (req.lock !== undefined && req.pipeline === undefined) {
    const lockFile = path.resolve(req.lock);
    const named = readLock(lockFile).pipeline.file;
    return { pipelinePath: named ? fromLockPath(lockDir(lockFile), named) : pipelineFile(undefined), lockFile };
  }
  const pipelinePath = pipelineFile(req.pipeline);
  return { pipelinePath, lockFile: lockPath(loadPipeline(pipelinePath), req.lock) };
}

function scopeOf(req: CrateRequest, lock: Lock, lockFile: string, project: string, cache: string): CrateScope {
  if (req.of === 'lock') return lockScope(lock, createHash('sha256').update(readFileSync(lockFile)).digest('hex'));
  const record = lastRun(path.join(cache, 'runs'));
  if (!record) throw new UserError('missing-input', `no run is recorded in ${path.join(cache, 'runs')}`, 'run the pipeline first, pass the --cache of the run, or use --of lock for what the lock file records');
  // The run must have written this lock: its own --lock, else the one next to its pipeline.
  const args = record.header.args;
  const at = (p: unknown) => path.resolve(record.header.cwd, String(p));
  // (the pipeline as `run` chose it from its folder: --pipeline, else the nearest pipeline.yaml
  // upward, else the bundled one, whose project folder was the run's own)
  const runPipeline = args['pipeline'] !== undefined ? at(args['pipeline']) : findPipeline(undefined, record.header.cwd);
  const runLock = args['lock'] !== undefined ? at(args['lock']) : path.join(projectRoot(runPipeline, record.header.cwd), 'sfh-pipeline.lock');
  if (path.resolve(runLock) !== path.resolve(lockFile)) throw new UserError('bad-input', `the last run (${path.basename(record.file)}) wrote ${runLock}, not ${lockFile}`, `pass --lock ${toLockPath(process.cwd(), runLock)}, or use --of lock`);
  return runScope(lock, record, project);
}

/** sfh-pipeline as the crate names it: its web page (package.json's homepage or repository) when it has one. */
function softwareOf(): Gathered['software'] {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { homepage?: string; repository?: string | { url?: string }; description?: string };
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const url = [pkg.homepage, repo?.replace(/^git\+/, '').replace(/\.git$/, '')].find((u) => u && /^https?:\/\//.test(u));
  return { id: url ?? '#sfh-pipeline', version: VERSION, ...(url ? { url } : {}), ...(pkg.description ? { description: pkg.description } : {}) };
}

/** When the action ended: the run's end, or (for a lock) when its newest result was written. */
function endOf(scope: CrateScope, results: readonly { mtime: number }[]): string {
  if (scope.ended) return scope.ended;
  const newest = Math.max(...results.map((r) => r.mtime));
  return new Date(Number.isFinite(newest) ? newest : Date.now()).toISOString();
}

/** FITS and tables shrink; pictures, archives and multi-GB cubes (1.1x at best, at a tenth of the speed) are stored. */
function worthCompressing(file: string, size: number): boolean {
  return size < 256 * 1024 * 1024 && !/\.(png|jpe?g|gz|fz|zip|bz2|xz)$/i.test(file);
}

