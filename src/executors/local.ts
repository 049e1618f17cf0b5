/**
 * The local executor: runs the plan in this process, each stage instance in a worker
 * thread (so two galaxies really use two cores), at most `--jobs` at once. SFH_WORKERS=0
 * runs every stage in the main thread instead (for debugging a stage with a debugger).
 */
import os from 'node:os';
import type { InstanceResult } from '../engine/events.ts';
import { execute } from '../engine/execute.ts';
import { WorkerPool, WORKERS_AVAILABLE } from '../engine/worker-pool.ts';
import { LockRecords } from '../provenance/records.ts';
import type { Executed, Executor, SessionRun } from '../session/executor.ts';
import type { RunRequest } from '../session/request.ts';

/** Runs plans here, on a pool of stage workers that starts when the run has work. */
export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly recordArgs = {};
  readonly live = true;
  private readonly jobs: number;
  private readonly pool: WorkerPool | undefined;
  /** Aborts the engine on an interrupt: its shell stages' commands are stopped with it. */
  private readonly abort = new AbortController();

  constructor(request: RunRequest) {
    this.jobs = request.jobs ?? os.availableParallelism();
    // (its first worker starts when the run has work: WorkerPool.wake)
    this.pool = process.env['SFH_WORKERS'] !== '0' && WORKERS_AVAILABLE ? new WorkerPool(this.jobs) : undefined;
  }

  async check(): Promise<void> {
    // Nothing beyond what the session checks: this machine runs what it plans.
  }

  async run({ request, prepared, plan, info, events }: SessionRun): Promise<Executed> {
    const { cache, hasher } = prepared;
    // The report stage's code (and the canvas library it loads, ~25 ms of dlopen) is
    // imported once the workers compute, when this thread mostly waits.
    this.pool?.onFirstJob(() => {
      import('../report/write-report.ts').catch(() => undefined); // (a failure surfaces where the stage runs)
    });
    let catalog: readonly InstanceResult[] = [];
    events.on('catalog-end', (r) => (catalog = r));
    const pool = this.pool;
    const tasks = await execute(plan, { jobs: this.jobs, workers: pool !== undefined, ...(pool ? { pool } : {}), failFast: request.failFast, ...(request.force ? { force: request.force } : {}), signal: this.abort.signal, cache, hasher, run: info }, events);
    // (the session records the lock from the tasks' ends and the catalog-level results)
    return { tasks, catalog, locks: new LockRecords(), inputsHashed: hasher.hashed, cacheProblems: cache.problems, interrupted: false };
  }

  interrupt(signal: NodeJS.Signals): void {
    // (the session ends the process, and what runs in worker threads with it; a command a
    // shell stage started is a process group of its own: aborting the engine sends it the
    // signal, SIGINT or SIGTERM, and the session waits for it to end: stopCommands)
    this.abort.abort(signal);
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
