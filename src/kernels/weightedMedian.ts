/**
 * The weighted median by selection, not sorting: the W1-median centroid needs 50 of them
 * per group per round, so an expected-linear quickselect keeps the w1-median clustering
 * within a small factor of the notebook's mean.
 */

/**
 * The lower weighted median of `values[0..n)` with non-negative `weights[0..n)`: the
 * smallest value x with (total weight of values <= x) >= `half`, where `half` is half the
 * total weight. Any point between the lower and the upper weighted median minimises
 * sum_i w_i |v_i - x|; taking the lower one makes the choice deterministic. Three-way
 * quickselect (median-of-three pivot, so heavily tied data such as CDF values of 0 or 1
 * stays linear); reorders both arrays in place, allocates nothing. n must be >= 1.
 */
export function weightedLowerMedian(values: Float64Array, weights: Float64Array, n: number, half: number): number {
  let lo = 0;
  let hi = n;
  let below = 0; // weight of the values left of lo, all smaller than any in [lo, hi)
  for (;;) {
    const a = values[lo]!;
    const b = values[lo + ((hi - lo) >> 1)]!;
    const c = values[hi - 1]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    // [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot
    let lt = lo;
    let i = lo;
    let gt = hi;
    let wLess = 0;
    let wEqual = 0;
    while (i < gt) {
      const x = values[i]!;
      if (x < pivot) {
        const w = weights[i]!;
        values[i] = values[lt]!;
        weights[i] = weights[lt]!;
        values[lt] = x;
        weights[lt] = w;
        wLess += w;
        lt++;
        i++;
      } else if (x > pivot) {
        gt--;
        const w = weights[i]!;
        values[i] = values[gt]!;
        weights[i] = weights[gt]!;
        values[gt] = x;
        weights[gt] = w;
      } else {
        wEqual += weights[i]!;
        i++;
      }
    }
    if (below + wLess >= half && lt > lo) {
      hi = lt;
    } else if (below + wLess + wEqual >= half || gt === hi) {
      // (gt === hi: rounding left no weight above; the pivot is then the largest value)
      return pivot;
    } else {
      below += wLess + wEqual;
      lo = gt;
    }
  }
}
