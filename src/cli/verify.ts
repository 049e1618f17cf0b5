/**
 * `sfh-pipeline verify`: recompute every output listed in the lock file without the cache,
 * into a temporary folder, and compare content hashes. Exit 0 when all match. This is how
 * a paper's numbers are shown to be reproducible bit for bit. The work is planned from the
 * lock (src/provenance/plans.ts): a catalog run is one plan, run as a run is, on every core.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileHasher } from '../cache/file-hash.ts';
import { describeFitsChange } from '../fits/index.ts';
import { UserError } from '../errors.ts';
import type { ParamValue, RunInfo } from '../stage.ts';
import { EngineEmitter } from '../engine/events.ts';
import { execute } from '../engine/execute.ts';
import { restrictPlan } from '../pipeline/analyse.ts';
import { loadPipeline } from '../pipeline/load.ts';
import { fromLockPath } from '../provenance/paths.ts';
import { lockDir, lockPath, readLock } from '../provenance/lock.ts';
import { verifyPlans, type Checked, type VerifyPlan } from '../provenance/plans.ts';
import { VERSION } from '../package.ts';
import { preparePlan } from '../session/prepare.ts';
import { pipelineFile } from '../session/request.ts';

/** Verifies the lock file; resolves with the exit status. */
export async function commandVerify(v: { pipeline?: string; lock?: string; jobs?: string }): Promise<number> {
  const jobs = v.jobs === undefined ? os.availableParallelism() : Number(v.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UserError('usage', `--jobs ${v.jobs}: expected a whole number >= 1`);
  const { pipelinePath, file } = whichFiles(v);
  const pipeline = loadPipeline(pipelinePath);
  const lock = readLock(file);
  if (lock.pipeline.sha256 !== pipeline.hash) process.stderr.write(`note: ${pipeline.file} changed since the lock was written; verifying with the current one\n`);
  const { plans, unplanned } = verifyPlans(lock, lockDir(file), pipeline);
  for (const u of unplanned) process.stdout.write(`skipped  ${u.stored}: ${u.why}\n`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'sfh-verify-'));
  const hasher = new FileHasher(undefined);
  let differ = 0;
  let checked = 0;
  try {
    for (const [i, plan] of plans.entries()) {
      const outDir = String(plan.params['out']);
      // The recomputed folder has the original's name: the report shows it.
      const out = path.join(scratch, String(i), path.basename(outDir));
      const redone = await recompute(plan, out, pipelinePath, jobs, { version: VERSION, pipelineHash: pipeline.hash });
      for (const c of plan.outputs) {
        checked++;
        if (!report(c, path.join(out, path.relative(outDir, c.file)), redone, hasher)) differ++;
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  process.stdout.write(`${checked - differ} of ${checked} outputs reproduced bit for bit\n`);
  return differ === 0 ? 0 : 1;
}

/**
 * The pipeline and the lock: --pipeline and --lock when given; a lock given alone names its
 * pipeline file (relative to it, so a moved project still finds its own); else the
 * pipeline the other commands use and the lock next to it.
 */
function whichFiles(v: { pipeline?: string; lock?: string }): { pipelinePath: string; file: string } {
  if (v.lock !== undefined && v.pipeline === undefined) {
    const file = path.resolve(v.lock);
    let recorded: string | undefined;
    try {
      const p = readLock(file).pipeline.file;
      recorded = p ? fromLockPath(lockDir(file), p) : undefined;
    } catch {
      // readLock says what is wrong below
    }
    return { pipelinePath: recorded && existsSync(recorded) ? recorded : pipelineFile(undefined), file };
  }
  const pipelinePath = pipelineFile(v.pipeline);
  return { pipelinePath, file: lockPath(loadPipeline(pipelinePath), v.lock) };
}

/** What a plan recomputed: the files its instances wrote, and why each stage of each galaxy did not run, if it did not. */
interface Redone {
  readonly wrote: Set<string>;
  readonly problems: Map<string, string>;
  /** How many files of its output folder each catalog-level instance read, by stage. */
  readonly folderReads: Map<string, number>;
}

/** Runs one plan into `out` (with the outputs it does not recompute copied there first). */
async function recompute(plan: VerifyPlan, out: string, pipelinePath: string, jobs: number, run: RunInfo): Promise<Redone> {
  mkdirSync(out, { recursive: true });
  for (const file of plan.seed) if (existsSync(file)) copyFileSync(file, path.join(out, path.basename(file)));
  const set = Object.entries(plan.params)
    .filter(([name]) => name !== 'out')
    .map(([name, value]) => `${name}=${value}`);
  set.push(`out=${out}`);
  for (const [name, values] of Object.entries(plan.sweep)) set.push(`${name}=${values.map(String).join(',')}`);
  const prepared = await preparePlan({ pipeline: pipelinePath, galaxy: plan.galaxies.join(','), set }, process.stderr);
  // A galaxy's outputs need no catalog-level stage; a catalog-level output needs them all.
  const p = plan.catalog ? prepared.plan : restrictPlan(prepared.plan, () => true);
  const runs = new Map<string, RunInfo>([...plan.runs].map(([id, r]) => [id, { ...run, ...r }]));
  const redone: Redone = { wrote: new Set(), problems: new Map(), folderReads: new Map() };
  const events = new EngineEmitter();
  events.on('instance-end', (r) => {
    const where = `${r.instance.stage.name} ${r.instance.row.id} ${pointOf(r.instance.point)}`;
    if (r.status === 'ran') for (const f of r.files) redone.wrote.add(f);
    else redone.problems.set(where, r.failure?.message ?? (r.skipReason ? `skipped: ${r.skipReason}` : r.status));
    if (r.instance.scope === 'catalog' && r.fields) redone.folderReads.set(r.instance.stage.name, Object.keys(r.fields.inputs).filter((f) => path.dirname(f) === out).length);
  });
  await execute(p, { jobs, failFast: false, hasher: new FileHasher(undefined), run, runs }, events);
  return redone;
}

/** Prints one output's verdict; true when it was reproduced and the file on disk is the locked one. */
function report(c: Checked, redoneFile: string, redone: Redone, hasher: FileHasher): boolean {
  const made = redone.wrote.has(redoneFile);
  const hash = made ? hasher.hash(redoneFile) : undefined;
  const onDisk = hasher.hash(c.file);
  let ok = true;
  // For FITS outputs, the data sums tell a changed result from a changed header.
  const change = (from: string, to: string | undefined): string => ((d) => (d ? `; ${d}` : ''))(to && describeFitsChange(from, to));
  if (hash === c.sha256) process.stdout.write(`ok       ${c.stored}\n`);
  else {
    ok = false;
    const changed = Object.entries(c.inputs).filter(([f, h]) => hasher.hash(f) !== h).map(([f]) => path.basename(f));
    const reads = c.inst.reads && redone.folderReads.get(c.inst.stage);
    const folder = reads !== undefined && c.inst.reads && reads !== c.inst.reads.files ? `; it read ${c.inst.reads.files} results of its folder when it was made, ${reads} now (the lock lists the folder's other results elsewhere, or not at all)` : '';
    const cause = changed.length ? ` (input ${changed.join(', ')} changed since the lock was written)` : '';
    const why = !made ? `recomputing failed: ${whyNot(c, redone)}` : `recomputed sha256 ${hash?.slice(0, 12)} != locked ${c.sha256.slice(0, 12)}${cause}${folder}`;
    process.stdout.write(`DIFFERS  ${c.stored}: ${why}${onDisk === c.sha256 && made ? change(c.file, redoneFile) : ''}\n`);
  }
  // The copy a paper uses is the one on disk: it must match the lock as well.
  if (onDisk !== c.sha256) {
    ok = false;
    process.stdout.write(`DIFFERS  ${c.stored}: the file on disk ${onDisk === 'absent' ? 'is missing' : `has sha256 ${onDisk.slice(0, 12)}, not the locked ${c.sha256.slice(0, 12)}${hash === c.sha256 && made ? change(redoneFile, c.file) : ''}`} (re-run the pipeline to rewrite it)\n`);
  }
  return ok;
}

/** Why the instance that should have written an output did not, as the recomputation said. */
function whyNot(c: Checked, redone: Redone): string {
  const k = c.params['k'];
  const mine = [...redone.problems].filter(([where]) => where.startsWith(`${c.inst.stage} ${c.inst.galaxy} `));
  const best = mine.find(([where]) => k === undefined || where.includes(`k=${k}`) || !where.includes('k=')) ?? mine[0];
  return best?.[1] ?? 'the recomputation did not write it';
}

function pointOf(point: Readonly<Record<string, ParamValue>>): string {
  return Object.entries(point).map(([a, v]) => `${a}=${v}`).join(' ');
}
