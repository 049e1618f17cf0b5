/**
 * The notebook's `emdKnn`: k-means over pixels where a pixel is its 50-bin SFH, the
 * centroid is the mass-weighted mean SFH and the distance is the 1-D earth mover's
 * distance. Reproduces the notebook (numpy 1.24 / scipy 1.10) exactly — same random start,
 * same sums in the same order, same tie-breaking — so a seed gives the notebook's group map
 * pixel for pixel, in milliseconds instead of minutes.
 *
 * The notebook, step by step:
 * 1. A pixel is valid when `sfh.sum(axis=0)` (a sequential sum over the 50 ages) is not
 *    NaN and >= minSfhSum, and its mass is not NaN.
 * 2. `np.random.seed(seed); np.random.randint(k, size=(ny, nx)) + 1` labels every pixel
 *    (invalid ones included, they consume draws), then invalid pixels become NaN.
 * 3. Each round, for g = 1..k' (k' = groups kept by the previous round, k at first):
 *    members = valid pixels labelled g in C order; groups of <= 1 pixel are dropped; the
 *    centroid is `np.sum(sfh[:, members] * mass[members], axis=1) / np.sum(mass[members])`
 *    with float64 products. Surprise: `sfh[:, mask]` comes out Fortran-ordered, so that
 *    row sum is sequential over the members (not pairwise), on numpy 1.24 and 2.4 alike.
 *    The mass sum is a float32 pairwise sum (a contiguous 1-D array) and is the group's
 *    reported mass. The kept groups are renumbered 1..k' in order.
 * 4. Every valid pixel takes 1 + the index of the nearest centroid (first on ties).
 * 5. Stop when no label changed in the round, or after maxIter rounds. The returned
 *    centroids and masses are those computed at the start of the last round.
 */
import { cdf50, EMD_BINS, emdFromCdfs } from './emd.ts';
import { legacyRandint, mt19937Seed } from './random.ts';
import { NUMPY1_SUM_BLOCK, numpySum, numpySumF32, sumMiddleAxis } from './sums.ts';

/** Inputs of {@link emdKMeans}. */
export interface EmdKMeansOptions {
  /** The smoothed SFH cube, C-ordered (nAges, ny, nx), float64. */
  readonly sfh: Float64Array;
  /** The mass map, C-ordered (ny, nx), float32; NaN excludes a pixel. */
  readonly mass: Float32Array;
  /** Age bins; the notebook's EMD support is arange(50), so this must be 50. */
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

/** Result of {@link emdKMeans}. */
export interface EmdKMeansResult {
  /** Group per pixel, C-ordered (ny, nx): 1..groups, NaN where excluded. */
  readonly labels: Float64Array;
  /** Mean SFH per group, C-ordered (groups, nAges), from the start of the last round. */
  readonly meanSfh: Float64Array;
  /** Mass per group (float32 sums), from the start of the last round. */
  readonly masses: Float32Array;
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
   * pixels included (they are not zeroed), C-ordered.
   */
  readonly initialLabels: Int32Array;
  /** Null on success. */
  readonly failure: EmdKMeansFailure | null;
}

/** Checks the options; throws a RangeError/TypeError naming the expectation. */
function check(o: EmdKMeansOptions): void {
  const int = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`emdKMeans: \`${name}\` must be an integer in [${min}, ${max}]. Value: \`${v}\`.`);
    }
  };
  if (!(o.sfh instanceof Float64Array)) throw new TypeError('emdKMeans: `sfh` must be a Float64Array (the smoothed SFH cube).');
  if (!(o.mass instanceof Float32Array)) throw new TypeError('emdKMeans: `mass` must be a Float32Array (the float32 mass map).');
  const nAges = o.nAges ?? EMD_BINS;
  if (nAges !== EMD_BINS) {
    throw new RangeError(`emdKMeans: \`nAges\` must be ${EMD_BINS}: the notebook's EMD support is arange(${EMD_BINS}). Value: \`${nAges}\`.`);
  }
  int('ny', o.ny, 1);
  int('nx', o.nx, 1);
  int('k', o.k, 1, 2 ** 20);
  int('seed', o.seed, 0, 0xffffffff);
  int('maxIter', o.maxIter ?? 100, 1);
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

/** True when 50 weights are a distribution scipy accepts (no w < 0, 0 < np.sum < inf). */
function acceptable(w: Float64Array, offset: number, stride: number, block: number): boolean {
  for (let m = 0; m < EMD_BINS; m++) if (w[offset + m * stride]! < 0) return false;
  const s = numpySum(w, offset, EMD_BINS, stride, block);
  return s > 0 && s < Number.POSITIVE_INFINITY;
}

/**
 * Runs the notebook's EMD k-means. Bad arguments throw; data that cannot be clustered
 * returns a result with `groups: 0` and a `failure` saying why.
 */
export function emdKMeans(o: EmdKMeansOptions): EmdKMeansResult {
  check(o);
  const { sfh, mass, ny, nx, k, seed } = o;
  const maxIter = o.maxIter ?? 100;
  const minSum = o.minSfhSum ?? 0.8;
  const block = o.sumBlock ?? NUMPY1_SUM_BLOCK;
  const B = EMD_BINS;
  const npix = ny * nx;

  // 1. validity, with numpy's sfh.sum(axis=0) (pairwise only when there is one pixel)
  const total = new Float64Array(npix);
  if (npix === 1) total[0] = numpySum(sfh, 0, B, 1, block);
  else sumMiddleAxis(sfh, 1, B, npix, total);
  let nValid = 0;
  for (let p = 0; p < npix; p++) {
    const s = total[p]!;
    if (s === s && s >= minSum && mass[p] === mass[p]) nValid++;
  }
  const validIdx = new Int32Array(nValid);
  for (let p = 0, v = 0; p < npix; p++) {
    const s = total[p]!;
    if (s === s && s >= minSum && mass[p] === mass[p]) validIdx[v++] = p;
  }

  // 2. the random start
  const initialLabels = legacyRandint(mt19937Seed(seed), k, npix, new Int32Array(npix));
  for (let p = 0; p < npix; p++) initialLabels[p] = initialLabels[p]! + 1;
  const labels = new Float64Array(npix).fill(NaN);
  const cur = new Int32Array(nValid);
  for (let v = 0; v < nValid; v++) {
    cur[v] = initialLabels[validIdx[v]!]!;
    labels[validIdx[v]!] = cur[v]!;
  }

  /** The labels as they were when it stopped, no groups, and why. */
  const fail = (reason: EmdKMeansFailure['reason'], round: number, message: string, hint: string): EmdKMeansResult => {
    for (let v = 0; v < nValid; v++) labels[validIdx[v]!] = cur[v]!;
    return {
      labels,
      meanSfh: new Float64Array(0),
      masses: new Float32Array(0),
      groups: 0,
      iterations: round,
      converged: false,
      valid: nValid,
      initialLabels,
      failure: { reason, round, message, hint },
    };
  };
  if (nValid === 0) {
    return fail('no-valid-pixels', 0, `no pixel has a mass and an SFH summing to >= ${minSum}`, 'check the mass map and the SFH cube, or lower minSfhSum');
  }

  // pixel CDFs, once
  const pixCdf = new Float64Array(nValid * B);
  for (let v = 0; v < nValid; v++) {
    const p = validIdx[v]!;
    if (!acceptable(sfh, p, npix, block)) {
      return fail('invalid-weights', 0, `pixel ${p} (x=${p % nx}, y=${Math.floor(p / nx)}) has a negative or non-finite SFH weight`, 'the smoothed SFH must be finite and >= 0 where it is used');
    }
    cdf50(sfh, p, npix, pixCdf, v * B);
  }

  // scratch, allocated once
  const counts = new Int32Array(k + 2);
  const starts = new Int32Array(k + 2);
  const order = new Int32Array(nValid);
  const massSel = new Float32Array(nValid);
  const maxKept = Math.min(k, nValid >> 1); // a kept group has >= 2 pixels
  let centroids = new Float64Array(0);
  let masses = new Float32Array(0);
  const cenCdf = new Float64Array(maxKept * B);

  let kCur = k;
  let groups = 0;
  let round = 0;
  let converged = false;
  while (round < maxIter) {
    round++;
    // members of each label, in C order (counting sort keeps the order)
    counts.fill(0);
    for (let v = 0; v < nValid; v++) counts[cur[v]!]!++;
    starts[1] = 0;
    for (let g = 1; g <= kCur; g++) starts[g + 1] = starts[g]! + counts[g]!;
    for (let v = 0; v < nValid; v++) {
      const g = cur[v]!;
      order[starts[g]!] = v;
      starts[g]!++;
    }
    // centroids
    const cen = new Float64Array(Math.min(kCur, maxKept) * B);
    const mas = new Float32Array(Math.min(kCur, maxKept));
    let kept = 0;
    for (let g = 1, end = 0; g <= kCur; g++) {
      const m = counts[g]!;
      const first = end;
      end += m;
      if (m <= 1) continue;
      for (let i = 0; i < m; i++) massSel[i] = mass[validIdx[order[first + i]!]!]!;
      const msum = numpySumF32(massSel, 0, m, 1, block);
      // sfh[:, members] is Fortran-ordered (strides (8, 400)), so numpy's sum over the
      // members is sequential, member after member, for every age at once.
      const row = kept * B;
      for (let i = 0; i < m; i++) {
        const p = validIdx[order[first + i]!]!;
        const mv = massSel[i]!;
        for (let a = 0; a < B; a++) cen[row + a] = cen[row + a]! + sfh[a * npix + p]! * mv;
      }
      for (let a = 0; a < B; a++) cen[row + a] = cen[row + a]! / msum;
      mas[kept] = msum;
      kept++;
    }
    if (kept === 0) {
      return fail('no-groups', round, `every group had one pixel or none in round ${round} (${nValid} valid pixels, k=${k})`, 'use a smaller k');
    }
    for (let c = 0; c < kept; c++) {
      if (!acceptable(cen, c * B, 1, block)) {
        return fail('invalid-weights', round, `group ${c + 1}'s mean SFH is not a valid distribution in round ${round} (mass ${mas[c]})`, 'pixels with zero mass should be excluded (NaN) from the mass map');
      }
      cdf50(cen, c * B, 1, cenCdf, c * B);
    }
    centroids = cen;
    masses = mas;
    groups = kept;
    // assignment
    let changed = 0;
    for (let v = 0; v < nValid; v++) {
      const po = v * B;
      let best = 0;
      let bestD = emdFromCdfs(cenCdf, 0, pixCdf, po);
      for (let c = 1; c < kept; c++) {
        const d = emdFromCdfs(cenCdf, c * B, pixCdf, po);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      const label = best + 1;
      if (label !== cur[v]) {
        changed++;
        cur[v] = label;
      }
    }
    kCur = kept;
    o.onIteration?.(round, changed);
    if (changed === 0) {
      converged = true;
      break;
    }
  }
  for (let v = 0; v < nValid; v++) labels[validIdx[v]!] = cur[v]!;
  return {
    labels,
    meanSfh: centroids.subarray(0, groups * B).slice(),
    masses: masses.subarray(0, groups).slice(),
    groups,
    iterations: round,
    converged,
    valid: nValid,
    initialLabels,
    failure: null,
  };
}
