/**
 * A helper thread for {@link nanmedianAxis0Parallel}: computes the nanmedian of a range of
 * pixels of a cube held in a SharedArrayBuffer, writing into a shared output. It also joins
 * streamed medians (stream-median.ts): a `{ stream }` message makes it count its pixels of
 * every block its caller submits, until told to stop.
 */
import { parentPort } from 'node:worker_threads';
import { collectLargeBuffers, NOTED_BYTES } from '../gc.ts';
import { nanmedianAxis0F32Range } from './nanmedian.ts';
import { helpStream, type StreamSession } from './stream-median.ts';
import { adoptCubeMemory, type CubeMemory } from './wasm/median.ts';

/** A range of pixels to do. */
export interface MedianJob {
  readonly cube: SharedArrayBuffer;
  readonly out: SharedArrayBuffer;
  readonly nz: number;
  readonly npix: number;
  readonly p0: number;
  readonly p1: number;
  /** The cube's WebAssembly memory (its buffer is `cube`), when it was read into one, and this helper's slot in it. */
  readonly memory: { readonly memory: CubeMemory; readonly scratch0: number; readonly scratchBytes: number } | null;
  readonly thread: number;
}

parentPort?.on('message', (job: MedianJob | { stream: StreamSession }) => {
  if ('stream' in job) {
    helpStream(job.stream);
    // the median's memory is referenced here until this thread collects (src/gc.ts)
    setImmediate(() => collectLargeBuffers(true));
    return;
  }
  const buffer = job.memory ? adoptCubeMemory(job.memory.memory, job.memory.scratch0, job.memory.scratchBytes) : job.cube;
  nanmedianAxis0F32Range(new Float32Array(buffer, 0, job.nz * job.npix), job.nz, job.npix, job.p0, job.p1, new Float32Array(job.out), undefined, job.thread);
  parentPort?.postMessage('done');
  // once this message is let go, the cube's last reference here is gone: an idle thread
  // would not collect it for as long as it lives (src/gc.ts)
  // (any cube: a binned one, 147 MB, kept per galaxy, grew a catalog run by that much each)
  if (job.cube.byteLength > NOTED_BYTES) setImmediate(() => collectLargeBuffers(true));
});
