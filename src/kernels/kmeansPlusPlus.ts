/**
 * The k-means++ start (Arthur & Vassilvitskii 2007) with the notebook's EMD as distance,
 * drawn from the same MT19937 stream as the notebook's random start, so a seed still fixes
 * the result. Spreading the first centres out usually needs fewer rounds and lands in a
 * lower objective than random labels; it is not the notebook's start, so maps differ.
 *
 * Exactly, with the valid pixels numbered v = 0..n-1 in C order and D(v) the EMD from
 * pixel v to its nearest centre so far:
 * 1. `np.random.seed(seed)`; the first centre is pixel `np.random.randint(n)` (one
 *    legacy bounded draw, as in {@link legacyRandint}).
 * 2. Each further centre: u = `np.random.random_sample()` (two 32-bit draws), target =
 *    u * sum_v D(v)**2 (summed sequentially in C order); the centre is the first v whose
 *    running sum of D**2 exceeds target (the last v with D > 0 if rounding leaves none).
 *    When every D is 0 (fewer distinct SFHs than k) no more centres are drawn.
 * 3. Every pixel is labelled 1 + the index of its nearest centre (the first on ties), the
 *    labels the first round then averages, exactly as it averages the random labels.
 */
import { EMD_BINS } from './emd.ts';
import { emdBins } from './emd-bins.ts';
import { legacyRandint, legacyRandomSample, type MT19937State } from './random.ts';

/**
 * Draws the k-means++ centres among n pixels (CDFs `pixCdf[v * B ..]`, B age bins, default 50) and writes each
 * pixel's label (1-based nearest centre) to `labels[0..n)`. `dist` is scratch of n
 * elements (the distance to the nearest centre). Returns the centres drawn (<= k), as
 * indices into the valid pixels.
 */
export function kmeansPlusPlusLabels(
  pixCdf: Float64Array,
  n: number,
  k: number,
  state: MT19937State,
  labels: Int32Array,
  dist: Float64Array,
  B: number = EMD_BINS,
): Int32Array {
  const centres = new Int32Array(Math.min(k, n));
  const first = legacyRandint(state, n, 1, new Int32Array(1))[0]!;
  centres[0] = first;
  for (let v = 0; v < n; v++) {
    labels[v] = 1;
    dist[v] = emdBins(pixCdf, first * B, pixCdf, v * B, B);
  }
  let chosen = 1;
  while (chosen < centres.length) {
    let total = 0;
    for (let v = 0; v < n; v++) total += dist[v]! * dist[v]!;
    if (!(total > 0)) break;
    const target = legacyRandomSample(state) * total;
    let pick = -1;
    let lastPositive = -1;
    let run = 0;
    for (let v = 0; v < n; v++) {
      const d = dist[v]!;
      if (d > 0) lastPositive = v;
      run += d * d;
      if (run > target) {
        pick = v;
        break;
      }
    }
    if (pick < 0) pick = lastPositive;
    centres[chosen] = pick;
    chosen++;
    const po = pick * B;
    for (let v = 0; v < n; v++) {
      const d = emdBins(pixCdf, po, pixCdf, v * B, B);
      if (d < dist[v]!) {
        dist[v] = d;
        labels[v] = chosen;
      }
    }
  }
  return centres.subarray(0, chosen);
}
