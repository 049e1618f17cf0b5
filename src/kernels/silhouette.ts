/**
 * The mean silhouette coefficient (Rousseeuw 1987) of a grouping with the notebook's EMD
 * as distance: how much closer each pixel is to its own group than to the next one, in
 * [-1, 1], comparable between k (the objective always falls as k grows; the silhouette
 * does not). Exact is O(n^2) EMDs, so beyond `sample` pixels it is estimated on a sample.
 *
 * For pixel i in group I: a(i) = mean EMD to the other members of I, b(i) = the smallest
 * mean EMD to the members of another non-empty group, s(i) = (b - a) / max(a, b), 0 when
 * I has one member or when a = b = 0 (scikit-learn's conventions). The result is the mean
 * of s(i).
 * - n <= sample: exact, over every pixel (each pair's EMD computed once; each pixel's sums
 *   still accumulate in ascending order of the other pixel, as the plain double loop does).
 * - n > sample: the exact silhouette of a random sample of `sample` pixels, as
 *   scikit-learn's `silhouette_score(..., sample_size=...)` computes it: a(i) and b(i) use
 *   the distances among the sampled pixels only (group sizes are those in the sample). The
 *   sample is drawn without replacement by a partial Fisher-Yates shuffle from
 *   `np.random.seed(seed)`: position t = 0..sample-1 swaps with t + randint(n - t); the
 *   chosen pixels are then taken in ascending order. Its cost is that of an exact run on
 *   `sample` pixels whatever n is; the estimate's spread is about std(s) / sqrt(sample).
 */
import { EMD_BINS } from './emd.ts';
import { legacyRandint, mt19937Seed } from './random.ts';
import { emdKernels } from './emd-bins.ts';
import type { Region } from './wasm/index.ts';

/** Default sample size: exact up to 1000 pixels; beyond, 1000 sampled (5e5 EMDs, ~12 ms: it runs for every k of a sweep). */
export const SILHOUETTE_SAMPLE = 1000;

/** What {@link emdSilhouette} found. */
export interface SilhouetteResult {
  /** The mean silhouette; null with fewer than 2 non-empty groups. */
  readonly value: number | null;
  /** How many pixels' s(i) were averaged (n when exact). */
  readonly pixels: number;
  /** True when every pixel was used. */
  readonly exact: boolean;
}

/** s(i) from its summed distances to each group (`sums[base + g - 1]`). */
function coefficient(sums: Float64Array, base: number, own: number, counts: Int32Array, groups: number): number {
  const c = counts[own]!;
  if (c <= 1) return 0;
  const a = sums[base + own - 1]! / (c - 1);
  let b = Number.POSITIVE_INFINITY;
  for (let g = 1; g <= groups; g++) {
    if (g === own || counts[g] === 0) continue;
    const d = sums[base + g - 1]! / counts[g]!;
    if (d < b) b = d;
  }
  const m = Math.max(a, b);
  return m > 0 ? (b - a) / m : 0;
}

/**
 * The mean EMD silhouette of n pixels with CDFs `cdfs[i * B ..]` (B = `bins`, default 50) and labels
 * `labels[i]` in 1..groups, exact when n <= `sample`, else estimated on `sample` pixels
 * drawn from `seed` (see the module comment for exactly how).
 */
export function emdSilhouette(cdfs: Float64Array, labels: Int32Array, n: number, options: { seed: number; sample?: number; bins?: number }): SilhouetteResult {
  const sample = options.sample ?? SILHOUETTE_SAMPLE;
  if (!Number.isInteger(sample) || sample < 1) throw new RangeError(`emdSilhouette: \`sample\` must be a positive integer. Value: \`${sample}\`.`);
  const B = options.bins ?? EMD_BINS;
  let groups = 0;
  for (let i = 0; i < n; i++) if (labels[i]! > groups) groups = labels[i]!;
  const counts = new Int32Array(groups + 1);
  for (let i = 0; i < n; i++) counts[labels[i]!]!++;
  let nonEmpty = 0;
  for (let g = 1; g <= groups; g++) if (counts[g]! > 0) nonEmpty++;
  if (nonEmpty < 2) return { value: null, pixels: 0, exact: n <= sample };

  if (n <= sample) return { value: exactMean(cdfs, labels, n, groups, counts, B), pixels: n, exact: true };

  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const state = mt19937Seed(options.seed);
  const draw = new Int32Array(1);
  for (let t = 0; t < sample; t++) {
    const j = t + legacyRandint(state, n - t, 1, draw)[0]!;
    const x = idx[t]!;
    idx[t] = idx[j]!;
    idx[j] = x;
  }
  const chosen = idx.subarray(0, sample).sort();
  const subCdfs = new Float64Array(sample * B);
  const subLabels = new Int32Array(sample);
  const subCounts = new Int32Array(groups + 1);
  for (let t = 0; t < sample; t++) {
    const i = chosen[t]!;
    subCdfs.set(cdfs.subarray(i * B, (i + 1) * B), t * B);
    subLabels[t] = labels[i]!;
    subCounts[labels[i]!]!++;
  }
  let inSample = 0;
  for (let g = 1; g <= groups; g++) if (subCounts[g]! > 0) inSample++;
  if (inSample < 2) return { value: null, pixels: sample, exact: false };
  return { value: exactMean(subCdfs, subLabels, sample, groups, subCounts, B), pixels: sample, exact: false };
}

/**
 * The exact mean silhouette of n pixels (`counts[g]` = members of group g among them). The
 * O(n^2) distance sums run in WebAssembly (src/kernels/wasm/emd.wat `pairSums`: each pair's
 * EMD once, i ascending then j, as the plain double loop adds them).
 */
function exactMean(cdfs: Float64Array, labels: Int32Array, n: number, groups: number, counts: Int32Array, B: number): number {
  const wasm = emdKernels(B);
  const [rCdf, rLabels, rSums] = wasm.layout(n * wasm.rowBytes, n * 4, n * groups * 8) as [Region, Region, Region];
  wasm.f64(rCdf).set(cdfs.subarray(0, n * B));
  wasm.i32(rLabels).set(labels.subarray(0, n));
  const sums = wasm.f64(rSums);
  sums.fill(0);
  wasm.pairSums(rCdf, rLabels, n, groups, rSums);
  let total = 0;
  for (let i = 0; i < n; i++) total += coefficient(sums, i * groups, labels[i]!, counts, groups);
  return total / n;
}
