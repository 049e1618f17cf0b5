/**
 * `sfh-pipeline run`: the options become a request, the executor is chosen, the session
 * (src/session/) carries the run out, and its outcome becomes the exit status.
 */
import { UserError } from '../errors.ts';
import { chooseExecutor, createExecutor } from '../executors/choose.ts';
import type { RunRequest, RunValues } from '../session/request.ts';
import { INTERRUPTS } from '../session/interrupt.ts';
import { runSession, type RunOutcome } from '../session/session.ts';

/** Runs the pipeline; resolves with the exit status. */
export async function commandRun(v: RunValues): Promise<number> {
  const request = requestOf(v);
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
  const { help: _help, jobs: _jobs, 'fail-fast': failFast, resume, json, verbose, 'no-report': noReport, executor: _executor, plain, ...values } = v;
  return { values, ...(jobs !== undefined ? { jobs } : {}), failFast: failFast ?? false, resume: resume ?? false, json: json ?? false, verbose: verbose ?? false, noReport: noReport ?? false, plain: plain ?? false, command: process.argv.slice(2) };
}

/** 130 after Ctrl-C (143 after SIGTERM); 1 when a task or a catalog-level stage failed; else 0. */
function exitStatus(outcome: RunOutcome): number {
  if (outcome.interrupted) return outcome.signal ? INTERRUPTS[outcome.signal] : 130;
  return outcome.tasks.some((r) => r.status === 'failed') || outcome.catalog.some((r) => r.status === 'failed') ? 1 : 0;
}
