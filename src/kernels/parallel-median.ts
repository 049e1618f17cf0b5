/**
 * `np.nanmedian(cube, axis=0)` on several cores: the pixels are split between this thread
 * and helper threads that read the same SharedArrayBuffer (no copy). Each pixel's median
 * is computed exactly as by {@link nanmedianAxis0F32}, so the result is bit-identical.
 * The helpers are started once per thread and kept (unref'd) for the next galaxy.
 */
import os from 'node:os';
import { MEDIAN_HELPERS_AVAILABLE, medianHelper } from './median-helpers.ts';
import type { MedianJob } from './median-worker.ts';
import { bracketScratchBytes } from './bracket-median.ts';
import { nanmedianAxis0F32Range } from './nanmedian.ts';
import { cubeInWasmMemory, cubeMemoryOf } from './wasm/median.ts';

/**
 * Boots the helper threads {@link nanmedianAxis0Parallel} would use now, so a first call
 * does not wait ~40 ms for them (the mass-map stage calls this from its warm() hook, while
 * its worker has nothing else to do). They stay unreferenced: idle, they keep no process alive.
 */
export function startMedianHelpers(threads = Math.min(2, os.availableParallelism())): void {
  if (!MEDIAN_HELPERS_AVAILABLE) return;
  for (let i = 0; i < threads - 1; i++) medianHelper(i);
}

/** A Float32Array over a SharedArrayBuffer, for cubes that helper threads will read. */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4));
}

/**
 * A buffer for a (nz, npix) float32 cube whose nanmedian {@link nanmedianAxis0Parallel}
 * will compute: in a shared WebAssembly memory when one can be made (the median's counting
 * pass then runs in WebAssembly SIMD on every thread, over the cube itself), otherwise a
 * SharedArrayBuffer (the same medians, in JavaScript).
 */
export function medianCubeBuffer(nz: number, npix: number): Float32Array {
  return cubeInWasmMemory(nz * npix, bracketScratchBytes(nz)) ?? sharedFloat32(nz * npix);
}

/**
 * The nanmedian over axis 0 of a (nz, npix) float32 cube, on up to `threads` threads.
 * `cube` should live in a SharedArrayBuffer ({@link sharedFloat32}); otherwise (or with one
 * thread) it is computed here.
 */
export async function nanmedianAxis0Parallel(cube: Float32Array, nz: number, npix: number, threads = Math.min(2, os.availableParallelism())): Promise<Float32Array> {
  const shared = cube.buffer instanceof SharedArrayBuffer && cube.byteOffset === 0;
  const memory = shared ? (cubeMemoryOf(cube.buffer) ?? null) : null;
  const n = MEDIAN_HELPERS_AVAILABLE && shared && npix >= 1024 ? Math.max(1, threads) : 1;
  const out = n > 1 ? sharedFloat32(npix) : new Float32Array(npix);
  if (n === 1) return nanmedianAxis0F32Range(cube, nz, npix, 0, npix, out);
  const bounds = Array.from({ length: n + 1 }, (_, i) => Math.round((i * npix) / n));
  const pending = bounds.slice(1, n).map((_, i) => {
    const w = medianHelper(i);
    const job: MedianJob = { cube: cube.buffer as SharedArrayBuffer, out: out.buffer as SharedArrayBuffer, nz, npix, p0: bounds[i + 1] as number, p1: bounds[i + 2] as number, memory, thread: i + 1 };
    return new Promise<void>((resolve, reject) => {
      const settle = (err?: Error): void => {
        w.off('message', onDone);
        w.off('error', settle);
        w.unref();
        if (err) reject(err);
        else resolve();
      };
      const onDone = (): void => settle();
      w.ref();
      w.on('message', onDone);
      w.on('error', settle);
      w.postMessage(job);
    });
  });
  nanmedianAxis0F32Range(cube, nz, npix, 0, bounds[1] as number, out);
  await Promise.all(pending);
  return out;
}
