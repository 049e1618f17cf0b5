/**
 * `sfh-pipeline run`: plan (see plan.ts), execute, report, and keep the records that make
 * a run resumable (`cache/runs/`) and reproducible (`sfh-pipeline.lock`).
 */
import os from 'node:os';
import path from 'node:path';
import { readRun, RunLog, taskId } from '../cache/runs.ts';
import { UserError } from '../errors.ts';
import { EngineEmitter, type InstanceResult } from '../engine/events.ts';
import { execute } from '../engine/execute.ts';
import { WorkerPool, WORKERS_AVAILABLE } from '../engine/worker-pool.ts';
import { restrictPlan } from '../pipeline/analyse.ts';
import { lockEntries, lockPath, updateLock, type LockEntry } from '../provenance/lock.ts';
import { catalogRecord, taskRecord } from '../report/json.ts';
import { attachPlainLog, catalogLines, summaryLines } from '../report/plain.ts';
import type { Json } from '../stage.ts';
import { chooseExecutor } from '../executors/choose.ts';
import { VERSION } from '../package.ts';
import { preparePlan } from '../session/prepare.ts';
import { cacheDirOf, pipelineFile, type PlanValues, type RunValues } from '../session/request.ts';
import { argsOf, resumeFrom } from '../session/resume.ts';

/** Runs the pipeline; resolves with the exit status. */
export async function commandRun(v: RunValues): Promise<number> {
  // --executor slurm submits the run to Slurm (src/executors/slurm/); the local path follows.
  if (chooseExecutor(v) === 'slurm') return (await import('../executors/slurm/driver.ts')).runOnSlurm(v);
  const jobs = v.jobs === undefined ? os.availableParallelism() : Number(v.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UserError('usage', `--jobs ${v.jobs}: expected a whole number >= 1`);
  const resumed = v.resume ? resumeFrom(v) : undefined;
  const planValues: PlanValues = resumed?.values ?? v;
  // SFH_WORKERS=0 runs every stage in the main thread (for debugging a stage with a debugger).
  // Otherwise a first worker boots now, while the pipeline is opened and the keys computed.
  const pool = process.env['SFH_WORKERS'] !== '0' && WORKERS_AVAILABLE ? new WorkerPool(jobs) : undefined;
  pool?.prestart();
  try {
    return await runLocally(v, jobs, resumed, planValues, pool);
  } finally {
    await pool?.close();
  }
}

async function runLocally(v: RunValues, jobs: number, resumed: ReturnType<typeof resumeFrom> | undefined, planValues: PlanValues, pool: WorkerPool | undefined): Promise<number> {

  // Record the run before planning, so a run killed at any moment after this can be resumed.
  const log = new RunLog(path.join(cacheDirOf(pipelineFile(planValues.pipeline), planValues.cache), 'runs'), { cwd: process.cwd(), args: argsOf(planValues) });
  if (resumed) for (const t of readRun(resumed.file)?.tasks.values() ?? []) if (t.status !== 'failed') log.carry(t);
  const prepared = await preparePlan(planValues, process.stderr, { without: v['no-report'] ? ['report'] : [] });
  const { pipeline, values, cache, hasher } = prepared;
  let plan = prepared.plan;
  if (resumed) {
    const before = plan.tasks.length;
    // The catalog-level stages stay, over every galaxy: those done before come from the cache.
    plan = restrictPlan(plan, (t) => !['ok', 'skipped'].includes(resumed.done.get(taskId(t.row.id, t.point)) ?? ''), { catalog: true });
    process.stderr.write(`resuming ${path.basename(resumed.file)}: ${plan.tasks.length} of ${before} tasks failed or never finished\n`);
    if (plan.tasks.length === 0) process.stderr.write('nothing to resume\n');
    if (plan.tasks.length === 0 && plan.catalog.length === 0) return 0;
  }

  const events = new EngineEmitter();
  events.on('task-end', (r) => log.task(r, Object.fromEntries(lockEntries([r], hasher)) as unknown as { [file: string]: Json }));
  const catalog: InstanceResult[] = [];
  events.on('catalog-end', (r) => {
    catalog.push(...r);
    for (const c of r) log.catalog(c);
  });
  // A terminal gets the live view; pipes, CI and log files (and --plain) the plain log. The
  // view's stop() resolves after its last frame, so the summary below prints under the tree.
  // (listr2 is imported only for a terminal: ~10 ms of start-up a pipe does not need)
  const view = process.stderr.isTTY && !v.plain ? (await import('../report/listr.ts')).attachListrView(events, plan, process.stderr, { verbose: v.verbose ?? false }) : undefined;
  if (!view) attachPlainLog(events, process.stderr, v.verbose ?? false);
  // The report stage's code (and the canvas library it loads, ~25 ms of dlopen) is imported
  // once the workers compute, when this thread mostly waits.
  pool?.onFirstJob(() => {
    import('../report/write-report.ts').catch(() => undefined); // (a failure surfaces where the stage runs)
  });
  const results = await execute(plan, { jobs, workers: pool !== undefined, ...(pool ? { pool } : {}), failFast: v['fail-fast'] ?? false, cache, hasher, run: { version: VERSION, pipelineHash: pipeline.hash } }, events).finally(() => view?.stop());
  const count = (s: string) => results.filter((r) => r.status === s).length;
  log.end({ ok: count('ok'), failed: count('failed'), skipped: count('skipped') });
  // The lock gets this run's outputs and, after --resume, those the resumed run finished
  // before it was killed (they are in its record, not in this run's results).
  const entries = lockEntries(results, hasher, catalog);
  for (const t of resumed ? (readRun(resumed.file)?.tasks.values() ?? []) : []) {
    for (const [file, entry] of Object.entries(t.status === 'ok' ? (t.lock ?? {}) : {})) if (!entries.has(file)) entries.set(file, entry as unknown as LockEntry);
  }
  updateLock(lockPath(pipeline, planValues.lock), pipeline, `sfh-pipeline ${VERSION}`, entries);
  for (const p of cache.problems) process.stderr.write(`cache: ${p.reason} ${p.file}: ${p.detail} (recomputed)\n`);
  for (const line of summaryLines(results)) process.stderr.write(`${line}\n`);
  // What the catalog-level stages say: the summary table, where report.html is, who was left out.
  for (const line of catalogLines(catalog)) process.stderr.write(`${line}\n`);
  if (v.json) {
    const record = { tool: 'sfh-pipeline', version: VERSION, pipeline: pipeline.file, run: path.basename(log.file, '.jsonl'), inputsHashed: hasher.hashed, cacheProblems: cache.problems, tasks: results.map((r) => taskRecord(r, values)), catalog: catalog.map(catalogRecord) };
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  }
  return count('failed') > 0 || catalog.some((r) => r.status === 'failed') ? 1 : 0;
}
