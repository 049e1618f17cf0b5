/**
 * The SN Ia delay-time distribution fit of the study (SNHZ DtdEstimator.ipynb), as a
 * library: hosts from group-map FITS, the notebook's cuts and likelihood, emcee's stretch
 * move on numpy's legacy generator, the summary, emcee's convergence numbers, the
 * selection and model-comparison tables. Nothing here imports the engine; the dtd stages
 * call {@link fitDtd} and write the outputs. See docs/dtd.md.
 */
export { AUTOCORR_C, AUTOCORR_TOL, autocorrFunction, autoWindow, integratedTime, type ChainView } from './autocorr.ts';
export { COMPARISON_CAVEAT, compareModels, comparisonWarnings, modelsTable, sameData, type ModelComparison, type ModelRecord } from './compare.ts';
export { convergenceOf, type DtdConvergence } from './convergence.ts';
export { EnsembleError, runStretch, type EnsembleChain, type StretchOptions } from './emcee.ts';
export { fftInPlace, isPowerOfTwo, nextPowerOfTwo } from './fft.ts';
export { bestSample, DTD_DEFAULTS, fitDtd, startingBall, type DtdBestSample, type DtdFit, type DtdOptions } from './fit.ts';
export { N_AGE_BINS, readDtdHost, type DtdHost, type DtdHostOverrides, type SnPixelRule } from './host.ts';
export { compareIds, dtdLikelihood, dtdWeights, hostProbability, massFractions, type DtdBinWeight, type DtdLikelihood } from './likelihood.ts';
export { AGE_EDGES_YR, DTD_MODELS, dtdBinIntegrals, logPrior, powerLawIntegral, type DtdIntegral, type DtdModel, type DtdModelSpec } from './models.ts';
export { fitLine, kNote, STUDY_K, tauLine } from './notes.ts';
export { groupProbabilities, NOTEBOOK_CUTS, selectHosts, type DtdCuts, type DtdExclusion, type DtdExclusionReason, type PreparedHost } from './select.ts';
export { chainByWalker, chainCsv, percentileLinear, summarise, summaryCsv, type ParamSummary } from './summary.ts';
export { hostsTable, keptRows, PARAM_UNITS, selectionRows, summaryTable, type HostRow, type HostStatus, type HostWithout, type RunFacts, type SelectionParts } from './tables.ts';
