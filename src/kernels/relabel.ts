/**
 * Numbering groups by age. k-means labels are arbitrary (they follow the random start), so
 * group 2 of a k = 3 map has nothing to do with group 2 of a k = 4 map. Renumbering the
 * groups from the youngest to the oldest mass-weighted mean age makes maps of different k
 * and seeds comparable at a glance (group 1 is always the youngest population).
 */
import { EMD_BINS } from './emd.ts';

/**
 * The MILES SSP ages of the 50 pPXF age bins, in Gyr: 10**(-1.2 + 0.05 i), i = 0..49
 * (63 Myr to 17.8 Gyr, log-spaced). The EMD's support arange(50) is this grid's index.
 */
export const MILES_AGES_GYR: Float64Array = Float64Array.from({ length: EMD_BINS }, (_, i) => 10 ** (-1.2 + 0.05 * i));

/**
 * The mass-weighted mean age (Gyr, linear) of each group's mean SFH (rows of `meanSfh`,
 * groups x ages.length): sum_i age_i w_i / sum_i w_i, summed in age order. NaN for a NaN
 * row. `ages` defaults to the MILES grid; an nGIST run passes its own grid's ages.
 */
export function groupMeanAges(meanSfh: Float64Array, groups: number, ages: ArrayLike<number> = MILES_AGES_GYR): Float64Array {
  const out = new Float64Array(groups);
  const B = ages.length;
  for (let g = 0; g < groups; g++) {
    let num = 0;
    let den = 0;
    for (let i = 0; i < B; i++) {
      const w = meanSfh[g * B + i]!;
      num += ages[i]! * w;
      den += w;
    }
    out[g] = num / den;
  }
  return out;
}

/**
 * The renumbering youngest-first: `newLabel[g - 1]` is the new 1-based label of old group
 * g, ranked by `ages` (ascending; equal ages keep their old order; NaN ages go last).
 */
export function ageRanks(ages: Float64Array): Int32Array {
  const order = Array.from({ length: ages.length }, (_, g) => g);
  const key = (g: number): number => (Number.isNaN(ages[g]!) ? Number.POSITIVE_INFINITY : ages[g]!);
  order.sort((a, b) => key(a) - key(b) || a - b);
  const newLabel = new Int32Array(ages.length);
  order.forEach((g, rank) => {
    newLabel[g] = rank + 1;
  });
  return newLabel;
}

/** A label map renumbered by `newLabel` (old label g becomes newLabel[g - 1]; NaN stays). */
export function permuteLabels(newLabel: Int32Array, labels: Float64Array): Float64Array {
  return labels.map((l) => (Number.isNaN(l) ? l : newLabel[l - 1]!));
}

/**
 * A per-group table (row g - 1 of `width` values belongs to old group g) with its rows
 * moved to the new labels' rows, so the table still lines up with the renumbered map.
 */
export function permuteRows<T extends Float64Array | Float32Array>(newLabel: Int32Array, data: T, width: number): T {
  const moved = data.slice() as T;
  for (let g = 0; g < newLabel.length; g++) moved.set(data.subarray(g * width, (g + 1) * width), (newLabel[g]! - 1) * width);
  return moved;
}
