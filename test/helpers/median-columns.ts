/**
 * Columns that take every path of the bracketing nanmedians (bracket-median.ts in memory,
 * stream-median.ts streamed): the bracket holds the median, the sample misleads, the kept
 * values overflow, too few values, all NaN, ties, infinities, float32 overflow.
 */
import { SAMPLE_STEP } from '../../src/kernels/bracket-median.ts';
import { rng } from './rng.ts';

/** One column's value at plane z, from its own random stream r. */
export type Column = (z: number, r: () => number) => number;

/** Columns that reach every branch of the kernels. */
export function columns(nz: number): [string, Column][] {
  return [
    ['noise', (_, r) => r()],
    ['noise with a slope', (z, r) => z / nz + 0.1 * r()],
    ['sampled planes high: the sample misleads', (z, r) => (z % SAMPLE_STEP === 0 ? 1e6 + r() : r())],
    ['sampled planes low: the sample misleads', (z, r) => (z % SAMPLE_STEP === 0 ? -1e6 - r() : r())],
    ['constant: the bracket overflows', () => 7],
    ['two values: ties overflow the bracket', (z) => (z % 3 === 0 ? 1 : 2)],
    ['few distinct values', (_, r) => Math.floor(r() * 5)],
    ['all NaN', () => NaN],
    ['mostly NaN', (z, r) => (z % 97 === 5 ? r() : NaN)],
    ['NaN in the sampled planes only', (z, r) => (z % SAMPLE_STEP === 0 ? NaN : r())],
    ['signed zeros', (z) => (z % 2 ? -0 : 0)],
    ['infinities', (z, r) => (z % 5 === 0 ? Infinity : z % 5 === 1 ? -Infinity : r())],
    ['huge values (float32 overflow of x + x)', (_, r) => 3e38 + r() * 1e37],
    ['sorted', (z) => z],
    ['reversed', (z) => -z],
    ['one value', (z) => (z === 17 ? 3 : NaN)],
    ['two values', (z) => (z === 17 ? 3 : z === 300 ? 4 : NaN)],
  ];
}

/** A (nz, npix) cube whose pixel p follows pattern p % patterns (each pixel its own random stream). */
export function fill(cube: Float32Array, nz: number, npix: number, patterns: [string, Column][]): void {
  for (let p = 0; p < npix; p++) {
    const f = patterns[p % patterns.length]![1];
    const r = rng(p + 1);
    for (let z = 0; z < nz; z++) cube[z * npix + p] = f(z, r);
  }
}
