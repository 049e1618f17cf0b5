/**
 * A fixed pool of stage worker threads. Jobs queue in FIFO order; a worker takes the next
 * when it finishes one. The engine already limits how many instances run at once, so the
 * pool is as large as that limit and the queue stays short.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { StageOutput } from '../stage.ts';
import type { WorkerJob, WorkerMessage } from './stage-worker.ts';

/** Callbacks of one job. */
export interface JobHandlers {
  progress(info: { iteration?: number; message?: string }): void;
  warn(message: string): void;
}

/** A job's failure, rebuilt in the main thread with its reason and hint. */
export class WorkerStageError extends Error {
  constructor(
    message: string,
    readonly reason?: string,
    readonly hint?: string,
    stack?: string,
  ) {
    super(message);
    if (stack) this.stack = stack;
  }
}

/**
 * Workers run the compiled stage-worker.js. Under tsx (unit tests importing sources) the
 * loader does not reach worker threads on Node 20, so stages then run in the main thread;
 * the CLI tests exercise the workers through the real build.
 */
export const WORKERS_AVAILABLE = !fileURLToPath(import.meta.url).endsWith('.ts');

/** The pool. */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: { job: Omit<WorkerJob, 'id'>; handlers: JobHandlers; resolve: (o: StageOutput) => void; reject: (e: Error) => void }[] = [];
  private readonly running = new Map<number, { handlers: JobHandlers; resolve: (o: StageOutput) => void; reject: (e: Error) => void; worker: Worker }>();
  private nextId = 1;

  constructor(readonly size: number) {}

  private spawn(): Worker {
    const worker = new Worker(new URL('./stage-worker.js', import.meta.url));
    worker.on('message', (msg: WorkerMessage) => this.onMessage(worker, msg));
    worker.on('error', (err) => this.onCrash(worker, err));
    worker.on('exit', (code) => {
      if (code !== 0) this.onCrash(worker, new Error(`stage worker exited with code ${code}`));
    });
    this.all.push(worker);
    return worker;
  }

  /** Runs a stage job in a worker; resolves with its output. */
  run(job: Omit<WorkerJob, 'id'>, handlers: JobHandlers): Promise<StageOutput> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, handlers, resolve, reject });
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
      this.running.set(id, { handlers: next.handlers, resolve: next.resolve, reject: next.reject, worker });
      worker.postMessage({ ...next.job, id });
    }
  }

  private onMessage(worker: Worker, msg: WorkerMessage): void {
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
        job.reject(new WorkerStageError(msg.error.message, msg.error.reason, msg.error.hint, msg.error.stack));
        break;
    }
    this.pump();
  }

  private onCrash(worker: Worker, err: Error): void {
    for (const [id, job] of this.running) {
      if (job.worker !== worker) continue;
      this.running.delete(id);
      job.reject(new Error(`the stage worker died: ${err.message} (out of memory?)`));
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
