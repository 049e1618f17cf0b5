/**
 * The notebook's cuts (DtdEstimator cells 10 and 15, in its order) and the one thing it
 * precomputes per host: the PSF-blurred SN position summed per group (`probIndex`).
 * Every host left out is returned with the reason, so a report can say which and why.
 */
import { gaussianFilter2d } from '../kernels/gaussian.ts';
import { NUMPY1_SUM_BLOCK, numpySum } from '../kernels/sums.ts';
import { N_AGE_BINS, type DtdHost } from './host.ts';

/** The cuts; the defaults are the notebook's. */
export interface DtdCuts {
  /** Only this exact `SN Type` is fitted (the notebook: `!= 'Ia'` -> skip; 'Ia-pec' is out). */
  readonly snType: string;
  /** Hosts whose PSF sigma (pixels) is above this are left out (`> 4` -> skip). */
  readonly maxPsfSigma: number;
  /** Hosts with fewer grouped pixels are left out (`< 200` -> skip). */
  readonly minGrouped: number;
  /** The gaussian truncation of the SN-position blur (`gaussian_filter(..., truncate=3)`). */
  readonly truncate: number;
}

/** The notebook's values. */
export const NOTEBOOK_CUTS: DtdCuts = { snType: 'Ia', maxPsfSigma: 4, minGrouped: 200, truncate: 3 };

/** Why a host is not fitted (kebab-case, as elsewhere in the tool). */
export type DtdExclusionReason = 'not-ia' | 'psf-too-wide' | 'sn-outside-map' | 'sn-not-grouped' | 'too-few-pixels' | 'labels-mismatch';

/** A host left out, with the reason in words. */
export interface DtdExclusion {
  readonly id: string;
  readonly snName: string;
  readonly k: number;
  readonly reason: DtdExclusionReason;
  readonly detail: string;
  readonly file?: string;
}

/** A host that passed the cuts, with its per-group SN probability. */
export interface PreparedHost {
  readonly host: DtdHost;
  /**
   * The blurred SN position summed over each group's pixels, one value per row of
   * `host.groupSfh` (the notebook's `probIndex[mask]`). scipy's mode 'reflect' folds blur
   * that would fall beyond the map's edge back onto it (the blurred delta still sums to 1),
   * so only blur on ungrouped pixels is lost and the values sum to at most 1.
   */
  readonly probIndex: Float64Array;
  /** Number of groups (rows of groupSfh). */
  readonly groups: number;
}

/**
 * `probIndex` as cell 15 computes it: a delta at [y, x], `gaussian_filter(probMap,
 * sigma=psfSigma, truncate=3)` (mode 'reflect', bit-exact with scipy 1.10), then
 * `np.sum(probMap[groupMap == j+1])` for j = 0..labels-1 (numpy's pairwise sum over the
 * C-ordered selection). Returns one sum per label 1..labels.
 */
export function groupProbabilities(host: DtdHost, labels: number, truncate = NOTEBOOK_CUTS.truncate): Float64Array {
  const { nx, ny, groupMap } = host;
  const [x, y] = host.snPixel;
  const delta = new Float64Array(nx * ny);
  delta[y * nx + x] = 1;
  const blurred = gaussianFilter2d(delta, ny, nx, host.psfSigma, truncate);
  const out = new Float64Array(labels);
  const picked = new Float64Array(nx * ny);
  for (let j = 1; j <= labels; j++) {
    let n = 0;
    for (let i = 0; i < groupMap.length; i++) if (groupMap[i] === j) picked[n++] = blurred[i]!;
    out[j - 1] = numpySum(picked, 0, n, 1, NUMPY1_SUM_BLOCK);
  }
  return out;
}

/**
 * Applies the cuts in the notebook's order and prepares the hosts that pass. Two
 * deliberate differences from the notebook, both about inputs it would mishandle:
 * - an SN pixel with a negative coordinate is left out ('sn-outside-map'); numpy would
 *   wrap the index to the far side of the map and fit the wrong pixel;
 * - a map whose labels are not exactly 1..rows of HDU 1 is left out ('labels-mismatch');
 *   numpy would raise on the length mismatch, or misalign groups if the lengths agreed.
 */
export function selectHosts(hosts: readonly DtdHost[], cuts: DtdCuts = NOTEBOOK_CUTS): { kept: PreparedHost[]; excluded: DtdExclusion[] } {
  const kept: PreparedHost[] = [];
  const excluded: DtdExclusion[] = [];
  for (const host of hosts) {
    const leave = (reason: DtdExclusionReason, detail: string): void => {
      excluded.push({ id: host.id, snName: host.snName, k: host.k, reason, detail, ...(host.file !== undefined ? { file: host.file } : {}) });
    };
    if (host.snType !== cuts.snType) {
      leave('not-ia', `SN Type is '${host.snType}', not exactly '${cuts.snType}'`);
      continue;
    }
    // A PSF that is not a number would blur nothing (scipy skips sigma <= 1e-15, and NaN
    // compares false), so it is left out rather than fitted as a point.
    if (!(host.psfSigma >= 0) || host.psfSigma > cuts.maxPsfSigma) {
      leave('psf-too-wide', Number.isFinite(host.psfSigma) ? `PSF sigma ${host.psfSigma.toFixed(3)} px > ${cuts.maxPsfSigma} px` : `PSF sigma is ${host.psfSigma}, not a number of pixels`);
      continue;
    }
    const [x, y] = host.snPixel;
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= host.nx || y >= host.ny) {
      leave('sn-outside-map', `SN pixel (${x}, ${y}) is outside the ${host.nx} x ${host.ny} map`);
      continue;
    }
    if (Number.isNaN(host.groupMap[y * host.nx + x]!)) {
      leave('sn-not-grouped', `SN pixel (${x}, ${y}) is not in any group`);
      continue;
    }
    let grouped = 0;
    let maxLabel = 0;
    const present = new Set<number>();
    for (const v of host.groupMap) {
      if (Number.isNaN(v)) continue;
      grouped++;
      present.add(v);
      if (v > maxLabel) maxLabel = v;
    }
    if (grouped < cuts.minGrouped) {
      leave('too-few-pixels', `${grouped} grouped pixels < ${cuts.minGrouped}`);
      continue;
    }
    const groups = host.groupMass.length;
    const contiguous = present.size === maxLabel && [...present].every((v) => Number.isInteger(v) && v >= 1);
    if (!contiguous || maxLabel !== groups || host.groupSfh.length !== groups * N_AGE_BINS) {
      leave('labels-mismatch', `the map's labels are {${[...present].sort((a, b) => a - b).join(', ')}}, but HDU 1/2 hold ${groups} groups; row j must be label j+1`);
      continue;
    }
    // The notebook sums labels 1..k and keeps those with pixels; with labels 1..groups
    // present that is the first `groups` sums.
    kept.push({ host, probIndex: groupProbabilities(host, groups, cuts.truncate), groups });
  }
  return { kept, excluded };
}
