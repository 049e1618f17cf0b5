/**
 * A fixed pool of stage worker threads. Jobs queue in FIFO order; a worker takes the next
 * when it finishes one. The engine already limits how many instances run at once, so the
 * pool is as large as that limit and the queue stays short.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { FailureError } from '../errors.ts';
import type { StageOutput } from '../stage.ts';
import { exposeGcToWorkers } from '../gc.ts';
import type { CancelMessage, HashMessage, PreloadMessage, WorkerJob, WorkerMessage } from './stage-worker.ts';

/** A job as the engine hands it over: the pool numbers it and tells the worker whether the run is cancelled. */
export type PoolJob = Omit<WorkerJob, 'id' | 'aborted'>;

/** Callbacks of one job. */
export interface JobHandlers {
  progress(info: { iteration?: number; message?: string }): void;
  warn(message: string): void;
}


/**
 * Workers run the compiled stage-worker.js. Under tsx (unit tests importing sources) the
 * loader does not reach worker threads on Node 20, so stages then run in the main thread;
 * the CLI tests exercise the workers through the real build.
 */
export const WORKERS_AVAILABLE = !fileURLToPath(import.meta.url).endsWith('.ts');

const WORKER_URL = new URL('./stage-worker.js', import.meta.url);

/**
 * The young generation of a stage worker's heap, in MB (V8's default is 48: two 16 MB
 * semi-spaces that a busy thread fills, and keeps resident, for good). A stage's large data
 * are typed arrays outside that heap; what it allocates there is short-lived small objects
 * (FITS cards, canvas calls, a catalog-level stage's rows). With 12 MB (4 MB semi-spaces) a
 * 500-galaxy cold run peaked 44-58 MB lower, with the same outputs, CPU and wall time
 * (docs/benchmark.md, "The cold run's peak RSS at 500 galaxies"). The old generation keeps
 * V8's limit.
 */
export const STAGE_WORKER_YOUNG_MB = 12;

/**
 * A stage's own prints (console.log in a module stage) go to stderr, with the log: stdout is
 * the `--json` record's, which a line printed into it would make unreadable. (The pool pipes
 * them when it takes the worker: a pipe from a worker booted early that no pool takes would
 * keep the process alive.)
 */
function newStageWorker(): Worker {
  return new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: STAGE_WORKER_YOUNG_MB }, stdout: true });
}

/** A worker started before any pool exists (see {@link startEarlyWorker}). */
let early: { worker: Worker; onError: (err: Error) => void } | undefined;

/**
 * Boots a stage worker right away, for the pool the command will make: the CLI calls this
 * before it loads the rest of its code, so the ~40 ms a worker thread takes to boot overlap
 * with the ~30 ms of loading and planning in this thread. Unreferenced until a pool adopts
 * it, so it never keeps a process alive that ends up not needing it.
 */
export function startEarlyWorker(): void {
  if (!WORKERS_AVAILABLE || early) return;
  exposeGcToWorkers();
  const worker = newStageWorker();
  const onError = (): void => undefined; // a pool that adopts it hears of a crash through 'exit'
  worker.on('error', onError);
  // one that died before a pool took it is never handed to one
  worker.once('exit', () => {
    if (early?.worker === worker) early = undefined;
  });
  worker.unref();
  early = { worker, onError };
}

/** The pool. */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: { job: PoolJob; handlers: JobHandlers; signal: AbortSignal | undefined; resolve: (o: StageOutput) => void; reject: (e: Error) => void }[] = [];
  private readonly running = new Map<number, { handlers: JobHandlers; resolve: (o: StageOutput) => void; reject: (e: Error) => void; worker: Worker }>();
  private readonly hashing = new Map<number, { resolve: (sha256: string | null) => void; worker: Worker }>();
  private nextId = 1;
  private firstJob: (() => void)[] | null = [];
  private woken = false;

  constructor(readonly size: number) {}

  private spawn(): Worker {
    let worker: Worker;
    if (early) {
      worker = early.worker;
      worker.off('error', early.onError);
      worker.ref();
      early = undefined;
    } else {
      exposeGcToWorkers();
      worker = newStageWorker();
    }
    worker.stdout.pipe(process.stderr, { end: false });
    worker.on('message', (msg: WorkerMessage) => this.onMessage(worker, msg));
    worker.on('error', (err) => this.onCrash(worker, err));
    // (any exit while it has a job ends that job: a stage that calls process.exit(0) in a
    // worker ends the thread with code 0, and its job would otherwise never settle, the
    // run ending with nothing said and exit status 13)
    worker.on('exit', (code) => this.onCrash(worker, new Error(code === 0 ? 'the stage ended its worker thread (process.exit(0)?) before it returned its output' : `stage worker exited with code ${code} (process.exit(${code}) in the stage, or out of memory?)`)));
    this.all.push(worker);
    return worker;
  }

  /**
   * The run has work (an instance ran): starts the first worker now, if none runs yet (the one
   * booted early, {@link startEarlyWorker}, when there is one), and has every started worker
   * import these stage modules (in this order) while it has no job, so that they are loaded
   * before the jobs that need them arrive. Until then the pool starts nothing of its own: a
   * run whose instances are all cached never starts a worker, and a job that comes first (a
   * galaxy that fails again, say) starts one that imports only its own module. Called once;
   * later calls do nothing.
   */
  wake(modules: readonly string[]): void {
    if (this.woken) return;
    this.woken = true;
    if (this.all.length === 0) this.idle.push(this.spawn());
    for (const worker of this.all) worker.postMessage({ preload: modules } satisfies PreloadMessage);
  }

  /**
   * Calls `fn` once the first job has been handed to a worker: from then on this thread
   * mostly waits, a good time for work that can be done early (the CLI imports the
   * report's code then). Never called when no job runs.
   */
  onFirstJob(fn: () => void): void {
    if (this.firstJob) this.firstJob.push(fn);
    else fn();
  }

  /**
   * Hashes a file on an idle worker (one booted ahead of its first stage has nothing else to
   * do while the main thread hashes a galaxy's inputs); undefined when no worker is idle.
   * Resolves with null when the file could not be read.
   */
  tryHash(file: string): Promise<string | null> | undefined {
    const worker = this.idle.pop();
    if (!worker) return undefined;
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.hashing.set(id, { resolve, worker });
      worker.postMessage({ id, hashFile: file } satisfies HashMessage);
    });
  }

  /**
   * Runs a stage job in a worker; resolves with its output. When `signal` aborts, the
   * stage's own `ctx.signal` aborts in the worker (a stage that awaits sees it).
   */
  run(job: PoolJob, handlers: JobHandlers, signal?: AbortSignal): Promise<StageOutput> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, handlers, signal, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length) {
      const worker = this.idle.pop() ?? (this.all.length < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const next = this.queue.shift();
      if (!next) return;
      const id = this.nextId++;
      const signal = next.signal;
      const cancel = (): void => worker.postMessage({ cancel: id } satisfies CancelMessage);
      signal?.addEventListener('abort', cancel, { once: true });
      const settle = <T>(fn: (value: T) => void) => (value: T): void => {
        signal?.removeEventListener('abort', cancel);
        fn(value);
      };
      this.running.set(id, { handlers: next.handlers, resolve: settle(next.resolve), reject: settle(next.reject), worker });
      worker.postMessage({ ...next.job, id, aborted: signal?.aborted ?? false } satisfies WorkerJob);
      const callbacks = this.firstJob;
      if (callbacks) {
        this.firstJob = null;
        setImmediate(() => callbacks.forEach((fn) => fn()));
      }
    }
  }

  private onMessage(worker: Worker, msg: WorkerMessage): void {
    if (msg.kind === 'hashed') {
      const h = this.hashing.get(msg.id);
      if (!h) return;
      this.hashing.delete(msg.id);
      this.idle.push(worker);
      h.resolve(msg.sha256);
      this.pump();
      return;
    }
    const job = this.running.get(msg.id);
    if (!job) return;
    switch (msg.kind) {
      case 'progress':
        job.handlers.progress(msg.info);
        return;
      case 'warn':
        job.handlers.warn(msg.message);
        return;
      case 'done':
        this.running.delete(msg.id);
        this.idle.push(worker);
        job.resolve(msg.output);
        break;
      case 'error':
        this.running.delete(msg.id);
        this.idle.push(worker);
        job.reject(new FailureError(msg.failure));
        break;
    }
    this.pump();
  }

  private onCrash(worker: Worker, err: Error): void {
    for (const [id, job] of this.running) {
      if (job.worker !== worker) continue;
      this.running.delete(id);
      job.reject(new Error(`the stage worker died: ${err.message}${/exited|ended/.test(err.message) ? '' : ' (out of memory?)'}; a stage returns its output, it never ends the process`));
    }
    for (const [id, h] of this.hashing) {
      if (h.worker !== worker) continue;
      this.hashing.delete(id);
      h.resolve(null);
    }
    const i = this.all.indexOf(worker);
    if (i >= 0) this.all.splice(i, 1);
    const j = this.idle.indexOf(worker);
    if (j >= 0) this.idle.splice(j, 1);
    this.pump();
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    const workers = this.all.splice(0);
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
