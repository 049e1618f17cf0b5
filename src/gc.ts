/**
 * Returning a galaxy's cube to the system as soon as its medians are done. The mass map
 * reads each cube into a SharedArrayBuffer (1.3 GB at MUSE's full resolution) that a
 * median helper thread shares. Once the stage is over, nothing refers to it, but its memory
 * is only returned when every thread that saw it has run a full garbage collection, and an
 * idle helper thread never does: the cube stayed resident through the clustering of a k
 * sweep (full resolution: 1.89 GB peak instead of ~1.4 GB). So threads that held a large
 * buffer collect explicitly, after the job.
 *
 * `gc()` exists only under V8's --expose-gc. The flag is set in this process before any
 * worker thread starts (new threads' contexts then have `gc`); the main thread, whose context
 * predates it, never holds a cube.
 */
import v8 from 'node:v8';

/** Array buffers beyond this many bytes in a thread make it collect after a job. */
export const LARGE_BUFFERS_BYTES = 256 * 1024 * 1024;

/**
 * Memory allocated since the last collection that `process.memoryUsage().arrayBuffers` does
 * not count: WebAssembly memories (the mass map's cube buffer). A binned cube (147 MB) is
 * below {@link LARGE_BUFFERS_BYTES}, yet a catalog run that kept one per galaxy grew by that
 * much per galaxy (20 galaxies: 3.5 GB), so these count from {@link NOTED_BYTES}.
 */
let noted = 0;
/** Noted allocations beyond this many bytes make a thread collect after its job. */
export const NOTED_BYTES = 32 * 1024 * 1024;

/** Records a large allocation that arrayBuffers does not see (a WebAssembly memory), so the job's thread collects it afterwards. */
export function noteLargeBuffer(bytes: number): void {
  noted += bytes;
}

let exposed = false;

/** Sets --expose-gc for the worker threads started from now on (idempotent). */
export function exposeGcToWorkers(): void {
  if (exposed) return;
  exposed = true;
  v8.setFlagsFromString('--expose-gc');
}

/**
 * In a worker thread, after a job: a full collection when array buffers still take more
 * than {@link LARGE_BUFFERS_BYTES} (`force`: whatever they take), so that a cube whose last
 * reference just went is freed now. A few ms on a small heap; nothing without --expose-gc.
 */
export function collectLargeBuffers(force = false): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    noted = 0;
    return;
  }
  if (force || noted > NOTED_BYTES || process.memoryUsage().arrayBuffers > LARGE_BUFFERS_BYTES) {
    noted = 0;
    gc();
  }
}
