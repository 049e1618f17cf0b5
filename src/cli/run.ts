/**
 * `sfh-pipeline run`: the options become a request, the executor is chosen, the session
 * (src/session/) carries the run out, and its outcome becomes the exit status.
 */
import { UserError } from '../errors.ts';
import { chooseExecutor, createExecutor } from '../executors/choose.ts';
import { openPipeline } from '../pipeline/open.ts';
import { suggestion } from '../pipeline/suggest.ts';
import { cacheDirOf, pipelineFile, type RunRequest, type RunValues } from '../session/request.ts';
import { INTERRUPTS } from '../session/interrupt.ts';
import { runSession, type RunOutcome } from '../session/session.ts';

/** Runs the pipeline; resolves with the exit status. */
export async function commandRun(v: RunValues): Promise<number> {
  const request = requestOf(v);
  if (request.force) await checkForced(v, request.force);
  const executor = await createExecutor(chooseExecutor(v), request);
  try {
    return exitStatus(await runSession(request, executor));
  } finally {
    await executor.close();
  }
}

/** The parsed options as the session's request. */
function requestOf(v: RunValues): RunRequest {
  const jobs = v.jobs === undefined ? undefined : Number(v.jobs);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) throw new UserError('usage', `--jobs ${v.jobs}: expected a whole number >= 1`);
  const { help: _help, jobs: _jobs, 'fail-fast': failFast, resume, json, verbose, 'no-report': noReport, executor: _executor, plain, force, 'dry-run': _dry, ...values } = v;
  const forced = force === undefined ? undefined : force.trim() === '*' ? ('all' as const) : force.split(',').map((s) => s.trim()).filter(Boolean);
  return { values, ...(jobs !== undefined ? { jobs } : {}), failFast: failFast ?? false, resume: resume ?? false, json: json ?? false, verbose: verbose ?? false, noReport: noReport ?? false, plain: plain ?? false, command: process.argv.slice(2), ...(forced ? { force: forced } : {}) };
}

/** `--force` names stages of the pipeline, and runs here (a Slurm element answers from its own cache). */
async function checkForced(v: RunValues, force: 'all' | readonly string[]): Promise<void> {
  if (v.executor === 'slurm') throw new UserError('usage', '--force is for runs on this machine', 'to recompute under Slurm, remove the cache first (`sfh-pipeline clean --cache-only --force`), or run the forced stages here');
  if (force === 'all') return;
  const file = pipelineFile(v.pipeline);
  const names = (await openPipeline(file, cacheDirOf(file, v.cache))).stages.map((s) => s.name);
  if (force.length === 0) throw new UserError('usage', '--force: no stage named', `name stages (--force cluster,write) or give --force alone for every stage; stages: ${names.join(', ')}`);
  for (const name of force) {
    if (!names.includes(name)) throw new UserError('usage', `--force: the pipeline has no stage \`${name}\`${suggestion(name, names, (n) => `\`${n}\``)}`, `stages: ${names.join(', ')}`);
  }
}

/** 130 after Ctrl-C (143 after SIGTERM); 1 when a task or a catalog-level stage failed; else 0. */
function exitStatus(outcome: RunOutcome): number {
  if (outcome.interrupted) return outcome.signal ? INTERRUPTS[outcome.signal] : 130;
  return outcome.tasks.some((r) => r.status === 'failed') || outcome.catalog.some((r) => r.status === 'failed') ? 1 : 0;
}
