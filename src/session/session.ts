/**
 * A run, from request to outcome, the same whichever executor runs it: resume the last run
 * if asked, record the run before planning it (so a run killed at any moment after that can
 * be resumed), prepare the plan, hand it to the executor, then record how every task ended,
 * update the lock file and say what happened (the summary lines, the catalog-level stages'
 * words, the `--json` record). Reporters subscribe to the engine's events; the command line
 * turns the outcome into an exit status.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readRun, RunLog, taskId } from '../cache/runs.ts';
import type { Json, RunInfo } from '../stage.ts';
import { EngineEmitter, type InstanceResult, type TaskResult } from '../engine/events.ts';
import { VERSION } from '../package.ts';
import { restrictPlan, type Plan } from '../pipeline/analyse.ts';
import { explainPlan } from '../engine/explain.ts';
import { stopCommands } from '../engine/kinds/process-group.ts';
import { lockDir, lockPath, readLock, readLockIfAny, updateLock } from '../provenance/lock.ts';
import { catalogRecords } from '../provenance/records.ts';
import { runRecord } from '../report/json.ts';
import { replacedLines } from '../report/replaced.ts';
import { attachPlainLog, cacheProblemLines, catalogLines, summaryLines } from '../report/plain.ts';
import type { Executor } from './executor.ts';
import { endBy, interruptedLine, watchInterrupts, type Interrupt } from './interrupt.ts';
import { LockJournal } from './lock-journal.ts';
import { checkLockFile, checkResultsApart, checkWritableFolder } from './paths.ts';
import { preparePlan, type Prepared } from './prepare.ts';
import { isInside, projectRoot } from '../pipeline/project.ts';
import { UserError } from '../errors.ts';
import { cacheDirOf, pipelineFile, type RunRequest } from './request.ts';
import { argsOf, commandLine, resumeFrom, startedAt } from './resume.ts';

/** How a run ended: what the command line derives its exit status from. */
export interface RunOutcome {
  readonly tasks: readonly TaskResult[];
  readonly catalog: readonly InstanceResult[];
  /** Stopped by a signal before it finished. */
  readonly interrupted: boolean;
  /** The signal that stopped it (its exit status is 128 + its number). */
  readonly signal?: Interrupt;
}

/** Where a session writes: the log (stderr) and the `--json` record (stdout). */
export interface SessionStreams {
  readonly log: NodeJS.WriteStream | NodeJS.WritableStream;
  readonly record: NodeJS.WritableStream;
}

const finished = (status: string | undefined): boolean => status === 'ok' || status === 'skipped';

/**
 * The tasks of `finishedPlan` (tasks a resumed run finished) that the cache would not serve
 * now, each with the first reason (`galaxy 122 k=2: cluster: param minSfhSum 0.8 -> 0.5`).
 */
async function changedSince(prepared: Prepared, finishedPlan: Plan, run: RunInfo): Promise<Map<string, string>> {
  const changed = new Map<string, string>();
  if (finishedPlan.tasks.length === 0) return changed;
  const explained = await explainPlan(finishedPlan, { cache: prepared.cache, hasher: prepared.hasher, run });
  const stale = new Map(explained.filter((e) => e.state === 'would-run').map((e) => [e.instance.id, e]));
  if (stale.size === 0) return changed;
  for (const t of finishedPlan.tasks) {
    const e = t.instances.map((i) => stale.get(i.id)).find((x) => x !== undefined);
    if (!e) continue;
    const point = Object.entries(t.point).map(([a, v]) => ` ${a}=${v}`).join('');
    changed.set(taskId(t.row.id, t.point), `galaxy ${t.row.id}${point}: ${e.instance.stage.name}: ${e.reasons[0] ?? 'would run'}`);
  }
  return changed;
}

/**
 * A resume in a copied or moved project writes only inside it: a results folder or a lock
 * outside it is where the run in the original project writes too, so it is refused, naming
 * both folders, before anything is computed or written.
 */
function movedWrites(moved: { readonly from: string; readonly to: string }, targets: readonly (readonly [string | undefined, string])[]): void {
  for (const [target, role] of targets) {
    if (target === undefined || isInside(target, moved.to)) continue;
    throw new UserError('usage', `--resume: this project (${moved.to}) is a copy or a move of ${moved.from}, where the run started; its ${role} ${target} is outside this project, so resuming here would write where the run in ${moved.from} writes`, `resume in ${moved.from}; or run the command here without --resume, with a ${role === '--lock' ? '--lock' : '--out'} inside this project (its finished work still comes from the cache)`);
  }
}

/** Carries out `request` through `executor`; resolves with the outcome. */
export async function runSession(request: RunRequest, executor: Executor, streams: SessionStreams = { log: process.stderr, record: process.stdout }): Promise<RunOutcome> {
  const out = streams.log;
  const resumed = request.resume ? resumeFrom(request.values) : undefined;
  const values = resumed?.values ?? request.values;
  // What the user must fix wherever the run would go comes first (pipeline.yaml, the options).
  await executor.check(values);
  // The run's date and command (RunInfo): a resumed run is the run it resumes, so its pages say when that one started.
  const made = resumed?.made ?? { started: startedAt(new Date()), command: commandLine(values) };
  // Never write into another folder than the one typed in without saying so: a copied or moved project resumes in itself.
  if (resumed?.elsewhere) out.write(`resuming in ${resumed.elsewhere}, the project the run started in (its cache was given)\n`);
  if (resumed?.moved) out.write(`resuming in ${resumed.moved.to}: the run started in ${resumed.moved.from}; this project is a copy or a move of it, so its paths inside the project are taken here\n`);
  const cacheFolder = cacheDirOf(pipelineFile(values.pipeline), values.cache);
  checkWritableFolder(cacheFolder, values.cache !== undefined ? '--cache' : 'the cache folder');
  const log = new RunLog(path.join(cacheFolder, 'runs'), { cwd: process.cwd(), root: projectRoot(pipelineFile(values.pipeline)), args: { ...argsOf(values), ...executor.recordArgs }, run: made });
  // A resumed run's record then holds all the work of the chain, so resuming a killed resume loses nothing either.
  const earlier = resumed ? [...(readRun(resumed.file)?.tasks.values() ?? [])] : [];
  for (const t of earlier) if (finished(t.status)) log.carry(t);
  const prepared = await preparePlan(values, out, { without: request.noReport ? ['report'] : [] });
  const { pipeline, hasher } = prepared;
  const info: RunInfo = { version: VERSION, pipelineHash: pipeline.hash, ...made };
  const lockFile = lockPath(pipeline, values.lock);
  // Where the run writes, before it computes anything: its results, and the lock it ends with.
  const results = prepared.values.get('out');
  if (results?.length === 1 && typeof results[0] === 'string' && results[0] !== '') {
    const outRole = values.out !== undefined ? '--out' : 'the results folder (out)';
    const inputs = (['cubes', 'sfh', 'ngist'] as const).flatMap((p) => (prepared.values.get(p) ?? []).filter((v): v is string => typeof v === 'string').map((v) => [`--${p}`, v] as const));
    checkResultsApart(results[0], outRole, cacheFolder, inputs);
    checkWritableFolder(path.resolve(results[0]), outRole);
  }
  checkLockFile(lockFile, values.lock !== undefined ? '--lock' : 'the lock file');
  if (resumed?.moved) movedWrites(resumed.moved, [[results?.length === 1 && typeof results[0] === 'string' && results[0] !== '' ? path.resolve(results[0]) : undefined, values.out !== undefined ? '--out' : 'the results folder (out)'], [lockFile, values.lock !== undefined ? '--lock' : 'the lock file']]);
  // A lock the run could not merge into is said now, not after all the work.
  if (existsSync(lockFile)) readLock(lockFile);
  const journal = new LockJournal(lockFile, { dir: lockDir(lockFile), pipeline, hasher });

  let plan = prepared.plan;
  // The lock gets, after --resume, what the resumed run finished before it was killed (in its record, not in this run's results).
  for (const t of earlier) if (t.status === 'ok' && t.lock) journal.carry(t.lock as never);
  if (resumed) {
    const more = executor.takeOver?.(resumed, log);
    const done = new Map([...resumed.done, ...(more?.done ?? [])]);
    if (more) journal.add(more.locks);
    // A task the run finished is finished now only if the cache still serves all of it: a
    // pipeline.yaml, a parameter default, an input, stage code or an output changed since
    // would otherwise leave its results (and the lock) as they were, under a run that exits 0.
    const changed = await changedSince(prepared, restrictPlan(plan, (t) => finished(done.get(taskId(t.row.id, t.point)))), info);
    for (const id of changed.keys()) done.delete(id);
    // The catalog-level stages stay, over every galaxy: those done before come from the cache.
    plan = restrictPlan(plan, (t) => !finished(done.get(taskId(t.row.id, t.point))), { catalog: true });
    const first = [...changed.values()][0];
    out.write(`resuming ${path.basename(resumed.file)}: ${plan.tasks.length} of ${prepared.plan.tasks.length} tasks ${changed.size ? `failed, never finished, or changed since they finished (${changed.size} changed: ${first}${changed.size > 1 ? '; ...' : ''})` : 'failed or never finished'}\n`);
    if (plan.tasks.length === 0) out.write('nothing to resume\n');
    if (plan.tasks.length === 0 && plan.catalog.length === 0) return { tasks: [], catalog: [], interrupted: false };
  }

  const events = new EngineEmitter();
  events.on('task-end', (r) => log.task(r, journal.task(r) as { [key: string]: Json } | undefined));
  // A terminal gets the live view; pipes, CI and log files (and --plain) the plain log. The
  // view's stop() resolves after its last frame, so the summary below prints under the tree.
  // (listr2 is imported only for a terminal: ~10 ms of start-up a pipe does not need)
  const tty = executor.live && !request.plain && 'isTTY' in out && out.isTTY === true;
  const view = tty ? (await import('../report/listr.ts')).attachListrView(events, plan, out as NodeJS.WriteStream, { verbose: request.verbose }) : undefined;
  if (!view) attachPlainLog(events, out, request.verbose);
  // Ctrl-C, SIGTERM: how far the run got and how to go on (./interrupt.ts).
  let done = earlier.filter((t) => finished(t.status)).length;
  events.on('task-end', (r) => void (finished(r.status) && done++));
  const interrupted = () => interruptedLine(done, prepared.plan.tasks.length, request.command ?? ['run']);
  // Ending by the signal waits for the shell stages' commands to end (their process groups
  // get the signal, then SIGKILL after a grace: ../engine/kinds/process-group.ts); meanwhile
  // the run must not go on to record an end of its own: it waits for `ending`, which never resolves.
  let ending: Promise<never> | undefined;
  const watch = watchInterrupts((signal) => {
    if (executor.stopsInOrder) return executor.interrupt?.(signal);
    events.removeAllListeners();
    view?.interrupt();
    out.write(`\n${interrupted()}\n`);
    executor.interrupt?.(signal);
    const stopping = stopCommands(signal);
    if (!stopping) return endBy(signal);
    ending = stopping.then(() => {
      endBy(signal);
      return new Promise<never>(() => undefined);
    });
  });
  try {
    let executed;
    try {
      executed = await executor.run({ request, values, prepared, plan, info, events, log, ...(resumed ? { resumed } : {}), out });
    } catch (err) {
      if (ending) await ending;
      throw err;
    } finally {
      await view?.stop();
    }
    if (ending) await ending;
    const { tasks, catalog } = executed;
    for (const c of catalog) log.catalog(c);
    const count = (s: string) => tasks.filter((r) => r.status === s).length;
    log.end({ ok: count('ok'), failed: count('failed'), skipped: count('skipped') });

    journal.add(executed.locks);
    journal.add(catalogRecords(catalog, journal.context));
    const before = readLockIfAny(lockFile);
    updateLock(lockFile, pipeline, `sfh-pipeline ${VERSION}`, journal.records);
    prepared.cache.saveVerified();
    const replaced = replacedLines(lockFile, before, readLockIfAny(lockFile));
    // What the catalog-level stages say (the summary table, where report.html is, who was left out) after the counts.
    for (const line of [...cacheProblemLines(executed.cacheProblems), ...summaryLines(tasks), ...catalogLines(catalog), ...replaced]) out.write(`${line}\n`);
    if (request.json) {
      const record = runRecord({ version: VERSION, pipeline: pipeline.file, id: path.basename(log.file, '.jsonl'), ...(executed.record ? { executor: executed.record } : {}), inputsHashed: executed.inputsHashed, cacheProblems: executed.cacheProblems, tasks, catalog, values: prepared.values });
      streams.record.write(`${JSON.stringify(record, null, 2)}\n`);
    }
    if (executed.interrupted) out.write(`${interrupted()}\n`);
    return { tasks, catalog, interrupted: executed.interrupted, ...(executed.interrupted && watch.signal ? { signal: watch.signal } : {}) };
  } finally {
    watch.stop();
  }
}
