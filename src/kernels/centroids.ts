/**
 * The centre of one group of pixels, two ways: the notebook's mass-weighted mean SFH
 * (summed exactly as numpy sums it, so the default clustering stays bit-identical), and the
 * W1 median (the pointwise median of the members' CDFs), the centre that minimises the
 * group's total EMD. Members are given as a run of
 * `order[first .. first + m)` (indices into the valid pixels), as {@link membersByLabel}
 * lays them out; nothing here allocates.
 */
import { EMD_BINS } from './emd.ts';
import { numpySumF32 } from './sums.ts';
import { weightedLowerMedian } from './weightedMedian.ts';

/**
 * Counting sort of the valid pixels by label (1..k), keeping C order inside a label, as
 * the notebook's `groupMap == group` masks see them. Afterwards the members of label g are
 * `order[s .. s + counts[g])` with s = counts[1] + ... + counts[g - 1]. `counts` and
 * `starts` need k + 2 slots, `order` nValid; labels outside 1..k are not allowed.
 */
export function membersByLabel(labels: Int32Array, nValid: number, k: number, counts: Int32Array, starts: Int32Array, order: Int32Array): void {
  counts.fill(0);
  for (let v = 0; v < nValid; v++) counts[labels[v]!]!++;
  starts[1] = 0;
  for (let g = 1; g <= k; g++) starts[g + 1] = starts[g]! + counts[g]!;
  for (let v = 0; v < nValid; v++) {
    const g = labels[v]!;
    order[starts[g]!] = v;
    starts[g]!++;
  }
}

/**
 * The notebook's centroid `np.sum(sfh[:, members] * mass[members], axis=1) / np.sum(mass)`
 * written to `out[row .. row + B)` (which must hold zeros; B age bins, default 50): numpy sums the Fortran-ordered
 * `sfh[:, mask]` sequentially, member after member, and the masses as a float32 pairwise
 * sum. Returns that float32 mass sum (the group's reported mass). `massSel` is scratch of
 * at least m elements.
 */
export function meanOfMembers(
  sfh: Float64Array,
  npix: number,
  mass: Float32Array,
  validIdx: Int32Array,
  order: Int32Array,
  first: number,
  m: number,
  massSel: Float32Array,
  block: number,
  out: Float64Array,
  row: number,
  B: number = EMD_BINS,
): number {
  for (let i = 0; i < m; i++) massSel[i] = mass[validIdx[order[first + i]!]!]!;
  const msum = numpySumF32(massSel, 0, m, 1, block);
  for (let i = 0; i < m; i++) {
    const p = validIdx[order[first + i]!]!;
    const mv = massSel[i]!;
    for (let a = 0; a < B; a++) out[row + a] = out[row + a]! + sfh[a * npix + p]! * mv;
  }
  for (let a = 0; a < B; a++) out[row + a] = out[row + a]! / msum;
  return msum;
}

/**
 * How the members weigh in the W1 median. 'pixel': every pixel counts once, so the median
 * minimises the group's total EMD, the objective the assignment step minimises too (the
 * clustering's objective then never rises). 'mass': each pixel weighs its mass, so the
 * median minimises sum_i mass_i * EMD_i instead, a different objective.
 */
export type MedianWeights = 'pixel' | 'mass';

/**
 * The W1 median of a group: for every age bin, the lower weighted median of the members'
 * CDF values, written to `out[row .. row + B)` as a CDF. For distributions on arange(B)
 * the EMD is the sum over bins of |F - G|, so this pointwise median minimises
 * sum_i w_i * EMD(member_i, centre); a pointwise median of non-decreasing CDFs is itself
 * non-decreasing and ends at 1. Returns the members' total weight (float64); a total that
 * is not positive and finite means there is no median (the caller fails the run, as the
 * notebook fails on a mean of zero mass). `values`/`weights` are scratch of m elements.
 */
export function w1MedianOfMembers(
  pixCdf: Float64Array,
  mass: Float32Array,
  by: MedianWeights,
  validIdx: Int32Array,
  order: Int32Array,
  first: number,
  m: number,
  values: Float64Array,
  weights: Float64Array,
  out: Float64Array,
  row: number,
  B: number = EMD_BINS,
): number {
  const byMass = by === 'mass';
  let total = 0;
  for (let i = 0; i < m; i++) total += byMass ? mass[validIdx[order[first + i]!]!]! : 1;
  if (!(total > 0 && total < Number.POSITIVE_INFINITY)) return total;
  const half = total * 0.5;
  for (let a = 0; a < B; a++) {
    for (let i = 0; i < m; i++) {
      const v = order[first + i]!;
      values[i] = pixCdf[v * B + a]!;
      weights[i] = byMass ? mass[validIdx[v]!]! : 1;
    }
    out[row + a] = weightedLowerMedian(values, weights, m, half);
  }
  return total;
}
