/**
 * The clustering the `cluster` stage runs: {@link emdKMeans} (the notebook's by default),
 * optionally restarted from several seeds, with quality metrics and an optional age
 * ordering of the labels. With the defaults (restarts 1, relabel none) the labels, mean
 * SFHs and masses are exactly emdKMeans' and so exactly the notebook's; the metrics are
 * computed on the side.
 *
 * - Restarts: run r = 0..N-1 uses seed `seed + r` (restart 0 is the plain run); the one
 *   with the lowest objective is kept (the earliest on ties). A restart that fails is
 *   skipped (counted in `failedRestarts`); only when all fail does the clustering fail,
 *   with restart 0's reason.
 * - Stability (N > 1): `agreement` per pixel = the fraction of the successful restarts
 *   (the kept one included) that put the pixel in the same group as the kept solution,
 *   after matching each restart's labels to the kept ones by maximum total overlap
 *   ({@link matchLabels}); `ari` = the mean adjusted Rand index over all pairs of
 *   successful restarts.
 * - Metrics of the kept solution: `objective` (emdKMeans') and the EMD `silhouette`
 *   ({@link emdSilhouette}, sampled from `seed` beyond `silhouetteSample` pixels).
 * - relabel 'age': groups renumbered youngest first ({@link ageRanks}); labels, mean SFH
 *   rows, masses and centroid CDFs move together. Metrics do not depend on the names.
 */
import { EMD_BINS } from './emd.ts';
import { cdfBins } from './emd-bins.ts';
import { emdKMeans } from './emdKMeans.ts';
import type { EmdKMeansOptions, EmdKMeansResult } from './emdKMeansTypes.ts';
import { agreementFractions, meanPairwiseAri } from './partitions.ts';
import { ageRanks, groupMeanAges, permuteLabels, permuteRows } from './relabel.ts';
import { emdSilhouette, SILHOUETTE_SAMPLE } from './silhouette.ts';

/** How groups are numbered: as the clustering left them, or youngest first. */
export type Relabel = 'none' | 'age';

/** Inputs of {@link emdClustering}: emdKMeans' plus restarts, relabelling and sampling. */
export interface EmdClusteringOptions extends Omit<EmdKMeansOptions, 'onIteration'> {
  /** Clusterings to run, seeds seed, seed + 1, ...; default 1. */
  readonly restarts?: number;
  /** Default 'none'. */
  readonly relabel?: Relabel;
  /** The silhouette is exact up to this many pixels, sampled on this many beyond; default 1000. */
  readonly silhouetteSample?: number;
  /**
   * The age of each bin in Gyr, for the mean ages (and relabel 'age'); default the MILES
   * grid of the notebook (50 ages). Another grid (an nGIST run's) passes its own.
   */
  readonly ages?: ArrayLike<number>;
  /** Called after every round of every restart (0-based restart, 1-based round). */
  readonly onIteration?: (restart: number, round: number, changed: number) => void;
}

/** Result of {@link emdClustering}: the kept run's result (relabelled) plus the metrics. */
export interface EmdClusteringResult extends EmdKMeansResult {
  /** Mean EMD silhouette of the kept grouping; null with < 2 groups or on failure. */
  readonly silhouette: number | null;
  /** False when the silhouette was estimated on a sample. */
  readonly silhouetteExact: boolean;
  /** Mean pairwise adjusted Rand index between successful restarts; null unless >= 2. */
  readonly ari: number | null;
  /** Per pixel (ny x nx), agreement of the restarts with the kept grouping; NaN where excluded. Null when restarts = 1. */
  readonly agreement: Float64Array | null;
  /** Mass-weighted mean age (Gyr) of each reported group, in the reported label order. */
  readonly meanAges: Float64Array;
  /** Which restart was kept (0-based), so the kept map can be rerun alone. */
  readonly keptRestart: number;
  /** The kept restart's seed (seed + keptRestart): `--seed` of the same map in one run. */
  readonly keptSeed: number;
  /** The objective of every restart (NaN for a failed one), to see how much they differ. */
  readonly restartObjectives: readonly number[];
  /** Restarts that failed and were skipped (all of them when the result has a failure). */
  readonly failedRestarts: number;
}

/** Runs the clustering with restarts, metrics and relabelling (see the module comment). */
export function emdClustering(o: EmdClusteringOptions): EmdClusteringResult {
  const restarts = o.restarts ?? 1;
  const relabel = o.relabel ?? 'none';
  if (!Number.isInteger(restarts) || restarts < 1) throw new RangeError(`emdClustering: \`restarts\` must be an integer >= 1. Value: \`${restarts}\`.`);
  if (o.seed + restarts - 1 > 0xffffffff) {
    throw new RangeError(`emdClustering: the restarts' seeds ${o.seed}..${o.seed + restarts - 1} must stay <= 2**32 - 1 (np.random.seed's range).`);
  }
  if (o.ages !== undefined && o.ages.length !== (o.nAges ?? EMD_BINS)) {
    throw new RangeError(`emdClustering: \`ages\` must have one age per bin (${o.nAges ?? EMD_BINS}). Length: ${o.ages.length}.`);
  }
  if (relabel !== 'none' && relabel !== 'age') throw new RangeError(`emdClustering: \`relabel\` must be 'none' or 'age'. Value: \`${String(relabel)}\`.`);

  const { onIteration } = o;
  let kept: EmdKMeansResult | null = null;
  let keptRestart = -1;
  let first: EmdKMeansResult | null = null;
  const objectives: number[] = [];
  const runs: Int32Array[] = [];
  let validIdx: Int32Array | null = null;
  for (let r = 0; r < restarts; r++) {
    // (emdKMeans ignores the options that are only this function's)
    const res = emdKMeans({ ...o, seed: o.seed + r, onIteration: onIteration && ((round, changed) => onIteration(r, round, changed)) });
    first ??= res;
    objectives.push(res.failure ? NaN : res.objective);
    if (res.failure) continue;
    validIdx ??= validPixels(res.labels);
    if (restarts > 1) runs.push(labelsAt(res.labels, validIdx));
    if (kept === null || res.objective < kept.objective) {
      kept = res;
      keptRestart = r;
    }
  }
  if (kept === null || validIdx === null) {
    const f = first!;
    return { ...f, silhouette: null, silhouetteExact: true, ari: null, agreement: null, meanAges: new Float64Array(0), keptRestart: 0, keptSeed: o.seed, restartObjectives: objectives, failedRestarts: restarts };
  }

  const n = validIdx.length;
  const keptLabels = labelsAt(kept.labels, validIdx);
  let agreement: Float64Array | null = null;
  if (restarts > 1) {
    const fractions = agreementFractions(keptLabels, runs, n);
    agreement = new Float64Array(kept.labels.length).fill(NaN);
    for (let v = 0; v < n; v++) agreement[validIdx[v]!] = fractions[v]!;
  }
  const ari = meanPairwiseAri(runs, n);

  const npix = kept.labels.length;
  const B = o.nAges ?? EMD_BINS;
  const cdfs = new Float64Array(n * B);
  for (let v = 0; v < n; v++) cdfBins(o.sfh, validIdx[v]!, npix, cdfs, v * B, B);
  const sil = emdSilhouette(cdfs, keptLabels, n, { seed: o.seed, sample: o.silhouetteSample ?? SILHOUETTE_SAMPLE, bins: B });

  let result: EmdKMeansResult = kept;
  let meanAges = groupMeanAges(kept.meanSfh, kept.groups, o.ages);
  if (relabel === 'age') {
    const newLabel = ageRanks(meanAges);
    const meanSfh = permuteRows(newLabel, kept.meanSfh, B);
    result = {
      ...kept,
      labels: permuteLabels(newLabel, kept.labels),
      meanSfh,
      masses: permuteRows(newLabel, kept.masses, 1),
      centroidCdfs: permuteRows(newLabel, kept.centroidCdfs, B),
    };
    meanAges = groupMeanAges(meanSfh, kept.groups, o.ages);
  }
  return {
    ...result,
    silhouette: sil.value,
    silhouetteExact: sil.exact,
    ari,
    agreement,
    meanAges,
    keptRestart,
    keptSeed: o.seed + keptRestart,
    restartObjectives: objectives,
    failedRestarts: objectives.filter((x) => Number.isNaN(x)).length,
  };
}

/** The grouped pixels (not NaN in a label map), in C order. */
function validPixels(labels: Float64Array): Int32Array {
  let n = 0;
  for (let p = 0; p < labels.length; p++) if (labels[p] === labels[p]) n++;
  const idx = new Int32Array(n);
  for (let p = 0, v = 0; p < labels.length; p++) if (labels[p] === labels[p]) idx[v++] = p;
  return idx;
}

/** A label map's labels at the given pixels, as integers. */
function labelsAt(labels: Float64Array, idx: Int32Array): Int32Array {
  const out = new Int32Array(idx.length);
  for (let v = 0; v < idx.length; v++) out[v] = labels[idx[v]!]!;
  return out;
}
