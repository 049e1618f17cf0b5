/**
 * The notebook's `emdKnn`: k-means over pixels where a pixel is its 50-bin SFH (or the
 * B-bin SFH of another template grid, `nAges`; the EMD is then on arange(B)), the
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
 *
 * Opt-in departures (docs/clustering.md), none of which touches the default path:
 * `init: 'kmeans++'` replaces step 2 ({@link kmeansPlusPlusLabels}); `centroid:
 * 'w1-median'` replaces the centroid of step 3 by the W1 median ({@link w1MedianOfMembers},
 * each pixel weighing 1 unless `medianWeights: 'mass'`) and reports the mass-weighted mean
 * SFH and mass of the final groups. Every run also reports its objective (the total EMD of
 * the pixels to the centroids they were last assigned to), round by round.
 */
import { membersByLabel, meanOfMembers, w1MedianOfMembers } from './centroids.ts';
import { EMD_BINS } from './emd.ts';
import { cdfBins, emdKernels, type EmdKernels } from './emd-bins.ts';
import { kmeansPlusPlusLabels } from './kmeansPlusPlus.ts';
import { legacyRandint, mt19937Seed } from './random.ts';
import { NUMPY1_SUM_BLOCK, numpySum, numpySumF32, sumMiddleAxis } from './sums.ts';
import { checkEmdKMeansOptions, type EmdKMeansFailure, type EmdKMeansOptions, type EmdKMeansResult } from './emdKMeansTypes.ts';
import type { Region } from './wasm/index.ts';

export type { EmdKMeansCentroid, EmdKMeansFailure, EmdKMeansInit, EmdKMeansOptions, EmdKMeansResult } from './emdKMeansTypes.ts';

/** True when B weights are a distribution scipy accepts (no w < 0, 0 < np.sum < inf). */
function acceptable(w: Float64Array, offset: number, stride: number, block: number, B: number): boolean {
  for (let m = 0; m < B; m++) if (w[offset + m * stride]! < 0) return false;
  const s = numpySum(w, offset, B, stride, block);
  return s > 0 && s < Number.POSITIVE_INFINITY;
}

/** rows[v * B + a] = sfh[a * npix + validIdx[v]], plane by plane. */
function copyPixelRows(sfh: Float64Array, npix: number, validIdx: Int32Array, rows: Float64Array, B: number): void {
  const n = validIdx.length;
  for (let a = 0; a < B; a++) {
    const plane = a * npix;
    for (let v = 0; v < n; v++) rows[v * B + a] = sfh[plane + validIdx[v]!]!;
  }
}

/** Each row's CDF into `cdfs`; the index of the first row scipy would refuse, or -1. */
function pixelCdfs(rows: Float64Array, n: number, block: number, cdfs: Float64Array, B: number): number {
  for (let v = 0; v < n; v++) {
    if (!acceptable(rows, v * B, 1, block, B)) return v;
    cdfBins(rows, v * B, 1, cdfs, v * B, B);
  }
  return -1;
}

/**
 * Runs the notebook's EMD k-means. Bad arguments throw; data that cannot be clustered
 * returns a result with `groups: 0` and a `failure` saying why.
 */
export function emdKMeans(o: EmdKMeansOptions): EmdKMeansResult {
  checkEmdKMeansOptions(o);
  const { sfh, mass, ny, nx, k, seed } = o;
  const maxIter = o.maxIter ?? 100;
  const minSum = o.minSfhSum ?? 0.8;
  const block = o.sumBlock ?? NUMPY1_SUM_BLOCK;
  const B = o.nAges ?? EMD_BINS;
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

  // The per-pixel arrays the rounds work on live in the WebAssembly kernels' memory
  // (src/kernels/wasm; JavaScript ones of the same contract for a grid of other than 50
  // ages, emd-bins.ts): the pixels' CDFs and weights as rows of B, their labels and
  // masses; then each label's weighted sum and the kept centroids' CDFs.
  const median = o.centroid === 'w1-median';
  const maxKept = Math.min(k, nValid >> 1); // a kept group has >= 2 pixels
  const wasm: EmdKernels = emdKernels(B);
  const ROW_BYTES = wasm.rowBytes;
  const [rCdf, rRows, rCur, rMassValid, rSum, rCen] = wasm.layout(
    nValid * ROW_BYTES,
    nValid * ROW_BYTES,
    nValid * 4,
    nValid * 4,
    k * ROW_BYTES,
    maxKept * ROW_BYTES,
  ) as [Region, Region, Region, Region, Region, Region];

  // 2. the random start (k-means++ draws once the pixels' CDFs are known)
  const plusPlus = o.init === 'kmeans++';
  const initialLabels = new Int32Array(npix);
  const labels = new Float64Array(npix).fill(NaN);
  const cur = wasm.i32(rCur);
  if (!plusPlus) {
    legacyRandint(mt19937Seed(seed), k, npix, initialLabels);
    for (let p = 0; p < npix; p++) initialLabels[p] = initialLabels[p]! + 1;
    for (let v = 0; v < nValid; v++) {
      cur[v] = initialLabels[validIdx[v]!]!;
      labels[validIdx[v]!] = cur[v]!;
    }
  }

  /** The labels as they were when it stopped, no groups, and why. */
  const fail = (reason: EmdKMeansFailure['reason'], round: number, message: string, hint: string): EmdKMeansResult => {
    for (let v = 0; v < nValid; v++) labels[validIdx[v]!] = cur[v]! > 0 ? cur[v]! : NaN;
    return {
      labels,
      meanSfh: new Float64Array(0),
      masses: new Float32Array(0),
      centroidCdfs: new Float64Array(0),
      objective: NaN,
      objectives: new Float64Array(0),
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

  // each pixel's 50 weights as one row, copied plane by plane (the SFH cube is age-major);
  // then the pixel CDFs, once, from the rows (the same values in the same order). Both are
  // separate functions: V8 optimises a small hot function at once, while the loops of this
  // long one ran unoptimised for ~8 ms.
  const pixCdf = wasm.f64(rCdf);
  const rows = wasm.f64(rRows);
  copyPixelRows(sfh, npix, validIdx, rows, B);
  const bad = pixelCdfs(rows, nValid, block, pixCdf, B);
  if (bad >= 0) {
    const p = validIdx[bad]!;
    return fail('invalid-weights', 0, `pixel ${p} (x=${p % nx}, y=${Math.floor(p / nx)}) has a negative or non-finite SFH weight`, 'the smoothed SFH must be finite and >= 0 where it is used');
  }
  const massValid = wasm.f32(rMassValid);
  for (let v = 0; v < nValid; v++) massValid[v] = mass[validIdx[v]!]!;
  if (plusPlus) {
    kmeansPlusPlusLabels(pixCdf, nValid, k, mt19937Seed(seed), cur, new Float64Array(nValid), B);
    for (let v = 0; v < nValid; v++) {
      initialLabels[validIdx[v]!] = cur[v]!;
      labels[validIdx[v]!] = cur[v]!;
    }
  }

  // scratch, allocated once
  const counts = new Int32Array(k + 2);
  const starts = new Int32Array(k + 2);
  const order = new Int32Array(nValid);
  const massSel = new Float32Array(nValid);
  const sums = wasm.f64(rSum);
  const medValues = new Float64Array(median ? nValid : 0);
  const medWeights = new Float64Array(median ? nValid : 0);
  // (grown round by round: maxIter is a bound, not a size; --set maxIter=1e15 is legal)
  const objectives: number[] = [];
  let centroids = new Float64Array(0);
  let masses = new Float32Array(0);
  const cenCdf = wasm.f64(rCen);

  let kCur = k;
  let groups = 0;
  let round = 0;
  let converged = false;
  while (round < maxIter) {
    round++;
    // members of each label, in C order (counting sort keeps the order)
    membersByLabel(cur, nValid, kCur, counts, starts, order);
    // centroids: every label's weighted sum in one pass over the pixels (in WebAssembly;
    // each sum adds its members in pixel order, as meanOfMembers does)
    if (!median) {
      sums.fill(0, 0, kCur * B);
      wasm.accumulateAll(rRows, rCur, rMassValid, nValid, rSum);
    }
    const cen = new Float64Array(Math.min(kCur, maxKept) * B);
    const mas = new Float32Array(Math.min(kCur, maxKept));
    let kept = 0;
    for (let g = 1, end = 0; g <= kCur; g++) {
      const m = counts[g]!;
      const first = end;
      end += m;
      if (m <= 1) continue;
      if (median) {
        const w = w1MedianOfMembers(pixCdf, mass, o.medianWeights ?? 'pixel', validIdx, order, first, m, medValues, medWeights, cenCdf, kept * B, B);
        if (!(w > 0 && w < Number.POSITIVE_INFINITY)) {
          return fail('invalid-weights', round, `group ${kept + 1}'s members have no positive finite total mass in round ${round} (${w}), so it has no weighted median`, 'pixels with zero mass should be excluded (NaN) from the mass map');
        }
      } else {
        // meanOfMembers (centroids.ts): the members' float32 mass sum (pairwise, as numpy),
        // then the weighted sum of label g divided by it
        for (let i = 0; i < m; i++) massSel[i] = massValid[order[first + i]!]!;
        const msum = numpySumF32(massSel, 0, m, 1, block);
        const row = kept * B;
        const from = (g - 1) * B;
        for (let a = 0; a < B; a++) cen[row + a] = sums[from + a]! / msum;
        mas[kept] = msum;
      }
      kept++;
    }
    if (kept === 0) {
      return fail('no-groups', round, `every group had one pixel or none in round ${round} (${nValid} valid pixels, k=${k})`, 'use a smaller k');
    }
    for (let c = 0; c < kept && !median; c++) {
      if (!acceptable(cen, c * B, 1, block, B)) {
        return fail('invalid-weights', round, `group ${c + 1}'s mean SFH is not a valid distribution in round ${round} (mass ${mas[c]})`, 'pixels with zero mass should be excluded (NaN) from the mass map');
      }
      cdfBins(cen, c * B, 1, cenCdf, c * B, B);
    }
    centroids = cen;
    masses = mas;
    groups = kept;
    // assignment: every pixel to its nearest centroid (emdFromCdfs, first on ties), the
    // objective summed in pixel order; in WebAssembly (src/kernels/wasm/emd.wat)
    const { changed, objective } = wasm.assign(rCdf, nValid, rCen, kept, rCur);
    kCur = kept;
    objectives.push(objective);
    o.onIteration?.(round, changed);
    if (changed === 0) {
      converged = true;
      break;
    }
  }
  for (let v = 0; v < nValid; v++) labels[validIdx[v]!] = cur[v]!;
  if (median) {
    // the reported SFH stays the physical one: the mass-weighted mean of the final groups
    membersByLabel(cur, nValid, groups, counts, starts, order);
    centroids = new Float64Array(groups * B);
    masses = new Float32Array(groups);
    for (let g = 1, end = 0; g <= groups; g++) {
      const m = counts[g]!;
      masses[g - 1] = m === 0 ? 0 : meanOfMembers(sfh, npix, mass, validIdx, order, end, m, massSel, block, centroids, (g - 1) * B, B);
      if (m === 0) centroids.fill(NaN, (g - 1) * B, g * B);
      end += m;
    }
  }
  return {
    labels,
    meanSfh: centroids.subarray(0, groups * B).slice(),
    masses: masses.subarray(0, groups).slice(),
    centroidCdfs: cenCdf.slice(0, groups * B),
    objective: objectives[round - 1]!,
    objectives: Float64Array.from(objectives),
    groups,
    iterations: round,
    converged,
    valid: nValid,
    initialLabels,
    failure: null,
  };
}
