/**
 * The Slurm executor (`run --executor slurm`): the session plans and records the run as for
 * the local executor; this submits one `sbatch` job array whose element i runs galaxy i's
 * tasks (its stages for every k), follows it with squeue/sacct, replays what the elements
 * report as engine events, and runs the catalog-level stages here after the array. Slurm
 * does all the scheduling; the shared cache is the only coordination between elements.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { taskId, type RunLog } from '../../cache/runs.ts';
import type { CacheProblem } from '../../cache/store.ts';
import { EngineEmitter, type InstanceResult, type TaskResult } from '../../engine/events.ts';
import { execute } from '../../engine/execute.ts';
import { UserError } from '../../errors.ts';
import { PACKAGE_ROOT } from '../../package.ts';
import { restrictPlan, type Plan, type Task } from '../../pipeline/analyse.ts';
import type { RunInfo } from '../../stage.ts';
import { SLURM_DEFAULTS, type SlurmSettings } from '../../pipeline/executor.ts';
import { openPipeline } from '../../pipeline/open.ts';
import { resolveParams } from '../../pipeline/params.ts';
import type { Executed, Executor, SessionRun } from '../../session/executor.ts';
import type { Prepared } from '../../session/prepare.ts';
import { cacheDirOf, overridesOf, pipelineFile, type PlanValues, type RunRequest } from '../../session/request.ts';
import { argsOf, type Resumed } from '../../session/resume.ts';
import { requireSlurm, sbatch } from './commands.ts';
import { Follower, type Watched, type WatchedJob } from './follow.ts';
import { jobFiles, type JobSpec } from './records.ts';
import { appendRunLine, earlierJobs, reattach, takeOver } from './resume.ts';
import { jobScript, sbatchArgs } from './script.ts';

/** Slurm's default MaxArraySize is 1001: larger selections go as several arrays. */
const ARRAY_MAX = 1000;

/** The element's entry point, compiled (elements never need a transpiler). */
const ELEMENT = path.join(PACKAGE_ROOT, 'dist', 'src', 'executors', 'slurm', 'element.js');

/** Runs plans as Slurm job arrays, one element per galaxy; follows them from this process. */
export class SlurmExecutor implements Executor {
  readonly name = 'slurm';
  readonly recordArgs = { executor: 'slurm' };
  /** Elements report their tasks as they end, not their stages as they start: the plain log shows them. */
  readonly live = false;
  private onInterrupt: (() => void) | undefined;
  /**
   * While it follows its jobs, Ctrl-C or SIGTERM cancels them and follows them out, then the
   * run ends (interrupted); before (submitting) and after (the catalog-level stages, here)
   * the session ends the process at once.
   */
  get stopsInOrder(): boolean {
    return this.onInterrupt !== undefined;
  }

  constructor(request: RunRequest) {
    if (request.jobs !== undefined) throw new UserError('usage', '--jobs does not apply to --executor slurm', 'each galaxy runs as one array element on `cpusPerTask` CPUs (executor.slurm in pipeline.yaml); Slurm decides how many run at once, and `maxParallel` caps it');
  }

  /**
   * pipeline.yaml's problems (its executor: section among them) and the options' come first:
   * they are the user's to fix wherever Slurm is, and a machine without Slurm must still say
   * them. (openPipeline remembers the validated file, so preparing does not parse it twice.)
   */
  async check(values: PlanValues): Promise<void> {
    const file = pipelineFile(values.pipeline);
    resolveParams(await openPipeline(file, cacheDirOf(file, values.cache)), overridesOf(values), process.cwd());
    await requireSlurm();
    if (!existsSync(ELEMENT)) throw new UserError('usage', `${ELEMENT} is missing`, 'run `npm run build` (npm ci does it): array elements run the compiled CLI');
  }

  takeOver(resumed: Resumed, log: RunLog): ReturnType<typeof takeOver> {
    return takeOver(resumed, log.file);
  }

  async run({ request, values, prepared, plan, info, events, log, resumed, out }: SessionRun): Promise<Executed> {
    const cache = cacheDirOf(prepared.pipeline.file, values.cache);
    const runId = path.basename(log.file, '.jsonl');
    const settings = prepared.pipeline.executor?.slurm ?? SLURM_DEFAULTS;
    // --resume: elements of the resumed run still queued or running are followed, not submitted again.
    const watched = resumed ? await reattach(earlierJobs(resumed.file), plan, out) : [];
    const following = new Set(watched.flatMap((j) => j.elements.map((e) => e.galaxy)));
    const elements = byGalaxy(plan.tasks.filter((t) => !following.has(t.row.id)));
    // Each job is noted in the run record as soon as it exists, so --resume finds it.
    for (const job of watched) appendRunLine(log.file, { kind: 'slurm', job: job.id, dir: job.dir });
    for (let n = 0; n * ARRAY_MAX < elements.length; n++) {
      const job = await submit(path.join(cache, 'slurm', `${runId}-${n}`), elements.slice(n * ARRAY_MAX, (n + 1) * ARRAY_MAX), request, values, info, settings, out);
      appendRunLine(log.file, { kind: 'slurm', job: job.id, dir: job.dir });
      watched.push(job);
    }

    const follower = new Follower(events, out, settings.poll * 1000, request.failFast);
    let interrupts = 0;
    // (the session's Ctrl-C and SIGTERM; a second one ends the process, leaving the jobs running)
    this.onInterrupt = () => {
      interrupts++;
      out.write(`slurm: interrupted: cancelling ${watched.map((j) => j.id).join(', ')} (Ctrl-C again to leave them running)\n`);
      follower.stop();
    };
    await follower.follow(watched).finally(() => {
      this.onInterrupt = undefined;
    });

    const tasks: TaskResult[] = plan.tasks.flatMap((t) => follower.out.results.get(t) ?? []);
    const failed = tasks.some((r) => r.status === 'failed');
    // The catalog-level stages run here, on the submitting side, once the array is done.
    const catalog = interrupts ? [] : await runCatalog(prepared, plan, info, events, request.failFast && failed);
    return {
      tasks,
      catalog,
      locks: follower.out.locks,
      inputsHashed: follower.out.inputsHashed,
      cacheProblems: follower.out.cacheProblems as unknown as CacheProblem[],
      interrupted: interrupts > 0,
      record: { executor: 'slurm', slurm: { jobs: watched.map((j) => ({ id: j.id, dir: j.dir, galaxies: j.elements.map((e) => e.galaxy) })) } },
    };
  }

  interrupt(): void {
    this.onInterrupt?.();
  }

  async close(): Promise<void> {
    // Nothing held: the jobs belong to Slurm, and their folders to --resume.
  }
}

/**
 * Runs the plan's catalog-level stages in this process after the array: every galaxy's
 * instances are answered from the shared cache the elements filled (one an element did not
 * finish is left out, never recomputed here), and only the fan-ins run. A dependent Slurm
 * job would wait in the queue again and start a Node process to do the same; here the
 * driver, which follows the array anyway, needs neither. Only the catalog-level instances'
 * ends reach the run's log. After a --fail-fast stop they are reported cancelled.
 */
async function runCatalog(prepared: Prepared, full: Plan, info: RunInfo, events: EngineEmitter, stopped: boolean): Promise<InstanceResult[]> {
  const { cache, hasher } = prepared;
  if (full.catalog.length === 0) return [];
  const plan = restrictPlan(full, () => false, { catalog: true });
  const mine = new EngineEmitter();
  const ids = new Set(plan.catalog.map((i) => i.id));
  mine.on('instance-start', (inst) => ids.has(inst.id) && events.emit('instance-start', inst));
  mine.on('instance-warning', (inst, message) => ids.has(inst.id) && events.emit('instance-warning', inst, message));
  mine.on('instance-end', (r) => ids.has(r.instance.id) && events.emit('instance-end', r));
  let catalog: InstanceResult[] = [];
  mine.on('catalog-end', (r) => (catalog = [...r]));
  const abort = new AbortController();
  if (stopped) abort.abort();
  // (the catalog-level stages on a stage worker, as a local run's: this thread follows and prints)
  await execute(plan, { jobs: 1, failFast: false, cachedOnly: true, cache, hasher, signal: abort.signal, run: info }, mine);
  return catalog;
}

/** The plan's tasks grouped by galaxy, in catalog order: one array element each. */
function byGalaxy(tasks: readonly Task[]): { galaxy: string; tasks: Map<string, Task> }[] {
  const groups = new Map<string, Map<string, Task>>();
  for (const t of tasks) {
    const group = groups.get(t.row.id) ?? new Map<string, Task>();
    group.set(taskId(t.row.id, t.point), t);
    groups.set(t.row.id, group);
  }
  return [...groups].map(([galaxy, group]) => ({ galaxy, tasks: group }));
}

/** Writes the job's folder (job.json, job.sh) and submits its array. */
async function submit(dir: string, elements: readonly { galaxy: string; tasks: Map<string, Task> }[], request: RunRequest, planValues: PlanValues, info: RunInfo, settings: SlurmSettings, out: NodeJS.WritableStream): Promise<WatchedJob> {
  mkdirSync(dir, { recursive: true });
  const spec: JobSpec = {
    version: 1,
    cwd: process.cwd(),
    values: argsOf(planValues) as PlanValues,
    run: info,
    jobs: settings.cpusPerTask,
    failFast: request.failFast,
    verbose: request.verbose,
    elements: elements.map((e) => ({ galaxy: e.galaxy, tasks: [...e.tasks.keys()] })),
  };
  writeFileSync(jobFiles.spec(dir), `${JSON.stringify(spec, null, 1)}\n`);
  writeFileSync(jobFiles.script(dir), jobScript(dir, settings, process.execPath, ELEMENT));
  chmodSync(jobFiles.script(dir), 0o755);
  const id = await sbatch(sbatchArgs(dir, elements.length, process.cwd(), settings));
  const tasks = elements.reduce((n, e) => n + e.tasks.size, 0);
  const where = [settings.partition && `partition ${settings.partition}`, settings.time && `time ${settings.time}`, settings.memory && `mem ${settings.memory}`, `${settings.cpusPerTask} CPU${settings.cpusPerTask === 1 ? '' : 's'} each`].filter(Boolean).join(', ');
  out.write(`slurm: submitted job ${id}: ${elements.length} galax${elements.length === 1 ? 'y' : 'ies'} (array 0-${elements.length - 1}), ${tasks} tasks; ${where}; logs in ${dir}\n`);
  const watched: Watched[] = elements.map((e, index) => ({ index, galaxy: e.galaxy, tasks: e.tasks }));
  return { id, dir, elements: watched };
}
