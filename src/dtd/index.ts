/**
 * The SN Ia delay-time distribution fit of the study (SNHZ DtdEstimator.ipynb), as a
 * library: hosts from group-map FITS, the notebook's cuts and likelihood, emcee's stretch
 * move on numpy's legacy generator, and the summary. Nothing here imports the engine; the
 * dtd stage calls {@link fitDtd} and writes the outputs. See docs/dtd.md.
 */
export { DTD_DEFAULTS, fitDtd, startingBall, type DtdFit, type DtdOptions } from './fit.ts';
export { EnsembleError, runStretch, type EnsembleChain, type StretchOptions } from './emcee.ts';
export { N_AGE_BINS, readDtdHost, type DtdHost, type DtdHostOverrides } from './host.ts';
export { compareIds, dtdLikelihood, dtdWeights, hostProbability, massFractions, type DtdBinWeight, type DtdLikelihood } from './likelihood.ts';
export { AGE_EDGES_YR, DTD_MODELS, dtdBinIntegrals, logPrior, type DtdModel, type DtdModelSpec } from './models.ts';
export { groupProbabilities, NOTEBOOK_CUTS, selectHosts, type DtdCuts, type DtdExclusion, type DtdExclusionReason, type PreparedHost } from './select.ts';
export { chainByWalker, chainCsv, percentileLinear, summarise, summaryCsv, type ParamSummary } from './summary.ts';
