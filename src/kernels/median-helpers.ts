/**
 * The median helper threads of this thread (src/kernels/median-worker.ts), started on first
 * use and kept, unreferenced while idle, for the next cube: the parallel in-memory median
 * (parallel-median.ts) and the streamed one (stream-median.ts) share them.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { exposeGcToWorkers } from '../gc.ts';

/** Worker threads run the compiled helper; under a TypeScript loader everything runs here. */
export const MEDIAN_HELPERS_AVAILABLE = !fileURLToPath(import.meta.url).endsWith('.ts');
const helpers: Worker[] = [];

/** Median helper thread `i` of this thread (started now if it is not running yet). */
export function medianHelper(i: number): Worker {
  let w = helpers[i];
  if (!w) {
    exposeGcToWorkers();
    w = new Worker(new URL('./median-worker.js', import.meta.url));
    w.unref();
    helpers[i] = w;
  }
  return w;
}

/** How many helper threads this thread has started (tests: what a warm-up boots). */
export function medianHelpersStarted(): number {
  return helpers.filter((w) => w !== undefined).length;
}
