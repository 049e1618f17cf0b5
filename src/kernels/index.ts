/**
 * The numeric kernels, one concept per file: each reproduces a numpy/scipy operation of
 * the notebook bit for bit. Stages import from here; nothing here imports from the engine.
 */
export { cdf50, EMD_BINS, emd50, emdFromCdfs } from './emd.ts';
export { cdfBins, emdBins, emdKernels, emdPairwise, jsEmdKernels, type EmdKernels } from './emd-bins.ts';
export { emdKMeans } from './emdKMeans.ts';
export { MAX_K } from './emdKMeansTypes.ts';
export type { EmdKMeansCentroid, EmdKMeansFailure, EmdKMeansInit, EmdKMeansOptions, EmdKMeansResult } from './emdKMeans.ts';
export { membersByLabel, meanOfMembers, w1MedianOfMembers } from './centroids.ts';
export type { MedianWeights } from './centroids.ts';
export { emdClustering } from './clustering.ts';
export type { EmdClusteringOptions, EmdClusteringResult, Relabel } from './clustering.ts';
export { kmeansPlusPlusLabels } from './kmeansPlusPlus.ts';
export { adjustedRandIndex, agreementFractions, contingency, matchLabels, meanPairwiseAri } from './partitions.ts';
export { ageRanks, groupMeanAges, MILES_AGES_GYR, permuteLabels, permuteRows } from './relabel.ts';
export { emdSilhouette, SILHOUETTE_SAMPLE } from './silhouette.ts';
export type { SilhouetteResult } from './silhouette.ts';
export { weightedLowerMedian } from './weightedMedian.ts';
export { fma } from './fma.ts';
export type { RoundingMode } from './fma.ts';
export {
  correlateAxis0,
  correlateAxis1InPlace,
  GAUSSIAN_MAX_RADIUS_SIDES,
  GAUSSIAN_MIN_SIGMA,
  gaussianFilter2d,
  gaussianRadius,
  gaussianTooWide,
  gaussianWeights,
  reflectIndex,
  smoothPlanes,
} from './gaussian.ts';
export {
  NANMEDIAN_SMALL_AXIS,
  nanmedianAxis0,
  nanmedianAxis0F32,
  nanmedianAxis0F32Range,
  nanmedianBlockWidth,
  nanmedianScratchSize,
  nanmedianTransposeRange,
} from './nanmedian.ts';
export { correctlyRoundedLog } from './log.ts';
export { BRACKET_MIN_AXIS, nanmedianBracketRange } from './bracket-median.ts';
export { numpyExp } from './numpyExp.ts';
export { legacyCopy, legacyGauss, legacyInterval, legacyRandint, legacyRandomSample, legacySeed, legacyShuffle, mt19937Next32, mt19937Seed, seededRandint } from './random.ts';
export type { LegacyRandomState, MT19937State } from './random.ts';
export {
  NUMPY1_SUM_BLOCK,
  NUMPY2_SUM_BLOCK,
  numpySum,
  numpySumAxis,
  numpySumF32,
  pairwiseSum,
  pairwiseSumF32,
  sumMiddleAxis,
} from './sums.ts';
