/**
 * A worker thread that runs stage functions, so CPU-heavy stages of two galaxies really
 * use two cores and the main thread stays free to draw progress. It receives plain data
 * (the context's spec, lineage and upstream outputs), builds the context with the main
 * thread's own builder (./context.ts: the same parameter guard, and an abort signal the
 * main thread aborts with a `cancel` message), runs the stage and posts back the output
 * with its arrays' buffers transferred, not copied.
 */
import { parentPort } from 'node:worker_threads';
import { sha256File } from '../cache/file-hash.ts';
import { toFailure, type Failure } from '../errors.ts';
import { collectLargeBuffers } from '../gc.ts';
import type { Json, Lineage, StageModule, StageOutput } from '../stage.ts';
import { catalogUpstream, stageContext, upstreamOf, type ContextSpec } from './context.ts';
import { importModule } from './import-module.ts';
import { checkedOutput } from './output-shape.ts';
import { gatheredFrom, type PlainGathered } from './kinds/catalog-items.ts';

/** A job for the worker. */
export interface WorkerJob {
  readonly id: number;
  readonly module: string;
  readonly spec: ContextSpec;
  readonly lineage: Lineage;
  readonly upstream: Readonly<Record<string, StageOutput>>;
  /** Only for a catalog-level stage: what it runs over (its items' meta and files, who was left out). */
  readonly gathered?: PlainGathered;
  /** The run was cancelled before the job was handed over: its signal starts aborted. */
  readonly aborted: boolean;
}

/** Aborts the signal of a running job (the run was cancelled: --fail-fast, Ctrl-C). */
export interface CancelMessage {
  readonly cancel: number;
}

/** What the worker posts back. */
export type WorkerMessage =
  | { readonly id: number; readonly kind: 'progress'; readonly info: { iteration?: number; message?: string } }
  | { readonly id: number; readonly kind: 'warn'; readonly message: string }
  | { readonly id: number; readonly kind: 'done'; readonly output: StageOutput }
  | { readonly id: number; readonly kind: 'hashed'; readonly sha256: string | null }
  /** The stage's error as a failure, made here where the error is (a disk error keeps its `code`). */
  | { readonly id: number; readonly kind: 'error'; readonly failure: Failure };

/** Stage modules to import before any job asks for them (WorkerPool.preload). */
export interface PreloadMessage {
  readonly preload: readonly string[];
}

/** A file to hash while the worker has no stage to run (WorkerPool.tryHash). */
export interface HashMessage {
  readonly id: number;
  readonly hashFile: string;
}

const modules = new Map<string, Promise<StageModule>>();

/** The abort controllers of the jobs running here, by job id. */
const running = new Map<number, AbortController>();

function moduleAt(file: string): Promise<StageModule> {
  let mod = modules.get(file);
  if (!mod) {
    mod = importModule(file) as Promise<StageModule>;
    modules.set(file, mod);
  }
  return mod;
}

/**
 * Modules to import (then warm) while no job runs: one at a time, each step scheduled with
 * setImmediate so that a job that arrives meanwhile starts first (it imports its own module
 * at once). A failure is left for the job that needs the module to report.
 */
const toPreload: string[] = [];
const toWarm: StageModule[] = [];
let jobsRunning = 0;
let preloading = false;

function preload(files: readonly string[]): void {
  toPreload.push(...files);
  schedulePreload();
}

function schedulePreload(): void {
  if (preloading || jobsRunning > 0 || (toPreload.length === 0 && toWarm.length === 0)) return;
  preloading = true;
  setImmediate(() => {
    void preloadStep().finally(() => {
      preloading = false;
      schedulePreload();
    });
  });
}

async function preloadStep(): Promise<void> {
  if (jobsRunning > 0) return;
  try {
    const file = toPreload.shift();
    if (file !== undefined) {
      const module = await moduleAt(file);
      if (module.warm) toWarm.push(module);
    } else {
      // the warm-ups (native libraries, ~25 ms) after every import
      await toWarm.shift()?.warm?.();
    }
  } catch {
    // reported by the job that needs it
  }
}

async function handle(job: WorkerJob): Promise<void> {
  const port = parentPort;
  if (!port) return;
  jobsRunning++;
  const abort = new AbortController();
  if (job.aborted) abort.abort();
  running.set(job.id, abort);
  try {
    const module = await moduleAt(job.module);
    const links = {
      upstream: job.gathered ? catalogUpstream(job.spec.stage) : upstreamOf(job.spec.stage, (need) => job.upstream[need]),
      progress: (info: { iteration?: number; message?: string }) => port.postMessage({ id: job.id, kind: 'progress', info } satisfies WorkerMessage),
      warn: (message: string) => port.postMessage({ id: job.id, kind: 'warn', message } satisfies WorkerMessage),
      signal: abort.signal,
      lineage: () => job.lineage,
    };
    const ctx = job.gathered ? stageContext(job.spec, links, gatheredFrom(job.spec.stage, job.gathered)) : stageContext(job.spec, links);
    // (checked here, where it was made: a function in it cannot even cross to the main thread)
    const output = checkedOutput(await module.run(ctx), job.spec.stage);
    const buffers = Object.values(output.arrays ?? {}).map((a) => a.data.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    port.postMessage({ id: job.id, kind: 'done', output } satisfies WorkerMessage, [...new Set(buffers)]);
  } catch (err) {
    port.postMessage({ id: job.id, kind: 'error', failure: toFailure(err) } satisfies WorkerMessage);
  } finally {
    running.delete(job.id);
    jobsRunning--;
    // a stage that read a cube leaves it to the garbage collector: collect now (src/gc.ts)
    collectLargeBuffers();
    schedulePreload();
  }
}

function hashFile(msg: HashMessage): void {
  let sha256: string | null = null;
  try {
    sha256 = sha256File(msg.hashFile);
  } catch {
    // the main thread's own hash() meets the same problem and reports it
  }
  parentPort?.postMessage({ id: msg.id, kind: 'hashed', sha256 } satisfies WorkerMessage);
}

parentPort?.on('message', (msg: WorkerJob | PreloadMessage | HashMessage | CancelMessage) => {
  if ('cancel' in msg) running.get(msg.cancel)?.abort();
  else if ('preload' in msg) preload(msg.preload);
  else if ('hashFile' in msg) hashFile(msg);
  else void handle(msg);
});

/** Keeps `Json` in the emitted types (the metadata crosses the thread boundary as JSON). */
export type WorkerMeta = Json;
