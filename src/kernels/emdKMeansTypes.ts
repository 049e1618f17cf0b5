/**
 * The types and argument checks of `emdKMeans`, apart from the algorithm so that
 * file stays readable: what goes in, what comes out, and why a run can fail.
 */
import type { MedianWeights } from './centroids.ts';
import { EMD_BINS } from './emd.ts';
import { NUMPY1_SUM_BLOCK } from './sums.ts';

/** The most groups the clustering makes (a bound on its work arrays' sizes). */
export const MAX_K = 2 ** 20;

/** How the first labels are drawn: the notebook's `randint`, or k-means++ (same stream). */
export type EmdKMeansInit = 'random' | 'kmeans++';

/** The group centre used for assignment: the notebook's mass-weighted mean, or the W1 median. */
export type EmdKMeansCentroid = 'mean' | 'w1-median';

/** Inputs of `emdKMeans`. */
export interface EmdKMeansOptions {
  /** The smoothed SFH cube, C-ordered (nAges, ny, nx), float64. */
  readonly sfh: Float64Array;
  /** The mass map, C-ordered (ny, nx), float32; NaN excludes a pixel. */
  readonly mass: Float32Array;
  /** Age bins B, default 50 (the notebook's MILES grid); the EMD's support is arange(B). */
  readonly nAges?: number;
  readonly ny: number;
  readonly nx: number;
  /** Number of groups to start with (the notebook's `coreNum`), at most 2**20. */
  readonly k: number;
  /** `np.random.seed` value, an integer in [0, 2**32 - 1]. */
  readonly seed: number;
  /** Maximum rounds (the notebook's `stepper`), default 100. */
  readonly maxIter?: number;
  /** A pixel whose SFH sums to less is excluded, default 0.8. */
  readonly minSfhSum?: number;
  /**
   * numpy's sum block ({@link NUMPY1_SUM_BLOCK} = the notebook's numpy 1.24, the default;
   * NUMPY2_SUM_BLOCK for numpy >= 2.3). Only the float32 mass sum of a group of more than
   * 8192 pixels depends on it.
   */
  readonly sumBlock?: number;
  /** Called after every round with its 1-based number and how many labels changed. */
  readonly onIteration?: (round: number, changed: number) => void;
  /** The start, default 'random' (the notebook's). */
  readonly init?: EmdKMeansInit;
  /** The centre used for assignment, default 'mean' (the notebook's). */
  readonly centroid?: EmdKMeansCentroid;
  /** How members weigh in the 'w1-median' centre, default 'pixel' (see {@link MedianWeights}). */
  readonly medianWeights?: MedianWeights;
}

/** Why a clustering produced no groups (a value, not an exception). */
export interface EmdKMeansFailure {
  /**
   * 'no-valid-pixels': nothing to cluster. 'no-groups': a round kept no group (every group
   * had <= 1 pixel; the notebook crashes in np.argmin). 'invalid-weights': a pixel or a
   * centroid is not a valid distribution for scipy (negative weight, or a sum that is not
   * positive and finite, e.g. a group whose masses are all 0); the notebook raises there.
   */
  readonly reason: 'no-valid-pixels' | 'no-groups' | 'invalid-weights';
  /** The round in which it happened (1-based; 0 = before the first round). */
  readonly round: number;
  readonly message: string;
  readonly hint: string;
}

/** Result of `emdKMeans`. */
export interface EmdKMeansResult {
  /** Group per pixel, C-ordered (ny, nx): 1..groups, NaN where excluded. */
  readonly labels: Float64Array;
  /**
   * Mass-weighted mean SFH per group, C-ordered (groups, nAges): from the start of the last
   * round with centroid 'mean' (as the notebook), of the final groups with 'w1-median'
   * (a group left empty by an unconverged last round then has a NaN row and mass 0).
   */
  readonly meanSfh: Float64Array;
  /** Mass per group (float32 sums), of the same groups as meanSfh. */
  readonly masses: Float32Array;
  /** The CDFs the last round assigned against (groups x nAges): the mean's or the median's. */
  readonly centroidCdfs: Float64Array;
  /**
   * Total within-group EMD: the sum, over the grouped pixels in C order, of the EMD from
   * the pixel to the centroid it was last assigned to (`centroidCdfs`). NaN on failure.
   */
  readonly objective: number;
  /** The objective after each round's assignment (length `iterations`). */
  readonly objectives: Float64Array;
  /** Groups kept (k' <= k); 0 on failure. */
  readonly groups: number;
  /** Rounds run (the notebook's last `indexer` + 1). */
  readonly iterations: number;
  /** True when the last round changed no label (false when maxIter stopped it). */
  readonly converged: boolean;
  /** Pixels that took part (not excluded). */
  readonly valid: number;
  /**
   * The raw draw `np.random.randint(k, size=(ny, nx)) + 1` for every pixel, excluded
   * pixels included (they are not zeroed), C-ordered. With init 'kmeans++': the k-means++
   * labels, 0 on excluded pixels.
   */
  readonly initialLabels: Int32Array;
  /** Null on success. */
  readonly failure: EmdKMeansFailure | null;
}

/** Checks the options of `emdKMeans`; throws a RangeError/TypeError naming the expectation. */
export function checkEmdKMeansOptions(o: EmdKMeansOptions): void {
  const int = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`emdKMeans: \`${name}\` must be an integer in [${min}, ${max}]. Value: \`${v}\`.`);
    }
  };
  if (!(o.sfh instanceof Float64Array)) throw new TypeError('emdKMeans: `sfh` must be a Float64Array (the smoothed SFH cube).');
  if (!(o.mass instanceof Float32Array)) throw new TypeError('emdKMeans: `mass` must be a Float32Array (the float32 mass map).');
  const nAges = o.nAges ?? EMD_BINS;
  int('nAges', nAges, 2, 4096);
  int('ny', o.ny, 1);
  int('nx', o.nx, 1);
  int('k', o.k, 1, MAX_K);
  int('seed', o.seed, 0, 0xffffffff);
  int('maxIter', o.maxIter ?? 100, 1);
  if (!['random', 'kmeans++'].includes(o.init ?? 'random')) throw new RangeError(`emdKMeans: \`init\` must be 'random' or 'kmeans++'. Value: \`${String(o.init)}\`.`);
  if (!['pixel', 'mass'].includes(o.medianWeights ?? 'pixel')) throw new RangeError(`emdKMeans: \`medianWeights\` must be 'pixel' or 'mass'. Value: \`${String(o.medianWeights)}\`.`);
  if (!['mean', 'w1-median'].includes(o.centroid ?? 'mean')) throw new RangeError(`emdKMeans: \`centroid\` must be 'mean' or 'w1-median'. Value: \`${String(o.centroid)}\`.`);
  const npix = o.ny * o.nx;
  if (o.sfh.length !== nAges * npix) {
    throw new RangeError(`emdKMeans: \`sfh\` must hold nAges*ny*nx = ${nAges * npix} values. Length: ${o.sfh.length}.`);
  }
  if (o.mass.length !== npix) {
    throw new RangeError(`emdKMeans: \`mass\` must hold ny*nx = ${npix} values. Length: ${o.mass.length}.`);
  }
  const minSum = o.minSfhSum ?? 0.8;
  if (Number.isNaN(minSum)) throw new RangeError('emdKMeans: `minSfhSum` must be a number. Value: `NaN`.');
  const block = o.sumBlock ?? NUMPY1_SUM_BLOCK;
  if (!(block >= 8) || !(Number.isInteger(block) || block === Number.POSITIVE_INFINITY)) {
    throw new RangeError(`emdKMeans: \`sumBlock\` must be an integer >= 8 or Infinity. Value: \`${block}\`.`);
  }
}
