/**
 * The notebook's distance, `scipy.stats.wasserstein_distance(arange(50), arange(50), u, v)`,
 * as 49 absolute differences of precomputed CDFs summed in scipy 1.10's exact order, so a
 * clustering run compares distances bit for bit like the notebook.
 *
 * Derivation (scipy <= 1.12 `_cdf_distance`, p = 1, both supports arange(50)): the merged
 * support is [0,0,1,1,...,49,49], so `deltas` (99 terms) alternate 0, 1 and both CDFs step
 * at every integer: the summand array is [0, d0, 0, d1, ..., 0, d48, 0] with
 * d_m = |U_m - V_m| and U_m = cumsum(u)[m] / cumsum(u)[49] (`np.cumsum` is sequential; the
 * division is one rounding). `np.sum` of those 99 values is numpy's pairwise sum with eight
 * accumulators: accumulator 1 collects d0, d4, ..., d44, accumulator 3 d1, d5, ..., d45,
 * 5 collects d2..d46, 7 collects d3..d47, the even ones only zeros, and d48 is in the
 * remainder. Hence ((A + B) + (C + D)) + d48. Verified bit for bit against scipy 1.10 /
 * numpy 1.24 (4000 random, sparse, tied and one-hot pairs). Newer scipy (1.17 checked)
 * under numpy 2 sums with `np.vecdot` instead: a quarter of the values then differ in the
 * last bits (< 1e-14).
 */

/** Number of age bins of a pPXF SFH (the MILES grid), and the support length of the EMD. */
export const EMD_BINS = 50;

/**
 * The normalised CDF scipy builds from 50 weights `w[offset + m * stride]`: a sequential
 * cumulative sum, each prefix divided by the total. Writes out[outOffset .. outOffset+50).
 * Weights must be non-negative with a positive finite total (scipy raises otherwise).
 */
export function cdf50(w: Float64Array, offset: number, stride: number, out: Float64Array, outOffset: number): void {
  let c = w[offset]!;
  out[outOffset] = c;
  for (let m = 1; m < EMD_BINS; m++) {
    c += w[offset + m * stride]!;
    out[outOffset + m] = c;
  }
  for (let m = 0; m < EMD_BINS; m++) out[outOffset + m] = out[outOffset + m]! / c;
}

/**
 * The 1-D EMD between two distributions on arange(50) from their {@link cdf50} CDFs
 * (a[aOff..], b[bOff..]): 49 absolute differences in scipy 1.10's summation order.
 */
export function emdFromCdfs(a: Float64Array, aOff: number, b: Float64Array, bOff: number): number {
  let s0 = Math.abs(a[aOff]! - b[bOff]!);
  let s1 = Math.abs(a[aOff + 1]! - b[bOff + 1]!);
  let s2 = Math.abs(a[aOff + 2]! - b[bOff + 2]!);
  let s3 = Math.abs(a[aOff + 3]! - b[bOff + 3]!);
  for (let m = 4; m < 48; m += 4) {
    s0 += Math.abs(a[aOff + m]! - b[bOff + m]!);
    s1 += Math.abs(a[aOff + m + 1]! - b[bOff + m + 1]!);
    s2 += Math.abs(a[aOff + m + 2]! - b[bOff + m + 2]!);
    s3 += Math.abs(a[aOff + m + 3]! - b[bOff + m + 3]!);
  }
  // prettier-ignore
  return ((s0 + s1) + (s2 + s3)) + Math.abs(a[aOff + 48]! - b[bOff + 48]!);
}

/**
 * Checked convenience: `wasserstein_distance(arange(50), arange(50), u, v)` for two
 * 50-element weight arrays. Allocates; use {@link cdf50} + {@link emdFromCdfs} in loops.
 */
export function emd50(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const cu = new Float64Array(EMD_BINS);
  const cv = new Float64Array(EMD_BINS);
  for (const [name, w, c] of [['u', u, cu], ['v', v, cv]] as const) {
    if (w.length !== EMD_BINS) {
      throw new RangeError(`emd50: \`${name}\` must have ${EMD_BINS} weights (one per age bin). Length: ${w.length}.`);
    }
    let total = 0;
    for (let m = 0; m < EMD_BINS; m++) {
      const x = w[m]!;
      if (!(x >= 0)) throw new RangeError(`emd50: \`${name}[${m}]\` must be a non-negative number, as scipy requires. Value: \`${x}\`.`);
      total += x;
    }
    if (!(total > 0 && total < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`emd50: the weights \`${name}\` must sum to a positive finite number, as scipy requires. Sum: \`${total}\`.`);
    }
    cdf50(Float64Array.from(w), 0, 1, c, 0);
  }
  return emdFromCdfs(cu, 0, cv, 0);
}
