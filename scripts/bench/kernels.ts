/**
 * The cluster kernel alone, in this process: emdKMeans (src/kernels) on given arrays, warmed
 * up once (JIT) and timed over repetitions; and its scaling with spaxels and k on the
 * benchmark galaxy drawn at several sizes.
 */
import { N_AGES, N_METALS } from '../../src/example/ssp.ts';
import { emdKMeans, gaussianFilter2d } from '../../src/kernels/index.ts';
import type { ClusterInputs } from './arrays.ts';
import { benchGalaxy, forEachFittedWeights, galaxyMaps } from './model.ts';

/** A timed clustering. */
export interface KernelTiming {
  readonly k: number;
  readonly maxIter: number;
  /** Best and median of the timed repetitions, milliseconds. */
  readonly bestMs: number;
  readonly medianMs: number;
  readonly repetitions: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly groups: number;
  readonly valid: number;
  readonly labels: Float64Array;
}

/** Times emdKMeans on `x` (one untimed warm-up, then `reps` timed runs). */
export function timeKernel(x: ClusterInputs, k: number, opts: { seed?: number; maxIter?: number; reps?: number } = {}): KernelTiming {
  const maxIter = opts.maxIter ?? 100;
  const run = () => emdKMeans({ sfh: x.sfh, mass: x.mass, ny: x.ny, nx: x.nx, k, seed: opts.seed ?? 0, maxIter });
  let r = run();
  if (r.failure) throw new Error(`emdKMeans k=${k}: ${r.failure.message}`);
  const times: number[] = [];
  for (let i = 0; i < (opts.reps ?? 5); i++) {
    const t0 = performance.now();
    r = run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {
    k,
    maxIter,
    bestMs: times[0]!,
    medianMs: times[times.length >> 1]!,
    repetitions: times.length,
    iterations: r.iterations,
    converged: r.converged,
    groups: r.groups,
    valid: r.valid,
    labels: r.labels,
  };
}

/**
 * The clustering inputs of the benchmark galaxy on an n x n binned grid, made the way the
 * pipeline makes them (weights summed over metallicity, NaN and negative set to 0, pixels
 * without a mass zeroed, each age plane smoothed with the PSF), without writing any file.
 */
export function galaxyInputs(n: number): ClusterInputs {
  const g = benchGalaxy({ id: 9000 + n, snName: `SNscale${n}`, n, nwave: 3681, pixelScale: 0.6, stat: false });
  const maps = galaxyMaps(g);
  const npix = maps.npix;
  const raw = new Float64Array(N_AGES * npix);
  const mass = new Float32Array(npix).fill(NaN);
  forEachFittedWeights(g, maps, (p, w) => {
    mass[p] = maps.mass[p]! * maps.target[p]!;
    for (let a = 0; a < N_AGES; a++) {
      let s = 0;
      for (let z = 0; z < N_METALS; z++) s += w[a * N_METALS + z]!;
      raw[a * npix + p] = s;
    }
  });
  const sigma = g.seeing / g.pixelScale / 2.355;
  const sfh = new Float64Array(N_AGES * npix);
  for (let a = 0; a < N_AGES; a++) gaussianFilter2d(raw.subarray(a * npix, (a + 1) * npix), n, n, sigma, 3, sfh.subarray(a * npix, (a + 1) * npix));
  return { sfh, mass, ny: n, nx: n };
}

/** One point of the scaling table. */
export interface ScalingPoint {
  readonly spaxels: number;
  readonly side: number;
  readonly valid: number;
  readonly k: number;
  readonly iterations: number;
  readonly bestMs: number;
  /** bestMs / (valid pixels x k x iterations), in nanoseconds. */
  readonly nsPerPixelKIter: number;
}

/** emdKMeans on the galaxy at each side length and k, to convergence. */
export function scaling(sides: readonly number[], ks: readonly number[], reps: number, log: (line: string) => void): ScalingPoint[] {
  const points: ScalingPoint[] = [];
  for (const side of sides) {
    const x = galaxyInputs(side);
    for (const k of ks) {
      const t = timeKernel(x, k, { reps });
      const nsPer = (t.bestMs * 1e6) / (t.valid * k * t.iterations);
      points.push({ spaxels: side * side, side, valid: t.valid, k, iterations: t.iterations, bestMs: t.bestMs, nsPerPixelKIter: nsPer });
      log(`scaling: ${side}^2 k=${k}: ${t.iterations} rounds, ${t.bestMs.toFixed(1)} ms, ${nsPer.toFixed(1)} ns per pixel x k x round`);
    }
  }
  return points;
}

/**
 * Least-squares fit of time = a * (pixels x rounds) + b * (pixels x k x rounds), weighted
 * by 1/time so small and large runs count alike. `a` is the per-round work that does not
 * depend on k (the centroids: one pass over every pixel's 50 ages), `b` the work per pixel
 * and centroid (one EMD). Returns both in ns and the largest relative residual.
 */
export function fitCost(points: readonly ScalingPoint[]): { aNs: number; bNs: number; maxRelResidual: number } {
  let s11 = 0;
  let s12 = 0;
  let s22 = 0;
  let r1 = 0;
  let r2 = 0;
  for (const p of points) {
    const t = p.bestMs * 1e6;
    const x1 = (p.valid * p.iterations) / t;
    const x2 = (p.valid * p.k * p.iterations) / t;
    s11 += x1 * x1;
    s12 += x1 * x2;
    s22 += x2 * x2;
    r1 += x1;
    r2 += x2;
  }
  const det = s11 * s22 - s12 * s12;
  const aNs = (r1 * s22 - r2 * s12) / det;
  const bNs = (s11 * r2 - s12 * r1) / det;
  let maxRelResidual = 0;
  for (const p of points) {
    const model = aNs * p.valid * p.iterations + bNs * p.valid * p.k * p.iterations;
    maxRelResidual = Math.max(maxRelResidual, Math.abs(model - p.bestMs * 1e6) / (p.bestMs * 1e6));
  }
  return { aNs, bNs, maxRelResidual };
}
